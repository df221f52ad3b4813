"""Where evidence bytes live once an upload is complete, behind a small interface an S3 store could implement.

Partial uploads are staged on local disk by the tus server (sync/uploads.py); only complete, fsynced files
are handed to the store, and the store never changes them again (evidence is immutable).
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

from flask import current_app


def fsync_dir(path: Path) -> None:
    """Make a rename or new file in `path` durable: the directory entry must reach the disk too."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MediaStore(ABC):
    """Complete media files by storage key."""

    @abstractmethod
    def put_file(self, key: str, source: Path) -> None:
        """Take ownership of the complete, fsynced file at `source` (it may be moved)."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A seekable binary stream of the stored bytes."""

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> Path | None:
        """A path on this machine when the store is a disk (lets the web server send the file directly)."""
        return None


class LocalDiskStore(MediaStore):
    """Files under MEDIA_DIR/store/<first two characters>/<key>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key[:2] / key

    def put_file(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.stat().st_dev == target.parent.stat().st_dev:
            os.replace(source, target)
        else:
            shutil.copyfile(source, target)
            with open(target, "rb+") as f:
                os.fsync(f.fileno())
            source.unlink()
        fsync_dir(target.parent)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def media_root() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def get_store() -> MediaStore:
    """The app's media store (local disk under MEDIA_DIR; one place to swap in another backend)."""
    store = current_app.extensions.get("lianbao_media_store")
    if store is None:
        store = LocalDiskStore(media_root() / "store")
        current_app.extensions["lianbao_media_store"] = store
    return store
