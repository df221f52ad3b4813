"""Agency portal users see only what was relayed to their agency, and of it only the shared fields."""

from __future__ import annotations

import json

from tests.helpers import IN_A


def relay_setup(linkage):
    """Two portal agencies; the 120 centre gets a case without identity or media, the rescue team nothing."""
    medical = linkage.agency("丽水市120急救指挥中心", "medical")
    rescue = linkage.agency("山地救援队", "rescue")
    citizen = linkage.api.device()
    media = [
        {
            "media_id": "7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0",
            "kind": "photo",
            "mime": "image/jpeg",
            "size": 1000,
            "sha256": "a" * 64,
            "variant": "original",
        }
    ]
    shared = linkage.api.report(citizen, IN_A, media=media, description="狗在路上咬伤行人")
    not_relayed = linkage.api.report(citizen, IN_A, description="邻居家楼上漏水")
    linkage.api.post(f"/api/v1/cases/{shared}/notes", linkage.dispatcher, {"body": "内部备注：嫌疑人前科"})
    relay = linkage.relay(shared, [medical["id"]], share={"reporter_identity": False, "media": False}, note="伤者小腿出血")["items"][0]
    return {
        "medical": linkage.portal_user(medical["id"], "agency.120"),
        "rescue": linkage.portal_user(rescue["id"], "agency.rescue"),
        "shared": shared,
        "not_relayed": not_relayed,
        "relay_id": relay["relay_id"],
    }


def test_an_agency_sees_its_relays_with_only_the_shared_fields(linkage):
    s = relay_setup(linkage)

    listing = linkage.api.get("/api/v1/agency/cases", s["medical"]).get_json()

    assert [item["relay_id"] for item in listing["items"]] == [s["relay_id"]]
    item = listing["items"][0]
    assert item["note"] == "伤者小腿出血"
    case = item["case"]
    assert case["id"] == s["shared"] and case["description"] == "狗在路上咬伤行人"
    assert case["reporter"] is None and case["on_behalf_of"] is None
    assert case["media"] == [] and case["notes"] == []
    text = json.dumps(listing, ensure_ascii=False)
    assert "嫌疑人前科" not in text and "7d9a1e52" not in text and "漏水" not in text


def test_an_agency_cannot_read_a_case_not_relayed_to_it(linkage):
    s = relay_setup(linkage)

    assert linkage.api.get("/api/v1/agency/cases", s["rescue"]).get_json()["items"] == []
    assert linkage.api.get(f"/api/v1/agency/cases/{s['relay_id']}", s["rescue"]).status_code == 404
    for token in (s["medical"], s["rescue"]):
        # The staff case API is closed to agencies, even for a case relayed to them.
        for report_id in (s["shared"], s["not_relayed"]):
            assert linkage.api.get(f"/api/v1/cases/{report_id}", token).status_code in (403, 404)
        assert linkage.api.get("/api/v1/cases", token).status_code == 403


def test_opening_a_portal_relay_marks_it_delivered_and_staff_see_that(linkage):
    s = relay_setup(linkage)
    assert linkage.case(s["shared"])["relays"][0]["state"] == "pending"

    opened = linkage.api.get(f"/api/v1/agency/cases/{s['relay_id']}", s["medical"])

    assert opened.status_code == 200 and opened.get_json()["state"] == "delivered"
    case = linkage.case(s["shared"])
    assert case["relays"][0]["state"] == "delivered"
    assert [e["data"]["via"] for e in case["timeline"] if e["type"] == "relay.delivered"] == ["portal"]
    linkage.api.get(f"/api/v1/agency/cases/{s['relay_id']}", s["medical"])
    assert linkage.timeline_types(s["shared"]).count("relay.delivered") == 1


def test_shared_media_appear_as_signed_links_in_the_portal(linkage):
    medical = linkage.agency("丽水市120急救指挥中心", "medical")
    token = linkage.portal_user(medical["id"], "agency.120")
    media = [
        {
            "media_id": "7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0",
            "kind": "video",
            "mime": "video/mp4",
            "size": 1000,
            "sha256": "b" * 64,
            "variant": "original",
        }
    ]
    report_id = linkage.api.report(linkage.api.device(), IN_A, media=media)
    relay_id = linkage.relay(report_id, [medical["id"]], share={"media": True})["items"][0]["relay_id"]

    case = linkage.api.get(f"/api/v1/agency/cases/{relay_id}", token).get_json()["case"]

    assert [m["media_id"] for m in case["media"]] == ["7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0"]
    assert "/api/v1/media/7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0?expires=" in case["media"][0]["url"]
    assert "&token=" in case["media"][0]["url"]


def test_the_portal_is_for_agency_users_only(linkage):
    s = relay_setup(linkage)
    assert linkage.api.get("/api/v1/agency/cases", linkage.dispatcher).status_code == 403
    assert linkage.api.get("/api/v1/agency/cases", linkage.api.device()).status_code == 403
    assert linkage.api.get("/api/v1/agency/cases").status_code == 401
    assert linkage.api.get(f"/api/v1/agency/cases/{s['relay_id']}", linkage.dispatcher).status_code == 403


def test_an_agency_user_cannot_read_unshared_fields_through_the_change_feed(linkage):
    s = relay_setup(linkage)
    events = linkage.api.get("/api/v1/sync/pull?cursor=0", s["medical"]).get_json()["events"]
    assert "嫌疑人前科" not in json.dumps(events, ensure_ascii=False)


def test_a_deactivated_agencys_users_lose_the_portal_at_once(linkage):
    s = relay_setup(linkage)
    admin = linkage.api.login("admin")
    agency_id = linkage.api.get("/api/v1/me", s["medical"]).get_json()["agency_id"]
    response = linkage.api.client.patch(
        f"/api/v1/agencies/{agency_id}", json={"active": False}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert response.status_code == 200
    for path in ("/api/v1/agency/cases", f"/api/v1/agency/cases/{s['relay_id']}"):
        refused = linkage.api.get(path, s["medical"])
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "agency_inactive"
