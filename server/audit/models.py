from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import JSONType, UTCDateTime, UUIDStr
from server.extensions import db
from server.timeutil import utcnow


class AuditRecord(db.Model):
    """Who read or changed which case or media, when, from where."""

    __tablename__ = "audit_records"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    report_id: so.Mapped[str | None] = so.mapped_column(UUIDStr, index=True)
    media_id: so.Mapped[str | None] = so.mapped_column(UUIDStr)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    detail: so.Mapped[dict | None] = so.mapped_column(JSONType)
