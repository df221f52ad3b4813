"""Point-in-polygon on GeoJSON geometries (lon/lat), enough for station jurisdictions."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def _in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(lon: float, lat: float, rings: list) -> bool:
    # The first ring is the outline, the others are holes.
    return bool(rings) and _in_ring(lon, lat, rings[0]) and not any(_in_ring(lon, lat, hole) for hole in rings[1:])


def contains(geometry: dict[str, Any] | None, lat: float, lon: float) -> bool:
    """Whether the position is inside; a malformed stored geometry holds nothing (and never fails a report)."""
    if not geometry:
        return False
    try:
        if geometry.get("type") == "Polygon":
            return _in_polygon(lon, lat, geometry["coordinates"])
        if geometry.get("type") == "MultiPolygon":
            return any(_in_polygon(lon, lat, polygon) for polygon in geometry["coordinates"])
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError):
        log.warning("skipping a malformed jurisdiction while routing")
    return False


def validate_geometry(value: Any) -> str | None:
    """Why `value` is not a usable jurisdiction, or None. Accepts a geometry, a Feature or a one-feature collection."""
    geometry = extract_geometry(value)
    if geometry is None:
        return "需要 GeoJSON Polygon 或 MultiPolygon / expected a GeoJSON Polygon or MultiPolygon"
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    try:
        for rings in polygons:
            for ring in rings:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    return "多边形的环必须闭合且至少四个点 / each ring must be closed with at least 4 positions"
                for position in ring:
                    if not isinstance(position, list) or len(position) < 2 or not all(_is_number(v) for v in position[:2]):
                        return "坐标必须是数字 / coordinates must be numbers"
                    lon, lat = position[0], position[1]
                    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                        return "坐标超出范围 / coordinate out of range"
    except (TypeError, ValueError):
        return "坐标格式错误 / malformed coordinates"
    return None


def _is_number(value: Any) -> bool:
    # JSON true/false are ints to Python; a jurisdiction made of them (or of strings) would break routing later.
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def extract_geometry(value: Any) -> dict | None:
    if not isinstance(value, dict):
        return None
    if value.get("type") == "FeatureCollection" and len(value.get("features") or []) == 1:
        value = value["features"][0]
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    if value.get("type") in GEOMETRY_TYPES and isinstance(value.get("coordinates"), list):
        return {"type": value["type"], "coordinates": value["coordinates"]}
    return None
