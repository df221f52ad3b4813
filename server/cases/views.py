"""How a case looks to staff: the reporter (unless anonymous), trail, media, relays, full timeline."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.agencies.models import Relay
from server.assistants.models import Assistant
from server.cases.status import staff_moves
from server.extensions import db
from server.reports.models import Message, Report, TimelineEvent
from server.reports.timeline import actor_label
from server.reports.views import media_dict, message_dict, summary
from server.timeutil import isoformat


def reporter_identity(report: Report) -> dict[str, Any] | None:
    """Who reported: None for anonymous tips; for an assistant's filing both the assistant and the villager."""
    if report.anonymous:
        return None
    user = report.reporter
    identity: dict[str, Any] = {"user_id": user.id, "role": user.role, "name": user.display_name, "phone": user.phone}
    if user.role == "assistant":
        appointment = db.session.get(Assistant, user.id)
        if appointment is not None:
            identity.update(certificate_no=appointment.certificate_no, village=appointment.village, name=appointment.name)
    return identity


def case_summary(report: Report) -> dict[str, Any]:
    return {
        **summary(report),
        "station_id": report.station_id,
        "station_name": report.station.name if report.station else None,
        "assigned_officer_id": report.assigned_officer_id,
        "on_behalf_of": report.on_behalf_of,
        "allowed_transitions": list(staff_moves(report.kind, report.status)),
    }


def relay_dict(relay: Relay) -> dict[str, Any]:
    return {
        "relay_id": relay.id,
        "report_id": relay.report_id,
        "agency_id": relay.agency_id,
        "agency_name": relay.agency.name,
        "agency_type": relay.agency.type,
        "delivery": relay.agency.delivery,
        "state": relay.state,
        "share": relay.share,
        "note": relay.note,
        "attempts": relay.attempts,
        "last_error": relay.last_error,
        "created_at": isoformat(relay.created_at),
        "delivered_at": isoformat(relay.delivered_at),
        "answered_at": isoformat(relay.answered_at),
    }


def case_detail(report: Report) -> dict[str, Any]:
    events = db.session.scalars(sa.select(TimelineEvent).where(TimelineEvent.report_id == report.id).order_by(TimelineEvent.seq))
    messages = db.session.scalars(sa.select(Message).where(Message.report_id == report.id).order_by(Message.created_at))
    relays = db.session.scalars(sa.select(Relay).where(Relay.report_id == report.id).order_by(Relay.created_at))
    return {
        **case_summary(report),
        "reporter": reporter_identity(report),
        "assigned_officer": (report.assigned_officer.display_name or report.assigned_officer.username) if report.assigned_officer else None,
        "trail": [
            {"lat": f.lat, "lon": f.lon, "accuracy_m": f.accuracy_m, "fixed_at": isoformat(f.fixed_at), "source": f.source}
            for f in report.trail
        ],
        "media": [media_dict(m) for m in report.media],
        "messages": [message_dict(m) for m in messages],
        "relays": [relay_dict(r) for r in relays],
        "timeline": [
            {
                "seq": e.seq,
                "type": e.type,
                "at": isoformat(e.at),
                "actor": actor_label(e.actor, reporter_view=False, report=report) if e.actor else None,
                "data": e.data,
            }
            for e in events
        ],
    }
