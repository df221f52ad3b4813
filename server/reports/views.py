"""How a report looks to its reporter: status, media progress, the timeline meant for them, the chat."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.extensions import db
from server.reports.models import Media, Message, Report, TimelineEvent
from server.timeutil import isoformat


def location_dict(report: Report) -> dict[str, Any]:
    return {
        "lat": report.lat,
        "lon": report.lon,
        "accuracy_m": report.accuracy_m,
        "fixed_at": isoformat(report.fixed_at),
        "source": report.location_source,
        "landmark": report.landmark,
    }


def media_dict(media: Media) -> dict[str, Any]:
    return {
        "media_id": media.id,
        "kind": media.kind,
        "mime": media.mime,
        "size": media.size,
        "sha256": media.sha256,
        "variant": media.variant,
        "state": media.state,
        "verification": media.verification,
        "verified": media.verified,
        "received_bytes": media.received_bytes,
    }


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "body": message.body,
        "from_reporter": message.from_reporter,
        "created_at": isoformat(message.created_at),
    }


def summary(report: Report) -> dict[str, Any]:
    return {
        "report_id": report.id,
        "kind": report.kind,
        "category": report.category,
        "description": report.description,
        "status": report.status,
        "covert": report.covert,
        "anonymous": report.anonymous,
        "created_at": isoformat(report.created_at),
        "updated_at": isoformat(report.updated_at),
        "location": location_dict(report),
        "media": [media_dict(m) for m in report.media],
    }


def reporter_view(report: Report) -> dict[str, Any]:
    events = db.session.scalars(
        sa.select(TimelineEvent)
        .where(TimelineEvent.report_id == report.id, TimelineEvent.reporter_visible.is_(True))
        .order_by(TimelineEvent.seq)
    )
    messages = db.session.scalars(sa.select(Message).where(Message.report_id == report.id).order_by(Message.created_at))
    return {
        **summary(report),
        "on_behalf_of": report.on_behalf_of,
        "timeline": [{"seq": e.seq, "type": e.type, "at": isoformat(e.at), "data": e.data} for e in events],
        "messages": [message_dict(m) for m in messages],
    }
