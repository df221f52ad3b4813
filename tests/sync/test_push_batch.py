"""The batch path for runs of report.create ops: same answers and rows as op by op, far fewer statements."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.extensions import db
from server.outbox import OutboxEntry
from server.push.models import PushSubscription
from server.reports.models import Media, Message, Report, SyncOp, TimelineEvent
from tests.helpers import IN_A, IN_B, NOWHERE, op, report_payload


def media_item(sha: str = "a" * 64, media_id: str | None = None) -> dict:
    return {"media_id": media_id or str(uuid.uuid4()), "kind": "photo", "mime": "image/jpeg", "size": 1234, "sha256": sha}


def pull_all(api, token: str) -> list[dict]:
    events, cursor = [], 0
    while True:
        body = api.get(f"/api/v1/sync/pull?cursor={cursor}&limit=1000", token).get_json()
        if not body["events"]:
            return events
        events += body["events"]
        cursor = body["cursor"]


def test_a_batch_of_100_creates_stores_routes_and_feeds_each_report_once(api, app):
    stations = api.bureau()
    token = api.device()
    where = [IN_A, IN_B, NOWHERE, None]
    payloads = [
        report_payload(where[i % 4], **({"location": {"landmark": "村口", "source": "manual"}} if i % 4 == 3 else {})) for i in range(100)
    ]
    results = api.push(token, *(op("report.create", p) for p in payloads))

    assert [r["status"] for r in results] == ["applied"] * 100
    expected_station = {
        p["report_id"]: (stations["a"], stations["b"], stations["cc"], stations["cc"])[i % 4] for i, p in enumerate(payloads)
    }
    with app.app_context():
        reports = {r.id: r for r in db.session.scalars(sa.select(Report))}
        assert {rid: r.station_id for rid, r in reports.items()} == expected_station
        events = list(db.session.scalars(sa.select(TimelineEvent).where(TimelineEvent.type == "created").order_by(TimelineEvent.seq)))
        assert [e.report_id for e in events] == [p["report_id"] for p in payloads]  # seqs follow the ops' order
        seqs = [e.seq for e in events]
        assert seqs == sorted(set(seqs))
        assert events[1].data["station_name"] == "城南派出所" and events[1].data["media_count"] == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp)) == 100

    feed = [e for e in pull_all(api, token) if e["type"] == "created"]
    assert sorted(e["report_id"] for e in feed) == sorted(expected_station)
    assert [e["seq"] for e in feed] == seqs

    again = api.push(token, *(op("report.create", p) for p in payloads[:3]))  # same reports, new op ids
    assert [r["status"] for r in again] == ["duplicate"] * 3


def test_a_mixed_batch_answers_each_op_as_op_by_op_would(api, app):
    api.bureau()
    token, other = api.device(), api.device()
    theirs = api.report(other)
    earlier = report_payload(media=[media_item("b" * 64)])
    earlier_op = op("report.create", earlier)
    assert api.push(token, earlier_op)[0]["status"] == "applied"

    good, bad, twin_media = report_payload(), report_payload(kind="bogus"), media_item()
    first = op("report.create", good)
    ops = [
        first,  # 0 applied
        op("report.create", bad),  # 1 validation
        dict(first),  # 2 same op id again in the batch: duplicate
        earlier_op,  # 3 op applied in an earlier push: duplicate
        op("report.create", {**good}),  # 4 same report id, new op id: duplicate
        op("report.create", report_payload(report_id=theirs)),  # 5 another identity's report: id_conflict
        op("report.create", report_payload(media=[media_item("c" * 64, earlier["media"][0]["media_id"])])),  # 6 media_conflict
        op("report.create", report_payload(media=[twin_media, dict(twin_media)])),  # 7 same item twice: applied, once
        op("report.create", report_payload(on_behalf_of={"name": "王阿婆", "consent": "verbal"})),  # 8 forbidden
        op("message.create", {"message_id": str(uuid.uuid4()), "report_id": bad["report_id"], "body": "在吗"}),  # 9 parent_rejected
        op("message.create", {"message_id": str(uuid.uuid4()), "report_id": good["report_id"], "body": "快来"}),  # 10 applied
        op("report.create", report_payload(IN_B)),  # 11 a second run of creates: applied
        {"op_id": "not-a-uuid", "type": "report.create", "payload": {}},  # 12 malformed envelope
    ]
    results = api.push(token, *ops)

    statuses = [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in results]
    assert statuses == [
        "applied",
        "validation",
        "duplicate",
        "duplicate",
        "duplicate",
        "id_conflict",
        "media_conflict",
        "applied",
        "forbidden",
        "parent_rejected",
        "applied",
        "applied",
        "validation",
    ]
    assert results[1]["error"]["fields"] == {"kind": ["Must be one of: alarm, tip, mediation, hazard, feedback."]}
    assert results[5]["error"]["fields"] == {"report_id": ["exists"]}
    assert results[6]["error"]["fields"] == {"media_id": [earlier["media"][0]["media_id"]]}
    assert results[8]["error"]["fields"] == {"on_behalf_of": ["not allowed"]}
    with app.app_context():
        stored = set(db.session.scalars(sa.select(Report.id)))
        assert good["report_id"] in stored and bad["report_id"] not in stored
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 5  # theirs, earlier, 0, 7, 11
        assert db.session.get(Report, theirs).description == report_payload()["description"]
        media = {m.id: m for m in db.session.scalars(sa.select(Media))}
        assert set(media) == {earlier["media"][0]["media_id"], twin_media["media_id"]}
        assert media[earlier["media"][0]["media_id"]].sha256 == "b" * 64
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
        # One op record per op that answered applied/duplicate for the first time: earlier, 0, 4, 7, 10, 11, theirs.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp)) == 7
        created = db.session.scalars(sa.select(TimelineEvent.report_id).where(TimelineEvent.type == "created")).all()
        assert len(created) == len(set(created)) == 5

    rerun = api.push(token, *ops)  # resent: nothing new, the rejected ones re-evaluated the same way
    assert [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in rerun] == [
        "duplicate", "validation", "duplicate", "duplicate", "duplicate", "id_conflict", "media_conflict",
        "duplicate", "forbidden", "parent_rejected", "duplicate", "duplicate", "validation",
    ]  # fmt: skip


def test_a_batch_of_alarms_queues_one_push_per_subscribed_officer_per_alarm(api, app):
    api.bureau()
    with app.app_context():
        from server.auth.models import User

        for n, name in enumerate(("officer.a", "dispatcher", "officer.b")):
            user = db.session.scalar(sa.select(User).where(User.username == name))
            db.session.add(PushSubscription(user_id=user.id, endpoint=f"https://push.example/{n}", p256dh="k", auth="a"))
        db.session.commit()
        subs = {s.endpoint[-1]: s.id for s in db.session.scalars(sa.select(PushSubscription))}
    in_a = [report_payload(IN_A) for _ in range(10)]
    in_b = [report_payload(IN_B) for _ in range(5)]
    tips = [report_payload(IN_A, kind="tip", category="other") for _ in range(3)]
    results = api.push(api.device(), *(op("report.create", p) for p in in_a + tips + in_b))
    assert {r["status"] for r in results} == {"applied"}

    with app.app_context():
        entries = db.session.scalars(sa.select(OutboxEntry).where(OutboxEntry.kind == "push.send")).all()
        queued: dict[int, list[str]] = {}
        for entry in entries:
            queued.setdefault(entry.payload["subscription_id"], []).append(entry.payload["report_id"])
    assert sorted(queued[subs["0"]]) == sorted(p["report_id"] for p in in_a)  # officer.a: station A's alarms
    assert sorted(queued[subs["2"]]) == sorted(p["report_id"] for p in in_b)  # officer.b: station B's
    assert sorted(queued[subs["1"]]) == sorted(p["report_id"] for p in in_a + in_b)  # dispatcher: every alarm
    assert len(entries) == 10 + 5 + 15


def test_a_failing_bulk_insert_falls_back_to_op_by_op(api, app, monkeypatch):
    from server.reports import intake

    api.bureau()
    original = intake.CreateBatch.flush

    def flush_then_fail(self):
        original(self)
        raise sa.exc.IntegrityError("INSERT", {}, Exception("simulated"))

    monkeypatch.setattr(intake.CreateBatch, "flush", flush_then_fail)
    token = api.device()
    payloads = [report_payload() for _ in range(5)]
    ops = [op("report.create", p) for p in payloads] + [op("report.create", dict(payloads[0]))]
    results = api.push(token, *ops)

    assert [r["status"] for r in results] == ["applied"] * 5 + ["duplicate"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TimelineEvent)) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp)) == 6
    assert len([e for e in pull_all(api, token) if e["type"] == "created"]) == 5
