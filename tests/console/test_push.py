"""Web Push: officers' phones ring for their station's new alarms; reporters hear about their case, covertly if need be.

Pushes go through the real outbox worker to a local push receiver that checks the VAPID signature and claims
and decrypts the body like a browser.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from server.outbox import OutboxEntry
from server.push.models import PushSubscription
from tests.console.push_receiver import PushReceiver, decrypt
from tests.helpers import IN_A, IN_B


@pytest.fixture
def receiver(app, api):
    app.config["PUSH_ALLOW_HTTP"] = True  # the receiver is plain http on loopback
    app.config["RELAY_BACKOFF_BASE"] = 0.05
    api.bureau()
    key = api.get("/api/v1/push/key", api.login("admin")).get_json()["public_key"]
    with PushReceiver(key) as receiver:
        yield receiver


def subscribe(api, token: str, subscription) -> None:
    response = api.post("/api/v1/push/subscriptions", token, subscription.as_json())
    assert response.status_code == 201, response.get_json()


def drain(app) -> int:
    from server.worker import drain_once

    with app.app_context():
        return drain_once(app)


def test_new_alarm_pushes_once_to_each_subscribed_officer_of_its_station_and_none_elsewhere(app, api, receiver):
    phones = {name: receiver.subscription(name) for name in ("officer.a", "officer.b", "dispatcher")}
    for name, phone in phones.items():
        subscribe(api, api.login(name), phone)

    report_id = api.report(api.device(), IN_A, description="石浦村路口有人被狗咬伤")
    drain(app)

    assert len(receiver.to(phones["officer.a"])) == 1
    assert len(receiver.to(phones["dispatcher"])) == 1  # the command centre sees every station
    assert receiver.to(phones["officer.b"]) == []
    for name in ("officer.a", "dispatcher"):
        push = receiver.to(phones[name])[0]
        assert push.jwt_error is None, push.jwt_error
        assert push.jwt_claims["aud"] == receiver.origin
        assert push.jwt_claims["exp"] > time.time()
        assert push.jwt_claims["sub"].startswith("mailto:")
        assert push.urgency == "high"
        assert 0 < push.ttl <= 600
        assert push.topic == report_id.replace("-", "") and len(push.topic) <= 32
        shown = decrypt(push, phones[name])
        assert "狗咬伤" in shown["body"]
        assert shown["url"] == f"/console#case={report_id}"


def test_alarm_of_another_station_does_not_ring_this_station(app, api, receiver):
    phone = receiver.subscription("officer.a")
    subscribe(api, api.login("officer.a"), phone)
    api.report(api.device(), IN_B)
    api.report(api.device(), IN_A, kind="tip", category="fraud")  # tips wait for the queue, no push
    drain(app)
    assert receiver.received == []


def test_gone_subscription_is_deleted_and_never_tried_again(app, api, receiver):
    phone = receiver.subscription("officer.a")
    subscribe(api, api.login("officer.a"), phone)
    receiver.status_for["/push/officer.a"] = 410

    api.report(api.device(), IN_A)
    drain(app)
    with app.app_context():
        assert PushSubscription.query.count() == 0
        entry = OutboxEntry.query.one()
        assert entry.done_at is not None and entry.failed_at is None

    api.report(api.device(), IN_A)
    drain(app)
    assert len(receiver.to(phone)) == 1


def test_failing_push_service_is_retried_once_then_given_up(app, api, receiver):
    phone = receiver.subscription("officer.a")
    subscribe(api, api.login("officer.a"), phone)
    receiver.status_for["/push/officer.a"] = 503

    api.report(api.device(), IN_A)
    drain(app)
    time.sleep(0.2)  # past the (shortened) backoff
    drain(app)
    time.sleep(0.2)
    drain(app)
    assert len(receiver.to(phone)) == 2
    with app.app_context():
        entry = OutboxEntry.query.one()
        assert entry.failed_at is not None and "503" in entry.last_error
        assert PushSubscription.query.count() == 1  # a sick push service is not a dead subscription


def test_covert_reporter_push_says_nothing_about_the_case(app, api, receiver):
    citizen = api.device()
    phone = receiver.subscription("citizen")
    subscribe(api, citizen, phone)
    report_id = api.report(citizen, IN_A, covert=True, category="domestic_violence", description="丈夫在打我，不要打电话")
    officer = api.login("officer.a")
    assert api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": "acknowledged", "note": "民警马上到"}).status_code == 200
    assert api.post(f"/api/v1/cases/{report_id}/messages", officer, {"body": "请保持安静，民警五分钟到"}).status_code == 201
    drain(app)

    pushes = receiver.to(phone)
    assert len(pushes) == 2
    for push in pushes:
        shown = decrypt(push, phone)
        assert shown["body"] == "你有一条新消息"
        text = str(shown)
        for secret in ("丈夫", "民警", "家庭暴力", "domestic", report_id, "acknowledged", "已受理"):
            assert secret not in text


def test_reporter_hears_of_status_and_police_messages_but_not_of_their_own_acts(app, api, receiver):
    citizen = api.device()
    phone = receiver.subscription("citizen")
    subscribe(api, citizen, phone)
    report_id = api.report(citizen, IN_A)
    officer = api.login("officer.a")
    api.post(f"/api/v1/cases/{report_id}/transition", officer, {"to": "acknowledged"})
    api.post(f"/api/v1/cases/{report_id}/notes", officer, {"body": "内部备注"})  # internal: never pushed
    drain(app)
    shown = [decrypt(p, phone) for p in receiver.to(phone)]
    assert len(shown) == 1
    assert "已受理" in shown[0]["title"]
    assert shown[0]["url"] == f"/#report={report_id}"


def test_reporter_message_on_assigned_case_rings_the_assigned_officer(app, api, receiver):
    from tests.helpers import op

    citizen = api.device()
    report_id = api.report(citizen, IN_A, kind="tip", category="fraud")
    officer_phone = receiver.subscription("officer.a")
    officer = api.login("officer.a")
    subscribe(api, officer, officer_phone)
    with app.app_context():
        from server.auth.models import User

        officer_id = User.query.filter_by(username="officer.a").one().id
    assert api.post(f"/api/v1/cases/{report_id}/assign", officer, {"officer_id": officer_id}).status_code == 200
    msg = {"message_id": "6f1c1a52-5d7e-4a8e-9f59-0b8f3c7a9d11", "report_id": report_id, "body": "骗子又打电话来了"}
    assert api.push(citizen, op("message.create", msg))[0]["status"] == "applied"
    drain(app)
    pushes = receiver.to(officer_phone)
    assert len(pushes) == 1
    assert decrypt(pushes[0], officer_phone)["body"] == "骗子又打电话来了"


def test_subscription_api_checks_input_and_owner(app, api, receiver):
    officer_a, officer_b = api.login("officer.a"), api.login("officer.b")
    phone = receiver.subscription("shared-browser")
    assert api.post("/api/v1/push/subscriptions", None, phone.as_json()).status_code == 401
    bad = phone.as_json()
    bad["keys"]["p256dh"] = "not-a-key"
    response = api.post("/api/v1/push/subscriptions", officer_a, bad)
    assert response.status_code == 400 and "p256dh" in response.get_json()["error"]["fields"]["keys"]
    app.config["PUSH_ALLOW_HTTP"] = False
    assert api.post("/api/v1/push/subscriptions", officer_a, phone.as_json()).status_code == 400
    app.config["PUSH_ALLOW_HTTP"] = True

    subscribe(api, officer_a, phone)
    subscribe(api, officer_b, phone)  # the same browser, now used by officer B
    with app.app_context():
        rows = PushSubscription.query.all()
        assert len(rows) == 1
    gone = api.client.delete(
        "/api/v1/push/subscriptions", json={"endpoint": phone.endpoint}, headers={"Authorization": f"Bearer {officer_a}"}
    )
    assert gone.status_code == 404  # no longer officer A's
    gone = api.client.delete(
        "/api/v1/push/subscriptions", json={"endpoint": phone.endpoint}, headers={"Authorization": f"Bearer {officer_b}"}
    )
    assert gone.status_code == 204
    with app.app_context():
        assert db_count() == 0


def db_count() -> int:
    from server.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription))


def test_a_push_endpoint_cannot_point_the_worker_at_internal_addresses(api, receiver):
    from server.push.routes import public_host

    citizen = api.device()
    phone = receiver.subscription("phone").as_json()
    for endpoint in (
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1:6379/x",
        "https://10.0.0.5:8443/admin",
        "https://[::1]/x",
        "https://localhost/x",
        "https://intranet/x",
    ):
        response = api.post("/api/v1/push/subscriptions", citizen, {**phone, "endpoint": endpoint})
        assert response.status_code == 400, endpoint
    assert public_host("fcm.googleapis.com", resolve=False)
