from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import UTCDateTime, UUIDStr
from server.extensions import db
from server.timeutil import utcnow

ROLES = ("citizen", "assistant", "officer", "dispatcher", "agency", "admin")
STAFF_ROLES = ("officer", "dispatcher", "admin")


class User(db.Model):
    """Every identity: a citizen's device, an assistant, staff, an agency's portal user."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str | None] = so.mapped_column(sa.String(80), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    station_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stations.id"), index=True)
    agency_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agencies.id"), index=True)
    locale: so.Mapped[str] = so.mapped_column(sa.String(8), default="zh-CN")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    station = so.relationship("Station")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class Device(db.Model):
    """An anonymous citizen's phone; its user row carries the role and the token."""

    __tablename__ = "devices"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    platform: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked: so.Mapped[bool] = so.mapped_column(default=False)

    user = so.relationship("User")
