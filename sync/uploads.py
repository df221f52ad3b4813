"""Resumable evidence uploads: the rules behind the tus endpoints (sync/tus.py).

An upload is a declared Media item of the uploader's own report, addressed by its media id, so one media
item has at most one upload and a client that lost its upload URL finds it again by POSTing the same
metadata. The bytes are staged in MEDIA_DIR/uploads (sync/staging.py); on completion the file moves to
the media store, is hashed whole, and the media becomes `verified` or `mismatch` (kept, and said so on
the case timeline).
"""

from __future__ import annotations

import base64
import binascii
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from server.auth.models import User
from server.errors import ApiError
from server.extensions import db
from server.media.storage import get_store, media_root
from server.reports import timeline
from server.reports.models import Media, Report
from server.timeutil import as_utc, utcnow
from sync import staging

METADATA_KEYS = ("media_id", "report_id", "sha256", "kind", "mime")
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
# Refuse new uploads when the disk would be left with less than this free (the database needs room too).
DISK_RESERVE = 256 * 1024 * 1024

NOT_FOUND = "上传不存在 / Upload not found"


def max_size(kind: str | None = None) -> int:
    """The configured size limit for one media kind, or the largest of them."""
    limits = {k: current_app.config[f"MEDIA_MAX_{k.upper()}"] for k in ("photo", "audio", "video")}
    return limits[kind] if kind else max(limits.values())


def expiry_hours() -> int:
    return current_app.config["UPLOAD_EXPIRY_HOURS"]


