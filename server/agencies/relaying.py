"""Relay policy: passing a case to agencies, their delivery state, and their answers flowing back.

Every function writes the case timeline and leaves the commit to its caller, so the relay row, its outbox
entry, the timeline event and the audit record land in one transaction or not at all.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from server import outbox, worker
from server.aftercommit import after_commit
from server.agencies.models import Agency, Relay
from server.audit import audit
from server.auth.models import User
from server.errors import ApiError
from server.extensions import db
from server.reports import timeline
from server.reports.models import Report, TimelineEvent
from server.timeutil import isoformat, utcnow

# A relay in one of these states is still live: relaying the same case to the same agency again is refused.
ACTIVE_STATES = ("pending", "delivered", "accepted")
ANSWERS = ("accepted", "declined", "update")
REPLAY_WINDOW = timedelta(seconds=300)

# How the reporter hears of an agency: by what it does, not by its internal name (a hospital's dispatch
# desk or a complaints line is not a name the reporter needs, and some are sensitive, e.g. civil affairs).
PLAIN_NAMES = {
    "medical": ("医院急救中心", "The emergency medical centre"),
    "consumer": ("市场监管部门", "The market-supervision bureau"),
    "rescue": ("救援队", "The rescue team"),
    "fire": ("消防救援部门", "The fire service"),
    "traffic": ("交警部门", "The traffic police"),
    "civil_affairs": ("民政部门", "Civil affairs"),
    "other": ("相关部门", "The agency concerned"),
}


def relay_case(user: User, report: Report, agency_ids: list[int], share: dict[str, bool], note: str | None, base: str) -> list[Relay]:
    """Relay a case to agencies: one relay each, a webhook agency's delivery queued in the same transaction.

    An agency that is unknown or inactive is a 400 naming it; one that already holds a live relay of
    this case (pending, delivered or accepted) is a 409 naming it. Nothing is written in either case.
    """
    timeline.begin_write()  # first: it also serialises concurrent relays of one case
    wanted = list(dict.fromkeys(agency_ids))
    agencies = {a.id: a for a in db.session.scalars(sa.select(Agency).where(Agency.id.in_(wanted)))}
    bad = [str(i) for i in wanted if i not in agencies or not agencies[i].active]
    if bad:
        names = [agencies[int(i)].name if int(i) in agencies else f"#{i}" for i in bad]
        raise ApiError(
            400,
            f"联动单位不存在或已停用：{'、'.join(names)} / unknown or inactive agency: {', '.join(names)}",
            code="agency_unavailable",
            fields={"agency_ids": [f"{name}: unknown or inactive" for name in names]},
        )
    live = db.session.scalars(
        sa.select(Relay).where(Relay.report_id == report.id, Relay.agency_id.in_(wanted), Relay.state.in_(ACTIVE_STATES))
    ).all()
    if live:
        names = [agencies[r.agency_id].name for r in live]
        raise ApiError(
            409,
            f"已转给{'、'.join(names)}，尚在处理中 / already relayed to {', '.join(names)}",
            code="already_relayed",
            fields={"agency_ids": [f"{agencies[r.agency_id].name}: relay {r.id} is {r.state}" for r in live]},
        )
    relays = []
    for agency_id in wanted:
        agency = agencies[agency_id]
        relay = Relay(
            id=str(uuid.uuid4()), report_id=report.id, agency_id=agency.id, share=share, note=note, state="pending", created_by=user.id
        )
        db.session.add(relay)
        db.session.flush()
        if agency.delivery == "webhook":
            outbox.enqueue("relay.deliver", relay.id, {"base_url": base})
        timeline.record(
            report,
            "relay.sent",
            user,
            {
                "relay_id": relay.id,
                "agency_id": agency.id,
                "agency_name": agency.name,
                "agency_type": agency.type,
                "share": share,
                "note": note,
            },
        )
        _tell_agency(relay, "relay.sent")
        relays.append(relay)
    audit(user, "case.relay", report.id, detail={"agency_ids": wanted, "share": share})
    after_commit(worker.wake)
    return relays


def mark_delivered(relay: Relay, via: str) -> None:
    """The agency has the case (its webhook answered 2xx, or a portal user opened it)."""
    timeline.begin_write()
    db.session.flush()  # keep this transaction's own changes when re-reading the row under the lock
    db.session.refresh(relay)
    if relay.delivered_at is not None:
        return
    relay.delivered_at = utcnow()
    if relay.state in ("pending", "failed"):
        relay.state = "delivered"
    timeline.record(
        relay.report,
        "relay.delivered",
        None,
        {"relay_id": relay.id, "agency_id": relay.agency_id, "agency_name": relay.agency.name, "via": via, "attempts": relay.attempts},
    )
    _tell_agency(relay, "relay.delivered")


def mark_failed(relay: Relay, error: str) -> None:
    """Delivery gave up: the relay is failed and the dispatchers see it on the case at once."""
    timeline.begin_write()
    db.session.flush()  # keep this transaction's own changes when re-reading the row under the lock
    db.session.refresh(relay)
    if relay.state != "pending":
        return  # answered through the portal meanwhile: nothing to alert about
    relay.state = "failed"
    relay.last_error = error[:2000]
    timeline.record(
        relay.report,
        "relay.failed",
        None,
        {
            "relay_id": relay.id,
            "agency_id": relay.agency_id,
            "agency_name": relay.agency.name,
            "attempts": relay.attempts,
            "error": error[:300],
        },
    )


def answer(relay: Relay, status: str, note: str | None, actor: User | None) -> tuple[Relay, bool]:
    """Record an agency's answer; returns (relay, duplicate). Accepted and update reach the reporter too.

    Accepting or declining again with the same answer is a harmless repeat; changing a decision, or
    updating a declined relay, is a 409. An update identical to one just recorded is taken as a replay.
    """
    if status not in ANSWERS:
        raise ApiError(400, "无效的答复 / invalid answer", fields={"status": [f"one of {', '.join(ANSWERS)}"]})
    timeline.begin_write()
    db.session.flush()  # keep this transaction's own changes when re-reading the row under the lock
    db.session.refresh(relay)
    if status in ("accepted", "declined"):
        if relay.state == status:
            return relay, True
        if relay.state in ("accepted", "declined"):
            raise ApiError(409, f"已答复为 {relay.state} / already answered {relay.state}", code="already_answered")
        relay.state = status
        relay.answered_at = utcnow()
    else:
        if relay.state == "declined":
            raise ApiError(409, "已拒绝的转警不能再更新 / a declined relay takes no updates", code="already_answered")
        if _recent_same_update(relay, note):
            return relay, True
    if relay.delivered_at is None:
        relay.delivered_at = utcnow()  # an answer proves the agency has the case
    report = relay.report
    data: dict[str, Any] = {
        "relay_id": relay.id,
        "agency_id": relay.agency_id,
        "agency_type": relay.agency.type,
        "status": status,
        "note": note,
    }
    reporter_visible = status in ("accepted", "update")
    if reporter_visible:
        data.update(plain_words(relay.agency.type, status))
    else:
        data["agency_name"] = relay.agency.name  # staff-only event: the name helps the dispatcher
    timeline.record(report, f"relay.{status}", actor, data, reporter_visible=reporter_visible)
    audit(
        actor,
        f"relay.{status}",
        report.id,
        detail={"relay_id": relay.id, "agency_id": relay.agency_id, "via": "portal" if actor else "hmac"},
    )
    _tell_agency(relay, f"relay.{status}")
    return relay, False


def plain_words(agency_type: str, status: str) -> dict[str, str]:
    """What the reporter reads, in zh-CN and English, for an agency's answer."""
    zh, en = PLAIN_NAMES.get(agency_type, PLAIN_NAMES["other"])
    if status == "accepted":
        return {"text": f"{zh}已接收您的求助", "text_en": f"{en} has taken up your request"}
    return {"text": f"{zh}发来最新进展", "text_en": f"News from {en[0].lower() + en[1:]}"}


def _recent_same_update(relay: Relay, note: str | None) -> bool:
    # The signed-request window is five minutes; an identical update inside it is a replay or a double tap.
    since = utcnow() - REPLAY_WINDOW
    recent = db.session.scalars(
        sa.select(TimelineEvent)
        .where(TimelineEvent.report_id == relay.report_id, TimelineEvent.type == "relay.update", TimelineEvent.at >= since)
        .order_by(TimelineEvent.seq.desc())
        .limit(50)
    )
    return any(e.data.get("relay_id") == relay.id and e.data.get("note") == note for e in recent)


def _tell_agency(relay: Relay, what: str) -> None:
    """Tell the agency's portal users live (after commit) that one of their relays changed."""
    from server import realtime

    payload = {"type": what, "relay_id": relay.id, "state": relay.state, "at": isoformat(utcnow())}
    agency_id = relay.agency_id
    after_commit(lambda: realtime.publish_to_agency(agency_id, "relay.updated", {**payload}))
