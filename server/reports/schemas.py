"""Marshmallow schemas for what clients send about reports (the sync payloads) and what they get back."""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from marshmallow.utils import from_iso_datetime

from server.assistants.models import CONSENT
from server.inputs import MAX_INT
from server.reports.categories import CATEGORIES
from server.reports.models import KINDS, LOCATION_SOURCES, MEDIA_KINDS, MEDIA_VARIANTS

HEX64 = validate.Regexp(r"^[0-9a-f]{64}$", error="需要64位小写十六进制 SHA-256 / expected lowercase hex SHA-256")
MIME = validate.Regexp(r"^(image|audio|video)/[A-Za-z0-9.+-]+$", error="不支持的类型 / unsupported MIME type")


class Id(fields.UUID):
    """A UUID in any form marshmallow accepts, loaded as the canonical lowercase string every id is stored as."""

    def _deserialize(self, value, attr, data, **kwargs) -> str | None:  # type: ignore[override]
        loaded = super()._deserialize(value, attr, data, **kwargs)
        return None if loaded is None else str(loaded)


class LocationIn(Schema):
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    fixed_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    source = fields.String(required=True, validate=validate.OneOf(LOCATION_SOURCES))
    landmark = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _position_or_landmark(self, data, **kwargs):
        has_lat, has_lon = data.get("lat") is not None, data.get("lon") is not None
        if has_lat != has_lon:
            raise ValidationError("经纬度需成对提供 / lat and lon go together", "lat" if not has_lat else "lon")
        if not has_lat and not (data.get("landmark") or "").strip():
            raise ValidationError("需要位置或地标 / a position or a landmark is required", "landmark")


class MediaDeclaration(Schema):
    media_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEDIA_KINDS))
    mime = fields.String(required=True, validate=MIME)
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_INT))
    sha256 = fields.String(required=True, validate=HEX64)
    variant = fields.String(load_default="original", validate=validate.OneOf(MEDIA_VARIANTS))

    @validates_schema
    def _mime_matches_kind(self, data, **kwargs):
        if "mime" in data and "kind" in data:
            expected = {"photo": "image/", "audio": "audio/", "video": "video/"}[data["kind"]]
            if not data["mime"].startswith(expected):
                raise ValidationError(f"{data['kind']} 需要 {expected}* / {data['kind']} needs {expected}*", "mime")


