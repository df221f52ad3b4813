#!/usr/bin/env python
"""Relay delivery: from the dispatcher's relay to the agency having it, with one and two outbox workers.

A fresh database (PostgreSQL at LIANBAO_TEST_PG if it answers, else SQLite in a temp dir) built by the real
migrations; a local agency receiver that verifies every signature and answers after a configurable delay (a
real agency's endpoint is not instant); `manage.py worker` processes draining the outbox. For each scenario
R relays are made through the real service (20 cases × 10 agencies, in formats EIDO / CAP / JSON), and for
each relay latency = when the receiver had it − the relay's created_at. Also: deliveries per second over the
whole batch, and how many relays arrived more than once (must be 0).

    .venv/bin/python bench/bench_relay.py [--relays 200] [--agency-delay-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-agency-secret-0123456789"
PG_ADMIN = os.environ.get("LIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Receiver:
    """An agency endpoint: checks the signature, remembers when each relay id first arrived."""

    def __init__(self, delay_s: float) -> None:
        from server.agencies import signing

        self.arrived: dict[str, float] = {}
        self.counts: Counter[str] = Counter()
        self.bad = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.time()
                ok = signing.verify(
                    SECRET, self.headers.get(signing.TIMESTAMP_HEADER, ""), body, self.headers.get(signing.SIGNATURE_HEADER)
                )
                relay_id = self.headers.get(signing.RELAY_ID_HEADER, "")
                with lock:
                    if ok:
                        receiver.counts[relay_id] += 1
                        receiver.arrived.setdefault(relay_id, now)
                    else:
                        receiver.bad += 1
                time.sleep(delay_s)
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def make_database(tmp: Path) -> tuple[str, str]:
    try:
        engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"lianbao_bench_{uuid.uuid4().hex[:8]}"
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, "postgresql"
    except Exception:
        return f"sqlite:///{tmp / 'bench.db'}", "sqlite"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        engine.dispose()


def scenario(app, db_url: str, instance: Path, workers: int, relays: int, receiver: Receiver) -> dict:
    from server.agencies.models import Agency, Relay
    from server.agencies.relaying import relay_case
    from server.auth.models import User
    from server.extensions import db
    from server.outbox import OutboxEntry
    from server.reports.models import Report
    from server.stations.service import command_centre
    from server.timeutil import utcnow

    env = {**os.environ, "DATABASE_URL": db_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "PYTHONUNBUFFERED": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    time.sleep(2.0)  # let the workers import and start polling
    made: dict[str, float] = {}
    with app.app_context():
        dispatcher = db.session.scalar(sa.select(User).where(User.username == "dispatcher"))
        agency_ids = list(db.session.scalars(sa.select(Agency.id).order_by(Agency.id)))
        station = command_centre()
        started = time.time()
        for _ in range(relays // len(agency_ids)):
            report = Report(
                id=str(uuid.uuid4()), reporter_id=dispatcher.id, kind="alarm", category="medical", description="暴雨中老人摔倒，头部流血",
                lat=28.45, lon=119.9, accuracy_m=15.0, fixed_at=utcnow(), location_source="gps", station_id=station.id,
            )  # fmt: skip
            db.session.add(report)
            db.session.flush()
            for relay in relay_case(
                dispatcher, report, agency_ids, {"reporter_identity": False, "media": True}, "请派人", "http://127.0.0.1/"
            ):
                made[relay.id] = relay.created_at.timestamp()
            db.session.commit()
        deadline = time.time() + 120
        while len(receiver.arrived.keys() & made.keys()) < len(made) and time.time() < deadline:
            time.sleep(0.05)
        finished = time.time()
        time.sleep(1.0)  # room for a duplicate to show up
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        latencies = sorted((receiver.arrived[r] - t) * 1000 for r, t in made.items() if r in receiver.arrived)
        delivered = db.session.scalar(sa.select(sa.func.count()).select_from(Relay).where(Relay.id.in_(made), Relay.state == "delivered"))
        attempts = db.session.scalar(sa.select(sa.func.sum(OutboxEntry.attempts)).where(OutboxEntry.ref.in_(made)))
    return {
        "workers": workers,
        "relays": len(made),
        "delivered": delivered,
        "duplicates": sum(receiver.counts[r] - 1 for r in made if receiver.counts[r] > 1),
        "attempts": attempts,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "per_second": round(len(latencies) / max(finished - started, 1e-9), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--relays", type=int, default=200)
    parser.add_argument("--agency-delay-ms", type=float, default=20.0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lianbao-bench-relay-"))
    db_url, kind = make_database(tmp)
    os.environ.update(DATABASE_URL=db_url, INSTANCE_PATH=str(tmp), SECRET_KEY="bench")
    from flask_migrate import upgrade

    from server import create_app
    from server.agencies.service import create_agency
    from server.auth.users import create_staff_user
    from server.extensions import db
    from server.stations.service import create_station

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench"})
    receiver = Receiver(args.agency_delay_ms / 1000)
    rows = []
    try:
        with app.app_context():
            upgrade()
            create_station("CC", "丽水市公安局情指联动中心", None, is_command_centre=True)
            create_staff_user("dispatcher", "bench-password-1", "dispatcher", "CC")
            for i in range(10):
                fmt = ("eido", "cap", "json")[i % 3]
                create_agency(f"联动单位{i}", "medical", "webhook", f"{receiver.url}/{fmt}", SECRET, fmt)
            db.session.commit()
        for workers in (1, 2):
            rows.append(scenario(app, db_url, tmp, workers, args.relays, receiver))
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(db_url)

    print(f"\nRelay delivery, {kind}, agency answers after {args.agency_delay_ms:g} ms, worker poll {0.5} s\n")
    header = ("workers", "relays", "delivered", "duplicates", "attempts", "p50_ms", "p95_ms", "max_ms", "per_second")
    print("  ".join(f"{h:>10}" for h in header))
    for row in rows:
        print("  ".join(f"{row[h]!s:>10}" for h in header))
    out = ROOT / "bench" / "results" / "relay.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "database": kind,
                "agency_delay_ms": args.agency_delay_ms,
                "bad_signatures": receiver.bad,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
