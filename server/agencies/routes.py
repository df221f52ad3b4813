"""Staff side of agencies: the directory (admins) and relaying a case (officers and the command centre)."""

import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.agencies import portal, relaying
from server.agencies.models import AGENCY_TYPES, DELIVERIES, FORMATS, Agency
from server.agencies.service import agency_dict, create_agency, update_agency
from server.agencies.shared import base_url
from server.auth.access import auth_required, is_staff_for, visible_report
from server.cases.views import relay_dict
from server.errors import ApiError
from server.extensions import db
from server.pagination import ListArgs, page

bp = Blueprint("agencies", __name__, description="Linked agencies and relays")
STAFF = ("officer", "dispatcher", "admin")


class AgencyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    type = fields.String(required=True, validate=validate.OneOf(AGENCY_TYPES))
    delivery = fields.String(load_default="portal", validate=validate.OneOf(DELIVERIES))
    url = fields.Url(load_default=None, require_tld=False, schemes={"http", "https"})
    secret = fields.String(load_default=None, validate=validate.Length(min=16, max=200))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    contact = fields.String(load_default=None, validate=validate.Length(max=200))


class AgencyPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    active = fields.Boolean()
    delivery = fields.String(validate=validate.OneOf(DELIVERIES))
    url = fields.Url(allow_none=True, require_tld=False, schemes={"http", "https"})
    format = fields.String(validate=validate.OneOf(FORMATS))
    contact = fields.String(allow_none=True, validate=validate.Length(max=200))
    rotate_secret = fields.Boolean(load_default=False, metadata={"description": "issue a new secret, shown in this answer only"})


class ShareIn(Schema):
    reporter_identity = fields.Boolean(load_default=False, metadata={"description": "the reporter's (and villager's) name and phone"})
    media = fields.Boolean(load_default=True, metadata={"description": "signed, expiring links to the photos, audio and video"})
    notes = fields.Boolean(load_default=False, metadata={"description": "the officers' case notes"})


class RelayIn(Schema):
    agency_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=20))
    share = fields.Nested(ShareIn, load_default=lambda: ShareIn().load({}))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


@bp.get("/agencies")
@auth_required(*STAFF)
@bp.arguments(ListArgs, location="query")
def list_agencies(args):
    result = page(sa.select(Agency), Agency.id, args)
    return {"items": [agency_dict(a) for a in result["items"]], "next": result["next"]}


@bp.post("/agencies")
@auth_required("admin")
@bp.arguments(AgencyIn)
@bp.response(201)
def add_agency(data):
    """Create an agency; a webhook agency's shared secret is in this answer and never again."""
    agency, secret = create_agency(**data)
    db.session.commit()
    return {**agency_dict(agency), "secret": secret}


@bp.patch("/agencies/<int:agency_id>")
@auth_required("admin")
@bp.arguments(AgencyPatch)
def edit_agency(data, agency_id):
    """Change an agency (active, url, format, contact …); with rotate_secret the new secret is shown once."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise ApiError(404, "没有找到该单位 / Agency not found")
    secret = update_agency(g.user, agency, **data)
    db.session.commit()
    answer = agency_dict(agency)
    if secret:
        answer["secret"] = secret
    return answer


@bp.post("/cases/<uuid:report_id>/relays")
@auth_required(*STAFF)
@bp.arguments(RelayIn)
@bp.response(201)
def relay(data, report_id):
    """Relay the case to agencies with what to share; 409 if one already holds a live relay of it."""
    report = visible_report(g.user, str(report_id))
    if not is_staff_for(g.user, report):
        raise ApiError(404, "没有找到该报告 / Report not found")
    relays = relaying.relay_case(g.user, report, data["agency_ids"], dict(data["share"]), data["note"], base_url())
    db.session.commit()
    return {"items": [relay_dict(r) for r in relays]}


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
    api.register_blueprint(portal.bp, url_prefix="/api/v1")
