"""The agency directory."""

from __future__ import annotations

import secrets

from server.agencies.models import AGENCY_TYPES, DELIVERIES, FORMATS, Agency
from server.errors import ApiError
from server.extensions import db


def create_agency(
    name: str,
    type: str,
    delivery: str = "portal",
    url: str | None = None,
    secret: str | None = None,
    format: str = "json",
    contact: str | None = None,
) -> tuple[Agency, str | None]:
    """Add an agency; returns it with its shared secret (generated if not given), shown this once."""
    problems: dict[str, list[str]] = {}
    if type not in AGENCY_TYPES:
        problems["type"] = [f"one of {', '.join(AGENCY_TYPES)}"]
    if delivery not in DELIVERIES:
        problems["delivery"] = [f"one of {', '.join(DELIVERIES)}"]
    if format not in FORMATS:
        problems["format"] = [f"one of {', '.join(FORMATS)}"]
    if delivery == "webhook" and not (url and url.startswith(("http://", "https://"))):
        problems["url"] = ["webhook delivery needs an http(s) URL"]
    if problems:
        raise ApiError(400, "联动单位信息有误 / invalid agency", fields=problems)
    if delivery == "webhook" and not secret:
        secret = secrets.token_urlsafe(32)
    agency = Agency(name=name, type=type, delivery=delivery, url=url, secret=secret, format=format, contact=contact)
    db.session.add(agency)
    db.session.flush()
    return agency, secret


def agency_dict(agency: Agency) -> dict:
    """The agency as staff see it; the secret never leaves the server after creation."""
    return {
        "id": agency.id,
        "name": agency.name,
        "type": agency.type,
        "delivery": agency.delivery,
        "url": agency.url,
        "format": agency.format,
        "contact": agency.contact,
        "active": agency.active,
        "has_secret": bool(agency.secret),
    }


def update_agency(user, agency: Agency, rotate_secret: bool = False, **changes) -> str | None:
    """Apply an admin's changes; returns the new secret when one was issued (shown this once)."""
    from server.audit import audit

    for key, value in changes.items():
        setattr(agency, key, value)
    problems: dict[str, list[str]] = {}
    if agency.delivery == "webhook" and not (agency.url and agency.url.startswith(("http://", "https://"))):
        problems["url"] = ["webhook delivery needs an http(s) URL"]
    if problems:
        raise ApiError(400, "联动单位信息有误 / invalid agency", fields=problems)
    secret = None
    # A webhook agency must have a secret to sign with; switching one to webhook issues one.
    if rotate_secret or (agency.delivery == "webhook" and not agency.secret):
        secret = secrets.token_urlsafe(32)
        agency.secret = secret
    audit(user, "agency.update", detail={"agency_id": agency.id, "changed": sorted(changes), "secret_rotated": bool(secret)})
    if not agency.active:
        from server.aftercommit import after_commit
        from server.realtime import agency_room, cut_off

        room = agency_room(agency.id)
        after_commit(lambda: cut_off(room))
    return secret
