"""HMAC signatures: on webhook deliveries to agencies (and their answers), and on expiring media links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

RELAY_ID_HEADER = "X-Lianbao-Relay-Id"
TIMESTAMP_HEADER = "X-Lianbao-Timestamp"
SIGNATURE_HEADER = "X-Lianbao-Signature"

# Unix seconds in ASCII digits only: int() would also take " 17", "+17", "1_7" or Arabic-Indic digits,
# which sign differently from what they parse to.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """ "sha256=<hex HMAC-SHA256 of b'<timestamp>.' + body>" with the agency's shared secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature_header: str | None,
    now: float | None = None,
    max_age_s: int = 300,
) -> bool:
    """True when the signature matches and the timestamp is within max_age_s of now, either way."""
    if not secret or not signature_header or not timestamp or not _TIMESTAMP.fullmatch(timestamp):
        return False
    now = time.time() if now is None else now
    # The window bounds replays of a captured request; future stamps are refused too so a skewed
    # or forged clock cannot mint long-lived signatures.
    if abs(now - int(timestamp)) > max_age_s:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature_header.strip().encode())


def delivery_headers(relay_id: str, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The relay id, timestamp and signature headers for one delivery attempt of a relay."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        RELAY_ID_HEADER: relay_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def _media_key(secret_key: str) -> bytes:
    # The app's SECRET_KEY signs other things too; a derived key keeps a media token from being
    # valid anywhere else (and anything else from passing as a media token).
    return hmac.new(secret_key.encode(), b"lianbao media link v1", hashlib.sha256).digest()


def sign_media_url(secret_key: str, media_id: str, expires: int) -> str:
    """A URL-safe token proving that a link to media_id was issued and is good until expires (unix s)."""
    mac = hmac.new(_media_key(secret_key), f"{media_id}.{int(expires)}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def verify_media_token(
    secret_key: str,
    media_id: str,
    expires: int | str,
    token: str | None,
    now: float | None = None,
) -> bool:
    """True when token was issued for this media id and expiry, and the expiry has not passed."""
    if not token or not _TIMESTAMP.fullmatch(str(expires)):
        return False
    expires = int(expires)
    if (time.time() if now is None else now) > expires:
        return False
    expected = sign_media_url(secret_key, media_id, expires)
    return hmac.compare_digest(expected.encode(), token.encode())
