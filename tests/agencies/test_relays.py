"""Staff relay a case to agencies: what is written at once, what is refused, and the agency directory."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import IN_A


def outbox_kinds(app) -> list[tuple[str, str]]:
    from server.extensions import db
    from server.outbox import OutboxEntry

    with app.app_context():
        return [tuple(row) for row in db.session.execute(sa.select(OutboxEntry.kind, OutboxEntry.ref).order_by(OutboxEntry.id))]


def test_relaying_writes_the_relays_their_deliveries_and_the_timeline_at_once(linkage):
    webhook = linkage.agency("丽水市120急救指挥中心", url="http://127.0.0.1:9/eido", format_="eido")
    portal = linkage.agency("山地救援队", "rescue")
    citizen = linkage.api.device()
    report_id = linkage.api.report(citizen, IN_A)

    answer = linkage.relay(report_id, [webhook["id"], portal["id"]], note="老人摔伤，请派车", token=linkage.officer_a)

    items = answer["items"]
    assert [(r["agency_name"], r["state"], r["share"]) for r in items] == [
        ("丽水市120急救指挥中心", "pending", {"reporter_identity": False, "media": True, "notes": False}),
        ("山地救援队", "pending", {"reporter_identity": False, "media": True, "notes": False}),
    ]
    # Only the webhook agency needs a delivery; the portal agency reads it in the portal.
    assert outbox_kinds(linkage.app) == [("relay.deliver", items[0]["relay_id"])]
    case = linkage.case(report_id)
    sent = [e for e in case["timeline"] if e["type"] == "relay.sent"]
    assert [e["data"]["agency_name"] for e in sent] == ["丽水市120急救指挥中心", "山地救援队"]
    assert {r["relay_id"] for r in case["relays"]} == {r["relay_id"] for r in items}
    # Relaying is police business: the reporter's feed does not carry it.
    feed = linkage.api.get("/api/v1/sync/pull?cursor=0", citizen).get_json()["events"]
    assert [e for e in feed if e["type"].startswith("relay.")] == []


def test_an_inactive_or_unknown_agency_is_a_400_naming_it_and_nothing_is_written(linkage):
    good = linkage.agency("丽水市120急救指挥中心", url="http://127.0.0.1:9/json")
    closed = linkage.agency("旧救援站", "rescue")
    assert (
        linkage.api.client.patch(
            f"/api/v1/agencies/{closed['id']}", json={"active": False}, headers={"Authorization": f"Bearer {linkage.admin}"}
        ).status_code
        == 200
    )
    report_id = linkage.api.report(linkage.api.device(), IN_A)

    inactive = linkage.api.post(f"/api/v1/cases/{report_id}/relays", linkage.dispatcher, {"agency_ids": [good["id"], closed["id"]]})
    unknown = linkage.api.post(f"/api/v1/cases/{report_id}/relays", linkage.dispatcher, {"agency_ids": [99999]})

    assert inactive.status_code == 400 and "旧救援站" in inactive.get_json()["error"]["message"]
    assert unknown.status_code == 400 and "#99999" in unknown.get_json()["error"]["message"]
    assert linkage.case(report_id)["relays"] == [] and outbox_kinds(linkage.app) == []


def test_relaying_again_to_an_agency_that_holds_a_live_relay_is_a_409(linkage):
    agency = linkage.agency("丽水市120急救指挥中心", url="http://127.0.0.1:9/json")
    report_id = linkage.api.report(linkage.api.device(), IN_A)
    linkage.relay(report_id, [agency["id"]])

    again = linkage.api.post(f"/api/v1/cases/{report_id}/relays", linkage.dispatcher, {"agency_ids": [agency["id"]]})

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_relayed" and "丽水市120急救指挥中心" in again.get_json()["error"]["message"]
    assert len(linkage.case(report_id)["relays"]) == 1 and len(outbox_kinds(linkage.app)) == 1


def test_only_staff_who_work_the_case_can_relay_it(linkage):
    agency = linkage.agency("丽水市120急救指挥中心")
    citizen = linkage.api.device()
    report_id = linkage.api.report(citizen, IN_A)  # station A's case
    portal_user = linkage.portal_user(agency["id"], "agency.120")
    body = {"agency_ids": [agency["id"]]}

    assert linkage.api.post(f"/api/v1/cases/{report_id}/relays", linkage.officer_b, body).status_code == 404
    assert linkage.api.post(f"/api/v1/cases/{report_id}/relays", citizen, body).status_code == 403
    assert linkage.api.post(f"/api/v1/cases/{report_id}/relays", portal_user, body).status_code == 403
    assert linkage.api.post(f"/api/v1/cases/{report_id}/relays", None, body).status_code == 401
    assert linkage.case(report_id)["relays"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"agency_ids": []},
        {"agency_ids": "1"},
        {"agency_ids": [1], "share": {"media": "perhaps"}},
        {"agency_ids": [1], "note": "x" * 2001},
    ],
)
def test_a_malformed_relay_request_is_a_400(linkage, body):
    report_id = linkage.api.report(linkage.api.device(), IN_A)
    response = linkage.api.post(f"/api/v1/cases/{report_id}/relays", linkage.dispatcher, body)
    assert response.status_code in (400, 422) and "error" in response.get_json()


def test_the_secret_is_shown_once_and_a_rotation_shows_the_new_one_once(linkage):
    created = linkage.api.post(
        "/api/v1/agencies",
        linkage.admin,
        {"name": "丽水市急救指挥中心", "type": "medical", "delivery": "webhook", "url": "https://120.example/lianbao", "format": "eido"},
    ).get_json()
    assert len(created["secret"]) >= 32
    listed = linkage.api.get("/api/v1/agencies", linkage.admin).get_json()["items"]
    assert "secret" not in listed[0] and listed[0]["has_secret"] is True

    headers = {"Authorization": f"Bearer {linkage.admin}"}
    rotated = linkage.api.client.patch(
        f"/api/v1/agencies/{created['id']}", json={"rotate_secret": True, "format": "cap"}, headers=headers
    ).get_json()
    assert rotated["secret"] != created["secret"] and rotated["format"] == "cap"
    plain = linkage.api.client.patch(f"/api/v1/agencies/{created['id']}", json={"contact": "0578-120"}, headers=headers).get_json()
    assert "secret" not in plain and plain["contact"] == "0578-120"
    bad = linkage.api.client.patch(f"/api/v1/agencies/{created['id']}", json={"url": None}, headers=headers)
    assert bad.status_code == 400
    dispatcher = linkage.api.client.patch(
        f"/api/v1/agencies/{created['id']}", json={"active": False}, headers={"Authorization": f"Bearer {linkage.dispatcher}"}
    )
    assert dispatcher.status_code == 403