def parse_metadata(header: str | None) -> dict[str, str]:
    """Decode `Upload-Metadata` ("key base64value,key2 ..."); 400 on anything malformed."""
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (header or "").split(","))):
        key, _, value = pair.partition(" ")
        try:
            result[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value.strip() else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(400, "Upload-Metadata 格式错误 / malformed Upload-Metadata", fields={key: ["not base64 UTF-8"]}) from None
    return result


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """`Upload-Checksum: <sha1|sha256> <base64 digest>`, or None when absent."""
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ApiError(
            400, "不支持的校验算法 / unsupported checksum algorithm", "checksum_algorithm", {"algorithm": list(CHECKSUM_ALGORITHMS)}
        )
    try:
        return algorithm, base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        raise ApiError(400, "Upload-Checksum 格式错误 / malformed Upload-Checksum") from None


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ApiError(404, NOT_FOUND, "upload_not_found") from None


def own_media(user: User, media_id: str) -> Media:
    """The media item if it belongs to a report of `user`; 404 otherwise (ids cannot be probed)."""
    media = db.session.scalar(
        sa.select(Media).join(Report, Report.id == Media.report_id).where(Media.id == _uuid_or_404(media_id), Report.reporter_id == user.id)
    )
    if media is None:
        raise ApiError(404, NOT_FOUND, "upload_not_found")
    return media


def own_upload(user: User, media_id: str) -> Media:
    """An existing upload (uploading or complete) of `user`; a merely declared item has none yet."""
    media = own_media(user, media_id)
    if media.state == "declared":
        raise ApiError(404, NOT_FOUND, "upload_not_found")
    return media


def part_of(media: Media) -> Path:
    return staging.part_path(media_root(), media.id)


def offset_of(media: Media) -> int:
    """How many bytes the server holds: the part file's size, or the whole size once complete."""
    if media.state == "complete":
        return media.size
    size = staging.size_of(part_of(media))
    if size is None:
        if get_store().exists(media.id):  # crashed between moving the file and recording completion
            return media.size
        raise ApiError(404, NOT_FOUND, "upload_not_found")
    return size


def settle(media: Media) -> None:
    """Let a write in flight finish before the offset is read (see staging.settle)."""
    if media.state == "uploading":
        db.session.commit()  # no transaction held while waiting
        staging.settle(part_of(media))


def expires_at(media: Media) -> datetime | None:
    return as_utc(media.upload_expires_at) if media.state == "uploading" else None


def _check_binding(media: Media, metadata: dict[str, str], length: int) -> None:
    mismatched = {}
    if metadata.get("report_id", media.report_id) != media.report_id:
        mismatched["report_id"] = ["does not match the declaration"]
    for key in ("sha256", "kind", "mime"):
        if key in metadata and metadata[key] != getattr(media, key):
            mismatched[key] = ["does not match the declaration"]
    if mismatched:
        raise ApiError(400, "上传信息与声明不符 / metadata does not match the declared media", "metadata_mismatch", mismatched)
    if length > max_size(media.kind):
        raise ApiError(
            413, f"文件过大（上限 {max_size(media.kind)} 字节）/ over the {media.kind} limit", "too_large", {"max": [max_size(media.kind)]}
        )
    if length != media.size:
        raise ApiError(
            400, "Upload-Length 与声明的大小不符 / Upload-Length differs from the declared size", "length_mismatch", {"size": [media.size]}
        )


def create_upload(user: User, length: int | None, metadata: dict[str, str]) -> tuple[Media, bool]:
    """Open the upload for a declared media item; (media, False) when an unfinished one exists already."""
    if "media_id" not in metadata:
        raise ApiError(400, "Upload-Metadata 需要 media_id / media_id is required in Upload-Metadata", fields={"media_id": ["required"]})
    if length is None:
        raise ApiError(400, "需要 Upload-Length / Upload-Length is required", fields={"Upload-Length": ["required"]})
    media = own_media(user, metadata["media_id"])
    _check_binding(media, metadata, length)
    if media.state == "complete":
        # Evidence is immutable; the client may treat this as delivered (fields say how it was verified).
        raise ApiError(
            409, "该媒体已接收，不可更改 / media already received", "media_already_received", {"verification": [media.verification]}
        )
    if media.state == "uploading" and staging.size_of(part_of(media)) is not None:
        return media, False
    if shutil.disk_usage(staging.staging_dir(media_root())).free < length + DISK_RESERVE:
        raise ApiError(507, "服务器存储空间不足 / server storage full, retry later", "storage_full", headers={"Retry-After": "600"})
    staging.create_part(part_of(media))
    media.state = "uploading"
    media.received_bytes = 0
    media.upload_expires_at = utcnow() + timedelta(hours=expiry_hours())
    db.session.commit()
    return media, True


def _record_progress(media_id: str, offset: int) -> None:
    """Cheap progress for the console ("received n bytes"): one UPDATE, committed at once."""
    db.session.execute(
        sa.update(Media)
        .where(Media.id == media_id, Media.state == "uploading")
        .values(received_bytes=offset, upload_expires_at=utcnow() + timedelta(hours=expiry_hours()))
    )
    db.session.commit()


def write_chunk(
    user: User,
    media_id: str,
    client_offset: int,
    body: BinaryIO,
    content_length: int | None,
    checksum: tuple[str, bytes] | None,
) -> tuple[Media, int]:
    """Append one PATCH body at `client_offset`; return the media and the new (durable) offset."""
    media = own_upload(user, media_id)
    if media.state == "complete":
        if client_offset != media.size or content_length:
            raise ApiError(409, "上传已完成 / upload already complete", "offset_mismatch", headers={"Upload-Offset": str(media.size)})
        return media, media.size
    part = part_of(media)
    media_id, kind, length = media.id, media.kind, media.size
    with staging.locked(part) as handle:
        offset = staging.size_of(part) or 0
        if client_offset != offset:
            raise ApiError(
                409,
                "偏移量不符，请先查询 / Upload-Offset mismatch: HEAD for the current offset",
                "offset_mismatch",
                headers={"Upload-Offset": str(offset)},
            )
        side = staging.chunk_path(media_root(), media_id)
        side.unlink(missing_ok=True)  # a checksummed chunk cut off by a crash was never accepted
        db.session.commit()  # no transaction may stay open while we wait on a slow phone's bytes
        try:
            new_offset = staging.receive(
                body, handle, part, offset, length, content_length, kind, checksum, side, lambda o: _record_progress(media_id, o)
            )
        except staging.Disconnected:
            _record_progress(media_id, staging.size_of(part) or 0)
            raise ApiError(400, "连接中断，已保存收到的数据 / connection lost; received bytes kept", "disconnected") from None
        _record_progress(media_id, new_offset)
        media = db.session.get(Media, media_id)
        if new_offset == length:
            finalize(media)
    return media, new_offset


def finalize(media: Media) -> Media:
    """Move the full part into the store, hash what is stored, record verified or mismatch. Re-runnable."""
    store = get_store()
    part = part_of(media)
    if staging.size_of(part) is not None:
        store.put_file(media.id, part)
    with store.open(media.id) as stored:
        digest = staging.sha256_file(stored)
    timeline.begin_write()  # first write of this transaction: the feed clock orders the event
    db.session.refresh(media)
    if media.state == "complete":
        return media
    media.state = "complete"
    media.verification = "verified" if digest == media.sha256 else "mismatch"
    media.received_bytes = media.size
    media.storage_key = media.id
    media.completed_at = utcnow()
    media.upload_expires_at = None
    db.session.flush()
    report = media.report
    received = db.session.scalar(sa.select(sa.func.count()).where(Media.report_id == report.id, Media.state == "complete"))
    total = db.session.scalar(sa.select(sa.func.count()).where(Media.report_id == report.id))
    data = {
        "media_id": media.id,
        "kind": media.kind,
        "variant": media.variant,
        "verification": media.verification,
        "received": received,
        "total": total,
    }
    if media.verification == "mismatch":
        data["sha256_declared"], data["sha256_received"] = media.sha256, digest
    timeline.record(report, "media.received", report.reporter, data, reporter_visible=True)
    db.session.commit()
    return media


def complete_if_full(media: Media) -> None:
    """Finish an upload whose bytes all arrived but whose completion a crash interrupted (called by HEAD)."""
    if media.state != "uploading":
        return
    part = part_of(media)
    if staging.size_of(part) == media.size or (staging.size_of(part) is None and get_store().exists(media.id)):
        handle = staging.try_lock(part) if staging.size_of(part) is not None else None
        if handle is None and staging.size_of(part) is not None:
            return  # a PATCH holds it and will finish it
        try:
            finalize(media)
        finally:
            if handle:
                handle.close()


def terminate(user: User, media_id: str) -> None:
    """tus termination: drop an unfinished upload's bytes; the media item goes back to `declared`."""
    media = own_upload(user, media_id)
    if media.state == "complete":
        raise ApiError(409, "证据已接收，不可删除 / received evidence cannot be deleted", "media_already_received")
    part = part_of(media)
    with staging.locked(part):
        _discard(media)
    db.session.commit()


def _discard(media: Media) -> None:
    part_of(media).unlink(missing_ok=True)
    staging.chunk_path(media_root(), media.id).unlink(missing_ok=True)
    media.state = "declared"
    media.received_bytes = 0
    media.upload_expires_at = None


def cleanup_expired(now: datetime | None = None) -> dict:
    """Remove unfinished uploads past their expiry (and stray staging files); what `manage.py cleanup-uploads` runs."""
    now = now or utcnow()
    removed, busy = [], []
    expired = db.session.scalars(sa.select(Media).where(Media.state == "uploading", Media.upload_expires_at < now))
    for media in list(expired):
        handle = staging.try_lock(part_of(media))
        if handle is None and part_of(media).exists():
            busy.append(media.id)  # being written right now, so not abandoned
            continue
        try:
            removed.append({"media_id": media.id, "report_id": media.report_id, "received_bytes": staging.size_of(part_of(media)) or 0})
            _discard(media)
        finally:
            if handle:
                handle.close()
    db.session.commit()
    strays = _remove_strays(now)
    return {"removed": removed, "busy": busy, "stray_files": strays}


def _remove_strays(now: datetime) -> list[str]:
    """Staging files with no unfinished upload behind them, older than the expiry."""
    cutoff = (now - timedelta(hours=expiry_hours())).timestamp()
    live = set(db.session.scalars(sa.select(Media.id).where(Media.state == "uploading")))
    gone = []
    for path in staging.staging_dir(media_root()).iterdir():
        if path.stem not in live and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone.append(path.name)
    return gone
