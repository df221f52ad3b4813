"""Live events on /live: each console hears its own station's cases at once, and nobody hears what they may not see."""

from __future__ import annotations

import time

import pytest
import redis
import requests
import socketio

from tests.console.live import LiveClient, device, login, push_report
from tests.helpers import IN_A, IN_B, bearer


@pytest.fixture
def bureau(api):
    return api.bureau()


def test_station_consoles_hear_their_own_new_cases_and_the_command_centre_hears_all(bureau, live_server):
    url = live_server.url
    officer_a, officer_b, centre = (LiveClient(url, login(url, name)) for name in ("officer.a", "officer.b", "dispatcher"))
    try:
        in_a = push_report(url, device(url), IN_A)
        in_b = push_report(url, device(url), IN_B)
        for report_id, hearers in ((in_a, (officer_a, centre)), (in_b, (officer_b, centre))):
            for client in hearers:
                event = client.wait_for("case.created", report_id)
                assert event is not None and event["type"] == "created" and event["seq"] > 0
        time.sleep(0.3)  # give a wrongly routed event time to arrive
        assert officer_a.of("case.created", in_b) == []
        assert officer_b.of("case.created", in_a) == []
        assert len(centre.of("case.created")) == 2  # once each, though the centre is in several rooms
    finally:
        for client in (officer_a, officer_b, centre):
            client.close()


def test_no_token_or_a_bad_token_cannot_connect(bureau, live_server):
    for token in (None, "not-a-token"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            LiveClient(live_server.url, token)


def test_citizen_hears_only_their_own_case_and_cannot_watch_a_station_case(bureau, live_server):
    url = live_server.url
    citizen_token, other_token = device(url), device(url)
    citizen = LiveClient(url, citizen_token)
    try:
        own = push_report(url, citizen_token, IN_A)
        other = push_report(url, other_token, IN_A, description="邻居家楼上漏水")
        assert citizen.wait_for("case.created", own) is not None
        assert citizen.call("watch", {"report_id": other}) == {"ok": False, "error": "not_found"}

        officer = login(url, "officer.a")
        for report_id in (own, other):
            response = requests.post(
                f"{url}/api/v1/cases/{report_id}/transition", json={"to": "acknowledged"}, headers=bearer(officer), timeout=10
            )
            assert response.status_code == 200, response.text
        update = citizen.wait_for("case.updated", own)
        assert update is not None and update["data"]["to"] == "acknowledged"
        time.sleep(0.3)
        assert citizen.of("case.created", other) == [] and citizen.of("case.updated", other) == []
    finally:
        citizen.close()


def test_staff_of_another_station_cannot_watch_a_case(bureau, live_server):
    url = live_server.url
    report_id = push_report(url, device(url), IN_A)
    officer_b = LiveClient(url, login(url, "officer.b"))
    officer_a = LiveClient(url, login(url, "officer.a"))
    try:
        assert officer_b.call("watch", {"report_id": report_id}) == {"ok": False, "error": "not_found"}
        assert officer_a.call("watch", {"report_id": report_id}) == {"ok": True}
    finally:
        officer_a.close()
        officer_b.close()


@pytest.mark.multiprocess
def test_client_of_process_a_hears_a_report_pushed_to_process_b_through_redis(bureau, database_url, instance_path):
    from tests.servers import ServerProcess

    redis_url = "redis://127.0.0.1:6379/7"
    redis.Redis.from_url(redis_url).ping()
    env = {"REDIS_URL": redis_url}
    process_a = ServerProcess(database_url, instance_path, env=env).start()
    process_b = ServerProcess(database_url, instance_path, env=env).start()
    try:
        centre = LiveClient(process_a.url, login(process_a.url, "dispatcher"))
        try:
            report_id = push_report(process_b.url, device(process_b.url), IN_A)
            event = centre.wait_for("case.created", report_id)
            assert event is not None, process_a.log() + process_b.log()
            assert event["data"]["station_id"] == bureau["a"]
        finally:
            centre.close()
    finally:
        process_a.stop()
        process_b.stop()


def test_a_revoked_assistant_stops_hearing_case_news_at_once(bureau, app, live_server):
    from server.assistants.service import appoint_assistant
    from server.extensions import db

    with app.app_context():
        assistant_id = appoint_assistant("assistant.x", "correct-horse-9", "王小明", None, "LS-7", "石浦村", bureau["a"], None).user_id
        db.session.commit()
    url = live_server.url
    token = login(url, "assistant.x")
    listener = LiveClient(url, token)
    try:
        report_id = push_report(url, token, IN_A)
        officer = bearer(login(url, "officer.a"))
        requests.post(f"{url}/api/v1/cases/{report_id}/messages", json={"body": "收到，民警马上到"}, headers=officer, timeout=10)
        assert listener.wait_for("message.created", report_id, timeout=5) is not None  # hears it while appointed

        admin = bearer(login(url, "admin"))
        assert requests.post(f"{url}/api/v1/assistants/{assistant_id}/revoke", json={"reason": "离职"}, headers=admin, timeout=10).ok
        time.sleep(0.5)
        requests.post(f"{url}/api/v1/cases/{report_id}/messages", json={"body": "第二条：嫌疑人已控制"}, headers=officer, timeout=10)
        time.sleep(1.5)
        bodies = [e["data"]["body"] for e in listener.of("message.created", report_id)]
        assert bodies == ["收到，民警马上到"]
        assert requests.get(f"{url}/api/v1/me", headers=bearer(token), timeout=10).status_code == 401
    finally:
        listener.close()
