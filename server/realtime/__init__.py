"""Live events over Socket.IO (namespace /live): rooms per station, per report and per identity."""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, join_room, leave_room

from server.extensions import db, socketio

log = logging.getLogger(__name__)
NAMESPACE = "/live"
ALL_STATIONS_ROOM = "stations:all"

# Timeline event types and the live event name they travel under.
LIVE_EVENT = {"created": "case.created", "message": "message.created"}


def live_event_name(timeline_type: str) -> str:
    if timeline_type.startswith("relay."):
        return "relay.updated"
    return LIVE_EVENT.get(timeline_type, "case.updated")


def station_room(station_id: int) -> str:
    return f"station:{station_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def agency_room(agency_id: int) -> str:
    return f"agency:{agency_id}"


def report_room(report_id: str) -> str:
    return f"report:{report_id}"


def publish(
    report_id: str,
    station_id: int,
    reporter_id: int,
    staff_payload: dict[str, Any],
    reporter_payload: dict[str, Any] | None,
) -> None:
    """Send a committed timeline event to the staff who see the case and, if meant for them, to the reporter."""
    name = live_event_name(staff_payload["type"])
    socketio.emit(name, staff_payload, to=[station_room(station_id), ALL_STATIONS_ROOM, report_room(report_id)], namespace=NAMESPACE)
    if reporter_payload is not None:
        socketio.emit(name, reporter_payload, to=user_room(reporter_id), namespace=NAMESPACE)


def publish_many(messages: list[tuple[str, int, int, dict[str, Any], dict[str, Any] | None]]) -> None:
    """`publish` each of (report id, station id, reporter id, staff payload, reporter payload), in order."""
    for message in messages:
        publish(*message)


def cut_off(room: str) -> None:
    """Empty a room (a revoked assistant's own, a deactivated agency's): open sockets stop hearing anything.

    With a Redis message queue this reaches every web process."""
    socketio.close_room(room, namespace=NAMESPACE)


def publish_to_agency(agency_id: int, name: str, payload: dict[str, Any]) -> None:
    socketio.emit(name, payload, to=agency_room(agency_id), namespace=NAMESPACE)


class LiveNamespace(Namespace):
    def on_connect(self, auth: dict | None = None):
        from server.auth.access import blocked_reason, sees_all_stations
        from server.auth.tokens import user_for_token

        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            token = None
        try:
            user = user_for_token(token) if token else None
            if user is None or blocked_reason(user):
                raise ConnectionRefusedError("unauthorized")
            rooms = [user_room(user.id)]
            if sees_all_stations(user):
                rooms.append(ALL_STATIONS_ROOM)
            elif user.role == "officer" and user.station_id:
                rooms.append(station_room(user.station_id))
            elif user.role == "agency" and user.agency_id:
                rooms.append(agency_room(user.agency_id))
            for room in rooms:
                join_room(room)
            socketio.server.save_session(request.sid, {"user_id": user.id}, namespace=NAMESPACE)
        finally:
            db.session.remove()

    def on_watch(self, data: dict | None):
        """Staff opening a case join its room to see its events live."""
        from server.auth.access import is_staff_for
        from server.auth.models import User
        from server.reports.models import Report

        report_id = (data or {}).get("report_id") if isinstance(data, dict) else None
        try:
            session = socketio.server.get_session(request.sid, namespace=NAMESPACE)
            user = db.session.get(User, session.get("user_id"))
            report = db.session.get(Report, report_id) if isinstance(report_id, str) else None
            if user is None or report is None or not is_staff_for(user, report):
                return {"ok": False, "error": "not_found"}
            join_room(report_room(report.id))
            return {"ok": True}
        finally:
            db.session.remove()

    def on_unwatch(self, data: dict | None):
        report_id = (data or {}).get("report_id") if isinstance(data, dict) else None
        if isinstance(report_id, str):
            leave_room(report_room(report_id))
        return {"ok": True}


def init_app(app) -> None:
    socketio.on_namespace(LiveNamespace(NAMESPACE))
