from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required
from server.reports.categories import CATEGORIES
from server.reports.models import KINDS
from server.stats import service

bp = Blueprint("stats", __name__, description="Statistics and hotspot analysis")


class SummaryArgs(Schema):
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)
    station_id = fields.Integer(load_default=None)


class HotspotArgs(SummaryArgs):
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    cell_m = fields.Float(load_default=500.0, validate=validate.Range(min=50, max=50_000))


def _filters(args: dict) -> dict:
    return {**args, "from": args.pop("from_", None)}


@bp.get("/stats/summary")
@auth_required("officer", "dispatcher", "admin")
@bp.arguments(SummaryArgs, location="query")
def stats_summary(args):
    """Counts of the reports the caller may see, by status, kind, category and station."""
    return service.summary(g.user, _filters(args))


@bp.get("/stats/hotspots")
@auth_required("officer", "dispatcher", "admin")
@bp.arguments(HotspotArgs, location="query")
def stats_hotspots(args):
    """Where reports cluster (grid cells of cell_m metres) and at which local hours and weekdays."""
    cell_m = args.pop("cell_m")
    return service.hotspots(g.user, _filters(args), cell_m, current_app.config["BUREAU_TIMEZONE"])


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
