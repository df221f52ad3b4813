"""Security headers on every response, and the JSON body size limit."""

from __future__ import annotations

from flask import Flask, request

from server.errors import ApiError
from server.inputs import unstorable

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    @app.before_request
    def limit_json_body():
        if request.mimetype == "application/json":
            limit = app.config["MAX_JSON_BYTES"]
            if (request.content_length or 0) > limit:
                raise ApiError(413, f"请求过大（上限 {limit} 字节）/ body over {limit} bytes")
            if request.content_length is None and request.method in ("POST", "PUT", "PATCH"):
                # A chunked body has no length up front; read at most the limit to decide.
                data = request.stream.read(limit + 1)
                if len(data) > limit:
                    raise ApiError(413, f"请求过大（上限 {limit} 字节）/ body over {limit} bytes")
                request._cached_data = data  # type: ignore[attr-defined]

    @app.before_request
    def refuse_unstorable_json():
        # /sync/push checks each op on its own, so one bad op cannot hold back an SOS sent beside it.
        if request.mimetype != "application/json" or request.path.endswith("/sync/push"):
            return
        body = request.get_json(silent=True)
        problems = unstorable(body) if body is not None else None
        if problems:
            raise ApiError(400, "输入包含无法保存的值 / input holds values that cannot be stored", "validation", problems)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=(self)")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
