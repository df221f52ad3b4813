from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import UTCDateTime, UUIDStr
from server.extensions import db
from server.timeutil import utcnow

ASSISTANT_STATES = ("active", "suspended", "revoked")
CONSENT = ("verbal", "written", "none")


class Assistant(db.Model):
    """A community police assistant's appointment (警务助理证)."""

    __tablename__ = "assistants"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    certificate_no: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    station_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stations.id"), index=True)
    village: so.Mapped[str] = so.mapped_column(sa.String(120))
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="active")
    valid_until: so.Mapped[date | None] = so.mapped_column(sa.Date)
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user = so.relationship("User")
    station = so.relationship("Station")


class Villager(db.Model):
    """A villager an assistant serves and may file for."""

    __tablename__ = "villagers"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    assistant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    village: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    consent: so.Mapped[str] = so.mapped_column(sa.String(16), default="none")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
