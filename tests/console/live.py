"""Helpers for talking to a running server as the console and the PWA do: HTTP with requests, /live with python-socketio."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
import socketio

from tests.helpers import bearer, op, report_payload

LIVE_EVENTS = ("case.created", "case.updated", "message.created", "relay.updated")


class LiveClient:
    """A python-socketio client on /live (websocket only) that records every live event it gets."""

    def __init__(self, url: str, token: str | None) -> None:
        self.events: list[tuple[str, dict]] = []
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        for name in LIVE_EVENTS:
            self.sio.on(name, self._recorder(name), namespace="/live")
        auth = {"token": token} if token else None
        self.sio.connect(url, transports=["websocket"], namespaces=["/live"], auth=auth, wait_timeout=10)

    def _recorder(self, name: str):
        def record(data: dict) -> None:
            with self._cond:
                self.events.append((name, data))
                self._cond.notify_all()

        return record

    def of(self, name: str, report_id: str | None = None) -> list[dict]:
        with self._cond:
            return [d for n, d in self.events if n == name and (report_id is None or d.get("report_id") == report_id)]

    def wait_for(self, name: str, report_id: str, timeout: float = 10) -> dict | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [d for n, d in self.events if n == name and d.get("report_id") == report_id]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def call(self, event: str, data: Any) -> Any:
        return self.sio.call(event, data, namespace="/live", timeout=10)

    def close(self) -> None:
        self.sio.disconnect()


def login(url: str, username: str, password: str = "correct-horse-9") -> str:
    response = requests.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def device(url: str) -> str:
    response = requests.post(f"{url}/api/v1/devices", json={"platform": "test"}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def push_report(url: str, token: str, lat_lon, **overrides) -> str:
    payload = report_payload(lat_lon, **overrides)
    response = requests.post(f"{url}/api/v1/sync/push", json={"ops": [op("report.create", payload)]}, headers=bearer(token), timeout=10)
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "applied", response.text
    return payload["report_id"]
