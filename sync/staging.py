"""Partial uploads on local disk: one append-only `.part` file per media item, locked while written.

The file's size is the upload's offset: bytes are fsynced before an offset is acknowledged, so what a
client was told survives a kill of the server. A chunk that carries a checksum is first written to a
side file and only appended once verified, so an interrupted or corrupt chunk never reaches the part.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from server.errors import ApiError
from server.media.sniff import SNIFF_BYTES, matches_kind
from server.media.storage import fsync_dir

# Small reads: a server that hits EOF mid-read (gevent raises) loses that read, so at most 16 KB per drop.
BLOCK = 16 * 1024
LOCK_WAIT_S = 5.0


class Disconnected(Exception):
    """The client went away mid-body; what arrived before is kept (unless the chunk had a checksum)."""


def staging_dir(media_root: Path) -> Path:
    path = media_root / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(media_root: Path, media_id: str) -> Path:
    return staging_dir(media_root) / f"{media_id}.part"


def chunk_path(media_root: Path, media_id: str) -> Path:
    return staging_dir(media_root) / f"{media_id}.chunk"


def create_part(path: Path) -> None:
    """An empty part file whose directory entry is on disk (so the upload itself survives a power cut)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


@contextmanager
def locked(path: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[BinaryIO]:
    """The part file opened for appending under an exclusive lock (across threads, greenlets and processes).

    Waits up to `wait_s` for an earlier request on the same upload (a client that retried before the
    server noticed its old connection drop), then answers 423 so the client retries after a HEAD.
    """
    try:
        handle = open(path, "ab")
    except FileNotFoundError:
        raise ApiError(404, "上传不存在 / Upload not found", "upload_not_found") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ApiError(423, "上传正在进行 / Upload busy, retry shortly", "upload_busy", headers={"Retry-After": "1"}) from None
                time.sleep(0.05)  # cooperative under gevent
        # Terminated (unlinked) while we waited: this handle points at a file nobody will read.
        try:
            same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
        except FileNotFoundError:
            same = False
        if not same:
            raise ApiError(404, "上传不存在 / Upload not found", "upload_not_found")
        yield handle
    finally:
        handle.close()  # closing releases the flock


def try_lock(path: Path) -> BinaryIO | None:
    """The part opened and locked if nobody else holds it, else None (for cleanup and lazy completion)."""
    try:
        handle = open(path, "ab")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return handle
    except BlockingIOError:
        handle.close()
        return None


def settle(path: Path, wait_s: float = 2.0) -> None:
    """Wait briefly for a PATCH in flight on this upload to finish, so a HEAD right after a dropped
    connection reports the bytes that request is still writing (instead of a stale offset the client
    would resend from)."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(0.02)


def read_head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _read(stream: BinaryIO, n: int) -> bytes:
    try:
        return stream.read(n)
    except (OSError, ValueError) as exc:  # includes werkzeug's ClientDisconnected (a BadRequest is not OSError)
        raise Disconnected() from exc
    except Exception as exc:
        if type(exc).__name__ == "ClientDisconnected":
            raise Disconnected() from exc
        raise


def receive(
    stream: BinaryIO,
    part: BinaryIO,
    part_file: Path,
    offset: int,
    length: int,
    content_length: int | None,
    kind: str,
    checksum: tuple[str, bytes] | None,
    side_file: Path,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Append the request body to the locked `part` at `offset`; return the new offset (fsynced).

    Raises ApiError 415 when the first bytes are not the declared kind, 460 on a checksum mismatch,
    413 when the body would run past Upload-Length; Disconnected when the client vanished.
    """
    remaining = length - offset
    if content_length is not None and content_length > remaining:
        raise ApiError(413, "数据超出声明的长度 / chunk runs past Upload-Length", "too_large")
    budget = content_length if content_length is not None else remaining + 1
    head = read_head(part_file, offset) if offset < SNIFF_BYTES else b""
    pending = b""  # first bytes held back until the sniff can decide
    sink: BinaryIO = part
    hasher = hashlib.new(checksum[0]) if checksum else None
    if checksum:
        sink = open(side_file, "wb")
    written = 0
    last_progress = time.monotonic()
    try:
        while budget > 0:
            block = _read(stream, min(BLOCK, budget))
            if not block:
                if content_length is not None:
                    raise Disconnected()
                break
            budget -= len(block)
            if written + len(pending) + len(block) > remaining:
                raise ApiError(413, "数据超出声明的长度 / chunk runs past Upload-Length", "too_large")
            if offset + written < SNIFF_BYTES and head is not None:
                pending += block
                if len(head) + len(pending) < min(SNIFF_BYTES, length):
                    continue
                _check_kind(kind, head + pending)
                block, pending, head = pending, b"", None
            if hasher:
                hasher.update(block)
            sink.write(block)
            written += len(block)
            if on_progress and not checksum and time.monotonic() - last_progress > 1.0:
                sink.flush()
                os.fsync(sink.fileno())
                on_progress(offset + written)
                last_progress = time.monotonic()
        if pending:  # the whole body was shorter than the sniff window
            if offset + written + len(pending) >= length or len(head or b"") + len(pending) >= SNIFF_BYTES:
                _check_kind(kind, (head or b"") + pending)
            if hasher:
                hasher.update(pending)
            sink.write(pending)
            written += len(pending)
    except Disconnected:
        if not checksum:
            _sync(part)  # keep every byte that arrived: the client resumes after them
        raise
    finally:
        if checksum:
            sink.close()
            if sys.exc_info()[0] is not None:
                side_file.unlink(missing_ok=True)
    if checksum:
        try:
            if hasher is None or hasher.digest() != checksum[1]:
                raise ApiError(460, "校验和不符，数据已丢弃 / checksum mismatch, chunk discarded", "checksum_mismatch")
            _append_file(side_file, part)
        finally:
            side_file.unlink(missing_ok=True)
    _sync(part)
    return offset + written


def _check_kind(kind: str, head: bytes) -> None:
    if not matches_kind(kind, head):
        raise ApiError(415, f"文件内容不是{kind} / the bytes are not a {kind}", "content_mismatch", {"kind": [kind]})


def _append_file(source: Path, part: BinaryIO) -> None:
    with open(source, "rb") as f:
        while block := f.read(1024 * 1024):
            part.write(block)


def _sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def sha256_file(handle: BinaryIO) -> str:
    """Hash a whole stored file, yielding between blocks so a big video does not stall other requests."""
    digest = hashlib.sha256()
    while block := handle.read(1024 * 1024):
        digest.update(block)
        time.sleep(0)
    return digest.hexdigest()
