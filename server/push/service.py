"""Deciding who gets a Web Push for a timeline event; sending happens off the request path via the outbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server import outbox
from server.aftercommit import after_commit
from server.auth.models import User
from server.extensions import db
from server.push.models import PushSubscription
from server.reports.categories import CATEGORIES, KIND_LABELS
from server.reports.models import Report, TimelineEvent
from server.stations.models import Station

# An alarm push is useless once the moment has passed; a reporter's update may wait for a phone to come back.
ALARM_TTL = 300
STAFF_MESSAGE_TTL = 3600
REPORTER_TTL = 24 * 3600
NEUTRAL = {"zh-CN": ("联报", "你有一条新消息"), "en": ("Lianbao", "You have a new message")}
STATUS_LABELS = {
    "acknowledged": {"zh-CN": "已受理", "en": "acknowledged"},
    "dispatched": {"zh-CN": "已派警", "en": "officers dispatched"},
    "on_scene": {"zh-CN": "民警已到场", "en": "officers on scene"},
    "resolved": {"zh-CN": "已处置", "en": "resolved"},
    "closed": {"zh-CN": "已结案", "en": "closed"},
    "cancelled": {"zh-CN": "已撤销", "en": "cancelled"},
}
TEXT = {
    "zh-CN": {
        "alarm": "新警情 · {category}",
        "reporter_message": "报警人新消息",
        "status": "你的报告状态：{status}",
        "police_message": "民警给你发来消息",
        "agency": "联动单位有新答复",
    },
    "en": {
        "alarm": "New alarm · {category}",
        "reporter_message": "New message from the reporter",
        "status": "Your report: {status}",
        "police_message": "A message from the police",
        "agency": "A linked agency answered",
    },
}


def topic_for(report: Report) -> str:
    """The Topic header (≤ 32 URL-safe chars): a newer push for the same case replaces an undelivered older one."""
    return report.id.replace("-", "")[:32]


def _locale(user: User) -> str:
    return "en" if (user.locale or "").startswith("en") else "zh-CN"


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Per-transaction caches in db.session.info: a push of 100 alarms asks for the same station's staff and their
# subscriptions once, not 100 times. Dropped when the transaction ends, so a later transaction sees new staff.
_RECIPIENTS_KEY = "push_alarm_recipients"
_SUBSCRIPTIONS_KEY = "push_subscriptions"


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_RECIPIENTS_KEY, None)
        session.info.pop(_SUBSCRIPTIONS_KEY, None)


# Built once: constructing this statement per push cost more than running it.
_ALARM_STAFF = (
    sa.select(User)
    .where(
        User.active.is_(True),
        sa.or_(
            sa.and_(User.role == "officer", User.station_id == sa.bindparam("station_id")),
            User.role == "dispatcher",
            sa.and_(User.role == "officer", User.station_id.in_(sa.select(Station.id).where(Station.is_command_centre.is_(True)))),
        ),
    )
    .order_by(User.id)
)


def alarm_recipients(report: Report) -> list[User]:
    """Every active officer of the report's station, and the command centre's staff (dispatchers, officers posted there)."""
    cache: dict[int, list[User]] = db.session.info.setdefault(_RECIPIENTS_KEY, {})
    if report.station_id not in cache:
        cache[report.station_id] = list(db.session.scalars(_ALARM_STAFF, {"station_id": report.station_id}))
    return list(cache[report.station_id])


def _subscriptions_of(user_ids: list[int]) -> list[PushSubscription]:
    """The users' push subscriptions in id order, each user looked up once per transaction."""
    cache: dict[int, list[PushSubscription]] = db.session.info.setdefault(_SUBSCRIPTIONS_KEY, {})
    missing = [uid for uid in user_ids if uid not in cache]
    if missing:
        for uid in missing:
            cache[uid] = []
        rows = db.session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id.in_(missing)).order_by(PushSubscription.id))
        for subscription in rows:
            cache[subscription.user_id].append(subscription)
    return sorted((s for uid in user_ids for s in cache[uid]), key=lambda s: s.id)


