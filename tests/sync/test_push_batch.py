"""The batch path for runs of report.create ops: same answers and rows as op by op, far fewer statements."""

from __future__ import annotations

import json
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


def test_a_push_of_creates_sends_as_many_statements_for_100_ops_as_for_10(api, app):
    """The batch path's cost per op is in the executemany, never in a statement per op; a fresh report id is not
    looked up (the primary key refuses a stored one: test_a_mixed_batch_answers_each_op_as_op_by_op_would)."""
    api.bureau()
    token = api.device()
    api.push(token, *(op("report.create", report_payload()) for _ in range(3)))  # caches warm (stations, token)
    sent: list[tuple[str, bool]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append((" ".join(statement.split()), executemany))

    with app.app_context():
        engine = db.engine
    counts = []
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        for size in (10, 100):
            sent.clear()
            assert {r["status"] for r in api.push(token, *(op("report.create", report_payload()) for _ in range(size)))} == {"applied"}
            counts.append(len(sent))
            assert not [s for s, _ in sent if s.startswith("SELECT") and "FROM reports" in s], sent
            inserts = [s.split(" (")[0] for s, many in sent if s.startswith("INSERT") and many]
            assert {"INSERT INTO reports", "INSERT INTO sync_ops", "INSERT INTO timeline_events"} <= set(inserts), sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert counts[0] == counts[1], counts


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


def test_a_failing_bulk_insert_after_other_ops_redoes_the_whole_push_once(api, app, monkeypatch):
    """The bulk insert runs outside a savepoint, so its failure rolls back the push: the ops before it (a message
    here) are applied again op by op with the rest, and each lands exactly once."""
    from server.reports import intake

    api.bureau()
    token = api.device()
    stored = api.report(token)
    original = intake.CreateBatch.flush

    def flush_then_fail(self):
        original(self)
        raise sa.exc.OperationalError("INSERT", {}, Exception("simulated"))

    monkeypatch.setattr(intake.CreateBatch, "flush", flush_then_fail)
    message = op("message.create", {"message_id": str(uuid.uuid4()), "report_id": stored, "body": "还在吗"})
    creates = [op("report.create", report_payload()) for _ in range(3)]
    results = api.push(token, message, *creates)

    assert [r["status"] for r in results] == ["applied"] * 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOp)) == 5
    assert api.push(token, message, *creates) == [{"op_id": o["op_id"], "status": "duplicate"} for o in [message, *creates]]


def test_the_batch_path_writes_every_column_as_op_by_op_would(api, app, monkeypatch):
    """Core bulk INSERTs set the ORM's Python-side defaults by hand: compare every stored value with the ORM path."""
    from server.assistants.service import appoint_assistant
    from sync import engine

    stations = api.bureau()
    with app.app_context():
        appoint_assistant("assistant.shipu", "correct-horse-9", "潘建华", None, "LS-001", "石浦村", stations["b"], None)
        db.session.commit()
    token = api.login("assistant.shipu")
    fixed_at, client_time = "2026-12-03T08:00:00.250000+08:00", "2026-12-03T00:00:01Z"

    def ops() -> list[dict]:
        villager = {"name": "王大爷", "phone": "13900000000", "village": "石浦村", "consent": "verbal"}
        preview = {**media_item("d" * 64), "kind": "video", "mime": "video/mp4", "variant": "preview"}
        payloads = [
            report_payload(IN_A, media=[media_item(), preview]),
            report_payload(IN_B, kind="tip", category="other", covert=True, anonymous=True, description=""),
            report_payload(None, location={"landmark": "村口", "source": "manual"}, on_behalf_of=villager),
            {k: v for k, v in report_payload(NOWHERE).items() if k not in ("description", "covert", "anonymous", "media")},
        ]
        for p in payloads:
            if "fixed_at" in p["location"]:
                p["location"]["fixed_at"] = fixed_at
        return [{**op("report.create", p), "client_time": client_time} for p in payloads]

    def stored(report_ids: list[str]) -> dict[str, list]:
        """Every column of the rows the creates wrote, in op order, minus the ids and timestamps that must differ."""
        tables = {"reports": Report, "media": Media, "timeline_events": TimelineEvent}
        order = {rid: n for n, rid in enumerate(report_ids)}
        out: dict[str, list] = {}
        for name, model in tables.items():
            table = model.__table__
            key = table.c.id if name == "reports" else table.c.report_id
            skip = {"id", "report_id", "seq", "created_at", "updated_at", "at"}
            cols = [c for c in table.c if c.name not in skip]
            query = sa.select(key, *cols, *(c.is_(None).label(f"{c.name}_is_null") for c in table.c)).where(key.in_(report_ids))
            rows = [row._asdict() for row in db.session.execute(query)]
            by_op = sorted(rows, key=lambda r: (order[r["id" if name == "reports" else "report_id"]], str(r.get("sha256"))))
            out[name] = [{k: v for k, v in r.items() if k not in ("id", "report_id")} for r in by_op]
        for report in db.session.scalars(sa.select(Report).where(Report.id.in_(report_ids))):
            assert report.created_at <= report.updated_at
            assert all(m.created_at >= report.created_at for m in report.media)
        return out

    batch_ops = ops()
    assert [r["status"] for r in api.push(token, *batch_ops)] == ["applied"] * 4
    monkeypatch.setattr(engine, "_is_create", lambda raw: False)  # every op by itself, through the ORM
    single_ops = ops()
    assert [r["status"] for r in api.push(token, *single_ops)] == ["applied"] * 4

    with app.app_context():
        batch = stored([o["payload"]["report_id"] for o in batch_ops])
        single = stored([o["payload"]["report_id"] for o in single_ops])
        assert len(batch["reports"]) == 4 and len(batch["media"]) == 2 and len(batch["timeline_events"]) == 4
        assert batch == single
        op_rows = db.session.execute(sa.select(SyncOp.user_id, SyncOp.type, SyncOp.applied_at.is_(None))).all()
        assert len(op_rows) == 8 and len(set(op_rows)) == 1


