"""Fixtures: a real database (SQLite file, or PostgreSQL with LIANBAO_TEST_DB=postgresql), the app, clients.

One database per test session, built by the real migrations; every test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import Api

PG_ADMIN_URL = os.environ.get("LIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _create_pg_database() -> str:
    name = f"lianbao_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The session's database, migrated from empty by `flask db upgrade`."""
    from flask_migrate import upgrade

    from server import create_app

    kind = os.environ.get("LIANBAO_TEST_DB", "sqlite")
    if kind == "postgresql":
        url = _create_pg_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lianbao.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    with app.app_context():
        upgrade()
    yield url
    if kind == "postgresql":
        from server.extensions import db

        with app.app_context():
            db.engine.dispose()
        _drop_pg_database(url)


@pytest.fixture
def instance_path(tmp_path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def app(database_url, instance_path):
    from server import create_app
    from server.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance_path),
            "MEDIA_DIR": str(instance_path / "media"),
            "SECRET_KEY": "test-secret",
            "LOGIN_RATE_LIMIT": "5 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_tables() -> None:
    """Delete every row (children first) and put back the feed clock row."""
    from server.extensions import db

    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.execute(sa.text("INSERT INTO feed_clock (id, writes) VALUES (1, 0)"))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app, client) -> Api:
    return Api(app, client)


@pytest.fixture
def live_server(app, database_url, instance_path):
    """A real `manage.py run` process on the test database (tables emptied by `app`)."""
    from tests.servers import ServerProcess

    server = ServerProcess(database_url, instance_path).start()
    yield server
    server.stop()
