"""The durable outbox: work written in the same transaction as the action that causes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import JSONType, UTCDateTime
from server.extensions import db
from server.timeutil import utcnow


class OutboxEntry(db.Model):
    __tablename__ = "outbox"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # What to do, e.g. "relay.deliver" or "push.send"; `ref` names the object it concerns.
    kind: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    ref: so.Mapped[str] = so.mapped_column(sa.String(64))
    payload: so.Mapped[dict] = so.mapped_column(JSONType, default=dict)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # When it is next due; while a worker holds it, the end of that worker's lease.
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the last attempt finished: with next_attempt_at it records the backoff schedule actually used.
    last_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    failed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)


def enqueue(kind: str, ref: str, payload: dict | None = None) -> OutboxEntry:
    """Add work to the outbox in the caller's transaction; it runs once that transaction commits."""
    entry = OutboxEntry(kind=kind, ref=ref, payload=payload or {})
    db.session.add(entry)
    return entry
