"""Draining the outbox: relay deliveries and push sends, with backoff; once per entry across workers."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from server.extensions import db
from server.outbox import OutboxEntry
from server.timeutil import utcnow

log = logging.getLogger(__name__)
LEASE_SECONDS = 120
POLL_SECONDS = 0.5


class RetryLater(Exception):
    """The attempt failed in a way worth retrying (network error, 5xx)."""


class GiveUp(Exception):
    """The attempt failed for good (the target refused it permanently)."""


Handler = Callable[[OutboxEntry], None]
OnFailure = Callable[[OutboxEntry], None]
_handlers: dict[str, tuple[Handler, OnFailure | None]] = {}
_wake = threading.Event()


def register(kind: str, handler: Handler, on_failure: OnFailure | None = None) -> None:
    """Features register what to do with their outbox entries, and what to do when one finally fails."""
    _handlers[kind] = (handler, on_failure)


def wake() -> None:
    """Tell an in-process worker that new work was committed."""
    _wake.set()


def _load_handlers() -> None:
    # Importing a feature's delivery module registers its handlers.
    import server.agencies.delivery  # noqa: F401
    import server.push.sender  # noqa: F401


def backoff_seconds(app: Flask, attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half: ~1 s, 2 s, 4 s … capped."""
    base = app.config["RELAY_BACKOFF_BASE"] * (2 ** max(attempts - 1, 0))
    delay = min(base, app.config["RELAY_BACKOFF_CAP"])
    return delay * (0.5 + random.random() / 2)


def claim(limit: int = 10) -> list[int]:
    """Lease due entries: SKIP LOCKED on PostgreSQL, and a compare-and-set everywhere."""
    now = utcnow()
    due = db.session.execute(
        sa.select(OutboxEntry.id, OutboxEntry.next_attempt_at)
        .where(OutboxEntry.done_at.is_(None), OutboxEntry.failed_at.is_(None), OutboxEntry.next_attempt_at <= now)
        .order_by(OutboxEntry.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    lease = now + timedelta(seconds=LEASE_SECONDS)
    for entry_id, when in due:
        result = db.session.execute(
            sa.update(OutboxEntry).where(OutboxEntry.id == entry_id, OutboxEntry.next_attempt_at == when).values(next_attempt_at=lease)
        )
        if result.rowcount == 1:
            claimed.append(entry_id)
    db.session.commit()
    return claimed


def process(app: Flask, entry_id: int) -> None:
    entry = db.session.get(OutboxEntry, entry_id)
    handler, on_failure = _handlers[entry.kind]
    db.session.commit()  # no transaction stays open across the network call
    error: str | None = None
    give_up = False
    try:
        handler(entry)
    except GiveUp as exc:
        error, give_up = str(exc) or "refused", True
    except RetryLater as exc:
        error = str(exc) or "retry"
    except Exception as exc:  # a bug in one delivery must not stop the others
        log.exception("outbox entry %s failed", entry_id)
        error = f"{type(exc).__name__}: {exc}"
    entry = db.session.get(OutboxEntry, entry_id)
    entry.attempts += 1
    now = utcnow()
    if error is None:
        entry.done_at = now
        entry.last_error = None
    else:
        entry.last_error = error[:2000]
        too_old = (now - entry.created_at).total_seconds() > app.config["RELAY_MAX_AGE"]
        if give_up or too_old:
            entry.failed_at = now
            if on_failure:
                on_failure(entry)
        else:
            entry.next_attempt_at = now + timedelta(seconds=backoff_seconds(app, entry.attempts))
    db.session.commit()


def drain_once(app: Flask) -> int:
    """Process every entry due now; returns how many were attempted."""
    _load_handlers()
    done = 0
    while True:
        ids = claim()
        if not ids:
            return done
        for entry_id in ids:
            process(app, entry_id)
            done += 1


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """The worker loop: drain, then sleep until woken or the poll interval passes."""
    with app.app_context():
        _load_handlers()
        while stop is None or not stop.is_set():
            try:
                drain_once(app)
            except Exception:
                log.exception("worker pass failed; retrying")
                db.session.rollback()
            finally:
                db.session.remove()
            _wake.wait(POLL_SECONDS)
            _wake.clear()
