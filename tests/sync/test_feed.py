"""GET /sync/pull: every visible event exactly once, in seq order, from any cursor, even under concurrent writers."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.helpers import IN_B, bearer, op


def _pull_all(client, token: str, cursor: int = 0, limit: int = 100) -> tuple[list[dict], int]:
    events = []
    while True:
        page = client.get(f"/api/v1/sync/pull?cursor={cursor}&limit={limit}", headers=bearer(token)).get_json()
        if not page["events"]:
            assert page["cursor"] == cursor
            return events, cursor
        events += page["events"]
        cursor = page["cursor"]


def test_pull_after_a_thousand_events_returns_each_exactly_once_in_order(api, client):
    api.bureau()
    token = api.device()
    report_id = api.report(token)
    for start in range(0, 999, 333):
        ops = [
            op("message.create", {"message_id": str(uuid.uuid4()), "report_id": report_id, "body": f"消息 {i}"})
            for i in range(start, start + 333)
        ]
        assert {r["status"] for r in api.push(token, *ops)} == {"applied"}
    events, cursor = _pull_all(client, token, limit=97)
    seqs = [e["seq"] for e in events]
    assert len(events) == 1000
    assert seqs == sorted(set(seqs))  # strictly increasing: no repeats, in order
    assert [e["type"] for e in events[:2]] == ["created", "message"]
    assert [e["data"]["body"] for e in events[1:]] == [f"消息 {i}" for i in range(999)]
    assert cursor == seqs[-1]
    resumed, _ = _pull_all(client, token, cursor=seqs[499], limit=1000)
    assert [e["seq"] for e in resumed] == seqs[500:]


def test_the_feed_carries_only_what_the_caller_may_see(api, client):
    api.bureau()
    mine, theirs = api.device(), api.device()
    my_report = api.report(mine)
    api.report(theirs, IN_B)
    officer_a = api.login("officer.a")
    assert client.post(f"/api/v1/cases/{my_report}/notes", json={"body": "内部备注"}, headers=bearer(officer_a)).status_code < 300
    my_events, _ = _pull_all(client, mine)
    assert {e["report_id"] for e in my_events} == {my_report}
    assert "note" not in {e["type"] for e in my_events}  # staff notes never reach the reporter
    station_a, _ = _pull_all(client, officer_a)
    assert {e["report_id"] for e in station_a} == {my_report}
    assert "note" in {e["type"] for e in station_a}
    everything, _ = _pull_all(client, api.login("dispatcher"))
    assert len({e["report_id"] for e in everything}) == 2


def test_pull_rejects_bad_cursors_and_limits(api, client):
    token = api.device()
    for query in ("cursor=-1", "cursor=abc", "limit=0", "limit=1001"):
        assert client.get(f"/api/v1/sync/pull?{query}", headers=bearer(token)).status_code == 400
    assert client.get("/api/v1/sync/pull").status_code == 401


@pytest.mark.timeout(180)
def test_a_reader_paging_during_concurrent_writers_never_skips_an_event(api, app):
    """The classic change-feed gap: writer A takes seq 10 and is slow to commit, B takes 11 and commits,
    a reader serves 11 and moves its cursor past 10 forever. The feed-clock lock makes writers commit in
    seq order, so this cannot happen; run with LIANBAO_TEST_DB=postgresql to prove it on PostgreSQL."""
    from server.auth.models import User
    from server.extensions import db
    from server.reports import timeline
    from server.reports.models import Report, TimelineEvent
    from sync.feed import pull

    api.bureau()
    report_ids = [api.report(api.device()) for _ in range(4)]
    dispatcher_token = api.login("dispatcher")
    assert dispatcher_token
    with app.app_context():
        dispatcher_id = db.session.scalar(sa.select(User.id).where(User.username == "dispatcher"))
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def write(report_id: str, n: int) -> None:
        try:
            with app.app_context():
                for i in range(n):
                    report = db.session.get(Report, report_id)
                    actor = db.session.get(User, dispatcher_id)
                    timeline.record(report, "note", actor, {"i": i})
                    time.sleep(random.uniform(0, 0.01))  # hold the transaction open after taking a seq
                    db.session.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    seen: list[int] = []

    def read() -> None:
        try:
            with app.app_context():
                user = db.session.get(User, dispatcher_id)
                cursor = 0
                while True:
                    finished = writers_done.is_set()
                    page = pull(user, cursor, 7)
                    db.session.rollback()  # a fresh snapshot for the next page
                    seen.extend(e["seq"] for e in page["events"])
                    cursor = page["cursor"]
                    if finished and not page["events"]:
                        return
        except BaseException as exc:
            errors.append(exc)

    # SQLite has one writer at a time and its busy handler sleeps in coarse steps, so four threads contending
    # for it crawl (and on a loaded machine can starve past busy_timeout); fewer writes prove the same there.
    per_writer = 40 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 10
    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(rid, per_writer)) for rid in report_ids]
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    writers_done.set()
    reader.join(60)
    assert not errors, errors
    with app.app_context():
        all_seqs = list(db.session.scalars(sa.select(TimelineEvent.seq).order_by(TimelineEvent.seq)))
    assert len(all_seqs) == 4 + 4 * per_writer
    assert seen == all_seqs  # every event, once, in order
