"""Identity: anonymous devices, staff login with argon2 and rate limiting, tokens required and stored hashed."""

import hashlib

import pytest
import sqlalchemy as sa

from tests.helpers import bearer


def test_device_registration_gives_a_working_citizen_token(api):
    response = api.client.post("/api/v1/devices", json={"platform": "android", "locale": "zh-CN"})
    assert response.status_code == 201
    body = response.get_json()
    me = api.get("/api/v1/me", body["token"]).get_json()
    assert me["role"] == "citizen" and me["username"] is None


def test_tokens_are_stored_only_as_hashes(api, app):
    from server.auth.models import ApiToken
    from server.extensions import db

    token = api.device()
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_login_with_the_right_password_returns_token_and_user(api):
    ids = api.bureau()
    response = api.client.post("/api/v1/auth/login", json={"username": "officer.a", "password": "correct-horse-9"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["role"] == "officer" and body["user"]["station_id"] == ids["a"]
    assert api.get("/api/v1/me", body["token"]).get_json()["username"] == "officer.a"


@pytest.mark.parametrize("username,password", [("officer.a", "wrong-password"), ("nobody", "correct-horse-9")])
def test_bad_login_is_401_without_saying_which_part_was_wrong(api, username, password):
    api.bureau()
    response = api.client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def test_repeated_failed_logins_are_rate_limited_with_retry_after(api):
    api.bureau()
    statuses = [
        api.client.post("/api/v1/auth/login", json={"username": "officer.a", "password": f"guess-{i}"}).status_code for i in range(7)
    ]
    assert statuses[:5] == [401] * 5
    response = api.client.post("/api/v1/auth/login", json={"username": "officer.a", "password": "correct-horse-9"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_successful_logins_do_not_count_against_the_limit(api):
    api.bureau()
    for _ in range(8):
        api.login("officer.b")


def test_missing_fields_in_login_are_named(api):
    response = api.client.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 400
    assert "password" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/me"),
        ("post", "/api/v1/sync/push"),
        ("get", "/api/v1/sync/pull"),
        ("get", "/api/v1/reports?mine=1"),
        ("get", "/api/v1/cases"),
        ("get", "/api/v1/stations"),
        ("post", "/api/v1/stations"),
        ("get", "/api/v1/agencies"),
        ("post", "/api/v1/agencies"),
        ("get", "/api/v1/assistants"),
        ("post", "/api/v1/assistants"),
    ],
)
def test_token_is_required(api, method, path):
    for headers in ({}, bearer("not-a-real-token"), {"Authorization": "Basic abc"}):
        response = getattr(api.client, method)(path, headers=headers, json={} if method == "post" else None)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_citizen_cannot_use_staff_endpoints(api):
    api.bureau()
    token = api.device()
    assert api.get("/api/v1/cases", token).status_code == 403
    assert api.post("/api/v1/stations", token, {"code": "X", "name": "x", "jurisdiction": {}}).status_code == 403


def test_device_registrations_are_limited_per_address(app, api):
    app.config["DEVICE_RATE_LIMIT"] = "3 per minute"
    statuses = [api.client.post("/api/v1/devices", json={}).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
