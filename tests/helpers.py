"""Test helpers that speak the public contract: register devices, log in, build report ops."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

# Points inside the test stations created by `Api.bureau()`.
IN_A = (28.45, 119.90)
IN_B = (28.10, 119.57)
NOWHERE = (30.0, 121.0)


def box(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}


def report_payload(lat_lon: tuple[float, float] | None = IN_A, **overrides: Any) -> dict:
    payload: dict[str, Any] = {
        "report_id": str(uuid.uuid4()),
        "kind": "alarm",
        "category": "medical",
        "description": "老人在雨中摔倒，头部流血",
        "location": {
            "lat": lat_lon[0] if lat_lon else None,
            "lon": lat_lon[1] if lat_lon else None,
            "accuracy_m": 12.0,
            "fixed_at": datetime.now(UTC).isoformat(),
            "source": "gps",
        },
        "covert": False,
        "anonymous": False,
        "media": [],
    }
    payload.update(overrides)
    return payload


def op(type_: str, payload: dict, op_id: str | None = None) -> dict:
    return {"op_id": op_id or str(uuid.uuid4()), "type": type_, "client_time": datetime.now(UTC).isoformat(), "payload": payload}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A thin client over the Flask test client, in the contract's words."""

    def __init__(self, app, client) -> None:
        self.app = app
        self.client = client

    def device(self) -> str:
        response = self.client.post("/api/v1/devices", json={"platform": "test"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    def login(self, username: str, password: str = "correct-horse-9") -> str:
        response = self.client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def push(self, token: str, *ops: dict) -> list[dict]:
        response = self.client.post("/api/v1/sync/push", json={"ops": list(ops)}, headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]

    def report(self, token: str, lat_lon=IN_A, **overrides) -> str:
        payload = report_payload(lat_lon, **overrides)
        result = self.push(token, op("report.create", payload))[0]
        assert result["status"] == "applied", result
        return payload["report_id"]

    def get(self, path: str, token: str | None = None):
        return self.client.get(path, headers=bearer(token) if token else {})

    def post(self, path: str, token: str | None, body: dict | None = None):
        return self.client.post(path, json=body or {}, headers=bearer(token) if token else {})

    def bureau(self) -> dict:
        """A command centre, two stations (A, B), an officer of each, a dispatcher and an admin."""
        from server.auth.users import create_staff_user
        from server.extensions import db
        from server.stations.service import create_station

        with self.app.app_context():
            cc = create_station("CC", "情指联动中心", None, is_command_centre=True)
            a = create_station("A", "万象派出所", box(119.85, 28.40, 119.95, 28.50))
            b = create_station("B", "城南派出所", box(119.50, 28.05, 119.65, 28.15))
            create_staff_user("officer.a", "correct-horse-9", "officer", "A")
            create_staff_user("officer.b", "correct-horse-9", "officer", "B")
            create_staff_user("dispatcher", "correct-horse-9", "dispatcher", "CC")
            create_staff_user("admin", "correct-horse-9", "admin", "CC")
            db.session.commit()
            ids = {"cc": cc.id, "a": a.id, "b": b.id}
        return ids
