from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from server.extensions import db


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness with database reachability; 503 when the database does not answer."""
        try:
            db.session.execute(sa.text("SELECT 1"))
            database = "ok"
        except Exception as exc:  # any driver failure means "not healthy", never a crash
            database = f"error: {type(exc).__name__}"
        finally:
            db.session.remove()
        status = 200 if database == "ok" else 503
        return {"status": "ok" if status == 200 else "degraded", "database": database, "dialect": db.engine.dialect.name}, status
