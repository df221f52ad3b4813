"""The app boots on the configured database, answers health, documents itself and protects every response."""

import sqlalchemy as sa


def test_healthz_reports_database_reachable(client, database_url):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["dialect"] == sa.engine.make_url(database_url).get_backend_name()


def test_migrations_built_every_table(app):
    from server.extensions import db

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        expected = {t.name for t in db.metadata.sorted_tables}
    assert expected <= tables
    assert "alembic_version" in tables


def test_openapi_document_lists_the_contract(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = set(doc["paths"])
    for path in ("/api/v1/devices", "/api/v1/auth/login", "/api/v1/me", "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/cases"):
        assert path in paths


def test_every_response_carries_security_headers(client):
    for path in ("/healthz", "/api/v1/me", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_oversized_json_body_is_413_in_the_error_format(app, client):
    too_big = "x" * (app.config["MAX_JSON_BYTES"] + 10)
    response = client.post("/api/v1/devices", data='{"platform": "' + too_big + '"}', content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_unknown_api_path_is_404_in_the_error_format(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_malformed_json_is_400_not_500(api):
    token = api.device()
    response = api.client.post(
        "/api/v1/sync/push", data="{not json", content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation"
