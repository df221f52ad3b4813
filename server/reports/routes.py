import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required, visible_report
from server.pagination import NewestFirstCursor, newest_first
from server.reports import views
from server.reports.categories import CATEGORIES, KIND_LABELS
from server.reports.models import Report

bp = Blueprint("reports", __name__, description="The reporter's own view of their reports")


class MineArgs(Schema):
    mine = fields.Integer(load_default=1, validate=validate.OneOf([1]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    before = NewestFirstCursor(load_default=None)


@bp.get("/reports")
@auth_required("citizen", "assistant")
@bp.arguments(MineArgs, location="query")
def my_reports(args):
    """The caller's own reports, newest first; `next` is the `before` to pass for the next page."""
    query = sa.select(Report).where(Report.reporter_id == g.user.id)
    reports, next_cursor = newest_first(query, Report.created_at, Report.id, args["before"], args["limit"])
    return {"items": [views.summary(r) for r in reports], "next": next_cursor}


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
