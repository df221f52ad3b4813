"""Report intake through /sync/push: validated, stored once, routed to the right station, on the timeline."""

import threading

import sqlalchemy as sa

from tests.helpers import IN_A, IN_B, NOWHERE, bearer, op, report_payload


def _count(app, model, **where):
    from server.extensions import db

    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def test_valid_report_pushed_three_times_is_stored_once(api, app):
    from server.reports.models import Report, TimelineEvent

    api.bureau()
    token = api.device()
    the_op = op("report.create", report_payload())
    statuses = [api.push(token, the_op)[0]["status"] for _ in range(3)]
    assert statuses == ["applied", "duplicate", "duplicate"]
    report_id = the_op["payload"]["report_id"]
    assert _count(app, Report, id=report_id) == 1
    assert _count(app, TimelineEvent, report_id=report_id, type="created") == 1


def test_same_report_in_a_new_op_is_a_duplicate_not_a_second_report(api, app):
    from server.reports.models import Report

    api.bureau()
    token = api.device()
    payload = report_payload()
    assert api.push(token, op("report.create", payload))[0]["status"] == "applied"
    assert api.push(token, op("report.create", payload))[0]["status"] == "duplicate"
    assert _count(app, Report) == 1


def test_concurrent_double_push_stores_one_report(api, app):
    from server.reports.models import Report

    api.bureau()
    token = api.device()
    the_op = op("report.create", report_payload())
    results: list[str] = []

    def push():
        client = app.test_client()
        response = client.post("/api/v1/sync/push", json={"ops": [the_op]}, headers=bearer(token))
        results.append(response.get_json()["results"][0]["status"])

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["applied", "duplicate"]
    assert _count(app, Report) == 1


def test_each_invalid_field_is_named_and_nothing_is_stored(api, app):
    from server.reports.models import Report

    api.bureau()
    token = api.device()
    bad = report_payload(
        kind="party", category="aliens", media=[{"media_id": "nope", "kind": "photo", "mime": "text/plain", "size": 0, "sha256": "xyz"}]
    )
    bad["location"] = {"lat": 123, "lon": 119.9, "source": "telepathy"}
    result = api.push(token, op("report.create", bad))[0]
    assert result["status"] == "rejected"
    fields = result["error"]["fields"]
    assert {"kind", "category", "location", "media"} <= set(fields)
    assert {"lat", "source"} <= set(fields["location"])
    assert {"media_id", "mime", "size", "sha256"} <= set(fields["media"]["0"])
    assert _count(app, Report) == 0


def test_a_rejected_op_does_not_block_its_siblings_but_blocks_its_children(api, app):
    import uuid

    from server.reports.models import Message, Report

    api.bureau()
    token = api.device()
    good = report_payload()
    bad = report_payload(category="aliens")
    results = api.push(
        token,
        op("report.create", bad),
        op("message.create", {"message_id": str(uuid.uuid4()), "report_id": bad["report_id"], "body": "还在吗"}),
        op("report.create", good),
        op("message.create", {"message_id": str(uuid.uuid4()), "report_id": good["report_id"], "body": "我在村口等"}),
    )
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied", "applied"]
    assert results[1]["error"]["code"] == "parent_rejected"
    assert _count(app, Report) == 1 and _count(app, Message) == 1


def test_position_inside_station_a_routes_to_a(api, app):
    ids = api.bureau()
    token = api.device()
    report_id = api.report(token, IN_A)
    officer = api.login("officer.a")
    assert api.get(f"/api/v1/cases/{report_id}", officer).get_json()["station_id"] == ids["a"]
    report_b = api.report(token, IN_B)
    assert api.get(f"/api/v1/cases/{report_b}", api.login("officer.b")).get_json()["station_id"] == ids["b"]


def test_position_outside_every_station_routes_to_the_command_centre(api):
    ids = api.bureau()
    token = api.device()
    report_id = api.report(token, NOWHERE)
    case = api.get(f"/api/v1/cases/{report_id}", api.login("dispatcher")).get_json()
    assert case["station_id"] == ids["cc"]


