"""Relays reach agencies' webhooks through the outbox: valid EIDO / CAP / JSON, signed, retried, once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from server.agencies import signing
from tests.agencies.receiver import AgencyReceiver
from tests.helpers import IN_B
from tests.servers import free_port

PHOTO = {
    "media_id": "0b6e7c3a-2f41-4d8e-9a57-3c1f0e9d2b81",
    "kind": "photo",
    "mime": "image/jpeg",
    "size": 1843022,
    "sha256": "9f2c4a1be0d57c3f6a8e2d91b4c07f5e3a6d8b1c2e4f6a8b0c2d4e6f8a0b2c4d",
    "variant": "original",
}


def fall_in_the_rain(api) -> str:
    """A citizen in 城南 reports an old man who fell in heavy rain, with a photo and a landmark."""
    citizen = api.device()
    location = {
        "lat": IN_B[0],
        "lon": IN_B[1],
        "accuracy_m": 18.0,
        "fixed_at": "2026-06-18T22:40:55Z",
        "source": "gps",
        "landmark": "解放街与中山路口",
    }
    return api.report(citizen, IN_B, location=location, media=[dict(PHOTO)], description="暴雨，老人滑倒后起不来，头部流血 <b>&")


@pytest.mark.parametrize("format_", ["eido", "cap", "json"])
def test_a_relay_arrives_signed_and_valid_in_the_agencys_format(linkage, receiver, format_):
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/{format_}", format_=format_)
    report_id = fall_in_the_rain(linkage.api)
    relay = linkage.relay(report_id, [agency["id"]], note="请派救护车到解放街路口")["items"][0]
    assert relay["state"] == "pending"

    assert linkage.drain() == 1

    assert receiver.problems == []
    assert receiver.delivered == {relay["relay_id"]: 1}
    assert linkage.relay_row(relay["relay_id"])["state"] == "delivered"
    assert linkage.timeline_types(report_id)[-2:] == ["relay.sent", "relay.delivered"]
    body = receiver.bodies[relay["relay_id"]]
    assert "解放街与中山路口".encode() in body and "请派救护车到解放街路口".encode() in body


def test_media_links_are_signed_expiring_urls_to_our_media_route(linkage, receiver):
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/json")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]], share={"media": True})["items"][0]["relay_id"]
    linkage.drain()

    media = json.loads(receiver.bodies[relay_id])["case"]["media"]
    assert [m["media_id"] for m in media] == [PHOTO["media_id"]]
    link = urlsplit(media[0]["url"])
    assert link.path == f"/api/v1/media/{PHOTO['media_id']}"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert int(query["expires"]) > time.time() + 3600
    assert signing.verify_media_token("test-secret", PHOTO["media_id"], query["expires"], query["token"])
    assert not signing.verify_media_token("test-secret", "another-media-id", query["expires"], query["token"])


def test_what_was_not_shared_is_not_sent(linkage, receiver):
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/json")
    report_id = fall_in_the_rain(linkage.api)
    linkage.api.post(f"/api/v1/cases/{report_id}/notes", linkage.dispatcher, {"body": "内部：报警人疑似醉酒"})
    relay_id = linkage.relay(report_id, [agency["id"]], share={"reporter_identity": False, "media": False})["items"][0]["relay_id"]
    linkage.drain()

    case = json.loads(receiver.bodies[relay_id])["case"]
    assert case["reporter"] is None and case["on_behalf_of"] is None
    assert case["media"] == [] and case["notes"] == []
    assert "醉酒" not in receiver.bodies[relay_id].decode()


def test_receiver_down_for_three_attempts_then_up_is_delivered_exactly_once_with_growing_backoff(linkage):
    linkage.app.config["RELAY_BACKOFF_BASE"] = 0.05
    port = free_port()  # nothing listens here yet: connection refused, as with an agency server that is down
    agency = linkage.agency("山地救援队", type_="rescue", url=f"http://127.0.0.1:{port}/eido", format_="eido")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]

    delays = []
    for attempt in (1, 2, 3):
        assert linkage.drain() == 1
        entry, relay = linkage.outbox_entry(relay_id), linkage.relay_row(relay_id)
        assert entry["attempts"] == relay["attempts"] == attempt
        assert relay["state"] == "pending" and "Connection" in relay["last_error"]
        assert entry["done_at"] is None and entry["failed_at"] is None
        delays.append((entry["next_attempt_at"] - entry["last_attempt_at"]).total_seconds())
        assert linkage.drain() == 0  # not due again before its backoff has passed
        time.sleep(max((entry["next_attempt_at"] - entry["last_attempt_at"]).total_seconds(), 0) + 0.02)

    receiver = AgencyReceiver(port=port).start()
    try:
        assert linkage.drain() == 1
        time.sleep(0.3)
        assert linkage.drain() == 0
    finally:
        receiver.stop()

    assert receiver.problems == []
    assert receiver.delivered == {relay_id: 1}
    relay, entry = linkage.relay_row(relay_id), linkage.outbox_entry(relay_id)
    assert relay["state"] == "delivered" and relay["attempts"] == 4 and relay["last_error"] is None
    assert entry["attempts"] == 4 and entry["done_at"] is not None
    # Exponential with jitter in the upper half: attempt n waits between base·2^(n-2) and base·2^(n-1).
    for n, delay in enumerate(delays, start=1):
        assert 0.05 * 2 ** (n - 1) * 0.5 <= delay <= 0.05 * 2 ** (n - 1) + 1e-3
    assert delays[0] <= delays[1] <= delays[2] and delays[2] > delays[0]
    delivered = [e for e in linkage.case(report_id)["timeline"] if e["type"] == "relay.delivered"]
    assert len(delivered) == 1 and delivered[0]["data"]["attempts"] == 4


def test_every_attempt_carries_the_same_relay_id_and_a_fresh_signature(linkage, receiver):
    linkage.app.config["RELAY_BACKOFF_BASE"] = 0.01
    receiver.fail_next = 2  # 503 twice, then fine
    agency = linkage.agency("丽水市12315投诉举报中心", type_="consumer", url=f"{receiver.url}/cap", format_="cap")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]

    deadline = time.monotonic() + 10
    while not receiver.delivered and time.monotonic() < deadline:
        linkage.drain()
        time.sleep(0.05)

    assert [r["relay_id"] for r in receiver.requests] == [relay_id] * 3
    assert receiver.delivered == {relay_id: 1}
    assert linkage.relay_row(relay_id)["attempts"] == 3


def test_an_agency_that_refuses_the_delivery_fails_the_relay_and_alerts_the_dispatcher(linkage, receiver):
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/reject")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]

    assert linkage.drain() == 1
    assert linkage.drain() == 0  # a 4xx is not retried

    relay = linkage.relay_row(relay_id)
    assert relay["state"] == "failed" and relay["last_error"].startswith("HTTP 400")
    failed = [e for e in linkage.case(report_id)["timeline"] if e["type"] == "relay.failed"]
    assert len(failed) == 1 and failed[0]["data"]["agency_name"] == "丽水市120急救指挥中心"
    # A failed relay can be sent again once the agency has fixed its end.
    assert linkage.relay(report_id, [agency["id"]])["items"][0]["state"] == "pending"


def test_a_delivery_still_failing_past_the_maximum_age_fails_the_relay(linkage):
    agency = linkage.agency("山地救援队", type_="rescue", url=f"http://127.0.0.1:{free_port()}/json")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]
    assert linkage.drain() == 1
    assert linkage.relay_row(relay_id)["state"] == "pending"

    linkage.app.config["RELAY_MAX_AGE"] = 0
    _make_due(linkage, relay_id)
    assert linkage.drain() == 1

    assert linkage.relay_row(relay_id)["state"] == "failed"
    assert linkage.outbox_entry(relay_id)["failed_at"] is not None
    assert "relay.failed" in linkage.timeline_types(report_id)


def _make_due(linkage, relay_id: str) -> None:
    import sqlalchemy as sa

    from server.extensions import db
    from server.outbox import OutboxEntry
    from server.timeutil import utcnow

    with linkage.app.app_context():
        db.session.execute(
            sa.update(OutboxEntry).where(OutboxEntry.ref == relay_id).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_the_agency_downloads_the_evidence_from_the_delivered_link_without_a_login(linkage, receiver):
    from tests.helpers import op, report_payload
    from tests.sync.evidence import create_upload, declaration, jpeg_bytes, patch

    photo = jpeg_bytes()
    citizen = linkage.api.device()
    item = declaration(photo)
    payload = report_payload(IN_B, media=[item])
    assert linkage.api.push(citizen, op("report.create", payload))[0]["status"] == "applied"
    location = create_upload(linkage.api.client, citizen, item, payload["report_id"]).headers["Location"]
    assert patch(linkage.api.client, citizen, location, 0, photo).status_code == 204
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/json")
    relay_id = linkage.relay(payload["report_id"], [agency["id"]], share={"media": True})["items"][0]["relay_id"]
    linkage.drain()

    link = urlsplit(json.loads(receiver.bodies[relay_id])["case"]["media"][0]["url"])
    download = linkage.api.client.get(f"{link.path}?{link.query}")

    assert download.status_code == 200 and download.data == photo
    query = link.query.replace("token=", "token=x")
    assert linkage.api.client.get(f"{link.path}?{query}").status_code in (401, 403, 404)


def test_a_relay_already_opened_in_the_portal_still_reaches_the_agencys_system(linkage, receiver):
    agency = linkage.agency("丽水市120急救指挥中心", url=f"{receiver.url}/json")
    token = linkage.portal_user(agency["id"], "agency.120")
    report_id = fall_in_the_rain(linkage.api)
    relay_id = linkage.relay(report_id, [agency["id"]])["items"][0]["relay_id"]
    assert linkage.api.get(f"/api/v1/agency/cases/{relay_id}", token).get_json()["state"] == "delivered"

    assert linkage.drain() == 1

    assert receiver.delivered == {relay_id: 1}
    assert linkage.relay_row(relay_id)["state"] == "delivered"
    assert linkage.timeline_types(report_id).count("relay.delivered") == 1
