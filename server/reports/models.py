from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import JSONType, UTCDateTime, UUIDStr
from server.extensions import db
from server.timeutil import utcnow

KINDS = ("alarm", "tip", "mediation", "hazard", "feedback")
LOCATION_SOURCES = ("gps", "network", "manual", "last_known")
MEDIA_KINDS = ("photo", "audio", "video")
MEDIA_VARIANTS = ("preview", "original")


class Report(db.Model):
    """A citizen's submission and the police work on it (the staff call it a case)."""

    __tablename__ = "reports"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Set when an assistant filed for a villager: {name, phone, village, consent}.
    on_behalf_of: so.Mapped[dict | None] = so.mapped_column(JSONType)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    category: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    lat: so.Mapped[float | None] = so.mapped_column(sa.Float)
    lon: so.Mapped[float | None] = so.mapped_column(sa.Float)
    accuracy_m: so.Mapped[float | None] = so.mapped_column(sa.Float)
    fixed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    location_source: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    landmark: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    covert: so.Mapped[bool] = so.mapped_column(default=False)
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    station_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stations.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="new", index=True)
    assigned_officer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    client_time: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reporter = so.relationship("User", foreign_keys=[reporter_id])
    assigned_officer = so.relationship("User", foreign_keys=[assigned_officer_id])
    station = so.relationship("Station")
    media = so.relationship("Media", back_populates="report", order_by="Media.created_at")
    trail = so.relationship("LocationFix", order_by="LocationFix.fixed_at")


class LocationFix(db.Model):
    """A later position of the reporter (the live trail)."""

    __tablename__ = "location_fixes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("reports.id"), index=True)
    lat: so.Mapped[float] = so.mapped_column(sa.Float)
    lon: so.Mapped[float] = so.mapped_column(sa.Float)
    accuracy_m: so.Mapped[float | None] = so.mapped_column(sa.Float)
    fixed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    source: so.Mapped[str] = so.mapped_column(sa.String(16))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Media(db.Model):
    """A photo, audio or video item declared at capture; its bytes arrive by tus and never change once complete."""

    __tablename__ = "media"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    report_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("reports.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))
    mime: so.Mapped[str] = so.mapped_column(sa.String(80))
    size: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    variant: so.Mapped[str] = so.mapped_column(sa.String(10), default="original")
    # declared -> uploading -> complete
    state: so.Mapped[str] = so.mapped_column(sa.String(12), default="declared")
    # pending | verified | mismatch (server hash against the declared one)
    verification: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")
    received_bytes: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    storage_key: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    upload_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    report = so.relationship("Report", back_populates="media")

    @property
    def verified(self) -> bool:
        return self.verification == "verified"


class Message(db.Model):
    """A chat message between the reporter and the police."""

    __tablename__ = "messages"

    id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    report_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("reports.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    from_reporter: so.Mapped[bool] = so.mapped_column(default=False)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    client_time: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class TimelineEvent(db.Model):
    """The append-only log of a case; `seq` is the change-feed cursor."""

    __tablename__ = "timeline_events"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    report_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("reports.id"), index=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(32))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    data: so.Mapped[dict] = so.mapped_column(JSONType, default=dict)
    # Whether the reporter's feed carries it (status changes, police messages, agency answers in plain words).
    reporter_visible: so.Mapped[bool] = so.mapped_column(default=False)

    actor = so.relationship("User")


class FeedClock(db.Model):
    """One row that every timeline-writing transaction locks first, so seqs become visible in order."""

    __tablename__ = "feed_clock"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    writes: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class SyncOp(db.Model):
    """An applied sync op, remembered so a retry answers `duplicate`."""

    __tablename__ = "sync_ops"

    op_id: so.Mapped[str] = so.mapped_column(UUIDStr, primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(32))
    applied_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
