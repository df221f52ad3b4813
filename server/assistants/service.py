from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from server.aftercommit import after_commit
from server.assistants.models import Assistant
from server.auth.models import User
from server.auth.tokens import hash_password, revoke_tokens
from server.errors import ApiError
from server.extensions import db
from server.push.models import PushSubscription
from server.realtime import cut_off, user_room
from server.stations.models import Station
from server.timeutil import utcnow


def appoint_assistant(
    username: str,
    password: str,
    name: str,
    phone: str | None,
    certificate_no: str,
    village: str,
    station_id: int,
    valid_until: date | None,
) -> Assistant:
    """Create an assistant's login and appointment."""
    problems: dict[str, list[str]] = {}
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        problems["username"] = ["exists"]
    if db.session.scalar(sa.select(Assistant.user_id).where(Assistant.certificate_no == certificate_no)):
        problems["certificate_no"] = ["exists"]
    if db.session.get(Station, station_id) is None:
        problems["station_id"] = ["no such station"]
    if problems:
        raise ApiError(409 if "station_id" not in problems else 400, "警务助理信息有误 / invalid assistant", fields=problems)
    user = User(
        username=username, password_hash=hash_password(password), role="assistant", display_name=name, phone=phone, station_id=station_id
    )
    db.session.add(user)
    db.session.flush()
    appointment = Assistant(
        user_id=user.id,
        certificate_no=certificate_no,
        name=name,
        phone=phone,
        station_id=station_id,
        village=village,
        valid_until=valid_until,
    )
    db.session.add(appointment)
    db.session.flush()
    return appointment


def revoke_assistant(assistant_id: int, reason: str) -> Assistant:
    """Revoke an appointment; the assistant's tokens stop working at once."""
    appointment = db.session.get(Assistant, assistant_id)
    if appointment is None:
        raise ApiError(404, "没有找到该警务助理 / assistant not found")
    appointment.state = "revoked"
    appointment.revoked_reason = reason
    appointment.revoked_at = utcnow()
    revoke_tokens(appointment.user_id)
    # Open live connections and push subscriptions would otherwise keep delivering case news.
    db.session.execute(sa.delete(PushSubscription).where(PushSubscription.user_id == appointment.user_id))
    room = user_room(appointment.user_id)
    after_commit(lambda: cut_off(room))
    return appointment


def assistant_dict(a: Assistant) -> dict:
    return {
        "id": a.user_id,
        "username": a.user.username,
        "name": a.name,
        "phone": a.phone,
        "certificate_no": a.certificate_no,
        "village": a.village,
        "station_id": a.station_id,
        "state": a.state,
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
        "revoked_reason": a.revoked_reason,
    }
