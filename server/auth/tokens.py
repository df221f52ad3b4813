"""Passwords (argon2) and bearer tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from server.auth.models import ApiToken, User
from server.extensions import db
from server.timeutil import utcnow

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown user as slow as one with a wrong password.
_DUMMY_HASH = _hasher.hash("lianbao-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Create a token for `user` in the current transaction; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = None if user.role == "citizen" else utcnow() + timedelta(days=current_app.config["STAFF_TOKEN_DAYS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), expires_at=expires))
    return token


# The token and its user in one round trip, built once: every authenticated request starts here.
_TOKEN = sa.select(ApiToken).options(so.joinedload(ApiToken.user)).where(ApiToken.token_hash == sa.bindparam("digest"))


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(_TOKEN, {"digest": _digest(token)})
    if row is None or row.revoked or (row.expires_at and row.expires_at < utcnow()):
        return None
    user = row.user
    return user if user.active else None


def revoke_tokens(user_id: int) -> None:
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id).values(revoked=True))
