"""GET /api/v1/media/<id> (with HTTP Range) and /thumb, for those who may see the case or hold a signed link."""

from __future__ import annotations

from flask import Response, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.auth.access import auth_required
from server.media import service
from server.media.storage import get_store

bp = Blueprint("media", __name__, description="Evidence media: download (Range), thumbnails, signed links")

# Media bytes are never a document: no scripts, no plugins, even if a browser were talked into rendering them.
MEDIA_CSP = "default-src 'none'; sandbox"
SAFE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/avif")


class ThumbArgs(Schema):
    size = fields.Integer(load_default=320, validate=validate.OneOf(service.THUMB_SIZES))
    expires = fields.String(load_default=None)
    token = fields.String(load_default=None)


class LinkArgs(Schema):
    ttl = fields.Integer(load_default=3600, validate=validate.Range(min=60, max=7 * 24 * 3600))


def _mimetype(mime: str) -> str:
    return mime if mime in SAFE_TYPES or mime.startswith(("audio/", "video/")) else "application/octet-stream"


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/media/<media_id>")
def download(media_id: str):
    """The stored bytes, exactly as received; supports Range (206) so video seeks. Bearer token or signed link."""
    media = service.readable_media(media_id, "media.download")
    store = get_store()
    path = store.local_path(media.storage_key)
    source = path if path is not None else store.open(media.storage_key)
    response = send_file(source, mimetype=_mimetype(media.mime), conditional=True, etag=media.sha256, max_age=0)
    response.headers["X-Lianbao-Verification"] = media.verification
    response.headers["Content-Disposition"] = "inline"
    return _secure(response)


@bp.get("/media/<media_id>/thumb")
@bp.arguments(ThumbArgs, location="query")
def thumb(args, media_id: str):
    """A JPEG thumbnail of a photo (?size=160|320|640)."""
    media = service.readable_media(media_id, "media.thumb")
    response = send_file(service.thumbnail(media, args["size"]), mimetype="image/jpeg", conditional=True, max_age=0)
    return _secure(response)


@bp.get("/media/<media_id>/link")
@auth_required()
@bp.arguments(LinkArgs, location="query")
def link(args, media_id: str):
    """A signed, expiring URL for this media (for <video src> and <img src>, which cannot send a token)."""
    media = service.readable_media(media_id, "media.link", allow_signed=False)
    return service.signed_link(media, args["ttl"])


def init_app(app, api) -> None:
    api.register_blueprint(bp, url_prefix="/api/v1")
