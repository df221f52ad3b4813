from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class RoutingStation:
    """What routing needs of a station, kept between requests."""

    id: int
    code: str
    name: str
    jurisdiction: dict


# database URL -> ((station count, highest id, newest created_at), stations). Stations are only ever added
# (jurisdictions are not edited through the app), so a change of that triple says the cached list is stale; one
# cheap aggregate query checks it on every use.
_routing_cache: dict[str, tuple[tuple, list[RoutingStation]]] = {}
_VERSION = sa.select(sa.func.count(Station.id), sa.func.max(Station.id), sa.func.max(Station.created_at))


def stations_for_routing() -> list[RoutingStation]:
    """The stations a position can be routed to (all but the command centre), in routing order."""
    version = tuple(db.session.execute(_VERSION).one())
    url = db.engine.url.render_as_string(hide_password=True)
    cached = _routing_cache.get(url)
    if cached is not None and cached[0] == version:
        return cached[1]
    query = (
        sa.select(Station.id, Station.code, Station.name, Station.jurisdiction)
        .where(Station.is_command_centre.is_(False), Station.jurisdiction.is_not(None))
        .order_by(Station.id)
    )
    stations = [RoutingStation(*row) for row in db.session.execute(query)]
    _routing_cache[url] = (version, stations)
    return stations


def route(stations: list[RoutingStation], lat: float | None, lon: float | None) -> RoutingStation | None:
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
        found = route(stations_for_routing(), lat, lon)
        if found is not None:
            station = db.session.get(Station, found.id)
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