def test_landmark_without_a_fix_is_accepted_and_goes_to_the_command_centre(api):
    ids = api.bureau()
    token = api.device()
    payload = report_payload(None)
    payload["location"] = {"source": "manual", "landmark": "石浦村祠堂"}
    assert api.push(token, op("report.create", payload))[0]["status"] == "applied"
    case = api.get(f"/api/v1/cases/{payload['report_id']}", api.login("dispatcher")).get_json()
    assert case["station_id"] == ids["cc"] and case["location"]["landmark"] == "石浦村祠堂"


def test_no_position_and_no_landmark_is_rejected(api):
    api.bureau()
    token = api.device()
    payload = report_payload(None)
    payload["location"] = {"source": "gps"}
    result = api.push(token, op("report.create", payload))[0]
    assert result["status"] == "rejected" and "landmark" in result["error"]["fields"]["location"]


def test_created_report_is_on_the_reporters_timeline(api):
    api.bureau()
    token = api.device()
    report_id = api.report(token)
    mine = api.get(f"/api/v1/reports/{report_id}", token).get_json()
    assert mine["status"] == "new"
    assert [e["type"] for e in mine["timeline"]] == ["created"]
    listed = api.get("/api/v1/reports?mine=1", token).get_json()
    assert [r["report_id"] for r in listed["items"]] == [report_id]


def test_only_assistants_may_file_on_behalf_of_a_villager(api, app):
    from server.assistants.service import appoint_assistant
    from server.extensions import db

    ids = api.bureau()
    with app.app_context():
        appoint_assistant("assistant.shipu", "correct-horse-9", "潘建华", None, "LS-001", "石浦村", ids["b"], None)
        db.session.commit()
    villager = {"name": "王大爷", "phone": "13900000000", "village": "石浦村", "consent": "verbal"}
    citizen_result = api.push(api.device(), op("report.create", report_payload(on_behalf_of=villager)))[0]
    assert citizen_result["status"] == "rejected"
    assistant = api.login("assistant.shipu")
    payload = report_payload(IN_B, on_behalf_of=villager)
    assert api.push(assistant, op("report.create", payload))[0]["status"] == "applied"
    case = api.get(f"/api/v1/cases/{payload['report_id']}", api.login("officer.b")).get_json()
    assert case["on_behalf_of"]["name"] == "王大爷"
    assert case["reporter"]["certificate_no"] == "LS-001"


def test_a_jurisdiction_with_non_numeric_coordinates_is_refused_and_routing_survives_a_broken_one(api, app):
    from server.extensions import db
    from server.stations.models import Station

    ids = api.bureau()
    admin = api.login("admin")
    bad = {"type": "Polygon", "coordinates": [[["0", "0"], ["0", "1"], ["1", "1"], ["0", "0"]]]}
    response = api.post("/api/v1/stations", admin, {"code": "ZZ1", "name": "x", "jurisdiction": bad})
    assert response.status_code == 400 and "jurisdiction" in response.get_json()["error"]["fields"]
    with app.app_context():  # a geometry broken before validation existed must not stop reports
        db.session.add(Station(code="OLD", name="旧数据", jurisdiction=bad))
        db.session.commit()
    report_id = api.report(api.device(), NOWHERE)
    assert api.get(f"/api/v1/cases/{report_id}", api.login("dispatcher")).get_json()["station_id"] == ids["cc"]


def test_a_station_added_while_running_takes_its_reports_from_the_next_push(api):
    from tests.helpers import box

    api.bureau()
    citizen = api.device()
    assert (
        api.get(f"/api/v1/cases/{api.report(citizen, (29.0, 120.0))}", api.login("dispatcher")).get_json()["station_name"] == "情指联动中心"
    )
    admin = api.login("admin")
    created = api.post("/api/v1/stations", admin, {"code": "QT-HC", "name": "鹤城派出所", "jurisdiction": box(119.9, 28.9, 120.1, 29.1)})
    assert created.status_code == 201
    case = api.get(f"/api/v1/cases/{api.report(citizen, (29.0, 120.0))}", api.login("dispatcher")).get_json()
    assert case["station_name"] == "鹤城派出所"
