"""Writing the case timeline, the single log that the change feed and live events are views of."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.aftercommit import after_commit
from server.auth.models import User
from server.extensions import db
from server.reports.models import FeedClock, Report, TimelineEvent
from server.timeutil import isoformat

# Built once: statements made per call cost more to construct and key for the cache than to run.
_TICK = sa.update(FeedClock.__table__).where(FeedClock.__table__.c.id == 1).values(writes=FeedClock.__table__.c.writes + 1)


def begin_write() -> None:
    """Lock the feed clock row first thing in any transaction that will write timeline events.

    Writers then commit in seq order, so a reader that has seen seq N can never later find a new N-1
    (the change-feed gap). On SQLite the same UPDATE takes the database write lock up front, so a
    transaction never has to upgrade a stale read snapshot.
    """
    if "feed_locked" in db.session.info:
        return
    updated = db.session.execute(_TICK)
    if updated.rowcount == 0:
        db.session.add(FeedClock(id=1, writes=1))
        db.session.flush()
    db.session.info["feed_locked"] = True


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _unlock(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("feed_locked", None)


def event_dict(event: TimelineEvent) -> dict[str, Any]:
    """The shape shared by the change feed and the live events."""
    return {"seq": event.seq, "type": event.type, "report_id": event.report_id, "at": isoformat(event.at), "data": event.data}


def record(
    report: Report,
    type: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    reporter_visible: bool = False,
) -> TimelineEvent:
    """Append an event to the case timeline; it is published live once the transaction commits."""
    begin_write()
    event = TimelineEvent(
        report_id=report.id,
        type=type,
        actor_id=actor.id if actor else None,
        data=data or {},
        reporter_visible=reporter_visible,
    )
    db.session.add(event)
    db.session.flush()
    published(report, event, actor)
    return event


def published(report: Report, event: TimelineEvent, actor: User | None) -> None:
    """Publish a flushed event live once the transaction commits, and queue the pushes it calls for."""
    published_many([(report, event)], actor)


def published_many(written: list[tuple[Report, TimelineEvent]], actor: User | None) -> None:
    """`published` for many flushed events of one actor (the batch intake's), with one after-commit step for all."""
    from server import realtime
    from server.push import service as push

    messages = []
    for report, event in written:
        reporter_payload = event_dict(event) if event.reporter_visible else None
        staff_payload = dict(reporter_payload) if reporter_payload else event_dict(event)
        if actor is not None:
            staff_payload["data"] = {**staff_payload["data"], "actor": actor_label(actor, reporter_view=False, report=report)}
        # Read now: after the commit the report is expired, and reading it there would cost a SELECT per event.
        messages.append((report.id, report.station_id, report.reporter_id, staff_payload, reporter_payload))
        push.on_timeline_event(report, event)
    after_commit(lambda: realtime.publish_many(messages))


def actor_label(actor: User, reporter_view: bool, report: Report | None = None) -> str:
    """How an actor is named: staff see names, a reporter sees only the role.

    The reporter of the case is named by role only, so an anonymous tip's timeline cannot be matched (by user
    id or an assistant's name) to the same phone's or assistant's other reports.
    """
    if report is not None and actor.id == report.reporter_id:
        return "匿名举报人" if report.anonymous else "报警人"
    if reporter_view:
        return {"officer": "民警", "dispatcher": "指挥中心", "admin": "指挥中心", "agency": "联动单位"}.get(actor.role, "")
    return actor.display_name or actor.username or f"#{actor.id}"
