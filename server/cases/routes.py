from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.audit import audit
from server.auth.access import auth_required, visible_report
from server.cases import service, views
from server.cases.status import STATUSES
from server.extensions import db
from server.pagination import NewestFirstCursor, newest_first
from server.reports.categories import CATEGORIES
from server.reports.models import KINDS, Report

bp = Blueprint("cases", __name__, description="The police side: queue, detail, status, assignment, notes, messages")
STAFF = ("officer", "dispatcher", "admin")


class CaseFilters(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    station_id = fields.Integer(load_default=None)
    since = fields.AwareDateTime(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    before = NewestFirstCursor(load_default=None)


class TransitionIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(STATUSES))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class AssignIn(Schema):
    officer_id = fields.Integer(required=True)


class NoteIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class MessageIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    message_id = fields.UUID(load_default=None)


@bp.get("/cases")
@auth_required(*STAFF)
@bp.arguments(CaseFilters, location="query")
def list_cases(filters):
    """The caller's queue, newest first; `next` is the `before` to pass for the next page."""
    query = service.queue_query(g.user, filters)
    rows, next_cursor = newest_first(query, Report.created_at, Report.id, filters["before"], filters["limit"])
    return {"items": [views.case_summary(r) for r in rows], "next": next_cursor}


@bp.get("/cases/<uuid:report_id>")
@auth_required(*STAFF)
def get_case(report_id):
    report = visible_report(g.user, str(report_id))
    detail = views.case_detail(report)
    audit(g.user, "case.view", report.id)
    db.session.commit()
    return detail


@bp.post("/cases/<uuid:report_id>/transition")
@auth_required(*STAFF)
@bp.arguments(TransitionIn)
def transition(data, report_id):
    report = service.transition(g.user, visible_report(g.user, str(report_id)), data["to"], data["note"])
    db.session.commit()
    return views.case_summary(report)


@bp.post("/cases/<uuid:report_id>/assign")
@auth_required(*STAFF)
@bp.arguments(AssignIn)
def assign(data, report_id):
    report = service.assign(g.user, visible_report(g.user, str(report_id)), data["officer_id"])
    db.session.commit()
    return views.case_summary(report)


@bp.post("/cases/<uuid:report_id>/notes")
@auth_required(*STAFF)
@bp.arguments(NoteIn)
@bp.response(201)
def add_note(data, report_id):
    service.add_note(g.user, visible_report(g.user, str(report_id)), data["body"])
    db.session.commit()
    return {"ok": True}


@bp.post("/cases/<uuid:report_id>/messages")
@auth_required(*STAFF)
@bp.arguments(MessageIn)
@bp.response(201)
def message_reporter(data, report_id):
    report = visible_report(g.user, str(report_id))
    message_id = str(data["message_id"]) if data["message_id"] else None
    service.message_reporter(g.user, report, data["body"], message_id)
    db.session.commit()
    return {"ok": True}


class OfficerFilters(Schema):
    station_id = fields.Integer(load_default=None)


@bp.get("/officers")
@auth_required(*STAFF)
@bp.arguments(OfficerFilters, location="query")
def list_officers(args):
    """Who a case can be assigned to: an officer sees their own station's officers, the command centre any station's."""
    return {"items": service.officers_for(g.user, args["station_id"]), "next": None}


@bp.get("/console/config")
@auth_required(*STAFF)
def console_config():
    """What the console page needs from the server's configuration (the map's tile URL)."""
    from flask import current_app

    return {"map_tile_url": current_app.config["MAP_TILE_URL"], "map_attribution": current_app.config.get("MAP_ATTRIBUTION", "")}


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
