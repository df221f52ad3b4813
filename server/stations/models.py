from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.dbtypes import JSONType, UTCDateTime
from server.extensions import db
from server.timeutil import utcnow


class Station(db.Model):
    """A police station (派出所 / 分局) or the command centre (情指联动中心), with its jurisdiction polygon."""

    __tablename__ = "stations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(160))
    is_command_centre: so.Mapped[bool] = so.mapped_column(default=False)
    # GeoJSON geometry (Polygon or MultiPolygon, lon/lat order per RFC 7946); None for the command centre.
    jurisdiction: so.Mapped[dict | None] = so.mapped_column(JSONType)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
