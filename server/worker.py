"""Draining the outbox: relay deliveries and push sends, with backoff; once per entry across workers.

Several workers (greenlets or `manage.py worker` processes) may drain one database. An entry is taken
by a *lease*: its `next_attempt_at` is moved into the future with a compare-and-set, under
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so exactly one worker wins each due entry and the others
skip it without waiting. A worker that dies mid-attempt leaves the lease to expire and the entry is
retried then (handlers must be idempotent: relays carry the same relay id every time).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from server.extensions import db
from server.outbox import OutboxEntry
from server.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
# Far longer than one attempt may take (RELAY_TIMEOUT), so a live worker never loses its lease.
LEASE_SECONDS = 120
POLL_SECONDS = 0.5
BATCH = 10
# Deliveries in flight at once per worker process (greenlets), each with its own DB connection.
CONCURRENCY = 8


class RetryLater(Exception):
    """The attempt failed in a way worth retrying (network error, 5xx, 429)."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        # What the target asked for (Retry-After); the backoff is used when it is longer.
        self.retry_after = retry_after


class GiveUp(Exception):
    """The attempt failed for good (the target refused it permanently)."""


Handler = Callable[[OutboxEntry], None]
OnFailure = Callable[[OutboxEntry], None]
_handlers: dict[str, tuple[Handler, OnFailure | None]] = {}
_wake = threading.Event()


def register(kind: str, handler: Handler, on_failure: OnFailure | None = None) -> None:
    """Features register what to do with their outbox entries, and what to do when one finally fails.

    The handler gets a detached entry (read `ref`, `payload`, `attempts`), must not leave a transaction
    open across network I/O, and may leave its own bookkeeping in the session: the worker commits it
    together with the entry's new state. Raise RetryLater or GiveUp to fail the attempt.
    """
    _handlers[kind] = (handler, on_failure)


def wake() -> None:
    """Tell an in-process worker that new work was committed."""
    _wake.set()


def _load_handlers() -> None:
    # Importing a feature's delivery module registers its handlers.
    import server.agencies.delivery  # noqa: F401
    import server.push.sender  # noqa: F401


def backoff_seconds(app: Flask, attempts: int) -> float:
    """Exponential backoff with jitter in its upper half: ~1 s, 2 s, 4 s … capped.

    Jitter keeps many failed deliveries to one agency from retrying in lockstep; keeping it in the
    upper half makes every delay at least as long as the previous one could have been.
    """
    base = app.config["RELAY_BACKOFF_BASE"] * (2 ** max(attempts - 1, 0))
    delay = min(base, app.config["RELAY_BACKOFF_CAP"])
    return delay * (0.5 + random.random() / 2)


