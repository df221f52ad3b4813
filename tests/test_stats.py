"""Statistics: counts and hotspots over what the caller may see, in the bureau's local time."""

from datetime import UTC, datetime

from tests.helpers import IN_A, IN_B


def _backdate(app, report_id: str, when: datetime) -> None:
    from server.extensions import db
    from server.reports.models import Report

    with app.app_context():
        db.session.get(Report, report_id).created_at = when
        db.session.commit()


def test_summary_counts_only_what_the_caller_may_see(api):
    api.bureau()
    citizen = api.device()
    api.report(citizen, IN_A, category="street_racing_noise")
    api.report(citizen, IN_A, kind="tip", category="fraud")
    api.report(citizen, IN_B)
    officer_a = api.get("/api/v1/stats/summary", api.login("officer.a")).get_json()
    assert officer_a["total"] == 2
    assert officer_a["by_kind"] == {"alarm": 1, "tip": 1}
    everyone = api.get("/api/v1/stats/summary", api.login("dispatcher")).get_json()
    assert everyone["total"] == 3 and everyone["by_status"] == {"new": 3}


def test_hotspots_find_the_street_racing_corner_and_its_night_hours(api, app):
    api.bureau()
    citizen = api.device()
    # Three night-time racing reports near one crossing (23:xx Beijing time = 15:xx UTC), one elsewhere.
    for day in (4, 5, 11):
        rid = api.report(citizen, (28.4519, 119.9125), category="street_racing_noise")
        _backdate(app, rid, datetime(2026, 12, day, 15, 20, tzinfo=UTC))
    other = api.report(citizen, (28.4800 - 0.05, 119.86), category="street_racing_noise")
    _backdate(app, other, datetime(2026, 12, 6, 2, 0, tzinfo=UTC))
    body = api.get("/api/v1/stats/hotspots?category=street_racing_noise&cell_m=300", api.login("dispatcher")).get_json()
    top = body["cells"][0]
    assert top["count"] == 3
    assert top["top_hours"] == [23]
    assert abs(top["lat"] - 28.4519) < 0.001 and abs(top["lon"] - 119.9125) < 0.001
    assert "飙车扰民" in body["summary"] and "23时" in body["summary"]


def test_bad_statistics_arguments_are_named(api):
    api.bureau()
    response = api.get("/api/v1/stats/hotspots?cell_m=1&category=aliens", api.login("dispatcher"))
    assert response.status_code == 400
    assert {"cell_m", "category"} <= set(response.get_json()["error"]["fields"])


def test_citizens_get_no_statistics(api):
    api.bureau()
    assert api.get("/api/v1/stats/summary", api.device()).status_code == 403
