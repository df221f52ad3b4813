"""Agencies answer relays (accept, decline, update) by portal token or HMAC signature; answers flow back."""

from __future__ import annotations

import json
import time

from server.agencies import signing
from tests.agencies.receiver import SECRET
from tests.helpers import bearer


def signed_ack(linkage, relay_id: str, body: dict, secret: str = SECRET, timestamp: int | None = None, url_relay_id: str | None = None):
    raw = json.dumps({"relay_id": relay_id, **body}, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        signing.TIMESTAMP_HEADER: stamp,
        signing.SIGNATURE_HEADER: signing.sign(secret, stamp, raw),
    }
    return linkage.api.client.post(f"/api/v1/relays/{url_relay_id or relay_id}/ack", data=raw, headers=headers)


def relayed_case(linkage, agency_name="丽水市120急救指挥中心", type_="medical"):
    agency = linkage.agency(agency_name, type_=type_, url="http://127.0.0.1:9/json")
    citizen = linkage.api.device()
    report_id = linkage.api.report(citizen)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]
    return agency, citizen, report_id, relay_id


def reporter_feed(linkage, citizen: str) -> list[dict]:
    response = linkage.api.get("/api/v1/sync/pull?cursor=0", citizen)
    assert response.status_code == 200
    return response.get_json()["events"]


