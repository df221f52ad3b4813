"""Two `manage.py worker` processes drain one outbox: every relay is delivered exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.agencies.receiver import AgencyReceiver
from tests.helpers import IN_A
from tests.servers import ROOT

pytestmark = pytest.mark.multiprocess

REPORTS, AGENCIES = 20, 10  # 200 relays


def start_worker(database_url: str, instance_path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "MEDIA_DIR": str(instance_path / "media"),
        "SECRET_KEY": "test-secret",
        "RELAY_BACKOFF_BASE": "0.2",
        "PYTHONUNBUFFERED": "1",
    }
    log = open(instance_path / f"{name}.log", "ab")
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_two_workers_deliver_each_of_200_relays_exactly_once(linkage, database_url, instance_path):
    receiver = AgencyReceiver(delay=0.002).start()
    workers = []
    try:
        formats = ["eido", "cap", "json"]
        agencies = [
            linkage.agency(f"联动单位{i}", url=f"{receiver.url}/{formats[i % 3]}", format_=formats[i % 3])["id"] for i in range(AGENCIES)
        ]
        workers = [start_worker(database_url, instance_path, f"worker-{n}") for n in (1, 2)]
        citizen = linkage.api.device()
        relay_ids = []
        for _ in range(REPORTS):
            report_id = linkage.api.report(citizen, IN_A)
            relay_ids += [r["relay_id"] for r in linkage.relay(report_id, agencies)["items"]]
        assert len(relay_ids) == 200

        deadline = time.monotonic() + 120
        while len(receiver.delivered) < 200 and time.monotonic() < deadline:
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.2)
        time.sleep(1.5)  # long enough for a doubled delivery to show up if there were one
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(10)
        receiver.stop()

    assert receiver.problems == []
    assert set(receiver.delivered) == set(relay_ids)
    assert set(receiver.delivered.values()) == {1}
    assert len(receiver.requests) == 200  # no attempt at all beyond the one that delivered

    from server.agencies.models import Relay
    from server.extensions import db
    from server.outbox import OutboxEntry

    with linkage.app.app_context():
        states = db.session.execute(sa.select(Relay.state, sa.func.count()).group_by(Relay.state)).all()
        assert dict(states) == {"delivered": 200}
        attempts = db.session.scalars(sa.select(OutboxEntry.attempts).where(OutboxEntry.kind == "relay.deliver")).all()
        assert sorted(set(attempts)) == [1] and len(attempts) == 200