def _variants() -> list[tuple[str, dict]]:
    """Valid report.create payloads of the common shapes, and each field broken in the ways clients get it wrong."""
    good = report_payload(media=[media_item()])
    loc = good["location"]
    variants: list[tuple[str, dict]] = [
        ("plain", report_payload()),
        ("media", good),
        ("preview", report_payload(media=[{**media_item("e" * 64), "kind": "audio", "mime": "audio/aac", "variant": "preview"}])),
        ("landmark only", report_payload(None, location={"landmark": "村口", "source": "manual"})),
        ("minimal", {k: good[k] for k in ("report_id", "kind", "category", "location")}),
        ("nulls", report_payload(location={**loc, "accuracy_m": None, "fixed_at": None, "landmark": None}, on_behalf_of=None)),
        ("int position", report_payload(location={**loc, "lat": 28, "lon": 120, "accuracy_m": 0})),
        ("edges", report_payload(location={**loc, "lat": -90.0, "lon": 180, "accuracy_m": 1_000_000}, description="x" * 5000)),
        ("offset", report_payload(location={**loc, "fixed_at": "2026-12-03T08:00:00.5+08:00"})),
        ("sha newline", report_payload(media=[media_item("a" * 64 + "\n")])),
        ("on behalf", report_payload(on_behalf_of={"name": "王大爷", "consent": "verbal"})),
    ]
    broken = {
        "report_id": ["x", 123, None],
        "kind": ["bogus", None, 1],
        "category": ["nope", None],
        "description": [None, 5, "x" * 5001],
        "covert": ["true", 1, None],
        "anonymous": [0, None],
        "media": [None, {}, [media_item()] * 51, "x"],
        "on_behalf_of": [{"name": ""}, "x"],
        "extra": [1],
    }
    for key, values in broken.items():
        variants += [(f"{key}={value!r:.20}", {**good, key: value}) for value in values]
    variants += [(f"no {key}", {k: v for k, v in good.items() if k != key}) for key in ("report_id", "kind", "category", "location")]
    broken_location = {
        "lat": [91, "28.4", True, float("nan"), float("inf"), None, 10**400],
        "lon": [-181, None, "x"],
        "accuracy_m": [-1, 1_000_001, "1", False],
        "fixed_at": ["2026-12-03T08:00:00", "yesterday", "", 5, "2026-13-03T08:00:00Z"],
        "source": ["satellite", None],
        "landmark": ["x" * 201, 5],
        "extra": [1],
    }
    for key, values in broken_location.items():
        variants += [(f"location.{key}={value!r:.20}", {**good, "location": {**loc, key: value}}) for value in values]
    variants += [
        ("location None", {**good, "location": None}),
        ("location list", {**good, "location": [1]}),
        ("no source", {**good, "location": {k: v for k, v in loc.items() if k != "source"}}),
        ("blank landmark", {**good, "location": {"landmark": "  ", "source": "manual"}}),
        ("lat without lon", {**good, "location": {**loc, "lon": None}}),
    ]
    item = good["media"][0]
    broken_media = {
        "media_id": ["x", None],
        "kind": ["text", None],
        "mime": ["video/mp4", "image/", "text/plain", None],
        "size": [0, True, 1.5, "12", None],
        "sha256": ["A" * 64, "a" * 63, None],
        "variant": ["thumb", None],
        "extra": [1],
    }
    for key, values in broken_media.items():
        variants += [(f"media.{key}={value!r:.20}", {**good, "media": [{**item, key: value}]}) for value in values]
    variants += [(f"media no {key}", {**good, "media": [{k: v for k, v in item.items() if k != key}]}) for key in item]
    return variants


