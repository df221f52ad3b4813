"""What of a case leaves the building for one relay: the one builder behind webhook bodies and the agency portal.

Only what the dispatcher chose to share is put in: the reporter's identity (and whom an assistant filed for)
only with ``share.reporter_identity``, media links only with ``share.media``, staff notes only with
``share.notes``. The format builders in formats.py print what they are given, so this is the filter.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from server.agencies.models import Relay
from server.agencies.signing import sign_media_url
from server.extensions import db
from server.reports.categories import CATEGORIES
from server.reports.models import Media, Report, TimelineEvent
from server.reports.views import location_dict
from server.stations.models import Station
from server.timeutil import isoformat

# A key missing from a stored share means "not shared": nothing leaves by default.
SHARE_DEFAULTS = {"reporter_identity": False, "media": False, "notes": False}
SENDER_FALLBACK = "联报 Lianbao 指挥中心"


def base_url(hint: str | None = None) -> str:
    """Where links to us point: PUBLIC_BASE_URL, else the address staff used when relaying, else this request's."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/") + "/"
    if hint:
        return hint.rstrip("/") + "/"
    if has_request_context():
        return request.host_url
    return "http://127.0.0.1:5000/"


def media_link(base: str, media_id: str, now: float | None = None) -> str:
    """A signed, expiring link to a media item that works without a login (MEDIA_LINK_TTL seconds)."""
    expires = int((time.time() if now is None else now) + current_app.config["MEDIA_LINK_TTL"])
    token = sign_media_url(current_app.config["SECRET_KEY"], media_id, expires)
    return f"{base}api/v1/media/{media_id}?expires={expires}&token={token}"


def shared_case(relay: Relay, base: str) -> dict[str, Any]:
    """The case as this relay shares it, in the dict shape formats.py documents."""
    report: Report = relay.report
    share = {**SHARE_DEFAULTS, **(relay.share or {})}
    location = location_dict(report) if report.lat is not None and report.lon is not None else None
    station = report.station
    return {
        "id": report.id,
        "kind": report.kind,
        "category": report.category,
        "category_label": CATEGORIES.get(report.category, {}).get("zh-CN", report.category),
        "description": report.description or "",
        "status": report.status,
        "created_at": isoformat(report.created_at),
        "location": location,
        "station": {"code": station.code, "name": station.name} if station else None,
        "reporter": _reporter(report) if share["reporter_identity"] else None,
        "on_behalf_of": _on_behalf_of(report) if share["reporter_identity"] else None,
        "media": _media(report, base) if share["media"] else [],
        "notes": _notes(report) if share["notes"] else [],
    }


def relay_meta(relay: Relay, base: str) -> dict[str, Any]:
    """The relay as the format builders want it: id, the receiving agency, the note, the sender."""
    sender = db.session.scalar(sa.select(Station.name).where(Station.is_command_centre.is_(True)).order_by(Station.id))
    return {
        "id": relay.id,
        "agency": {"id": relay.agency.id, "name": relay.agency.name, "type": relay.agency.type},
        "note": relay.note,
        "created_at": isoformat(relay.created_at),
        "sender": {"name": sender or SENDER_FALLBACK, "uri": base},
    }


def _reporter(report: Report) -> dict[str, Any] | None:
    # An anonymous tip stays anonymous whatever the dispatcher ticked: the reporter was promised that.
    if report.anonymous:
        return None
    user = report.reporter
    name, phone = user.display_name, user.phone
    if user.role == "assistant":
        from server.assistants.models import Assistant

        appointment = db.session.get(Assistant, user.id)
        if appointment is not None:
            name = appointment.name or name
            phone = appointment.phone or phone
    if not (name or phone):
        return None  # an app user who never gave a name: nothing to share
    return {"name": name, "phone": phone}


def _on_behalf_of(report: Report) -> dict[str, Any] | None:
    person = report.on_behalf_of
    if not person or not person.get("name"):
        return None
    return {key: person.get(key) for key in ("name", "phone", "village", "consent") if person.get(key)}


def _media(report: Report, base: str) -> list[dict[str, Any]]:
    items = db.session.scalars(sa.select(Media).where(Media.report_id == report.id).order_by(Media.created_at, Media.id))
    return [
        {
            "media_id": m.id,
            "kind": m.kind,
            "mime": m.mime,
            "size": m.size,
            "sha256": m.sha256,
            "url": media_link(base, m.id),
        }
        for m in items
        # Bytes that do not match what the phone declared are not evidence to hand on.
        if m.verification != "mismatch"
    ]


def _notes(report: Report) -> list[str]:
    rows = db.session.scalars(
        sa.select(TimelineEvent.data).where(TimelineEvent.report_id == report.id, TimelineEvent.type == "note").order_by(TimelineEvent.seq)
    )
    return [data.get("body", "") for data in rows if data and data.get("body")]
