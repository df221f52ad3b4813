"""Delivering relays to agencies' webhooks from the outbox: signed POSTs, retried with backoff until the age limit.

An attempt reads what it needs, ends the transaction, then makes the HTTP call; the outcome is written
back in the worker's transaction with the outbox entry's new state. 2xx is delivered; a network error,
408, 429 or 5xx is retried (the same X-Lianbao-Relay-Id every time, a fresh timestamp and signature);
any other answer is a refusal that no retry will change, so the relay fails and the dispatcher is told.
"""

from __future__ import annotations

import requests
from flask import current_app

from server.agencies import relaying
from server.agencies.formats import render
from server.agencies.models import Relay
from server.agencies.shared import base_url, relay_meta, shared_case
from server.agencies.signing import delivery_headers
from server.extensions import db
from server.outbox import OutboxEntry
from server.worker import GiveUp, RetryLater, register

RETRYABLE = {408, 425, 429}
USER_AGENT = "Lianbao-Relay/1 (+https://github.com/lianbao)"


def deliver(entry: OutboxEntry) -> None:
    """One delivery attempt of the relay named by the entry."""
    relay = db.session.get(Relay, entry.ref)
    if relay is None:
        raise GiveUp(f"relay {entry.ref} does not exist")
    # No "already delivered?" shortcut: the relay's outcome and the entry's are committed together, and
    # a relay a portal user has already opened must still reach the agency's own system.
    agency = relay.agency
    if agency.delivery != "webhook" or not agency.url or not agency.secret:
        raise GiveUp("该单位未配置接收地址 / the agency has no webhook configured")
    if not agency.active:
        raise GiveUp("该单位已停用 / the agency was deactivated")
    base = base_url((entry.payload or {}).get("base_url"))
    body, content_type = render(agency.format, shared_case(relay, base), relay_meta(relay, base))
    url, secret, relay_id = agency.url, agency.secret, relay.id
    db.session.commit()  # no transaction stays open across the network call

    timeout = current_app.config["RELAY_TIMEOUT"]
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT, **delivery_headers(relay_id, secret, body)}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=(timeout, timeout), allow_redirects=False, stream=True)
    except requests.RequestException as exc:
        message = f"{type(exc).__name__}: {exc}"[:500]
        _attempted(relay_id, message)
        raise RetryLater(message) from exc
    status = response.status_code
    snippet = _snippet(response)
    if 200 <= status < 300:
        relay = _attempted(relay_id, None)
        relaying.mark_delivered(relay, "webhook")
        return
    message = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    _attempted(relay_id, message)
    if status >= 500 or status in RETRYABLE:
        raise RetryLater(message, retry_after=_retry_after(response))
    raise GiveUp(message)


def on_failure(entry: OutboxEntry) -> None:
    """The outbox gave up on a delivery (refused, or older than RELAY_MAX_AGE): fail the relay, alert staff."""
    relay = db.session.get(Relay, entry.ref)
    if relay is not None:
        relaying.mark_failed(relay, entry.last_error or "delivery failed")


def _attempted(relay_id: str, error: str | None) -> Relay:
    """Count the attempt on the relay (the console shows attempts and the last error)."""
    relay = db.session.get(Relay, relay_id)
    relay.attempts += 1
    relay.last_error = error
    return relay


def _snippet(response: requests.Response, limit: int = 300) -> str:
    # Read only the start of what the agency said: enough to show why, never a large body.
    try:
        raw = response.raw.read(limit, decode_content=True) or b""
        return raw.decode("utf-8", "replace").strip().replace("\n", " ")
    except Exception:
        return ""
    finally:
        response.close()


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


register("relay.deliver", deliver, on_failure)