class OnBehalfOf(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    village = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    consent = fields.String(required=True, validate=validate.OneOf(CONSENT))


class ReportCreate(Schema):
    report_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    location = fields.Nested(LocationIn, required=True)
    covert = fields.Boolean(load_default=False)
    anonymous = fields.Boolean(load_default=False)
    media = fields.List(fields.Nested(MediaDeclaration), load_default=list, validate=validate.Length(max=50))
    on_behalf_of = fields.Nested(OnBehalfOf, load_default=None, allow_none=True)


class MediaDeclare(Schema):
    report_id = Id(required=True)
    media = fields.List(fields.Nested(MediaDeclaration), required=True, validate=validate.Length(min=1, max=50))


class ReportCancel(Schema):
    report_id = Id(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LocationUpdate(Schema):
    report_id = Id(required=True)
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    fixed_at = fields.AwareDateTime(required=True)
    source = fields.String(load_default="gps", validate=validate.OneOf(LOCATION_SOURCES))


class MessageCreate(Schema):
    message_id = Id(required=True)
    report_id = Id(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))


# A fast path for the common shape of `report.create` and of the op envelope: a push of 100 creates spends most of its
# validation time in marshmallow's generic machinery. It accepts only what is plainly valid (exact Python types, no
# unknown keys), computing the very values `ReportCreate().load` would, and answers None for anything else, which
# then goes through marshmallow: every error message comes from marshmallow alone. Keep it in step with the schemas
# above (tests/sync/test_push_batch.py compares the two on valid and invalid payloads).
_REPORT_KEYS = frozenset(ReportCreate._declared_fields)
_LOCATION_KEYS = frozenset(LocationIn._declared_fields)
_MEDIA_KEYS = frozenset(MediaDeclaration._declared_fields)
_MIME_PREFIX = {"photo": "image/", "audio": "audio/", "video": "video/"}


_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The usual shape of an aware timestamp (what phones send): whole seconds or up to 6 fractional digits, Z or ±hh:mm.
_PLAIN_AWARE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


def plain_uuid(value: object) -> str | None:
    """What `Id` loads `value` as; None if it is not a string UUID."""
    if type(value) is not str:
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value.lower()  # what str(uuid.UUID(value)) gives for the 8-4-4-4-12 form
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def plain_aware(value: object) -> datetime | None:
    """What `AwareDateTime` loads `value` as; None unless it is an aware ISO timestamp."""
    if type(value) is not str:
        return None
    try:
        if _PLAIN_AWARE.fullmatch(value):
            # the same instant and fields marshmallow's parser gives, at a fraction of its cost
            return datetime.fromisoformat(value)
        parsed = from_iso_datetime(value)
    except (TypeError, AttributeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


def _float(value: object, low: float, high: float) -> float | None:
    if type(value) is not float and type(value) is not int:
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _short_str(value: object, limit: int) -> bool:
    return type(value) is str and len(value) <= limit


_MISSING = object()


def _fast_location(raw: object) -> dict | None:
    if type(raw) is not dict or not raw.keys() <= _LOCATION_KEYS:
        return None
    out: dict = {}
    for key, low, high in (("lat", -90, 90), ("lon", -180, 180), ("accuracy_m", 0, 1_000_000)):
        value = raw.get(key)
        if value is not None:
            value = _float(value, low, high)
            if value is None:
                return None
        out[key] = value
    fixed_at = raw.get("fixed_at")
    if fixed_at is not None:
        fixed_at = plain_aware(fixed_at)
        if fixed_at is None:
            return None
    out["fixed_at"] = fixed_at
    source = raw.get("source")
    if type(source) is not str or source not in LOCATION_SOURCES:
        return None
    out["source"] = source
    landmark = raw.get("landmark")
    if landmark is not None and not _short_str(landmark, 200):
        return None
    out["landmark"] = landmark
    has_lat, has_lon = out["lat"] is not None, out["lon"] is not None
    if has_lat != has_lon or (not has_lat and not (landmark or "").strip()):
        return None
    return out


def _fast_media(raw: object) -> dict | None:
    if type(raw) is not dict or not raw.keys() <= _MEDIA_KEYS:
        return None
    media_id = plain_uuid(raw.get("media_id"))
    kind, mime, size, sha256 = raw.get("kind"), raw.get("mime"), raw.get("size"), raw.get("sha256")
    variant = raw.get("variant", "original")
    if media_id is None or type(kind) is not str or kind not in MEDIA_KINDS:
        return None
    if type(mime) is not str or MIME.regex.match(mime) is None or not mime.startswith(_MIME_PREFIX[kind]):
        return None
    if type(size) is not int or not 1 <= size <= MAX_INT:
        return None
    if type(sha256) is not str or HEX64.regex.match(sha256) is None:
        return None
    if type(variant) is not str or variant not in MEDIA_VARIANTS:
        return None
    return {"media_id": media_id, "kind": kind, "mime": mime, "size": size, "sha256": sha256, "variant": variant}


def fast_report_create(raw: object) -> dict | None:
    """What `ReportCreate().load(raw)` returns when `raw` is plainly valid; None to leave it to marshmallow."""
    if type(raw) is not dict or not raw.keys() <= _REPORT_KEYS:
        return None
    report_id = plain_uuid(raw.get("report_id"))
    kind, category = raw.get("kind"), raw.get("category")
    if report_id is None or type(kind) is not str or kind not in KINDS or type(category) is not str or category not in CATEGORIES:
        return None
    description = raw.get("description", "")
    covert, anonymous = raw.get("covert", False), raw.get("anonymous", False)
    if not _short_str(description, 5000) or type(covert) is not bool or type(anonymous) is not bool:
        return None
    if raw.get("on_behalf_of", _MISSING) not in (_MISSING, None):
        return None  # rare: marshmallow checks it
    location = _fast_location(raw.get("location"))
    items = raw.get("media", _MISSING)
    if location is None or (items is not _MISSING and (type(items) is not list or len(items) > 50)):
        return None
    media = []
    for item in [] if items is _MISSING else items:
        loaded = _fast_media(item)
        if loaded is None:
            return None
        media.append(loaded)
    return {
        "report_id": report_id,
        "kind": kind,
        "category": category,
        "description": description,
        "location": location,
        "covert": covert,
        "anonymous": anonymous,
        "media": media,
        "on_behalf_of": None,
    }
