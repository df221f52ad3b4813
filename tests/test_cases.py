"""Working a case: legal status moves only, each on the timeline and in the reporter's feed."""

from tests.helpers import op


def test_status_moves_along_the_alarm_path_and_reporter_sees_them(api):
    api.bureau()
    citizen = api.device()
    report_id = api.report(citizen)
    officer = api.login("officer.a")
    for to in ("acknowledged", "dispatched", "on_scene", "resolved", "closed"):
        response = api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": to})
        assert response.status_code == 200, response.get_json()
    mine = api.get(f"/api/v1/reports/{report_id}", citizen).get_json()
    assert mine["status"] == "closed"
    assert [e["data"].get("to") for e in mine["timeline"] if e["type"] == "status"] == [
        "acknowledged",
        "dispatched",
        "on_scene",
        "resolved",
        "closed",
    ]


def test_illegal_transition_is_409_and_changes_nothing(api):
    api.bureau()
    report_id = api.report(api.device())
    officer = api.login("officer.a")
    response = api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": "on_scene"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "illegal_transition"
    assert api.get(f"/api/v1/cases/{report_id}", officer).get_json()["status"] == "new"


def test_tips_have_no_dispatch_step(api):
    api.bureau()
    report_id = api.report(api.device(), kind="tip", category="fraud")
    officer = api.login("officer.a")
    assert api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": "acknowledged"}).status_code == 200
    assert api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": "dispatched"}).status_code == 409


def test_reporter_can_cancel_before_dispatch_but_not_after(api):
    api.bureau()
    citizen = api.device()
    early, late = api.report(citizen), api.report(citizen)
    officer = api.login("officer.a")
    for to in ("acknowledged", "dispatched"):
        api.post(f"/api/v1/cases/{late}/transition", officer, {"to": to})
    results = api.push(citizen, op("report.cancel", {"report_id": early}), op("report.cancel", {"report_id": late}))
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["error"]["code"] == "illegal_transition"
    assert api.get(f"/api/v1/reports/{early}", citizen).get_json()["status"] == "cancelled"


def test_messages_notes_and_assignment_land_on_the_timeline(api):
    api.bureau()
    citizen = api.device()
    report_id = api.report(citizen)
    dispatcher = api.login("dispatcher")
    officer_id = api.get("/api/v1/me", api.login("officer.a")).get_json()["id"]
    assert api.post(f"/api/v1/cases/{report_id}/assign", dispatcher, {"officer_id": officer_id}).status_code == 200
    assert api.post(f"/api/v1/cases/{report_id}/notes", dispatcher, {"body": "内部备注：现场有积水"}).status_code == 201
    assert api.post(f"/api/v1/cases/{report_id}/messages", dispatcher, {"body": "民警已出发，请保持电话畅通"}).status_code == 201
    case = api.get(f"/api/v1/cases/{report_id}", dispatcher).get_json()
    assert [e["type"] for e in case["timeline"]] == ["created", "assigned", "note", "message"]
    assert all(e["actor"] for e in case["timeline"])
    mine = api.get(f"/api/v1/reports/{report_id}", citizen).get_json()
    assert [m["body"] for m in mine["messages"]] == ["民警已出发，请保持电话畅通"]
    assert "note" not in [e["type"] for e in mine["timeline"]]  # internal notes stay internal


def test_cannot_assign_an_officer_of_another_station(api):
    api.bureau()
    report_id = api.report(api.device())
    officer_b = api.get("/api/v1/me", api.login("officer.b")).get_json()["id"]
    response = api.post(f"/api/v1/cases/{report_id}/assign", api.login("dispatcher"), {"officer_id": officer_b})
    assert response.status_code == 400 and "officer_id" in response.get_json()["error"]["fields"]
