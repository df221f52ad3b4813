from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import JSONType, UTCDateTime, UUIDStr
from server.extensions import db
from server.timeutil import utcnow

AGENCY_TYPES = ("medical", "consumer", "rescue", "fire", "traffic", "civil_affairs", "other")
DELIVERIES = ("webhook", "portal")
FORMATS = ("eido", "cap", "json")
RELAY_STATES = ("pending", "delivered", "accepted", "declined", "failed")


class Agency(db.Model):
    """A linked agency (联动单位) the command centre relays cases to."""

    __tablename__ = "agencies"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    type: so.Mapped[str] = so.mapped_column(sa.String(16))
    delivery: so.Mapped[str] = so.mapped_column(sa.String(8), default="portal")
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # Needed in the clear to sign deliveries; never serialised back out.
    secret: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    format: so.Mapped[str] = so.mapped_column(sa.String(8), default="json")
    contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Relay(db.Model):
    """A case passed to an agency, with what was shared and where the agency's answer stands."""

    __tablename__ = "relays"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    report_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("reports.id"), index=True)
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agencies.id"), index=True)
    share: so.Mapped[dict] = so.mapped_column(JSONType, default=dict)
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    state: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    delivered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    agency = so.relationship("Agency")
    report = so.relationship("Report")
