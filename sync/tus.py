"""tus 1.0.0 resumable uploads at /api/v1/uploads (core, creation, creation-with-upload, termination,
checksum, expiration). The rules live in sync/uploads.py; this module speaks the headers."""

from __future__ import annotations

import email.utils
from datetime import datetime

from flask import Blueprint, Response, g, request

from server.auth.access import auth_required
from server.errors import ApiError
from server.reports.models import Media
from sync import uploads

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
OFFSET_TYPE = "application/offset+octet-stream"
PREFIX = "/api/v1/uploads"

bp = Blueprint("tus", __name__)


def _http_date(value: datetime) -> str:
    return email.utils.format_datetime(value, usegmt=True)


def _require_version() -> None:
    version = request.headers.get("Tus-Resumable")
    if version != TUS_VERSION:
        raise ApiError(412, "需要 Tus-Resumable: 1.0.0 / Tus-Resumable 1.0.0 required", "tus_version", headers={"Tus-Version": TUS_VERSION})


def _int_header(name: str, required: bool = True) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        if required:
            raise ApiError(400, f"需要 {name} / {name} is required", fields={name: ["required"]})
        return None
    if not raw.isdigit() or len(raw) > 15:
        raise ApiError(400, f"{name} 必须是非负整数 / {name} must be a non-negative integer", fields={name: ["invalid"]})
    return int(raw)


def _location(media: Media) -> str:
    return f"{PREFIX}/{media.id}"


def _upload_headers(media: Media, offset: int) -> dict[str, str]:
    headers = {"Upload-Offset": str(offset), "Upload-Length": str(media.size), "Cache-Control": "no-store"}
    expires = uploads.expires_at(media)
    if expires and offset < media.size:
        headers["Upload-Expires"] = _http_date(expires)
    return headers


def _offset_body() -> bool:
    """Whether this request carries upload bytes (creation-with-upload or PATCH)."""
    if request.mimetype != OFFSET_TYPE:
        return False
    return (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding", "").lower() == "chunked"


@bp.route("/uploads", methods=["OPTIONS"])
@bp.route("/uploads/<upload_id>", methods=["OPTIONS"])
def options(upload_id: str | None = None) -> Response:
    """Server capabilities (no login needed)."""
    response = Response(status=204)
    response.headers.update(
        {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUM_ALGORITHMS),
            "Tus-Max-Size": str(uploads.max_size()),
        }
    )
    return response


@bp.post("/uploads")
@auth_required("citizen", "assistant")
def create() -> Response:
    """Creation: bind a new upload to a declared media item (or find the unfinished one for it)."""
    _require_version()
    if request.headers.get("Upload-Defer-Length"):
        raise ApiError(400, "不支持延迟长度 / Upload-Defer-Length is not supported", fields={"Upload-Defer-Length": ["unsupported"]})
    metadata = uploads.parse_metadata(request.headers.get("Upload-Metadata"))
    media, created = uploads.create_upload(g.user, _int_header("Upload-Length"), metadata)
    offset = uploads.offset_of(media)
    if _offset_body() and offset == 0:
        # creation-with-upload: the body is the first chunk. An existing upload past 0 ignores it; the
        # client continues from the Upload-Offset we answer.
        media, offset = uploads.write_chunk(g.user, media.id, 0, _body(), request.content_length, _checksum())
    response = Response(status=201)
    response.headers.update(_upload_headers(media, offset))
    response.headers["Location"] = _location(media)
    if not created:
        response.headers["Lianbao-Upload-Existing"] = "1"
    return response


@bp.route("/uploads/<upload_id>", methods=["HEAD"])
@auth_required("citizen", "assistant")
def head(upload_id: str) -> Response:
    """The upload's current offset: where the client resumes."""
    _require_version()
    media = uploads.own_upload(g.user, upload_id)
    uploads.settle(media)
    uploads.complete_if_full(media)
    response = Response(status=200)
    response.headers.update(_upload_headers(media, uploads.offset_of(media)))
    return response


def _body():
    """The request body. With a Content-Length we read the server's input directly (never past that length):
    werkzeug's wrapper raises on a short read and loses the last block that did arrive, which a phone
    whose link dropped would have to send again."""
    if request.content_length is not None:
        return request.environ["wsgi.input"]
    return request.stream


def _checksum() -> tuple[str, bytes] | None:
    return uploads.parse_checksum(request.headers.get("Upload-Checksum"))


@bp.patch("/uploads/<upload_id>")
@auth_required("citizen", "assistant")
def patch(upload_id: str) -> Response:
    """Append a chunk at Upload-Offset; answered with the new offset only once the bytes are on disk."""
    _require_version()
    if request.mimetype != OFFSET_TYPE:
        raise ApiError(415, f"Content-Type 必须是 {OFFSET_TYPE} / Content-Type must be {OFFSET_TYPE}", "unsupported_media_type")
    checksum = _checksum()
    offset = _int_header("Upload-Offset")
    media, new_offset = uploads.write_chunk(g.user, upload_id, offset, _body(), request.content_length, checksum)
    response = Response(status=204)
    response.headers.update(_upload_headers(media, new_offset))
    return response


@bp.delete("/uploads/<upload_id>")
@auth_required("citizen", "assistant")
def delete(upload_id: str) -> Response:
    """Termination: the unfinished upload's bytes are dropped (a received item cannot be deleted)."""
    _require_version()
    uploads.terminate(g.user, upload_id)
    return Response(status=204)


@bp.post("/uploads/<upload_id>")
def method_override(upload_id: str):
    """X-HTTP-Method-Override for clients behind proxies that block PATCH/DELETE (tus-js-client option)."""
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    views = {"PATCH": patch, "DELETE": delete, "HEAD": head}
    if override not in views:
        raise ApiError(405, "不支持的方法 / method not allowed", headers={"Allow": "HEAD, PATCH, DELETE, OPTIONS"})
    return views[override](upload_id=upload_id)


def _tus_headers(response: Response) -> Response:
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Tus-Resumable"] = TUS_VERSION
        exposed = "Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm"
        response.headers.setdefault("Access-Control-Expose-Headers", exposed)
    return response


def init_app(app) -> None:
    app.register_blueprint(bp, url_prefix="/api/v1")
    app.after_request(_tus_headers)
