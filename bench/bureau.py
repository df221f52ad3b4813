"""The small bureau the browser and fan-out benchmarks run against (not a benchmark itself)."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "bench-password-1"


def prepare(instance: Path) -> dict[str, str]:
    """A migrated SQLite database with a command centre, station A and a dispatcher; returns the server's env."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.users import create_staff_user
    from server.extensions import db
    from server.stations.service import create_station
    from tests.helpers import box

    url = f"sqlite:///{instance / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        create_station("CC", "情指联动中心", None, is_command_centre=True)
        create_station("A", "万象派出所", box(119.85, 28.40, 119.95, 28.50))
        create_staff_user("dispatcher", PASSWORD, "dispatcher", "CC")
        db.session.commit()
        db.engine.dispose()
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "MEDIA_DIR": str(instance / "media")}
