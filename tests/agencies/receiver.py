"""A local agency webhook that checks what Lianbao sends: the signature, and the body against the standards.

Paths choose the format the receiver expects: /eido (NENA EIDO JSON), /cap (OASIS CAP 1.2 XML), /json.
/reject answers 400 (a permanent refusal). `fail_next` answers 503 to that many requests first.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from server.agencies import signing
from tests.agencies.test_formats import assert_valid_cap, eido_validator

SECRET = "agency-shared-secret-0123456789"


class AgencyReceiver:
    """Records every request; `delivered` counts the accepted (2xx) ones by X-Lianbao-Relay-Id."""

    def __init__(self, secret: str = SECRET, port: int = 0, delay: float = 0.0) -> None:
        self.secret = secret
        self.port = port
        self.delay = delay
        self.requests: list[dict] = []
        self.delivered: Counter[str] = Counter()
        self.bodies: dict[str, bytes] = {}
        self.problems: list[str] = []
        self.fail_next = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AgencyReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.receive(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def receive(self, path: str, headers: dict, body: bytes) -> int:
        relay_id = headers.get(signing.RELAY_ID_HEADER, "")
        with self._lock:
            self.requests.append({"path": path, "relay_id": relay_id, "headers": headers, "body": body, "at": time.time()})
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503
        if self.delay:
            time.sleep(self.delay)
        if not signing.verify(self.secret, headers.get(signing.TIMESTAMP_HEADER, ""), body, headers.get(signing.SIGNATURE_HEADER)):
            self._problem(f"{relay_id}: bad signature")
            return 401
        if path == "/reject":
            return 400
        problem = self.check_body(path, headers.get("Content-Type", ""), body)
        if problem:
            self._problem(f"{relay_id}: {problem}")
            return 422
        with self._lock:
            self.delivered[relay_id] += 1
            self.bodies[relay_id] = body
        return 200

    def check_body(self, path: str, content_type: str, body: bytes) -> str | None:
        try:
            if path == "/eido":
                assert content_type == "application/json", content_type
                errors = [f"{list(e.path)}: {e.message[:200]}" for e in eido_validator().iter_errors(json.loads(body))]
                assert not errors, errors
            elif path == "/cap":
                assert content_type == "application/cap+xml", content_type
                assert_valid_cap(body)
            else:
                assert content_type == "application/json", content_type
                document = json.loads(body)
                assert {"relay_id", "sent_at", "note", "sender", "agency", "case"} <= set(document), document.keys()
        except Exception as exc:  # noqa: BLE001 - any failure is a finding to report to the test
            return f"{type(exc).__name__}: {exc}"[:500]
        return None

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)