def test_a_signed_acceptance_with_a_note_reaches_the_case_and_the_reporter_in_plain_words(linkage):
    agency, citizen, report_id, relay_id = relayed_case(linkage)

    response = signed_ack(linkage, relay_id, {"status": "accepted", "note": "救护车已出发，预计12分钟"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["relay"]["state"] == "accepted"
    case = linkage.case(report_id)
    assert case["relays"][0]["state"] == "accepted"
    assert case["timeline"][-1]["type"] == "relay.accepted"
    accepted = [e for e in reporter_feed(linkage, citizen) if e["type"] == "relay.accepted"]
    assert len(accepted) == 1
    words = accepted[0]["data"]
    assert words["text"] == "医院急救中心已接收您的求助"
    assert words["note"] == "救护车已出发，预计12分钟"
    # The reporter learns what kind of service answered, not the agency's internal name.
    assert agency["name"] not in json.dumps(accepted[0], ensure_ascii=False)


def test_an_update_reaches_the_reporter_and_a_decline_stays_with_the_police(linkage):
    _, citizen, report_id, relay_id = relayed_case(linkage, "山地救援队", "rescue")
    assert signed_ack(linkage, relay_id, {"status": "update", "note": "救援队已进山，预计40分钟到达"}).status_code == 200
    _, citizen2, report2, relay2 = relayed_case(linkage, "丽水市12315投诉举报中心", "consumer")
    assert signed_ack(linkage, relay2, {"status": "declined", "note": "不属于本部门职责"}).status_code == 200

    updates = [e for e in reporter_feed(linkage, citizen) if e["type"].startswith("relay.")]
    assert [(e["type"], e["data"]["note"]) for e in updates] == [("relay.update", "救援队已进山，预计40分钟到达")]
    assert "救援队" in updates[0]["data"]["text"]
    assert [e for e in reporter_feed(linkage, citizen2) if e["type"].startswith("relay.")] == []
    assert linkage.case(report2)["timeline"][-1]["type"] == "relay.declined"
    assert linkage.case(report2)["relays"][0]["state"] == "declined"


def test_a_portal_user_answers_with_their_token(linkage):
    agency, citizen, report_id, relay_id = relayed_case(linkage)
    token = linkage.portal_user(agency["id"], "agency.120")

    response = linkage.api.post(f"/api/v1/relays/{relay_id}/ack", token, {"status": "accepted"})

    assert response.status_code == 200, response.get_json()
    event = linkage.case(report_id)["timeline"][-1]
    assert event["type"] == "relay.accepted" and event["actor"] == "agency.120"


def test_a_bad_signature_is_refused_and_changes_nothing(linkage):
    _, citizen, report_id, relay_id = relayed_case(linkage)
    before = linkage.case(report_id)["timeline"]

    wrong_secret = signed_ack(linkage, relay_id, {"status": "accepted"}, secret="not-the-agency-secret-000")
    raw = json.dumps({"relay_id": relay_id, "status": "accepted"}).encode()
    stamp = str(int(time.time()))
    tampered = linkage.api.client.post(
        f"/api/v1/relays/{relay_id}/ack",
        data=raw.replace(b"accepted", b"declined"),
        headers={
            "Content-Type": "application/json",
            signing.TIMESTAMP_HEADER: stamp,
            signing.SIGNATURE_HEADER: signing.sign(SECRET, stamp, raw),
        },
    )
    stale = signed_ack(linkage, relay_id, {"status": "accepted"}, timestamp=int(time.time()) - 301)
    unsigned = linkage.api.client.post(f"/api/v1/relays/{relay_id}/ack", json={"status": "accepted"})

    for response in (wrong_secret, tampered, stale, unsigned):
        assert response.status_code == 401, response.get_json()
        assert response.get_json()["error"]["code"] in ("bad_signature",)
    after = linkage.case(report_id)
    assert after["timeline"] == before
    assert after["relays"][0]["state"] == "pending"
    assert [e for e in reporter_feed(linkage, citizen) if e["type"].startswith("relay.")] == []


def test_an_ack_for_another_agencys_relay_is_refused_and_changes_nothing(linkage):
    rescue = linkage.agency("山地救援队", type_="rescue", url="http://127.0.0.1:9/json", secret="rescue-team-secret-9876543210")
    rescue_user = linkage.portal_user(rescue["id"], "agency.rescue")
    _, citizen, report_id, relay_id = relayed_case(linkage)  # relayed to the 120 centre only
    before = linkage.case(report_id)["timeline"]

    by_signature = signed_ack(linkage, relay_id, {"status": "accepted"}, secret="rescue-team-secret-9876543210")
    by_token = linkage.api.post(f"/api/v1/relays/{relay_id}/ack", rescue_user, {"status": "accepted"})
    by_staff = linkage.api.post(f"/api/v1/relays/{relay_id}/ack", linkage.dispatcher, {"status": "accepted"})

    assert by_signature.status_code == 401
    assert by_token.status_code == 404
    assert by_staff.status_code == 403
    after = linkage.case(report_id)
    assert after["timeline"] == before and after["relays"][0]["state"] == "pending"


def test_changing_a_decision_is_a_conflict_and_a_replayed_update_is_recorded_once(linkage):
    _, citizen, report_id, relay_id = relayed_case(linkage)
    assert signed_ack(linkage, relay_id, {"status": "accepted"}).status_code == 200
    again = signed_ack(linkage, relay_id, {"status": "accepted"})
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert signed_ack(linkage, relay_id, {"status": "declined"}).status_code == 409

    update = {"status": "update", "note": "患者已送达市中心医院"}
    assert signed_ack(linkage, relay_id, update).get_json()["duplicate"] is False
    assert signed_ack(linkage, relay_id, update).get_json()["duplicate"] is True
    types = linkage.timeline_types(report_id)
    assert types.count("relay.accepted") == 1 and types.count("relay.update") == 1


def test_a_malformed_answer_is_a_clear_400(linkage):
    agency, _, _, relay_id = relayed_case(linkage)
    token = linkage.portal_user(agency["id"], "agency.120")
    response = linkage.api.client.post(f"/api/v1/relays/{relay_id}/ack", json={"status": "maybe"}, headers=bearer(token))
    assert response.status_code in (400, 422)
    assert "status" in json.dumps(response.get_json()["error"])
    assert linkage.api.client.post("/api/v1/relays/not-a-uuid/ack", json={"status": "accepted"}, headers=bearer(token)).status_code in (
        404,
        405,
    )


def test_a_signed_answer_for_one_relay_cannot_be_replayed_onto_another(linkage):
    agency, _, report_id, relay_a = relayed_case(linkage)
    relay_b = linkage.relay(linkage.api.report(linkage.api.device()), [agency["id"]])["items"][0]["relay_id"]
    assert signed_ack(linkage, relay_a, {"status": "declined"}).status_code == 200
    replayed = signed_ack(linkage, relay_a, {"status": "declined"}, url_relay_id=relay_b)
    assert replayed.status_code == 400 and replayed.get_json()["error"]["code"] == "relay_id_mismatch"
    unbound = linkage.api.client.post(f"/api/v1/relays/{relay_b}/ack", data=b"", headers={})
    assert unbound.status_code == 401
    states = {r["relay_id"]: r["state"] for r in linkage.case(report_id)["relays"]}
    assert states[relay_a] == "declined"
