from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required, visible_report
from server.reports import service, views
from server.reports.categories import CATEGORIES, KIND_LABELS

bp = Blueprint("reports", __name__, description="The reporter's own view of their reports")


class MineArgs(Schema):
    mine = fields.Integer(load_default=1, validate=validate.OneOf([1]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    before = fields.AwareDateTime(load_default=None)


@bp.get("/reports")
@auth_required("citizen", "assistant")
@bp.arguments(MineArgs, location="query")
def my_reports(args):
    """The caller's own reports, newest first; `next` is the `before` to pass for the next page."""
    reports = service.reports_of(g.user, args["limit"] + 1, args["before"])
    more = len(reports) > args["limit"]
    reports = reports[: args["limit"]]
    return {"items": [views.summary(r) for r in reports], "next": views.summary(reports[-1])["created_at"] if more else None}


@bp.get("/reports/<uuid:report_id>")
@auth_required("citizen", "assistant")
def my_report(report_id):
    return views.reporter_view(visible_report(g.user, str(report_id)))


@bp.get("/categories")
def categories():
    """Report kinds and categories with their zh-CN and en labels."""
    return {"kinds": KIND_LABELS, "categories": CATEGORIES}


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
