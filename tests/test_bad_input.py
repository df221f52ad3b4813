"""Input no store can take is the sender's 400 (or that op's rejection), never a 500, and never blocks an SOS."""

import json
import uuid

import pytest

from tests.helpers import bearer, op, report_payload


def test_a_lone_surrogate_in_a_message_rejects_that_op_only_and_the_sos_beside_it_arrives(api):
    api.bureau()
    token = api.device()
    sos = report_payload()
    bad = {"message_id": str(uuid.uuid4()), "report_id": sos["report_id"], "body": "\ud83d"}
    # Sent as a phone sends it: JSON with the escape \ud83d (half of an emoji pair).
    body = json.dumps({"ops": [op("report.create", sos), op("message.create", bad)]})
    response = api.client.post("/api/v1/sync/push", data=body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert "body" in results[1]["error"]["fields"]
    assert [r["report_id"] for r in api.get("/api/v1/reports?mine=1", token).get_json()["items"]] == [sos["report_id"]]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(description="a\x00b"),
        lambda p: p.update(media=[{**_media(), "size": 10**30}]),
        lambda p: p["location"].update(fixed_at="0001-01-01T00:00:00+05:00"),
    ],
)
def test_unstorable_values_in_a_report_are_rejected_not_a_500(api, change):
    api.bureau()
    token = api.device()
    payload = report_payload()
    change(payload)
    good = report_payload()
    results = api.push(token, op("report.create", payload), op("report.create", good))
    assert [r["status"] for r in results] == ["rejected", "applied"]


def _media() -> dict:
    return {"media_id": str(uuid.uuid4()), "kind": "photo", "mime": "image/jpeg", "size": 10, "sha256": "a" * 64, "variant": "original"}


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "/api/v1/cases?station_id=99999999999999999999999", None),
        ("get", "/api/v1/sync/pull?cursor=99999999999999999999999", None),
        ("get", "/api/v1/cases?since=0001-01-01T00:00:00%2B05:00", None),
        ("get", "/api/v1/stats/summary?from=9999-12-31T23:59:59-05:00", None),
        ("post", "/api/v1/assistants/99999999999999999999999/revoke", {"reason": "x"}),
        ("post", "/api/v1/cases/00000000-0000-4000-8000-000000000000/notes", {"body": "\ud83d"}),
    ],
)
def test_odd_values_on_staff_endpoints_are_4xx(api, method, path, body):
    api.bureau()
    token = api.login("dispatcher")
    data = json.dumps(body) if body is not None else None  # ASCII-escaped, as a browser's JSON.stringify sends it
    response = getattr(api.client, method)(path, data=data, content_type="application/json", headers=bearer(token))
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_deeply_nested_json_is_a_400(api):
    response = api.client.post("/api/v1/auth/login", data="[" * 100000, content_type="application/json")
    assert response.status_code == 400
