"""Configuration from the environment, with safe defaults for a laptop."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'lianbao.db'}"
    # psycopg 3 is the driver we ship; accept the plain scheme people write.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def from_environment() -> dict:
    """Build the configuration mapping; every path and service comes from the environment."""
    instance = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance")).resolve()
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "MEDIA_DIR": os.environ.get("MEDIA_DIR", str(instance / "media")),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Deployments sharing one Redis keep their live events apart by channel (pub/sub ignores the db number).
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL", "lianbao"),
        "VAPID_PRIVATE_KEY_PATH": os.environ.get("VAPID_PRIVATE_KEY_PATH", str(instance / "vapid_private.pem")),
        "VAPID_PUBLIC_KEY_PATH": os.environ.get("VAPID_PUBLIC_KEY_PATH", str(instance / "vapid_public.txt")),
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", "mailto:ops@lianbao.invalid"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "BUREAU_TIMEZONE": os.environ.get("BUREAU_TIMEZONE", "Asia/Shanghai"),
        "MAX_JSON_BYTES": _int("MAX_JSON_BYTES", 1024 * 1024),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # New anonymous identities per address: generous, since a village's phones may share one carrier address.
        "DEVICE_RATE_LIMIT": os.environ.get("DEVICE_RATE_LIMIT", "60 per minute"),
        "STAFF_TOKEN_DAYS": _int("STAFF_TOKEN_DAYS", 30),
        "MEDIA_MAX_PHOTO": _int("MEDIA_MAX_PHOTO", 25 * 1024 * 1024),
        "MEDIA_MAX_AUDIO": _int("MEDIA_MAX_AUDIO", 100 * 1024 * 1024),
        "MEDIA_MAX_VIDEO": _int("MEDIA_MAX_VIDEO", 500 * 1024 * 1024),
        "UPLOAD_EXPIRY_HOURS": _int("UPLOAD_EXPIRY_HOURS", 72),
        "RELAY_BACKOFF_BASE": _float("RELAY_BACKOFF_BASE", 1.0),
        "RELAY_BACKOFF_CAP": _float("RELAY_BACKOFF_CAP", 300.0),
        "RELAY_MAX_AGE": _float("RELAY_MAX_AGE", 6 * 3600.0),
        "RELAY_TIMEOUT": _float("RELAY_TIMEOUT", 10.0),
        "MEDIA_LINK_TTL": _int("MEDIA_LINK_TTL", 24 * 3600),
        "IN_PROCESS_WORKER": os.environ.get("IN_PROCESS_WORKER", "1") == "1",
        "MAP_TILE_URL": os.environ.get(
            "MAP_TILE_URL", "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
        ),
    }


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so a laptop install needs no setup."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key
