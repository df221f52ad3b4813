"""The audit trail of staff reads and writes of cases and media."""

from __future__ import annotations

from flask import has_request_context, request

from server.audit.models import AuditRecord
from server.extensions import db


def audit(user, action: str, report_id: str | None = None, media_id: str | None = None, detail: dict | None = None) -> None:
    """Record a staff action in the caller's transaction (the caller commits)."""
    ip = request.headers.get("X-Forwarded-For", request.remote_addr) if has_request_context() else None
    db.session.add(
        AuditRecord(user_id=user.id if user else None, action=action, report_id=report_id, media_id=media_id, ip=ip, detail=detail)
    )
