"""VAPID keys for Web Push, kept in the instance folder (paths from the environment)."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ensure_keys(private_path: str, public_path: str, force: bool = False) -> tuple[str, bool]:
    """Generate the key pair if absent (or if `force`); returns (public key base64url, generated?)."""
    private, public = Path(private_path), Path(public_path)
    if private.exists() and public.exists() and not force:
        return public.read_text().strip(), False
    private.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid()
    vapid.generate_keys()
    vapid.save_key(str(private))
    private.chmod(0o600)
    key = _b64url(vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    public.write_text(key + "\n")
    return key, True


def public_key(public_path: str) -> str | None:
    path = Path(public_path)
    return path.read_text().strip() if path.exists() else None
