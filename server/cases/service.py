"""What staff do to a case. Each function writes the timeline; the caller commits."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.audit import audit
from server.auth.access import can_see_report
from server.auth.models import User
from server.cases.status import check_move
from server.errors import ApiError
from server.extensions import db
from server.reports import timeline
from server.reports.models import Report
from server.reports.service import add_message


def transition(user: User, report: Report, to: str, note: str | None) -> Report:
    timeline.begin_write()
    db.session.refresh(report)  # decide on the row as it is now, under the feed lock
    check_move(report.kind, report.status, to)
    previous = report.status
    report.status = to
    timeline.record(report, "status", user, {"from": previous, "to": to, "note": note}, reporter_visible=True)
    audit(user, "case.transition", report.id, detail={"from": previous, "to": to})
    return report


def assign(user: User, report: Report, officer_id: int) -> Report:
    officer = db.session.get(User, officer_id)
    if officer is None or officer.role not in ("officer", "dispatcher") or not officer.active or not can_see_report(officer, report):
        raise ApiError(
            400, "该民警不能处置此案 / this officer cannot work this case", fields={"officer_id": ["not an officer of this case's station"]}
        )
    timeline.begin_write()
    report.assigned_officer_id = officer.id
    timeline.record(report, "assigned", user, {"officer_id": officer.id, "officer_name": officer.display_name or officer.username})
    audit(user, "case.assign", report.id, detail={"officer_id": officer.id})
    return report


def add_note(user: User, report: Report, body: str) -> None:
    timeline.begin_write()
    timeline.record(report, "note", user, {"body": body})
    audit(user, "case.note", report.id)


def message_reporter(user: User, report: Report, body: str, message_id: str | None = None) -> None:
    add_message(user, report, message_id or str(uuid.uuid4()), body)
    audit(user, "case.message", report.id)


def queue_query(user: User, filters: dict) -> sa.Select:
    from server.auth.access import report_scope

    query = sa.select(Report).where(report_scope(user))
    for name in ("status", "kind", "category", "station_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Report, name) == filters[name])
    if filters.get("since") is not None:
        query = query.where(Report.updated_at >= filters["since"])
    return query


def officers_for(user: User, station_id: int | None) -> list[dict]:
    """Active officers (and, for the command centre, dispatchers) the caller may assign cases to."""
    from server.auth.access import sees_all_stations

    query = sa.select(User).where(User.active.is_(True), User.role.in_(("officer", "dispatcher")))
    if not sees_all_stations(user):
        query = query.where(User.station_id == user.station_id)
    if station_id is not None:
        query = query.where(User.station_id == station_id)
    return [
        {"id": u.id, "username": u.username, "name": u.display_name or u.username, "role": u.role, "station_id": u.station_id}
        for u in db.session.scalars(query.order_by(User.role.desc(), User.username))
    ]