def test_the_fast_validator_accepts_only_what_marshmallow_accepts_and_loads_it_alike():
    from marshmallow import ValidationError

    from server.reports import schemas

    schema = schemas.ReportCreate()
    fast_count = 0
    for name, payload in _variants():
        fast = schemas.fast_report_create(payload)
        try:
            loaded = schema.load(payload)
        except ValidationError:
            assert fast is None, name
            continue
        if fast is not None:
            fast_count += 1
            assert fast == loaded, name
            assert type(fast["location"]["lat"]) is type(loaded["location"]["lat"]), name
    assert fast_count == 10  # every valid common shape, all but on_behalf_of, takes the fast path


def test_ids_and_timestamps_load_alike_on_the_fast_path_and_through_marshmallow():
    """The fast path reads the usual shapes itself (canonical UUIDs, RFC 3339 timestamps) and must give exactly
    what marshmallow gives, and refuse (None) whatever marshmallow refuses."""
    from marshmallow import ValidationError, fields

    from server.reports import schemas

    ident = schemas.Id()
    for value in [
        "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "0f8fad5bd9cb469fa16570867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950",
        "not-a-uuid",
        "",
    ]:
        try:
            expected = ident.deserialize(value)
        except ValidationError:
            expected = None
        assert schemas.plain_uuid(value) == expected, value
        assert expected is None or expected == "0f8fad5b-d9cb-469f-a165-70867728950e"

    aware = fields.AwareDateTime()
    for value in [
        "2026-12-03T08:00:00Z",
        "2026-12-03T08:00:00.1Z",
        "2026-12-03T08:00:00.123+08:00",
        "2026-12-03T08:00:00.123456-05:30",
        "2026-12-03T08:00:00-00:00",
        "9999-12-31T23:59:59-14:00",
        "2026-12-03T24:00:00Z",
        "2026-02-30T08:00:00Z",
        "0000-01-01T00:00:00Z",
        "2026-12-03T08:00:00+25:00",
        "2026-12-03T08:00:60Z",
        "2026-12-03T08:00:00",
        "2026-12-3T8:00:00Z",
        "2026-12-03 08:00:00+08:00",
    ]:
        try:
            expected = aware.deserialize(value)
        except ValidationError:
            expected = None
        got = schemas.plain_aware(value)
        assert got == expected, value
        assert got is None or (got.utcoffset(), got.replace(tzinfo=None)) == (expected.utcoffset(), expected.replace(tzinfo=None))


def test_the_fast_envelope_loads_as_marshmallow_does():
    from marshmallow import ValidationError

    from sync import engine

    good = op("report.create", report_payload())
    envelopes = [
        good,
        {**good, "client_time": None},
        {k: v for k, v in good.items() if k != "client_time"},
        {**good, "client_time": "2026-12-03T08:00:00+08:00"},
        {**good, "client_time": "2026-12-03T08:00:00"},
        {**good, "client_time": 5},
        {**good, "op_id": "x"},
        {**good, "op_id": None},
        {**good, "type": "report.delete"},
        {**good, "payload": None},
        {**good, "payload": []},
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "payload"},
    ]
    fast_count = 0
    for n, raw in enumerate(envelopes):
        fast = engine._fast_envelope(raw)
        try:
            loaded = engine.ENVELOPE.load(raw)
        except ValidationError:
            assert fast is None, n
            continue
        if fast is not None:
            fast_count += 1
            assert fast == loaded, n
    assert fast_count == 4


def test_invalid_creates_in_a_batch_name_each_field_as_marshmallow_does(api):
    from marshmallow import ValidationError

    from server.reports.schemas import ReportCreate

    api.bureau()
    invalid = []
    for _, payload in _variants():
        try:
            ReportCreate().load(payload)
        except ValidationError as exc:
            invalid.append((payload, json.loads(json.dumps(exc.normalized_messages()))))  # as the client reads it: "0" for 0
    assert len(invalid) > 60
    results = api.push(api.device(), *(op("report.create", payload) for payload, _ in invalid))
    for result, (_, messages) in zip(results, invalid, strict=True):
        assert result["status"] == "rejected" and result["error"]["code"] == "validation"
        assert result["error"]["fields"] == messages
