"""The one list format: {"items": [...], "next": <cursor or null>}, keyset-paged on a column."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate

from server.extensions import db
from server.timeutil import isoformat

MAX_LIMIT = 1000


class ListArgs(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.Integer(load_default=None, validate=validate.Range(min=0))


def page(query: sa.Select, key: sa.ColumnElement, args: dict, descending: bool = False) -> dict:
    """One page of `query` ordered by the integer `key`; `next` is the key to pass as `cursor`."""
    limit = args["limit"]
    cursor = args.get("cursor")
    if cursor is not None:
        query = query.where(key < cursor if descending else key > cursor)
    query = query.order_by(key.desc() if descending else key).limit(limit + 1)
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": getattr(rows[-1], key.key) if more and rows else None}


class NewestFirstCursor(fields.String):
    """`before` for newest-first lists: the `next` of the previous page, "<created_at ISO>|<id>".

    A bare timestamp (the older form) is still accepted. The id breaks ties, so rows sharing a created_at
    (a batch of reports stored in one push) are neither skipped nor repeated across pages.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        when, _, key = text.partition("|")
        try:
            moment = fields.AwareDateTime()._deserialize(when, attr, data)
        except ValidationError:
            raise ValidationError("需要上一页的 next / expected the previous page's `next`") from None
        if not 1970 <= moment.year <= 2100:
            raise ValidationError("时间超出范围 / time out of range")
        return moment, key or None


def newest_first(query: sa.Select, created: sa.ColumnElement, key: sa.ColumnElement, before, limit: int) -> tuple[list, str | None]:
    """One page of `query`, newest first by (created, key); returns the rows and the `next` cursor (or None)."""
    if before is not None:
        moment, after_key = before
        if after_key is None:
            query = query.where(created < moment)
        else:
            query = query.where(sa.or_(created < moment, sa.and_(created == moment, key < after_key)))
    rows = list(db.session.scalars(query.order_by(created.desc(), key.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, f"{isoformat(getattr(last, created.key))}|{getattr(last, key.key)}"
