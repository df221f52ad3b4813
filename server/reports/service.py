"""What happens when a report, its media declarations, trail fixes and messages come in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.auth.models import User
from server.errors import ApiError
from server.extensions import db
from server.reports import timeline
from server.reports.models import LocationFix, Media, Message, Report
from server.stations.models import Station
from server.stations.service import route_to_station
from server.timeutil import utcnow

# Who may cancel, from which statuses: the reporter, before anyone is on the way.
CANCELLABLE = {"alarm": ("new", "acknowledged"), "default": ("new", "acknowledged")}


def _own_report(user: User, report_id: str) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or report.reporter_id != user.id:
        raise ApiError(404, "没有找到该报告 / Report not found", "report_not_found")
    return report


def id_conflict() -> ApiError:
    """The report id is stored already, by another identity (409)."""
    return ApiError(409, "报告编号冲突 / report_id already used", "id_conflict", {"report_id": ["exists"]})


def media_conflict(media_id: str) -> ApiError:
    """The media id is declared already with other facts (409)."""
    return ApiError(409, "媒体编号已被使用 / media_id already declared differently", "media_conflict", {"media_id": [media_id]})


def check_on_behalf(user: User, data: dict[str, Any]) -> None:
    """Only assistants file on behalf of a villager."""
    if data.get("on_behalf_of") and user.role != "assistant":
        raise ApiError(403, "只有警务助理可以代报 / only assistants file on behalf of others", fields={"on_behalf_of": ["not allowed"]})


def new_report(user: User, data: dict[str, Any], client_time: datetime | None, station: Station) -> Report:
    """The Report object for a validated `report.create` payload routed to `station` (not yet added)."""
    return Report(**report_values(user, data, client_time, station))


def report_values(user: User, data: dict[str, Any], client_time: datetime | None, station: Station) -> dict[str, Any]:
    """The column values a new report takes from its payload (the batch intake inserts them without an object)."""
    location = data["location"]
    return {
        "id": str(data["report_id"]),
        "reporter_id": user.id,
        "on_behalf_of": data.get("on_behalf_of"),
        "kind": data["kind"],
        "category": data["category"],
        "description": data.get("description") or "",
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "accuracy_m": location.get("accuracy_m"),
        "fixed_at": location.get("fixed_at"),
        "location_source": location["source"],
        "landmark": location.get("landmark"),
        "covert": data.get("covert", False),
        "anonymous": data.get("anonymous", False),
        "station_id": station.id,
        "client_time": client_time,
    }


def created_data(report: Report, station: Station, media_count: int) -> dict[str, Any]:
    """The data of a report's 'created' timeline event."""
    return {
        "kind": report.kind,
        "category": report.category,
        "station_id": station.id,
        "station_name": station.name,
        "covert": report.covert,
        "lat": report.lat,
        "lon": report.lon,
        "media_count": media_count,
    }


def create_report(user: User, data: dict[str, Any], client_time: datetime | None) -> tuple[Report, bool]:
    """Store a new report routed to its station; (report, False) when this report id is already stored.

    The batch intake (server/reports/intake.py) does the same for many creates at once; keep them alike.
    """
    report_id = str(data["report_id"])
    existing = db.session.get(Report, report_id)
    if existing is not None:
        if existing.reporter_id != user.id:
            raise id_conflict()
        return existing, False
    check_on_behalf(user, data)
    location = data["location"]
    station = route_to_station(location.get("lat"), location.get("lon"))
    report = new_report(user, data, client_time, station)
    timeline.begin_write()
    db.session.add(report)
    db.session.flush()
    _declare(report, data.get("media") or [])
    timeline.record(report, "created", user, created_data(report, station, len(data.get("media") or [])), reporter_visible=True)
    return report, True


def new_media(report_id: str, item: dict[str, Any]) -> Media:
    """The Media object for one validated declaration (not yet added)."""
    return Media(**media_values(report_id, item))


