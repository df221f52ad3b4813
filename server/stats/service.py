"""Summaries and hotspots over the reports a user may see, with hours and weekdays in the bureau's time zone."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.auth.access import report_scope
from server.auth.models import User
from server.extensions import db
from server.reports.categories import CATEGORIES
from server.reports.models import Report

WEEKDAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
METRES_PER_DEGREE_LAT = 111_320.0


def _filtered(user: User, filters: dict) -> sa.Select:
    query = sa.select(Report).where(report_scope(user), Report.status != "cancelled")
    if filters.get("from") is not None:
        query = query.where(Report.created_at >= filters["from"])
    if filters.get("to") is not None:
        query = query.where(Report.created_at < filters["to"])
    for name in ("station_id", "kind", "category"):
        if filters.get(name) is not None:
            query = query.where(getattr(Report, name) == filters[name])
    return query


def summary(user: User, filters: dict) -> dict:
    """Counts of the visible reports by status, kind, category and station."""
    base = _filtered(user, filters).subquery()
    counts: dict[str, dict] = {}
    for column in ("status", "kind", "category", "station_id"):
        rows = db.session.execute(sa.select(base.c[column], sa.func.count()).group_by(base.c[column])).all()
        counts[f"by_{column.removesuffix('_id')}"] = {str(key): n for key, n in rows}
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base)) or 0
    return {"total": total, **counts}


def cell_of(lat: float, lon: float, cell_m: float) -> tuple[int, int]:
    """A square grid cell about `cell_m` metres across, stable for a given size."""
    dlat = cell_m / METRES_PER_DEGREE_LAT
    dlon = cell_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return math.floor(lat / dlat), math.floor(lon / dlon)


def hotspots(user: User, filters: dict, cell_m: float, timezone: str, top: int = 20) -> dict:
    """Grid cells with the most reports, each with its busiest hours and weekdays (local time)."""
    zone = ZoneInfo(timezone)
    cells: dict[tuple[int, int], list[tuple[float, float, datetime]]] = defaultdict(list)
    query = _filtered(user, filters).where(Report.lat.is_not(None), Report.lon.is_not(None))
    for report in db.session.scalars(query):
        cells[cell_of(report.lat, report.lon, cell_m)].append((report.lat, report.lon, report.created_at.astimezone(zone)))
    ranked = sorted(cells.items(), key=lambda item: len(item[1]), reverse=True)[:top]
    out = []
    for (row, col), points in ranked:
        hours = Counter(p[2].hour for p in points)
        weekdays = Counter(p[2].weekday() for p in points)
        out.append(
            {
                "cell_id": f"{int(cell_m)}:{row}:{col}",
                "lat": round(sum(p[0] for p in points) / len(points), 6),
                "lon": round(sum(p[1] for p in points) / len(points), 6),
                "count": len(points),
                "top_hours": [h for h, _ in hours.most_common(3)],
                "top_weekdays": [d for d, _ in weekdays.most_common(3)],
            }
        )
    return {"cells": out, "summary": _describe(out, filters, cell_m)}


def _describe(cells: list[dict], filters: dict, cell_m: float) -> str:
    """One plain sentence (zh-CN) a dispatcher can read out at a briefing."""
    what = CATEGORIES.get(filters.get("category") or "", {}).get("zh-CN", "警情")
    if not cells:
        return f"所选范围内没有{what}记录。"
    top = cells[0]
    hours = "、".join(f"{h}时" for h in top["top_hours"])
    days = "、".join(WEEKDAYS_ZH[d] for d in top["top_weekdays"])
    return (
        f"{what}最集中的约{int(cell_m)}米网格在（{top['lat']:.4f}, {top['lon']:.4f}）附近，共{top['count']}起，"
        f"多发于{hours}，{days}较多；共{len(cells)}个网格有记录。"
    )
