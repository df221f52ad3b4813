"""Sending Web Push messages from the outbox: VAPID-signed, encrypted (aes128gcm), with TTL, Urgency and Topic."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import current_app
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from server import worker
from server.extensions import db
from server.outbox import OutboxEntry
from server.push.models import PushSubscription
from server.push.routes import public_host

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
CLAIM_LIFETIME = 12 * 3600  # RFC 8292 allows at most 24 h
_session = requests.Session()  # keep-alive to the few push services every browser uses


def vapid_claims(endpoint: str, subject: str) -> dict[str, str | int]:
    """A fresh claims dict for one send: pywebpush writes into the dict it is given, so one shared dict
    would carry the first endpoint's audience to every other push service."""
    parts = urlsplit(endpoint)
    return {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int(time.time()) + CLAIM_LIFETIME, "sub": subject}


def notification(payload: dict) -> str:
    """What the service worker shows: only these fields leave the server (encrypted)."""
    return json.dumps({key: payload[key] for key in ("title", "body", "url", "tag", "silent") if key in payload}, ensure_ascii=False)


def _retry_or_give_up(entry_id: int, attempts: int, reason: str) -> None:
    # A push is worth one more try; after that the moment has usually passed.
    log.warning("push %s failed (attempt %s): %s", entry_id, attempts + 1, reason)
    if attempts >= 1:
        raise worker.GiveUp(reason)
    raise worker.RetryLater(reason)


def send(entry: OutboxEntry) -> None:
    """Deliver one queued push; a subscription the push service calls gone (404/410) is deleted."""
    entry_id, attempts, payload = entry.id, entry.attempts, dict(entry.payload)
    subscription = db.session.get(PushSubscription, payload.get("subscription_id"))
    if subscription is None:
        return  # unsubscribed since it was queued: nothing to do
    subscription_id = subscription.id
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    key_path = current_app.config["VAPID_PRIVATE_KEY_PATH"]
    subject = current_app.config["VAPID_SUBJECT"]
    if not Path(key_path).exists():
        raise worker.GiveUp("no VAPID key: run `manage.py gen-vapid`")
    host = urlsplit(info["endpoint"]).hostname or ""
    if urlsplit(info["endpoint"]).scheme == "https" and not public_host(host):
        raise worker.GiveUp(f"push endpoint host {host} is not a public address")
    headers = {"Urgency": payload.get("urgency", "normal")}
    if payload.get("topic"):
        headers["Topic"] = payload["topic"]
    db.session.commit()  # no transaction stays open across the network call
    try:
        webpush(
            info,
            data=notification(payload),
            vapid_private_key=Vapid.from_file(key_path),
            vapid_claims=vapid_claims(info["endpoint"], subject),
            ttl=int(payload.get("ttl", 300)),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            requests_session=_session,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            stale = db.session.get(PushSubscription, subscription_id)
            if stale is not None:
                db.session.delete(stale)
                db.session.commit()
            log.info("push subscription %s is gone (%s); deleted", subscription_id, status)
            return
        if status is None or status == 429 or status >= 500:
            _retry_or_give_up(entry_id, attempts, f"push service answered {status}")
        raise worker.GiveUp(f"push service refused: {status}") from None
    except requests.RequestException as exc:
        _retry_or_give_up(entry_id, attempts, f"{type(exc).__name__}: {exc}")


def on_failure(entry: OutboxEntry) -> None:
    log.warning("push %s given up: %s", entry.id, entry.last_error)


worker.register("push.send", send, on_failure)
