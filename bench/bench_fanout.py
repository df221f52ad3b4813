#!/usr/bin/env python
"""Fan-out of live events: how long until every connected console has a new case, and what 500 consoles cost.

One `manage.py run` web process (gevent, SQLite in a temp dir) and N console clients (python-socketio's asyncio
client over websocket, split over a few client processes so the client side is not the bottleneck). For each of
R reports: t0 = when POST /sync/push returned; latency = when the LAST console got `case.created` minus t0 (the
event can beat the HTTP answer, since it is emitted at commit). Reports go one at a time, each after every
console has the previous one, so this is latency, not throughput. Beside it, the round-trip of a bare
python-socketio echo server on the same loopback (the floor any Socket.IO fan-out sits on), and the web
process's resident memory before and after the consoles connect.

    .venv/bin/python bench/bench_fanout.py [--clients 500] [--reports 200] [--procs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bureau import PASSWORD, prepare  # noqa: E402

ECHO_SERVER = """
from gevent import monkey; monkey.patch_all()
import sys, socketio
from gevent import pywsgi
sio = socketio.Server(async_mode="gevent")
sio.on("echo", lambda sid, data: data, namespace="/live")
pywsgi.WSGIServer(("127.0.0.1", int(sys.argv[1])), socketio.WSGIApp(sio), log=None).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early ({url})")
        try:
            requests.get(url + path, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"server did not come up ({url})")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def client_process(url: str, token: str, count: int, expected: int, ready, results) -> None:
    """`count` consoles in one asyncio loop; per report, tell the parent when the last of them got it."""
    import socketio

    async def main() -> None:
        seen: dict[str, list[float]] = {}
        done: set[str] = set()
        clients = []
        gate = asyncio.Semaphore(25)  # don't stampede the server's accept queue

        def on_created(event: dict) -> None:
            arrival = time.monotonic()
            report_id = event["report_id"]
            times = seen.setdefault(report_id, [])
            times.append(arrival)
            if len(times) == count and report_id not in done:
                done.add(report_id)
                results.put((report_id, min(times), max(times), count))

        async def connect() -> None:
            client = socketio.AsyncClient(reconnection=False)
            client.on("case.created", on_created, namespace="/live")
            async with gate:
                await client.connect(url, transports=["websocket"], namespaces=["/live"], auth={"token": token}, wait_timeout=30)
            clients.append(client)

        await asyncio.gather(*(connect() for _ in range(count)))
        ready.put(count)
        deadline = time.monotonic() + 600
        while len(done) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)

    asyncio.run(main())


def echo_round_trips(n: int) -> list[float]:
    import socketio

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(port)], cwd=ROOT)
    try:
        wait_up(f"http://127.0.0.1:{port}", proc, "/socket.io/?EIO=4&transport=polling")
        client = socketio.Client()
        client.connect(f"http://127.0.0.1:{port}", transports=["websocket"], namespaces=["/live"])
        times = []
        for i in range(n + 10):
            start = time.monotonic()
            client.call("echo", {"i": i}, namespace="/live", timeout=10)
            if i >= 10:  # warm-up
                times.append((time.monotonic() - start) * 1000)
        client.disconnect()
        return times
    finally:
        proc.terminate()
        proc.wait(10)


def report_op() -> dict:
    now = datetime.now(UTC).isoformat()
    payload = {
        "report_id": str(uuid.uuid4()),
        "kind": "alarm",
        "category": "street_racing_noise",
        "description": "夜间改装车飙车扰民",
        "location": {"lat": 28.45, "lon": 119.90, "accuracy_m": 15.0, "fixed_at": now, "source": "gps"},
        "covert": False,
        "anonymous": False,
        "media": [],
    }
    return {"op_id": str(uuid.uuid4()), "type": "report.create", "client_time": now, "payload": payload}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2, help="client processes sharing the consoles")
    args = parser.parse_args()

    echo = echo_round_trips(args.reports)

    with tempfile.TemporaryDirectory(prefix="lianbao-bench-") as tmp:
        instance = Path(tmp)
        env = prepare(instance)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "run", "--port", str(port), "--no-worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(url, server)
            rss_idle = rss_mb(server.pid)
            token = requests.post(f"{url}/api/v1/auth/login", json={"username": "dispatcher", "password": PASSWORD}, timeout=10).json()[
                "token"
            ]
            citizen = requests.post(f"{url}/api/v1/devices", json={"platform": "bench"}, timeout=10).json()["token"]

            ctx = mp.get_context("spawn")
            ready, results = ctx.Queue(), ctx.Queue()
            shares = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0) for i in range(args.procs)]
            procs = [ctx.Process(target=client_process, args=(url, token, n, args.reports, ready, results)) for n in shares]
            started = time.monotonic()
            for p in procs:
                p.start()
            for _ in procs:
                ready.get(timeout=300)
            connect_seconds = time.monotonic() - started
            rss_connected = rss_mb(server.pid)

            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {citizen}"
            from_return, from_send, first = [], [], []
            for _ in range(args.reports):
                op = report_op()
                sent = time.monotonic()
                response = session.post(f"{url}/api/v1/sync/push", json={"ops": [op]}, timeout=30)
                returned = time.monotonic()
                assert response.json()["results"][0]["status"] == "applied", response.text
                report_id = op["payload"]["report_id"]
                firsts, lasts = [], []
                while len(lasts) < len(procs):
                    rid, earliest, latest, _count = results.get(timeout=30)
                    assert rid == report_id, "reports arrive one at a time"
                    firsts.append(earliest)
                    lasts.append(latest)
                from_return.append((max(lasts) - returned) * 1000)
                from_send.append((max(lasts) - sent) * 1000)
                first.append((min(firsts) - sent) * 1000)
            rss_after = rss_mb(server.pid)
            for p in procs:
                p.join(60)
        finally:
            server.terminate()
            server.wait(10)

    rows = [
        ("all consoles have it, from /sync/push return", from_return),
        ("all consoles have it, from /sync/push sent", from_send),
        ("first console has it, from /sync/push sent", first),
        ("bare Socket.IO echo round-trip (loopback)", echo),
    ]
    print(f"\nFan-out: {args.clients} consoles (websocket, {args.procs} client processes), {args.reports} reports, one web process")
    print(f"{'measure':<48} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in rows:
        print(f"{name:<48} {statistics.median(values):>8.1f} {pct(values, 99):>8.1f} {max(values):>8.1f}")
    print(
        f"\nweb process RSS: idle {rss_idle:.1f} MB, with {args.clients} consoles {rss_connected:.1f} MB, after the run {rss_after:.1f} MB"
    )
    print(f"connecting {args.clients} consoles took {connect_seconds:.1f} s; cores: {os.cpu_count()}")

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "clients": args.clients,
        "reports": args.reports,
        "client_processes": args.procs,
        "cores": os.cpu_count(),
        "latency_ms": {name: {"p50": statistics.median(v), "p99": pct(v, 99), "max": max(v)} for name, v in rows},
        "rss_mb": {"idle": rss_idle, "connected": rss_connected, "after": rss_after},
        "connect_seconds": connect_seconds,
        "at": datetime.now(UTC).isoformat(),
    }
    (out / "fanout.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