def claim(limit: int = BATCH, due_by: datetime | None = None, lease_seconds: float = LEASE_SECONDS) -> list[tuple[int, datetime]]:
    """Lease entries due by `due_by` (default now); returns (id, lease end) for each one this worker won."""
    now = utcnow()
    due_by = due_by or now
    due = db.session.execute(
        sa.select(OutboxEntry.id, OutboxEntry.next_attempt_at)
        .where(OutboxEntry.done_at.is_(None), OutboxEntry.failed_at.is_(None), OutboxEntry.next_attempt_at <= due_by)
        .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    # Distinct lease ends per entry so a lease is recognisable as ours when we come back to it.
    lease = now + timedelta(seconds=lease_seconds)
    for offset, (entry_id, when) in enumerate(due):
        mine = lease + timedelta(microseconds=offset)
        # The compare-and-set is what makes SQLite (no row locks) and a lapsed PostgreSQL lock safe too.
        result = db.session.execute(
            sa.update(OutboxEntry)
            .where(OutboxEntry.id == entry_id, OutboxEntry.next_attempt_at == when, OutboxEntry.done_at.is_(None))
            .values(next_attempt_at=mine)
        )
        if result.rowcount == 1:
            claimed.append((entry_id, mine))
    db.session.commit()
    return claimed


def process(app: Flask, entry_id: int, lease: datetime | None = None) -> None:
    """Run one leased entry's handler and record the outcome: done, retry at a backed-off time, or failed."""
    entry = db.session.get(OutboxEntry, entry_id)
    if entry is None or entry.done_at or entry.failed_at or (lease is not None and entry.next_attempt_at != lease):
        db.session.rollback()  # someone else finished it or holds it now
        return
    handler, on_failure = _handlers.get(entry.kind, (None, None))
    # Detach a fully loaded copy for the handler and end the transaction: none stays open across I/O.
    db.session.expunge(entry)
    db.session.commit()
    error: str | None = None
    give_up = False
    retry_after: float | None = None
    try:
        if handler is None:
            raise RetryLater(f"no handler registered for {entry.kind!r} in this worker")
        handler(entry)
    except GiveUp as exc:
        error, give_up = str(exc) or "refused", True
    except RetryLater as exc:
        error, retry_after = str(exc) or "retry", exc.retry_after
    except Exception as exc:  # a bug in one delivery must not stop the others
        log.exception("outbox entry %s failed", entry_id)
        db.session.rollback()  # drop whatever the handler half-wrote
        error = f"{type(exc).__name__}: {exc}"
    entry = db.session.get(OutboxEntry, entry_id)
    entry.attempts += 1
    now = utcnow()
    entry.last_attempt_at = now
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
            delay = max(backoff_seconds(app, entry.attempts), min(retry_after or 0, app.config["RELAY_BACKOFF_CAP"]))
            entry.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()


def drain_once(app: Flask) -> int:
    """Attempt every entry due now (each at most once per call); returns how many were attempted."""
    _load_handlers()
    started = utcnow()
    lease_seconds = max(LEASE_SECONDS, 6 * app.config["RELAY_TIMEOUT"])
    pool = _pool()
    done = 0
    while True:
        leased = claim(due_by=started, lease_seconds=lease_seconds)
        if not leased:
            return done
        if pool is None:
            for entry_id, lease in leased:
                process(app, entry_id, lease)
        else:
            # One slow agency (up to RELAY_TIMEOUT) must not hold up the 120 centre's delivery behind it.
            for entry_id, lease in leased:
                pool.spawn(_process_in_own_context, app, entry_id, lease)
            pool.join()
        done += len(leased)


def _pool():
    """A greenlet pool when the process runs on gevent (manage.py run / worker); None in plain threads."""
    try:
        from gevent import monkey
        from gevent.pool import Pool
    except ImportError:
        return None
    return Pool(CONCURRENCY) if monkey.is_module_patched("socket") else None


def _process_in_own_context(app: Flask, entry_id: int, lease: datetime) -> None:
    # Each greenlet gets its own app context and so its own database session and connection.
    with app.app_context():
        try:
            process(app, entry_id, lease)
        except Exception:
            log.exception("outbox entry %s: recording the outcome failed; retried after its lease", entry_id)
            db.session.rollback()
        finally:
            db.session.remove()


def seconds_until_due() -> float | None:
    """How long until the next pending entry is due (None if there is none)."""
    when = db.session.scalar(
        sa.select(sa.func.min(OutboxEntry.next_attempt_at)).where(OutboxEntry.done_at.is_(None), OutboxEntry.failed_at.is_(None))
    )
    db.session.commit()
    if when is None:
        return None
    return max((as_utc(when) - utcnow()).total_seconds(), 0.0)


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """The worker loop: drain, then sleep until woken, the next entry is due, or the poll interval passes."""
    with app.app_context():
        _load_handlers()
        while stop is None or not stop.is_set():
            wait = POLL_SECONDS
            try:
                drain_once(app)
                due_in = seconds_until_due()
                if due_in is not None:
                    wait = min(wait, due_in)
            except Exception:
                log.exception("worker pass failed; retrying")
                db.session.rollback()
            finally:
                db.session.remove()
            _wake.wait(max(wait, 0.01))
            _wake.clear()
