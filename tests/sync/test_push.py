"""POST /sync/push: ordered, idempotent ops; one bad op never blocks its siblings unless it is their parent."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.helpers import bearer, op, report_payload


def _count(app, model, **where) -> int:
    from server.extensions import db

    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def _message(report_id: str, body: str = "我在村口等你们") -> dict:
    return op("message.create", {"message_id": str(uuid.uuid4()), "report_id": report_id, "body": body})


def test_a_batch_applies_in_order_and_a_bad_op_does_not_block_its_siblings(api, app):
    from server.reports.models import Message

    api.bureau()
    token = api.device()
    report = report_payload()
    bad = report_payload()
    bad["category"] = "no-such-category"
    ops = [
        op("report.create", report),
        _message(report["report_id"]),
        op("report.create", bad),
        _message(bad["report_id"]),  # its parent was rejected
        op("location.update", {"report_id": report["report_id"], "lat": 28.451, "lon": 119.901, "fixed_at": datetime.now(UTC).isoformat()}),
        {"op_id": "not-a-uuid", "type": "report.create", "payload": {}},
        op("no.such.type", {}),
        _message(report["report_id"], "第二条"),
    ]
    results = api.push(token, *ops)
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected", "applied", "rejected", "rejected", "applied"]
    assert list(results[2]["error"]["fields"]) == ["category"]
    assert results[3]["error"]["code"] == "parent_rejected"
    assert results[5]["op_id"] == "not-a-uuid" and results[5]["error"]["code"] == "validation"
    assert [r["op_id"] for r in results] == [o["op_id"] for o in ops]
    assert _count(app, Message, report_id=report["report_id"]) == 2


def test_resending_a_batch_answers_duplicate_for_what_was_applied_and_stores_nothing_twice(api, app):
    from server.reports.models import Message, Report, TimelineEvent

    api.bureau()
    token = api.device()
    report = report_payload()
    ops = [op("report.create", report), _message(report["report_id"]), _message(report["report_id"])]
    assert [r["status"] for r in api.push(token, *ops)] == ["applied"] * 3
    assert [r["status"] for r in api.push(token, *ops)] == ["duplicate"] * 3
    assert _count(app, Report, id=report["report_id"]) == 1
    assert _count(app, Message, report_id=report["report_id"]) == 2
    assert _count(app, TimelineEvent, report_id=report["report_id"]) == 3


def test_the_same_batch_pushed_concurrently_from_two_threads_stores_one_report(api, app):
    from server.reports.models import Report

    api.bureau()
    token = api.device()
    batch = [op("report.create", report_payload()) for _ in range(10)]
    barrier, answers = threading.Barrier(2), []

    def push() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/sync/push", json={"ops": batch}, headers=bearer(token))
        answers.append([r["status"] for r in response.get_json()["results"]])

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [["applied"] * 10, ["duplicate"] * 10]
    assert _count(app, Report) == 10


def test_an_op_id_reused_by_another_device_is_rejected_not_reported_as_theirs(api):
    api.bureau()
    mine, theirs = api.device(), api.device()
    the_op = op("report.create", report_payload())
    assert api.push(mine, the_op)[0]["status"] == "applied"
    result = api.push(theirs, the_op)[0]
    assert result["status"] == "rejected" and result["error"]["code"] == "id_conflict"


def test_ops_on_someone_elses_report_are_rejected_as_not_found(api):
    api.bureau()
    mine, theirs = api.device(), api.device()
    report_id = api.report(mine)
    result = api.push(theirs, _message(report_id))[0]
    assert result["status"] == "rejected" and result["error"]["code"] == "report_not_found"


def test_media_declared_later_can_be_uploaded_and_redeclaring_the_same_item_is_a_duplicate(api):
    api.bureau()
    token = api.device()
    report_id = api.report(token)
    item = {"media_id": str(uuid.uuid4()), "kind": "audio", "mime": "audio/webm", "size": 1000, "sha256": "a" * 64, "variant": "original"}
    assert api.push(token, op("media.declare", {"report_id": report_id, "media": [item]}))[0]["status"] == "applied"
    assert api.push(token, op("media.declare", {"report_id": report_id, "media": [item]}))[0]["status"] == "duplicate"
    changed = {**item, "sha256": "b" * 64}
    result = api.push(token, op("media.declare", {"report_id": report_id, "media": [changed]}))[0]
    assert result["status"] == "rejected" and result["error"]["code"] == "media_conflict"


def test_push_requires_a_reporter_identity_and_a_well_formed_body(api, client):
    api.bureau()
    assert client.post("/api/v1/sync/push", json={"ops": []}).status_code == 401
    token = api.device()
    assert client.post("/api/v1/sync/push", json={"ops": []}, headers=bearer(token)).status_code == 400
    assert client.post("/api/v1/sync/push", json={"nope": 1}, headers=bearer(token)).status_code == 400
    too_many = [op("report.create", report_payload()) for _ in range(501)]
    assert client.post("/api/v1/sync/push", json={"ops": too_many}, headers=bearer(token)).status_code == 400
    assert client.post("/api/v1/sync/push", json={"ops": []}, headers=bearer(api.login("officer.a"))).status_code == 403
