"""Ingest: report.create ops per second through POST /sync/push (a real `manage.py run`), in batches of
1, 10 and 100 from one phone and of 100 from four phones at once, on SQLite and PostgreSQL, beside the rate at which the same database commits the same rows
with plain INSERTs (one transaction per 100 reports' rows), measured alternately with it: the limit.

    .venv/bin/python bench/bench_ingest.py [--sqlite-only | --postgresql-only] [--rounds 5] [--chunks 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import PG_ADMIN_URL, _create_pg_database, _drop_pg_database  # noqa: E402
from tests.helpers import box, op, report_payload  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

# (ops per push, phones pushing at once): one phone at a time, then four (a server's ingest rate is under load)
SETTINGS = ((1, 1), (10, 1), (100, 1), (100, 4))
CHUNK = 100  # ops (and raw rows) per measurement
SEEDED = 10_000  # reports in the database before the clock starts


def _prepare(url: str, instance: Path):
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.stations.service import create_station

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade()
        create_station("CC", "情指联动中心", None, is_command_centre=True)
        create_station("A", "万象派出所", box(119.85, 28.40, 119.95, 28.50))
        db.session.commit()
    # A bureau's database is not empty, and the planner should know its tables: lookups by key in a table that
    # grew from nothing unanalysed are planned as scans (PostgreSQL), which no server sees for long.
    app.test_client().post("/api/v1/devices", json={"platform": "bench"})
    for _ in range(SEEDED // 100):
        _raw_seconds(app, 100)
    with app.app_context():
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return app


class Phone:
    """One registered device with its own kept-alive connection (http.client: the client's share of the time
    should be as small as a phone's, not a convenience library's)."""

    def __init__(self, server_url: str) -> None:
        token = requests.post(server_url + "/api/v1/devices", json={"platform": "bench"}).json()["token"]
        self.connection = http.client.HTTPConnection(urlsplit(server_url).netloc)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def push_all(self, bodies: list[bytes], responses: list) -> None:
        for body in bodies:
            self.connection.request("POST", "/api/v1/sync/push", body=body, headers=self.headers)
            response = self.connection.getresponse()
            responses.append((response.status, response.read()))


def _push_seconds(phones: list[Phone], batch: int, count: int) -> float:
    """Seconds for `phones` pushing `count` report.create ops each, in batches of `batch`, all phones at once;
    bodies are encoded before the clock starts."""
    bodies = []
    for _ in phones:
        ops = [op("report.create", report_payload()) for _ in range(count)]
        bodies.append([json.dumps({"ops": ops[start : start + batch]}).encode() for start in range(0, count, batch)])
    responses: list[tuple[int, bytes]] = []
    threads = [threading.Thread(target=phone.push_all, args=(mine, responses)) for phone, mine in zip(phones, bodies, strict=True)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    assert len(responses) == len(phones) * len(bodies[0])
    for status, body in responses:
        assert status == 200 and all(r["status"] == "applied" for r in json.loads(body)["results"]), body[:300]
    return seconds


def _raw_seconds(app, count: int) -> float:
    """Seconds to commit the rows `count` report.create ops write (report, its timeline event, the op record) with
    plain Core INSERTs, one executemany per table and one transaction: no HTTP, no checks, no live events."""
    from server.extensions import db
    from server.reports.models import Report, SyncOp, TimelineEvent
    from server.stations.models import Station

    with app.app_context():
        user_id = db.session.scalar(sa.text("SELECT id FROM users ORDER BY id LIMIT 1"))
        station_id = db.session.scalar(sa.select(Station.id).where(Station.code == "A"))
        db.session.commit()
        now = datetime.now(UTC)
        ids = [str(uuid.uuid4()) for _ in range(count)]
        # every column the push writes, with the same values (service.report_values, service.created_data)
        reports = [
            dict(id=i, reporter_id=user_id, on_behalf_of=None, kind="alarm", category="medical", description="老人在雨中摔倒，头部流血",
                 lat=28.45, lon=119.9, accuracy_m=12.0, fixed_at=now, location_source="gps", landmark=None, covert=False,
                 anonymous=False, station_id=station_id, client_time=now, status="new", assigned_officer_id=None,
                 created_at=now, updated_at=now)
            for i in ids
        ]  # fmt: skip
        events = [
            dict(report_id=i, type="created", at=now, actor_id=user_id, reporter_visible=True,
                 data={"kind": "alarm", "category": "medical", "station_id": station_id, "station_name": "万象派出所",
                       "covert": False, "lat": 28.45, "lon": 119.9, "media_count": 0})
            for i in ids
        ]  # fmt: skip
        sync_ops = [dict(op_id=str(uuid.uuid4()), user_id=user_id, type="report.create", applied_at=now) for _ in ids]
        started = time.perf_counter()
        db.session.execute(sa.insert(Report.__table__), reports)
        db.session.execute(sa.insert(TimelineEvent.__table__), events)
        db.session.execute(sa.insert(SyncOp.__table__), sync_ops)
        db.session.commit()
        return time.perf_counter() - started


def run(kind: str, rounds: int, chunks: int) -> list[dict]:
    """Per round and setting, `chunks` times: commit 100 reports' rows raw (once per phone), then have the phones
    push 100 ops each. Raw and push alternate every few milliseconds, so a shared machine's slow spells weigh on
    both alike; a round's push/raw ratio is its summed times', and the table gives medians over the rounds."""
    instance = Path(tempfile.mkdtemp(prefix="lianbao-bench-"))
    url = _create_pg_database() if kind == "postgresql" else f"sqlite:///{instance / 'bench.db'}"
    app = _prepare(url, instance)
    server = ServerProcess(url, instance).start()
    measured: dict[tuple[int, int], list[tuple[float, float]]] = {setting: [] for setting in SETTINGS}
    try:
        phones = [Phone(server.url) for _ in range(max(n for _, n in SETTINGS))]
        _push_seconds(phones, 10, 50)  # warm up
        _raw_seconds(app, 100)
        for _ in range(rounds):
            for batch, n in SETTINGS:
                times = [(sum(_raw_seconds(app, CHUNK) for _ in range(n)), _push_seconds(phones[:n], batch, CHUNK)) for _ in range(chunks)]
                raw, push = sum(t[0] for t in times), sum(t[1] for t in times)
                ops = CHUNK * chunks * n
                measured[(batch, n)].append((ops / push, ops / raw))
    finally:
        server.stop()
        if kind == "postgresql":
            from server.extensions import db

            with app.app_context():
                db.engine.dispose()
            _drop_pg_database(url)
    rows = []
    for (batch, n), pairs in measured.items():
        ratios = [push / raw for push, raw in pairs]
        rows.append(
            {
                "database": kind,
                "batch": batch,
                "phones": n,
                "rounds": rounds,
                "ops_per_round": CHUNK * chunks * n,
                "push_ops_per_s": round(statistics.median(push for push, _ in pairs), 1),
                "raw_rows_per_s": round(statistics.median(raw for _, raw in pairs), 1),
                "ratio": round(statistics.median(ratios), 3),
                "ratio_min": round(min(ratios), 3),
                "ratio_max": round(max(ratios), 3),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunks", type=int, default=5, help="chunks of 100 ops per round and batch size")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    kinds = [] if args.postgresql_only else ["sqlite"]
    if not args.sqlite_only:
        try:
            sa.create_engine(PG_ADMIN_URL).connect().close()
            kinds.append("postgresql")
        except sa.exc.OperationalError:
            print("PostgreSQL not reachable; SQLite only", file=sys.stderr)
    rows = [row for kind in kinds for row in run(kind, args.rounds, args.chunks)]
    print(f"\nmedians over {args.rounds} rounds; push/raw range is the lowest and highest round")
    print(f"{'database':<11}{'batch':>6}{'phones':>7}{'push ops/s':>12}{'raw rows/s':>12}{'push/raw':>10}{'range':>13}")
    for r in rows:
        spread = f"{r['ratio_min']:.2f}–{r['ratio_max']:.2f}"
        print(
            f"{r['database']:<11}{r['batch']:>6}{r['phones']:>7}{r['push_ops_per_s']:>12}{r['raw_rows_per_s']:>12}{r['ratio']:>10}{spread:>13}"
        )
    out = ROOT / "bench" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), "rows": rows}, indent=2))
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
