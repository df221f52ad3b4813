"""Fixtures for the agency tests: a bureau, agencies with their portal users, a local agency receiver."""

from __future__ import annotations

import pytest

from tests.agencies.receiver import SECRET, AgencyReceiver
from tests.helpers import Api


class Linkage:
    """The bureau plus helpers that speak the relay contract (agencies, portal users, relays, the worker)."""

    def __init__(self, app, api: Api) -> None:
        self.app = app
        self.api = api
        self.stations = api.bureau()
        self.admin = api.login("admin")
        self.dispatcher = api.login("dispatcher")
        self.officer_a = api.login("officer.a")
        self.officer_b = api.login("officer.b")

    def agency(self, name: str, type_: str = "medical", url: str | None = None, format_: str = "json", **extra) -> dict:
        body = {"name": name, "type": type_, "format": format_, **extra}
        if url:
            body.update(delivery="webhook", url=url, secret=extra.get("secret", SECRET))
        response = self.api.post("/api/v1/agencies", self.admin, body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def portal_user(self, agency_id: int, username: str) -> str:
        from server.auth.users import create_staff_user
        from server.extensions import db

        with self.app.app_context():
            create_staff_user(username, "correct-horse-9", "agency", agency_id=agency_id, display_name=username)
            db.session.commit()
        return self.api.login(username)

    def relay(self, report_id: str, agency_ids: list[int], token: str | None = None, **body) -> dict:
        response = self.api.post(f"/api/v1/cases/{report_id}/relays", token or self.dispatcher, {"agency_ids": agency_ids, **body})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def drain(self) -> int:
        """One pass of the real outbox worker, in this process."""
        from server import worker

        with self.app.app_context():
            return worker.drain_once(self.app)

    def relay_row(self, relay_id: str) -> dict:
        from server.agencies.models import Relay
        from server.extensions import db

        with self.app.app_context():
            relay = db.session.get(Relay, relay_id)
            return {c: getattr(relay, c) for c in ("state", "attempts", "last_error", "delivered_at", "answered_at")}

    def outbox_entry(self, relay_id: str) -> dict:
        import sqlalchemy as sa

        from server.extensions import db
        from server.outbox import OutboxEntry

        with self.app.app_context():
            entry = db.session.scalar(sa.select(OutboxEntry).where(OutboxEntry.kind == "relay.deliver", OutboxEntry.ref == relay_id))
            return {
                c: getattr(entry, c)
                for c in ("attempts", "next_attempt_at", "last_attempt_at", "done_at", "failed_at", "last_error", "created_at")
            }

    def case(self, report_id: str, token: str | None = None) -> dict:
        response = self.api.get(f"/api/v1/cases/{report_id}", token or self.dispatcher)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def timeline_types(self, report_id: str) -> list[str]:
        return [e["type"] for e in self.case(report_id)["timeline"]]


@pytest.fixture
def linkage(app, api) -> Linkage:
    return Linkage(app, api)


@pytest.fixture
def receiver():
    receiver = AgencyReceiver().start()
    yield receiver
    receiver.stop()
