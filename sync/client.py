"""A Python reference client of the Lianbao sync protocol (see sync/PROTOCOL.md).

Registers a device (or logs in), pushes ops with retry and backoff, pulls the change feed, and uploads
evidence with tuspy, resuming from the server's offset after any failure. Tests and benchmarks use it;
an assistant's field laptop could too:

    client = LianbaoClient("http://127.0.0.1:5000")
    client.register()
    item = media_item("photo.jpg", "photo", "image/jpeg")
    client.push([new_op("report.create", {... "media": [item]})])
    client.upload("photo.jpg", item, report_id)
"""

from __future__ import annotations

import hashlib
import io
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

RETRY_STATUSES = {408, 423, 429, 500, 502, 503, 504}


class SyncError(Exception):
    """The server refused a request for good (a 4xx that retrying cannot fix)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def new_op(type_: str, payload: dict, op_id: str | None = None) -> dict:
    """An op envelope; keep the op_id with the op in your outbox so a resend is recognised."""
    return {"op_id": op_id or str(uuid.uuid4()), "type": type_, "client_time": datetime.now(UTC).isoformat(), "payload": payload}


def media_item(source: str | Path | bytes, kind: str, mime: str, variant: str = "original", media_id: str | None = None) -> dict:
    """The declaration of a media item (size and sha256 computed here), for report.create or media.declare."""
    digest, size = hashlib.sha256(), 0
    with _open(source) as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return {
        "media_id": media_id or str(uuid.uuid4()),
        "kind": kind,
        "mime": mime,
        "size": size,
        "sha256": digest.hexdigest(),
        "variant": variant,
    }


def _open(source: str | Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


class LianbaoClient:
    """One identity talking to one server."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 8,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.session = requests.Session()

    # -- plumbing ---------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry `attempt` (0-based): Retry-After if given, else capped exponential with full jitter."""
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send with retries on network failures, 5xx, 423 and 429; raise SyncError on any other 4xx."""
        last: Exception | None = None
        for attempt in range(self.max_attempts):
            try:
                response = self.session.request(method, self.base_url + path, headers=self._headers(), timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = exc
                time.sleep(self.backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                last = SyncError(response.status_code, _body(response))
                time.sleep(self.backoff(attempt, response.headers.get("Retry-After")))
                continue
            if response.status_code >= 400:
                raise SyncError(response.status_code, _body(response))
            return response
        assert last is not None
        raise last

    # -- identity ---------------------------------------------------------------------------------

    def register(self, platform: str = "python", locale: str = "zh-CN") -> str:
        """An anonymous citizen device; keeps and returns its token (store it: it is the identity)."""
        self.token = None
        self.token = self.request("POST", "/api/v1/devices", json={"platform": platform, "locale": locale}).json()["token"]
        return self.token

    def login(self, username: str, password: str) -> dict:
        self.token = None
        body = self.request("POST", "/api/v1/auth/login", json={"username": username, "password": password}).json()
        self.token = body["token"]
        return body["user"]

    # -- ops and feed -----------------------------------------------------------------------------

    def push(self, ops: list[dict]) -> list[dict]:
        """Send ops in order (batches of at most 500); the same ops may be resent safely after any failure."""
        results: list[dict] = []
        for start in range(0, len(ops), 500):
            results += self.request("POST", "/api/v1/sync/push", json={"ops": ops[start : start + 500]}).json()["results"]
        return results

    def pull(self, cursor: int = 0, limit: int = 200) -> dict:
        return self.request("GET", "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}).json()

    def pull_all(self, cursor: int = 0, limit: int = 200) -> Iterator[dict]:
        """Every event after `cursor`, page by page; persist each event's seq as your cursor as you go."""
        while True:
            page = self.pull(cursor, limit)
            yield from page["events"]
            if not page["events"]:
                return
            cursor = page["cursor"]

    # -- media ------------------------------------------------------------------------------------

    def upload(
        self,
        source: str | Path | bytes,
        item: dict,
        report_id: str,
        url: str | None = None,
        chunk_size: int = 1024 * 1024,
        max_attempts: int | None = None,
    ) -> str:
        """Upload a declared media item by tus, resuming after failures; returns the upload URL.

        Pass the `url` from an earlier attempt to resume without a POST (a POST with the same metadata
        finds the unfinished upload too). A 409 `media_already_received` at creation means it is there.
        """
        metadata = {k: str(item[k]) for k in ("media_id", "sha256", "kind", "mime")} | {"report_id": report_id}
        tus = tus_client.TusClient(self.base_url + "/api/v1/uploads", headers=self._headers())
        stream = _open(source)
        attempts, failures, best = max_attempts or self.max_attempts, 0, -1
        try:
            while True:
                uploader = None
                try:
                    uploader = tus.uploader(file_stream=stream, url=url, chunk_size=chunk_size, metadata=metadata, retries=2, retry_delay=0)
                    if uploader.url is None:
                        uploader.set_url(uploader.create_url())
                    url = uploader.url
                    uploader.upload()
                    return url
                except (TusCommunicationError, TusUploadFailed) as exc:
                    status = getattr(exc, "status_code", None)
                    if status == 409 and url is None:
                        return f"{self.base_url}/api/v1/uploads/{item['media_id']}"  # already received
                    if status == 404 and url is not None:
                        url = None  # expired or terminated: start over with a new upload
                    elif status is not None and 400 <= status < 500 and status not in RETRY_STATUSES | {409, 460}:
                        raise SyncError(status, getattr(exc, "response_content", None)) from exc
                    # Only failures without progress count: a link that drops every few seconds still finishes.
                    offset = uploader.offset if uploader is not None else -1
                    failures, best = (0, offset) if offset > best else (failures + 1, best)
                    if failures >= attempts:
                        raise SyncError(status or 0, f"upload stalled at {best} bytes: {exc}") from exc
                    time.sleep(self.backoff(failures))
        finally:
            stream.close()

    def media_status(self, report_id: str) -> list[dict]:
        """The reporter's view of each media item: state, verification, received_bytes."""
        return self.request("GET", f"/api/v1/reports/{report_id}").json()["media"]

    def download(self, media_id: str) -> bytes:
        return self.request("GET", f"/api/v1/media/{media_id}").content


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


__all__ = ["LianbaoClient", "SyncError", "media_item", "new_op"]
