"""Web Push API: the VAPID public key, and subscribing / unsubscribing this browser for the caller."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates

from server.auth.access import auth_required
from server.errors import ApiError
from server.extensions import db
from server.push.models import PushSubscription
from server.push.vapid import ensure_keys

bp = Blueprint("push", __name__, description="Web Push: the VAPID key and this browser's subscription")


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding (browsers send it unpadded)."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def vapid_public_key() -> str:
    """The server's VAPID public key, generated on first use when `manage.py setup` was not run."""
    key, _ = ensure_keys(current_app.config["VAPID_PRIVATE_KEY_PATH"], current_app.config["VAPID_PUBLIC_KEY_PATH"])
    return key


class KeysIn(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=100))

    @validates("p256dh")
    def _p256dh(self, value: str, **_) -> None:
        # An uncompressed P-256 point: 65 bytes starting with 0x04.
        try:
            raw = b64url_decode(value)
        except (binascii.Error, ValueError):
            raise ValidationError("base64url of the browser's P-256 public key") from None
        if len(raw) != 65 or raw[0] != 4:
            raise ValidationError("an uncompressed P-256 point (65 bytes)")

    @validates("auth")
    def _auth(self, value: str, **_) -> None:
        try:
            raw = b64url_decode(value)
        except (binascii.Error, ValueError):
            raise ValidationError("base64url of the 16-byte auth secret") from None
        if len(raw) != 16:
            raise ValidationError("16 bytes")


class SubscriptionIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=10, max=1000))
    keys = fields.Nested(KeysIn, required=True)


class EndpointIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1000))


def public_host(hostname: str, resolve: bool = True) -> bool:
    """Whether a push may go to `hostname`: a name (push services are never bare IPs) that, when resolved,
    points only at public addresses — not this machine, the LAN or cloud metadata."""
    host = hostname.strip("[]").lower()
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")) or "." not in host:
        return False
    if not resolve:
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}
    except OSError:
        return True  # unresolvable now: the send fails and is retried like any network error
    return all(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def check_endpoint(endpoint: str) -> None:
    """Push services are https; plain http only to a loopback receiver when PUSH_ALLOW_HTTP is set (tests).

    Without this a caller could make the worker POST to any internal address.
    """
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname and public_host(parts.hostname, resolve=False):
        return
    if parts.scheme == "http" and parts.hostname and current_app.config.get("PUSH_ALLOW_HTTP"):
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return
        except ValueError:
            pass
    raise ApiError(400, "推送地址无效 / the endpoint must be an https push service URL", fields={"endpoint": ["https URL required"]})


@bp.get("/push/key")
@auth_required()
def get_key():
    """The VAPID public key (base64url) to pass as `applicationServerKey` when subscribing."""
    return {"public_key": vapid_public_key()}


@bp.post("/push/subscriptions")
@auth_required()
@bp.arguments(SubscriptionIn)
@bp.response(201)
def subscribe(data):
    """Store this browser's subscription for the caller; the same endpoint again updates it (it may change hands)."""
    check_endpoint(data["endpoint"])
    subscription = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"]))
    if subscription is None:
        subscription = PushSubscription(endpoint=data["endpoint"], user_id=g.user.id)
        db.session.add(subscription)
    # A browser that was subscribed under another login now belongs to whoever is using it.
    subscription.user_id = g.user.id
    subscription.p256dh = data["keys"]["p256dh"]
    subscription.auth = data["keys"]["auth"]
    db.session.commit()
    return {"id": subscription.id, "endpoint": subscription.endpoint}


@bp.delete("/push/subscriptions")
@auth_required()
@bp.arguments(EndpointIn)
@bp.response(204)
def unsubscribe(data):
    """Forget the caller's subscription for this endpoint (404 if the caller has none there)."""
    subscription = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"], PushSubscription.user_id == g.user.id)
    )
    if subscription is None:
        raise ApiError(404, "没有该推送订阅 / no such subscription")
    db.session.delete(subscription)
    db.session.commit()
    return None


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
