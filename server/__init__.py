"""Lianbao (联报) server: `create_app(config)` binds the extensions and each feature package."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from server import config as config_module


def _socketio_async_mode() -> str:
    """gevent when the entry point monkey-patched (manage.py run, gunicorn); threads in plain test processes."""
    try:
        from gevent import monkey

        return "gevent" if monkey.is_module_patched("socket") else "threading"
    except ImportError:
        return "threading"


def _prefer_select_wait_for_psycopg() -> None:
    """Under gevent, have psycopg wait on its socket with select(), which gevent makes cooperative too.

    psycopg's own choice under gevent is poll(), and gevent's poll costs so much per call that a 100-row
    executemany (one wait per row in pipeline mode) took half again as long (bench/bench_ingest.py). The choice
    is read once, when psycopg is imported, i.e. when the first PostgreSQL engine is made.
    """
    if _socketio_async_mode() == "gevent" and "psycopg" not in sys.modules:
        os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")


_prefer_select_wait_for_psycopg()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = config_module.from_environment()
    settings.update(config or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], static_folder=None)
    app.config.update(settings)
    app.config.setdefault("API_TITLE", "Lianbao 联报 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    # A pooled connection to a database server can go stale (restart, failover) and is pinged before use; a
    # SQLite file's cannot, and the ping would cost every request a statement.
    server_database = not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": server_database})
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.json.ensure_ascii = False
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)

    from server import errors, health, security
    from server.extensions import api, db, limiter, migrate, socketio

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    api.init_app(app)
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or _socketio_async_mode(),
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS", []),
    )
    errors.init_app(app)
    security.init_app(app)
    health.init_app(app)

    import server.models  # noqa: F401  (every table known before the first query)
    from server import realtime, web
    from server.agencies import routes as agencies
    from server.assistants import routes as assistants
    from server.auth import routes as auth
    from server.cases import routes as cases
    from server.push import routes as push
    from server.reports import routes as reports
    from server.stations import routes as stations
    from server.stats import routes as stats
    from sync import routes as sync

    for feature in (auth, stations, reports, sync, cases, agencies, assistants, push, stats):
        feature.init_app(app, api)
    from server.media import routes as media_routes
    from sync import tus

    media_routes.init_app(app, api)  # GET /media/<id> (Range), /thumb, /link
    tus.init_app(app)  # tus 1.0.0 resumable uploads at /api/v1/uploads
    realtime.init_app(app)
    web.init_app(app)
    return app
