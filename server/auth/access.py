"""The one place that decides who may see and do what with a case."""

from __future__ import annotations

from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import g, request

from server.auth.models import User
from server.auth.tokens import user_for_token
from server.errors import ApiError
from server.extensions import db
from server.reports.models import Report

REPORTER_ROLES = ("citizen", "assistant")
ALL_STATIONS_ROLES = ("dispatcher", "admin")


def sees_all_stations(user: User) -> bool:
    """The command centre (dispatchers, admins, and officers posted to it) sees every station."""
    if user.role in ALL_STATIONS_ROLES:
        return True
    return user.role == "officer" and user.station is not None and user.station.is_command_centre


BLOCKED_MESSAGES = {
    "assistant_not_active": "警务助理资格已失效 / Assistant appointment is not active",
    "assistant_expired": "警务助理资格已过期 / Assistant appointment has expired",
    "agency_inactive": "联动单位已停用 / This agency is deactivated",
}


def blocked_reason(user: User) -> str | None:
    """Why a valid login may not act now (a revoked, suspended or expired assistant; a deactivated agency)."""
    from server.agencies.models import Agency
    from server.assistants.models import Assistant

    if user.role == "agency":
        agency = db.session.get(Agency, user.agency_id) if user.agency_id else None
        return None if agency is not None and agency.active else "agency_inactive"
    if user.role != "assistant":
        return None
    appointment = db.session.get(Assistant, user.id)
    if appointment is None or appointment.state != "active":
        return "assistant_not_active"
    if appointment.valid_until and appointment.valid_until < date.today():
        return "assistant_expired"
    return None


def blocked_error(reason: str) -> ApiError:
    return ApiError(403, BLOCKED_MESSAGES[reason], reason)


def authenticate() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "需要登录 / Authentication required", headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "登录已失效 / Invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    reason = blocked_reason(user)
    if reason:
        raise blocked_error(reason)
    return user


def auth_required(*roles: str):
    """Require a valid bearer token and, if given, one of `roles`; the user is then `g.user`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticate()
            if roles and user.role not in roles:
                raise ApiError(403, "无权执行此操作 / Not allowed for your role")
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


def report_scope(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the reports `user` may see."""
    if user.role in REPORTER_ROLES:
        return Report.reporter_id == user.id
    if user.role == "agency":
        from server.agencies.models import Relay

        relayed = sa.select(Relay.report_id).where(Relay.agency_id == user.agency_id)
        return Report.id.in_(relayed)
    if sees_all_stations(user):
        return sa.true()
    if user.role == "officer":
        return Report.station_id == user.station_id
    return sa.false()


def visible_report(user: User, report_id: str) -> Report:
    """The report if `user` may see it; otherwise 404, never 403, so ids cannot be probed."""
    report = db.session.scalar(sa.select(Report).where(Report.id == report_id, report_scope(user)))
    if report is None:
        raise ApiError(404, "没有找到该报告 / Report not found")
    return report


def can_see_report(user: User, report: Report) -> bool:
    if user.role in REPORTER_ROLES:
        return report.reporter_id == user.id
    if user.role == "agency":
        return db.session.scalar(sa.select(sa.exists().where(report_scope(user), Report.id == report.id))) or False
    return sees_all_stations(user) or (user.role == "officer" and report.station_id == user.station_id)


def is_staff_for(user: User, report: Report) -> bool:
    """Officers of the report's station and the command centre work the case."""
    return user.role in ("officer", "dispatcher", "admin") and can_see_report(user, report)
