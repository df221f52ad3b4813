import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required
from server.extensions import db
from server.pagination import ListArgs, page
from server.stations.models import Station
from server.stations.service import create_station

bp = Blueprint("stations", __name__, description="Stations and their jurisdictions")


class StationOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    is_command_centre = fields.Boolean()
    jurisdiction = fields.Dict(allow_none=True)


class StationIn(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name_en = fields.String(load_default=None, validate=validate.Length(max=160))
    jurisdiction = fields.Dict(required=True)


class StationList(Schema):
    items = fields.List(fields.Nested(StationOut))
    next = fields.Integer(allow_none=True)


@bp.get("/stations")
@auth_required("officer", "dispatcher", "admin", "assistant")
@bp.arguments(ListArgs, location="query")
@bp.response(200, StationList)
def list_stations(args):
    return page(sa.select(Station), Station.id, args)


@bp.post("/stations")
@auth_required("admin")
@bp.arguments(StationIn)
@bp.response(201, StationOut)
def add_station(data):
    station = create_station(data["code"], data["name"], data["jurisdiction"], data.get("name_en"))
    db.session.commit()
    return station


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
