"""Creating staff and agency-portal users (admin commands and the admin API)."""

from __future__ import annotations

import sqlalchemy as sa

from server.agencies.models import Agency
from server.auth.models import User
from server.auth.tokens import hash_password
from server.errors import ApiError
from server.extensions import db
from server.stations.models import Station


def create_staff_user(
    username: str, password: str, role: str, station_code: str | None = None, agency_id: int | None = None, display_name: str | None = None
) -> User:
    problems: dict[str, list[str]] = {}
    if role not in ("officer", "dispatcher", "admin", "agency"):
        problems["role"] = ["one of officer, dispatcher, admin, agency"]
    if len(password) < 8:
        problems["password"] = ["at least 8 characters"]
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        problems["username"] = ["exists"]
    station = None
    if station_code:
        station = db.session.scalar(sa.select(Station).where(Station.code == station_code))
        if station is None:
            problems["station"] = ["unknown station code"]
    elif role == "officer":
        problems["station"] = ["officers need a station"]
    if role == "agency" and (agency_id is None or db.session.get(Agency, agency_id) is None):
        problems["agency_id"] = ["agency users need an existing agency"]
    if problems:
        raise ApiError(400, "用户信息有误 / invalid user", fields=problems)
    if role == "dispatcher" and station is None:
        from server.stations.service import command_centre

        station = command_centre()
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        station_id=station.id if station else None,
        agency_id=agency_id if role == "agency" else None,
        display_name=display_name,
    )
    db.session.add(user)
    db.session.flush()
    return user
