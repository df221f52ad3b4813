"""The change feed: the timeline events an identity may see, after a cursor, in seq order."""

from __future__ import annotations

import sqlalchemy as sa

from server.auth.access import REPORTER_ROLES, report_scope
from server.auth.models import User
from server.extensions import db
from server.reports.models import Report, TimelineEvent
from server.reports.timeline import event_dict


def pull(user: User, cursor: int, limit: int) -> dict:
    """Events after `cursor`; the returned cursor is the last seq served (or the one given, if none).

    Agency users get no feed: a case's timeline holds staff notes and other agencies' relays, and what an
    agency may see is only what was shared with it (the portal's /agency/cases and its live room).
    """
    if user.role == "agency":
        return {"events": [], "cursor": cursor}
    query = (
        sa.select(TimelineEvent)
        .join(Report, Report.id == TimelineEvent.report_id)
        .where(TimelineEvent.seq > cursor, report_scope(user))
        .order_by(TimelineEvent.seq)
        .limit(limit)
    )
    if user.role in REPORTER_ROLES:
        query = query.where(TimelineEvent.reporter_visible.is_(True))
    events = [event_dict(e) for e in db.session.scalars(query)]
    return {"events": events, "cursor": events[-1]["seq"] if events else cursor}
