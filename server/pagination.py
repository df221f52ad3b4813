"""The one list format: {"items": [...], "next": <cursor or null>}, keyset-paged on a column."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from server.extensions import db

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
