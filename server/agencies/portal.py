"""The agency side: answering a relay (portal token or HMAC signature) and the portal's view of relayed cases.

An agency sees only relays made to it, and of each case only what that relay shared (shared.py builds it,
the same builder as the webhook bodies). Another agency's relay answers 404, so relay ids cannot be probed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.agencies import relaying
from server.agencies.models import Relay
from server.agencies.shared import base_url, shared_case
from server.agencies.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from server.auth.access import auth_required, authenticate
from server.auth.models import User
from server.errors import ApiError
from server.extensions import db
from server.pagination import NewestFirstCursor, newest_first
from server.timeutil import isoformat

bp = Blueprint("agency_portal", __name__, description="Agencies: answers to relays and the portal's relayed cases")
NOT_FOUND = "没有找到该转警 / Relay not found"


class AckIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(relaying.ANSWERS))
    # Required in signed answers: the signature then binds the answer to this relay, so a captured answer for
    # one relay cannot be replayed onto another of the same agency's relays.
    relay_id = fields.UUID(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class PortalListArgs(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    before = NewestFirstCursor(load_default=None, metadata={"description": "`next` of the previous page"})
    state = fields.String(load_default=None, validate=validate.OneOf(("pending", "delivered", "accepted", "declined", "failed")))


def _ack_caller(relay_id: str) -> tuple[Relay, User | None]:
    """The relay and who answers: an agency portal user by bearer token, or the agency itself by signature.

    Runs before the body is parsed, so a forged request learns nothing from validation errors.
    """
    if request.headers.get("Authorization"):
        user = authenticate()
        if user.role != "agency" or user.agency_id is None:
            raise ApiError(403, "仅联动单位可答复 / Only the agency can answer a relay")
        relay = db.session.get(Relay, relay_id)
        if relay is None or relay.agency_id != user.agency_id:
            raise ApiError(404, NOT_FOUND)
        if not relay.agency.active:
            raise ApiError(403, "该单位已停用 / The agency is deactivated")
        return relay, user
    timestamp, signature = request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER)
    refused = ApiError(
        401,
        "签名无效或已过期 / Missing, invalid or expired signature",
        code="bad_signature",
        headers={"WWW-Authenticate": 'Bearer, HMAC-SHA256 realm="lianbao"'},
    )
    if not timestamp or not signature:
        raise refused
    relay = db.session.get(Relay, relay_id)
    # An unknown relay and a wrong signature look alike, so a signer cannot probe for relay ids.
    if relay is None or not relay.agency.active or not verify(relay.agency.secret or "", timestamp, request.get_data(), signature):
        raise refused
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or str(body.get("relay_id", "")).lower() != relay.id:
        raise ApiError(
            400,
            "签名答复须包含本转警的 relay_id / a signed answer must name this relay's relay_id",
            "relay_id_mismatch",
            {"relay_id": [relay.id]},
        )
    return relay, None


@bp.post("/relays/<uuid:relay_id>/ack")
@bp.doc(
    description="Authenticate with an agency portal user's bearer token, or with X-Lianbao-Timestamp and "
    "X-Lianbao-Signature (sha256=HMAC-SHA256 of '<timestamp>.<raw body>' with the agency's secret; at most 5 minutes old).",
)
@bp.arguments(AckIn)
def ack(data, relay_id):
    """An agency accepts, declines, or posts an update on a relay; lands on the case timeline live."""
    relay, user = g.ack_caller
    relay, duplicate = relaying.answer(relay, data["status"], data["note"], user)
    db.session.commit()
    return {"relay": portal_relay_dict(relay, with_case=False), "duplicate": duplicate}


@bp.before_request
def _authenticate_ack():
    # Authentication must come before @bp.arguments parses the body; a blueprint hook runs first.
    if request.endpoint == f"{bp.name}.ack":
        g.ack_caller = _ack_caller(str(request.view_args["relay_id"]))


@bp.get("/agency/cases")
@auth_required("agency")
@bp.arguments(PortalListArgs, location="query")
def agency_cases(args):
    """The relays made to the caller's agency, newest first, each with the case as shared."""
    query = sa.select(Relay).where(Relay.agency_id == g.user.agency_id)
    if args["state"]:
        query = query.where(Relay.state == args["state"])
    rows, next_cursor = newest_first(query, Relay.created_at, Relay.id, args["before"], args["limit"])
    return {"items": [portal_relay_dict(r) for r in rows], "next": next_cursor}


@bp.get("/agency/cases/<uuid:relay_id>")
@auth_required("agency")
def agency_case(relay_id):
    """One relay with the case as shared; opening a portal relay marks it delivered."""
    relay = db.session.get(Relay, str(relay_id))
    if relay is None or relay.agency_id != g.user.agency_id:
        raise ApiError(404, NOT_FOUND)
    if relay.delivered_at is None:
        relaying.mark_delivered(relay, "portal")
        db.session.commit()
    return portal_relay_dict(relay)


def portal_relay_dict(relay: Relay, with_case: bool = True) -> dict:
    """A relay as its agency sees it: never who relayed it internally, never unshared fields."""
    out = {
        "relay_id": relay.id,
        "state": relay.state,
        "note": relay.note,
        "share": relay.share,
        "created_at": isoformat(relay.created_at),
        "delivered_at": isoformat(relay.delivered_at),
        "answered_at": isoformat(relay.answered_at),
        "agency": {"id": relay.agency.id, "name": relay.agency.name, "type": relay.agency.type},
    }
    if with_case:
        out["case"] = shared_case(relay, base_url())
    return out
