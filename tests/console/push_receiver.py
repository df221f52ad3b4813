"""A local stand-in for a browser push service: it checks what a real one checks and decrypts like a browser.

Each `BrowserSubscription` holds a P-256 key pair and a 16-byte auth secret generated the way a browser does;
the receiver verifies the VAPID JWT (ES256) and its claims, keeps TTL / Urgency / Topic, and decrypts the
aes128gcm body with `http_ece` using the subscription's private key.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserSubscription:
    """What `pushManager.subscribe()` creates in a browser: an endpoint, an ECDH key pair, an auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def as_json(self) -> dict:
        public = self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)}}


@dataclass
class ReceivedPush:
    path: str
    headers: dict[str, str]
    body: bytes
    jwt_claims: dict | None = None
    jwt_key: str | None = None
    jwt_error: str | None = None

    @property
    def ttl(self) -> int:
        return int(self.headers.get("ttl", "-1"))

    @property
    def urgency(self) -> str | None:
        return self.headers.get("urgency")

    @property
    def topic(self) -> str | None:
        return self.headers.get("topic")


def verify_vapid(authorization: str, server_public_key: str) -> dict:
    """Check `vapid t=<jwt>,k=<key>` (RFC 8292): key matches the server's, ES256 signature valid; return claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", f"not a VAPID authorization: {authorization[:20]}"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == server_public_key, "VAPID key in the header is not the one from /push/key"
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(unb64url(header_b64))
    assert header["alg"] == "ES256", header
    signature = unb64url(signature_b64)
    assert len(signature) == 64, "ES256 signatures are r||s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(server_public_key))
    public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(unb64url(claims_b64))


class PushReceiver:
    """An HTTP server on loopback; `status_for[path]` sets what it answers (201 by default)."""

    def __init__(self, server_public_key: str | None = None) -> None:
        self.server_public_key = server_public_key
        self.received: list[ReceivedPush] = []
        self.status_for: dict[str, int] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                push = ReceivedPush(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    push.jwt_claims = verify_vapid(self.headers.get("Authorization", ""), receiver.server_public_key or "")
                except (AssertionError, InvalidSignature, KeyError, ValueError) as exc:
                    push.jwt_error = f"{type(exc).__name__}: {exc}"
                with receiver._lock:
                    receiver.received.append(push)
                status = receiver.status_for.get(self.path, 201 if push.jwt_error is None else 403)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PushReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def subscription(self, name: str) -> BrowserSubscription:
        return BrowserSubscription(f"{self.origin}/push/{name}")

    def to(self, subscription: BrowserSubscription) -> list[ReceivedPush]:
        path = subscription.endpoint.removeprefix(self.origin)
        with self._lock:
            return [p for p in self.received if p.path == path]

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedPush]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.05)
        return list(self.received)


def decrypt(push: ReceivedPush, subscription: BrowserSubscription) -> dict:
    """Decrypt an aes128gcm push body as the browser would, and parse the notification JSON."""
    assert push.headers.get("content-encoding") == "aes128gcm", push.headers
    plain = http_ece.decrypt(push.body, private_key=subscription.private_key, auth_secret=subscription.auth_secret, version="aes128gcm")
    return json.loads(plain)
