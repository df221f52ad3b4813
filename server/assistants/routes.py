import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.assistants.models import Assistant
from server.assistants.service import appoint_assistant, assistant_dict, revoke_assistant
from server.auth.access import auth_required, sees_all_stations
from server.errors import ApiError
from server.extensions import db
from server.pagination import ListArgs, page

bp = Blueprint("assistants", __name__, description="Community police assistants")


class AssistantIn(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,80}$"))
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    phone = fields.String(load_default=None, validate=validate.Length(max=32))
    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    village = fields.String(required=True, validate=validate.Length(min=1, max=120))
    station_id = fields.Integer(required=True)
    valid_until = fields.Date(load_default=None)


class RevokeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


def _check_station(station_id: int) -> None:
    if not sees_all_stations(g.user) and g.user.station_id != station_id:
        raise ApiError(403, "只能管理本所警务助理 / only your station's assistants")


@bp.get("/assistants")
@auth_required("officer", "dispatcher", "admin")
@bp.arguments(ListArgs, location="query")
def list_assistants(args):
    query = sa.select(Assistant)
    if not sees_all_stations(g.user):
        query = query.where(Assistant.station_id == g.user.station_id)
    result = page(query, Assistant.user_id, args)
    return {"items": [assistant_dict(a) for a in result["items"]], "next": result["next"]}


@bp.post("/assistants")
@auth_required("officer", "dispatcher", "admin")
@bp.arguments(AssistantIn)
@bp.response(201)
def add_assistant(data):
    _check_station(data["station_id"])
    appointment = appoint_assistant(**data)
    db.session.commit()
    return assistant_dict(appointment)


@bp.post("/assistants/<int:assistant_id>/revoke")
@auth_required("officer", "dispatcher", "admin")
@bp.arguments(RevokeIn)
def revoke(data, assistant_id):
    appointment = db.session.get(Assistant, assistant_id)
    if appointment is None:
        raise ApiError(404, "没有找到该警务助理 / assistant not found")
    _check_station(appointment.station_id)
    revoke_assistant(assistant_id, data["reason"])
    db.session.commit()
    return assistant_dict(appointment)


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
