from __future__ import annotations

import sqlalchemy as sa

from server.errors import ApiError
from server.extensions import db
from server.stations.geometry import contains, extract_geometry, validate_geometry
from server.stations.models import Station

COMMAND_CENTRE_CODE = "CC"


def command_centre() -> Station:
    """The command centre (情指联动中心); created if a fresh install has none, so no report is ever unroutable."""
    station = db.session.scalar(sa.select(Station).where(Station.is_command_centre.is_(True)).order_by(Station.id))
    if station is None:
        station = Station(code=COMMAND_CENTRE_CODE, name="情指联动中心", name_en="Command Centre", is_command_centre=True)
        db.session.add(station)
        db.session.flush()
    return station


def stations_for_routing() -> list[Station]:
    """The stations a position can be routed to (all but the command centre), in routing order; load once per batch."""
    query = sa.select(Station).where(Station.is_command_centre.is_(False), Station.jurisdiction.is_not(None)).order_by(Station.id)
    return list(db.session.scalars(query))


def route(stations: list[Station], lat: float | None, lon: float | None) -> Station | None:
    """The first of `stations` whose jurisdiction holds the position; None means the command centre."""
    if lat is None or lon is None:
        return None
    for station in stations:
        if contains(station.jurisdiction, lat, lon):
            return station
    return None


def route_to_station(lat: float | None, lon: float | None) -> Station:
    """The station whose jurisdiction holds the position; the command centre when none does or there is no fix."""
    if lat is not None and lon is not None:
        station = route(stations_for_routing(), lat, lon)
        if station is not None:
            return station
    return command_centre()


def create_station(code: str, name: str, jurisdiction: dict | None, name_en: str | None = None, is_command_centre: bool = False) -> Station:
    if jurisdiction is not None:
        problem = validate_geometry(jurisdiction)
        if problem:
            raise ApiError(400, problem, fields={"jurisdiction": [problem]})
        jurisdiction = extract_geometry(jurisdiction)
    if db.session.scalar(sa.select(Station.id).where(Station.code == code)):
        raise ApiError(409, f"站点代码已存在 / station code {code} exists", fields={"code": ["exists"]})
    station = Station(code=code, name=name, name_en=name_en, jurisdiction=jurisdiction, is_command_centre=is_command_centre)
    db.session.add(station)
    db.session.flush()
    return station
