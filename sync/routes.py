from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required
from server.inputs import may_hold_unstorable
from sync import engine, feed

bp = Blueprint("sync", __name__, description="Offline sync: push ops, pull the change feed")


class PullArgs(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


@bp.post("/sync/push")
@auth_required("citizen", "assistant")
@bp.arguments(engine.PushIn)
def push(data):
    """Apply ops in order; each answers applied, duplicate or rejected (with the reason)."""
    # Walking every op for unstorable strings costs more than the rest of validation; only escapes (\u0000,
    # \ud800-\udfff) in the raw body can produce them, so most pushes skip it.
    return {"results": engine.apply_ops(g.user, data["ops"], screen_values=may_hold_unstorable(request.get_data()))}


@bp.get("/sync/pull")
@auth_required()
@bp.arguments(PullArgs, location="query")
def pull(args):
    return feed.pull(g.user, args["cursor"], args["limit"])


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
