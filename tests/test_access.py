"""Who sees what: a citizen only their own reports, an officer only their station's, the command centre all."""

from tests.helpers import IN_A, IN_B


def test_a_citizen_cannot_read_another_citizens_report(api):
    api.bureau()
    mine, theirs = api.device(), api.device()
    report_id = api.report(theirs)
    response = api.get(f"/api/v1/reports/{report_id}", mine)
    assert response.status_code == 404  # not 403: ids cannot be probed
    assert api.get("/api/v1/reports?mine=1", mine).get_json()["items"] == []
    assert api.get("/api/v1/sync/pull?cursor=0", mine).get_json()["events"] == []


def test_unknown_report_and_someone_elses_look_the_same(api):
    api.bureau()
    token = api.device()
    report_id = api.report(api.device())
    a = api.get(f"/api/v1/reports/{report_id}", token)
    b = api.get("/api/v1/reports/00000000-0000-4000-8000-000000000000", token)
    assert a.status_code == b.status_code == 404
    assert a.get_json() == b.get_json()


def test_an_officer_of_station_a_cannot_read_station_bs_case(api):
    api.bureau()
    citizen = api.device()
    in_b = api.report(citizen, IN_B)
    in_a = api.report(citizen, IN_A)
    officer_a = api.login("officer.a")
    assert api.get(f"/api/v1/cases/{in_b}", officer_a).status_code == 404
    assert api.post(f"/api/v1/cases/{in_b}/transition", officer_a, {"to": "acknowledged"}).status_code == 404
    assert [c["report_id"] for c in api.get("/api/v1/cases", officer_a).get_json()["items"]] == [in_a]


def test_the_command_centre_sees_every_station(api):
    api.bureau()
    citizen = api.device()
    ids = {api.report(citizen, IN_A), api.report(citizen, IN_B)}
    dispatcher = api.login("dispatcher")
    assert {c["report_id"] for c in api.get("/api/v1/cases", dispatcher).get_json()["items"]} == ids
    for report_id in ids:
        assert api.get(f"/api/v1/cases/{report_id}", dispatcher).status_code == 200


def test_staff_reads_are_audited(api, app):
    import sqlalchemy as sa

    from server.audit.models import AuditRecord
    from server.extensions import db

    api.bureau()
    report_id = api.report(api.device())
    api.get(f"/api/v1/cases/{report_id}", api.login("dispatcher"))
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditRecord.action).where(AuditRecord.report_id == report_id)).all()
    assert actions == ["case.view"]


def test_anonymous_tip_hides_the_reporter_from_staff(api):
    api.bureau()
    report_id = api.report(api.device(), kind="tip", category="fraud", anonymous=True)
    case = api.get(f"/api/v1/cases/{report_id}", api.login("dispatcher")).get_json()
    assert case["reporter"] is None


def test_an_anonymous_tips_timeline_does_not_name_or_number_its_sender(api, app):
    import json
    import uuid

    from server.assistants.service import appoint_assistant
    from server.extensions import db
    from tests.helpers import op

    ids = api.bureau()
    with app.app_context():
        appoint_assistant("assistant.x", "correct-horse-9", "王小明", None, "LS-9", "石浦村", ids["a"], None)
        db.session.commit()
    for token in (api.device(), api.login("assistant.x")):
        me = api.get("/api/v1/me", token).get_json()["id"]
        report_id = api.report(token, kind="tip", category="fraud", anonymous=True)
        api.push(token, op("message.create", {"message_id": str(uuid.uuid4()), "report_id": report_id, "body": "补充一点"}))
        case = api.get(f"/api/v1/cases/{report_id}", api.login("dispatcher")).get_json()
        text = json.dumps(case, ensure_ascii=False)
        assert f"#{me}" not in text and "王小明" not in text and "assistant.x" not in text
        assert {e["actor"] for e in case["timeline"]} == {"匿名举报人"}


def test_paging_a_batch_stored_in_one_push_returns_every_case_once(api):
    from tests.helpers import op, report_payload

    api.bureau()
    citizen = api.device()
    sent = [report_payload(kind="tip", category="other") for _ in range(60)]
    assert {r["status"] for r in api.push(citizen, *(op("report.create", p) for p in sent))} == {"applied"}
    for path, token in (("/api/v1/cases?kind=tip&limit=7", api.login("dispatcher")), ("/api/v1/reports?mine=1&limit=7", citizen)):
        seen, cursor = [], None
        while True:
            page = api.get(path + (f"&before={cursor.replace('+', '%2B')}" if cursor else ""), token).get_json()
            seen += [c["report_id"] for c in page["items"]]
            cursor = page["next"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(p["report_id"] for p in sent), path
