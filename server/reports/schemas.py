"""Marshmallow schemas for what clients send about reports (the sync payloads) and what they get back."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.assistants.models import CONSENT
from server.reports.categories import CATEGORIES
from server.reports.models import KINDS, LOCATION_SOURCES, MEDIA_KINDS, MEDIA_VARIANTS

HEX64 = validate.Regexp(r"^[0-9a-f]{64}$", error="需要64位小写十六进制 SHA-256 / expected lowercase hex SHA-256")
MIME = validate.Regexp(r"^(image|audio|video)/[A-Za-z0-9.+-]+$", error="不支持的类型 / unsupported MIME type")


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
    media_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEDIA_KINDS))
    mime = fields.String(required=True, validate=MIME)
    size = fields.Integer(required=True, validate=validate.Range(min=1))
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
    report_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    location = fields.Nested(LocationIn, required=True)
    covert = fields.Boolean(load_default=False)
    anonymous = fields.Boolean(load_default=False)
    media = fields.List(fields.Nested(MediaDeclaration), load_default=list, validate=validate.Length(max=50))
    on_behalf_of = fields.Nested(OnBehalfOf, load_default=None, allow_none=True)


class MediaDeclare(Schema):
    report_id = fields.UUID(required=True)
    media = fields.List(fields.Nested(MediaDeclaration), required=True, validate=validate.Length(min=1, max=50))


class ReportCancel(Schema):
    report_id = fields.UUID(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LocationUpdate(Schema):
    report_id = fields.UUID(required=True)
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    fixed_at = fields.AwareDateTime(required=True)
    source = fields.String(load_default="gps", validate=validate.OneOf(LOCATION_SOURCES))


class MessageCreate(Schema):
    message_id = fields.UUID(required=True)
    report_id = fields.UUID(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))
