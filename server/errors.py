"""The one error format: {"error": {"code", "message", "fields"}} for every API failure."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

# Machine codes for the HTTP statuses we answer with when nothing more specific was said.
STATUS_CODES = {
    400: "validation",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "unprocessable",
    429: "rate_limited",
    460: "checksum_mismatch",
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with the contract's error format."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "error")
        self.fields = fields or {}
        self.headers = headers or {}


def error_response(status: int, message: str, code: str | None = None, fields: dict | None = None, headers=None):
    body = {"error": {"code": code or STATUS_CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _from_http_exception(exc: HTTPException):
    status = exc.code or 500
    # webargs puts marshmallow's per-field messages in exc.data; the contract calls them fields.
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        fields: dict[str, Any] = {}
        for location_messages in messages.values():
            fields.update(location_messages if isinstance(location_messages, dict) else {"_": location_messages})
        return error_response(400, "输入有误 / Invalid input", "validation", fields)
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(exc.get_response().headers.get("Retry-After", 60))
        return error_response(429, "请求过于频繁，请稍后再试 / Too many requests", "rate_limited", headers=headers)
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error_response(status, exc.description or exc.name, headers=headers)


def handle_exception(exc: Exception):
    """Error handler for API paths; other paths keep Flask's pages."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.message, exc.code, exc.fields, exc.headers)
    if isinstance(exc, HTTPException):
        if not request.path.startswith("/api/"):
            return exc
        return _from_http_exception(exc)
    raise exc


def handle_unreadable(exc: Exception):
    """Input so deep, long or odd that parsing or converting it failed: the sender's fault, said as a 400."""
    if not request.path.startswith("/api/"):
        raise exc
    return error_response(400, "无法处理的输入 / input could not be processed", "validation", {"_": [type(exc).__name__]})


def handle_statement_error(exc: Exception):
    """A value our column types could not convert (e.g. a date outside what UTC can hold) is a 400; the rest are ours."""
    original = getattr(exc, "orig", None)
    if request.path.startswith("/api/") and isinstance(original, OverflowError | ValueError | UnicodeError):
        return handle_unreadable(original)
    raise exc


def init_app(app: Flask) -> None:
    from sqlalchemy.exc import DataError, StatementError

    for kind in (RecursionError, OverflowError, UnicodeError, DataError):
        app.register_error_handler(kind, handle_unreadable)
    app.register_error_handler(StatementError, handle_statement_error)
    app.register_error_handler(ApiError, handle_exception)
    app.register_error_handler(HTTPException, handle_exception)