def media_values(report_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """The column values a declaration sets (the batch intake inserts them without an object)."""
    return {
        "id": str(item["media_id"]),
        "report_id": report_id,
        "kind": item["kind"],
        "mime": item["mime"],
        "size": item["size"],
        "sha256": item["sha256"],
        "variant": item.get("variant", "original"),
    }


def same_media(known: tuple[str, str, int], report_id: str, item: dict[str, Any]) -> bool:
    """Whether a declaration repeats a known one (report id, sha256, size): a no-op rather than a conflict."""
    return known == (report_id, item["sha256"], item["size"])


def _declare(report: Report, items: list[dict]) -> int:
    """Add media declarations; re-declaring the same id with the same facts is a no-op, with others a conflict."""
    added = 0
    for item in items:
        media_id = str(item["media_id"])
        existing = db.session.get(Media, media_id)
        if existing is not None:
            if not same_media((existing.report_id, existing.sha256, existing.size), report.id, item):
                raise media_conflict(media_id)
            continue
        db.session.add(new_media(report.id, item))
        added += 1
    db.session.flush()
    return added


def declare_media(user: User, data: dict[str, Any]) -> int:
    report = _own_report(user, str(data["report_id"]))
    timeline.begin_write()
    added = _declare(report, data["media"])
    if added:
        timeline.record(report, "media.declared", user, {"count": added})
    return added


def cancel_report(user: User, data: dict[str, Any]) -> Report:
    report = _own_report(user, str(data["report_id"]))
    if report.status == "cancelled":
        return report
    allowed = CANCELLABLE.get(report.kind, CANCELLABLE["default"])
    if report.status not in allowed:
        raise ApiError(409, "警情已在处置中，不能撤销 / too late to cancel: police are already on it", "illegal_transition")
    timeline.begin_write()
    previous = report.status
    report.status = "cancelled"
    timeline.record(report, "status", user, {"from": previous, "to": "cancelled", "reason": data.get("reason")}, reporter_visible=True)
    return report


def add_location_fix(user: User, data: dict[str, Any]) -> LocationFix:
    report = _own_report(user, str(data["report_id"]))
    timeline.begin_write()
    fix = LocationFix(
        report_id=report.id,
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data.get("accuracy_m"),
        fixed_at=data["fixed_at"],
        source=data.get("source", "gps"),
    )
    db.session.add(fix)
    timeline.record(
        report, "location", user, {"lat": fix.lat, "lon": fix.lon, "accuracy_m": fix.accuracy_m, "fixed_at": data["fixed_at"].isoformat()}
    )
    return fix


def add_message(user: User, report: Report, message_id: str, body: str, client_time: datetime | None = None) -> tuple[Message, bool]:
    """A chat message on a case, from the reporter or from staff; idempotent by message_id."""
    existing = db.session.get(Message, message_id)
    if existing is not None:
        if existing.report_id != report.id or existing.author_id != user.id:
            raise ApiError(409, "消息编号冲突 / message_id already used", "id_conflict", {"message_id": ["exists"]})
        return existing, False
    from_reporter = user.id == report.reporter_id
    timeline.begin_write()
    message = Message(
        id=message_id, report_id=report.id, author_id=user.id, from_reporter=from_reporter, body=body, client_time=client_time
    )
    db.session.add(message)
    db.session.flush()
    author = "reporter" if from_reporter else timeline.actor_label(user, reporter_view=True)
    timeline.record(
        report,
        "message",
        user,
        {"message_id": message.id, "body": body, "from_reporter": from_reporter, "author": author},
        reporter_visible=True,
    )
    report.updated_at = utcnow()
    return message, True


def reporter_message(user: User, data: dict[str, Any], client_time: datetime | None) -> tuple[Message, bool]:
    report = _own_report(user, str(data["report_id"]))
    return add_message(user, report, str(data["message_id"]), data["body"], client_time)
