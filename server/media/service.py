"""Who may read a media item, and its photo thumbnails (made once with Pillow, cached on disk)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, request
from PIL import Image, ImageOps, UnidentifiedImageError

from server.agencies.signing import sign_media_url, verify_media_token
from server.audit import audit
from server.auth.access import REPORTER_ROLES, authenticate, visible_report
from server.auth.models import User
from server.errors import ApiError
from server.extensions import db
from server.media.storage import get_store, media_root
from server.reports.models import Media

THUMB_SIZES = (160, 320, 640)
# A phone photo is ~12-50 Mpx; anything far bigger is more likely a decompression bomb than evidence.
Image.MAX_IMAGE_PIXELS = 120_000_000

NOT_FOUND = "没有找到该媒体 / Media not found"


def _media_or_404(media_id: str) -> Media:
    try:
        media = db.session.get(Media, str(uuid.UUID(media_id)))
    except ValueError:
        media = None
    if media is None:
        raise ApiError(404, NOT_FOUND)
    return media


def _agency_may_see_media(user: User, media: Media) -> bool:
    """An agency portal user sees media only where a relay to its agency shared media."""
    from server.agencies.models import Relay

    shares = db.session.scalars(sa.select(Relay.share).where(Relay.report_id == media.report_id, Relay.agency_id == user.agency_id))
    return any((share or {}).get("media") for share in shares)


def readable_media(media_id: str, action: str, allow_signed: bool = True) -> Media:
    """The media if the caller may read it: a signed link (agencies), or a bearer token of someone who sees the case.

    Staff and agency reads are audited; the reporter's own reads are not.
    """
    token, expires = request.args.get("token"), request.args.get("expires")
    signed = allow_signed and (token is not None or expires is not None)
    # Without a signed link, authenticate before looking the id up: an unknown id and a known one must answer alike.
    user = None if signed else authenticate()
    media = _media_or_404(media_id)
    if signed:
        if not verify_media_token(current_app.config["SECRET_KEY"], media.id, expires or "", token):
            raise ApiError(404, NOT_FOUND)  # an expired or forged link looks like nothing at all
        audit(None, action, media.report_id, media.id, {"via": "signed_link", "expires": int(expires or 0)})
        return _readable(media)
    assert user is not None
    visible_report(user, media.report_id)
    if user.role == "agency" and not _agency_may_see_media(user, media):
        raise ApiError(404, NOT_FOUND)
    if user.role not in REPORTER_ROLES and _first_read(action):
        audit(user, action, media.report_id, media.id)
    return _readable(media)


def _first_read(action: str) -> bool:
    """Audit a download once per viewing, not once per Range request a video player makes while seeking."""
    if action != "media.download":
        return True
    range_header = request.headers.get("Range", "")
    return not range_header or range_header.replace(" ", "").startswith("bytes=0-")


def _readable(media: Media) -> Media:
    if media.state != "complete" or not media.storage_key:
        raise ApiError(409, "媒体尚未接收完毕 / media not received yet", "media_incomplete", {"received_bytes": [media.received_bytes]})
    db.session.commit()  # the audit record, before any bytes go out
    return media


def signed_link(media: Media, ttl_s: int) -> dict:
    """A link anyone holding it may open until it expires (for <video src> and for agencies)."""
    expires = int(time.time()) + ttl_s
    token = sign_media_url(current_app.config["SECRET_KEY"], media.id, expires)
    query = f"?expires={expires}&token={token}"
    return {"url": f"/api/v1/media/{media.id}{query}", "thumb_url": f"/api/v1/media/{media.id}/thumb{query}", "expires": expires}


def thumbnail(media: Media, size: int) -> Path:
    """A JPEG at most `size` px on its long side, made once and kept under MEDIA_DIR/thumbs."""
    if media.kind != "photo":
        raise ApiError(404, "该媒体没有缩略图 / no thumbnail for this media", "thumbnail_unavailable")
    folder = media_root() / "thumbs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{media.id}-{size}.jpg"
    if target.exists():
        return target
    try:
        with get_store().open(media.storage_key or media.id) as source, Image.open(source) as image:
            image.draft("RGB", (size, size))  # JPEG decodes at a reduced scale: far less memory and time
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size))
            tmp = folder / f".{media.id}-{size}.{os.getpid()}.tmp"
            image.convert("RGB").save(tmp, "JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        # HEIC without a decoder, or damaged bytes: the original is still downloadable.
        raise ApiError(404, "无法生成缩略图 / cannot make a thumbnail of this photo", "thumbnail_unavailable") from None
    os.replace(tmp, target)
    return target
