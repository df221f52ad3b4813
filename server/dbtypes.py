"""Portable column types shared by the feature packages' models."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores aware UTC datetimes and always returns them aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def one_of_ids(column: sa.ColumnElement) -> dict[str, sa.ColumnElement[bool]]:
    """`column` equals one of the list bound as `ids`, per dialect name: IN (…) on SQLite; on PostgreSQL
    `= ANY(:ids)` with one array parameter, a short statement that stays the same whatever the list's length,
    so the driver need not parse (nor the server plan) a new text of 100 placeholders each time."""
    return {
        "sqlite": column.in_(sa.bindparam("ids", expanding=True)),
        "postgresql": column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(column.type))),
    }


UUIDStr = sa.String(36)