def _enqueue(users: list[User], build: Any, report: Report) -> int:
    """One outbox entry per subscription of each user: a dead endpoint then fails alone."""
    by_id = {u.id: u for u in users}
    if not by_id:
        return 0
    subscriptions = _subscriptions_of(list(by_id))
    for subscription in subscriptions:
        payload = build(by_id[subscription.user_id])
        outbox.enqueue("push.send", str(subscription.id), {"subscription_id": subscription.id, "report_id": report.id, **payload})
    if subscriptions:
        from server import worker

        after_commit(worker.wake)
    return len(subscriptions)


def _staff_alarm(report: Report):
    def build(user: User) -> dict[str, Any]:
        locale = _locale(user)
        category = CATEGORIES.get(report.category, {}).get(locale, report.category)
        where = report.landmark or (report.station.name if report.station else "")
        body = _clip(" · ".join(part for part in (report.description, where) if part)) or KIND_LABELS["alarm"][locale]
        return _staff_push(report, TEXT[locale]["alarm"].format(category=category), body, ALARM_TTL)

    return build


def _staff_push(report: Report, title: str, body: str, ttl: int) -> dict[str, Any]:
    """A console push: urgent, opens the case, and replaces an undelivered older push about it."""
    return {
        "title": title,
        "body": body,
        "url": f"/console#case={report.id}",
        "tag": f"case-{report.id}",
        "urgency": "high",
        "ttl": ttl,
        "topic": topic_for(report),
    }


def _staff_message(report: Report, event: TimelineEvent):
    def build(user: User) -> dict[str, Any]:
        return _staff_push(report, TEXT[_locale(user)]["reporter_message"], _clip(str(event.data.get("body", ""))), STAFF_MESSAGE_TTL)

    return build


def _reporter_update(report: Report, event: TimelineEvent):
    def build(user: User) -> dict[str, Any]:
        locale = _locale(user)
        common = {"urgency": "normal", "ttl": REPORTER_TTL, "topic": topic_for(report)}
        if report.covert:
            # Someone else may be holding the phone: nothing about the case, not even which case.
            title, body = NEUTRAL[locale]
            return {**common, "title": title, "body": body, "url": "/", "tag": "lianbao", "silent": True}
        if event.type == "status":
            status = STATUS_LABELS.get(str(event.data.get("to")), {}).get(locale, str(event.data.get("to")))
            title, body = TEXT[locale]["status"].format(status=status), _clip(str(event.data.get("note") or ""))
        elif event.type == "message":
            title, body = TEXT[locale]["police_message"], _clip(str(event.data.get("body", "")))
        else:
            # The relay feature words agencies' answers for reporters (text / text_en); staff notes stay out.
            plain = event.data.get("text_en" if locale == "en" else "text") or ""
            title, body = TEXT[locale]["agency"], _clip(str(plain))
        return {**common, "title": title, "body": body, "url": f"/#report={report.id}", "tag": f"report-{report.id}"}

    return build


def _concerns_reporter(report: Report, event: TimelineEvent) -> bool:
    """Status changes, police messages and agency answers, never what the reporter did themself."""
    if not event.reporter_visible or event.actor_id == report.reporter_id:
        return False
    return event.type in ("status", "message") or event.type.startswith("relay.")


def on_timeline_event(report: Report, event: TimelineEvent) -> int:
    """Queue the pushes an event calls for, in the caller's transaction; returns how many were queued."""
    queued = 0
    if event.type == "created" and report.kind == "alarm":
        queued += _enqueue(alarm_recipients(report), _staff_alarm(report), report)
    if event.type == "message" and event.data.get("from_reporter") and report.assigned_officer_id:
        officer = db.session.get(User, report.assigned_officer_id)
        if officer is not None and officer.active:
            queued += _enqueue([officer], _staff_message(report, event), report)
    if _concerns_reporter(report, event):
        reporter = db.session.get(User, report.reporter_id)
        if reporter is not None:
            queued += _enqueue([reporter], _reporter_update(report, event), report)
    return queued
