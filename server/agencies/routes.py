import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.agencies.models import AGENCY_TYPES, DELIVERIES, FORMATS, Agency
from server.agencies.service import agency_dict, create_agency
from server.auth.access import auth_required
from server.extensions import db
from server.pagination import ListArgs, page

bp = Blueprint("agencies", __name__, description="Linked agencies and relays")


class AgencyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    type = fields.String(required=True, validate=validate.OneOf(AGENCY_TYPES))
    delivery = fields.String(load_default="portal", validate=validate.OneOf(DELIVERIES))
    url = fields.Url(load_default=None, require_tld=False, schemes={"http", "https"})
    secret = fields.String(load_default=None, validate=validate.Length(min=16, max=200))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    contact = fields.String(load_default=None, validate=validate.Length(max=200))


@bp.get("/agencies")
@auth_required("officer", "dispatcher", "admin")
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


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
