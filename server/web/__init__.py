"""Serves the built PWA (pwa/dist): the citizen app, the console, the agency portal, the service worker.

Text files go out pre-compressed (build.mjs writes .br and .gz twins) so a 2G phone downloads as few bytes as
possible; hashed chunks are cached for a year, everything else is revalidated (ETag) on each load.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from flask import Flask, Response, abort, request, send_from_directory
from werkzeug.security import safe_join

from server.config import ROOT

DIST = ROOT / "pwa" / "dist"
YEAR = 365 * 24 * 3600
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
# Top-level names the PWA build produces; anything else falls through to a plain 404.
STATIC_PREFIXES = ("chunks/", "icons/")
STATIC_SUFFIXES = (".js", ".css", ".webmanifest", ".png", ".svg", ".html", ".ico", ".json", ".txt")


def _accepts(encoding: str) -> bool:
    return any(part.split(";")[0].strip() == encoding for part in request.headers.get("Accept-Encoding", "").split(","))


def _send(name: str, max_age: int = 0, immutable: bool = False) -> Response:
    """The file from pwa/dist, compressed when the client accepts it, with the cache policy for its kind."""
    path = safe_join(str(DIST), name)
    if path is None or not Path(path).is_file():
        abort(404)
    mimetype = None
    chosen = name
    for encoding, suffix in ENCODINGS:
        if Path(path + suffix).is_file() and _accepts(encoding):
            chosen = name + suffix
            break
    if chosen != name:
        import mimetypes

        mimetype = "application/manifest+json" if name.endswith(".webmanifest") else mimetypes.guess_type(name)[0]
    elif name.endswith(".webmanifest"):
        mimetype = "application/manifest+json"
    response = send_from_directory(DIST, chosen, max_age=max_age, mimetype=mimetype)
    if chosen != name:
        response.headers["Content-Encoding"] = chosen.rsplit(".", 1)[1].replace("gz", "gzip")
    response.vary.add("Accept-Encoding")
    if immutable:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def _page(name: str) -> Response | tuple[str, int]:
    if not (DIST / name).exists():
        return "PWA not built: run `make build` (npm ci && npm run build).", 503
    return _send(name)


class RequestLog:
    """WSGI middleware appending one JSON line per request (including Socket.IO) to a file.

    Off unless REQUEST_LOG_PATH is set; the browser tests read it to prove that nothing reached the server
    while the phone was offline, and how many upload bytes arrived.
    """

    def __init__(self, app, path: str) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        line = {
            "t": time.time(),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "length": int(environ.get("CONTENT_LENGTH") or 0),
            "upload_offset": environ.get("HTTP_UPLOAD_OFFSET"),
            "service_worker": environ.get("HTTP_SERVICE_WORKER"),  # "script": the browser's own update check
        }

        def logging_start_response(status, headers, exc_info=None):
            # Written when the answer is known, so the line carries the status the client was given.
            self._write({**line, "status": int(status.split()[0])})
            return start_response(status, headers, exc_info)

        return self.app(environ, logging_start_response)

    def _write(self, line: dict) -> None:
        with self.lock, open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")


def init_app(app: Flask) -> None:
    log_path = app.config.get("REQUEST_LOG_PATH") or os.environ.get("REQUEST_LOG_PATH")
    if log_path:
        # Outermost wrapper (Flask-SocketIO has already wrapped wsgi_app) so /socket.io is logged too.
        app.wsgi_app = RequestLog(app.wsgi_app, log_path)

    @app.get("/")
    def index():
        return _page("index.html")

    @app.get("/console")
    def console():
        return _page("console.html")

    @app.get("/agency")
    def agency():
        return _page("agency.html")

    @app.get("/sw.js")
    def service_worker():
        response = _page("sw.js")
        if isinstance(response, Response):
            response.headers["Service-Worker-Allowed"] = "/"
            response.cache_control.no_store = True
        return response

    @app.get("/<path:name>")
    def static_file(name: str):
        if name.startswith("api/") or not (name.startswith(STATIC_PREFIXES) or name.endswith(STATIC_SUFFIXES)):
            abort(404)
        return _send(name, max_age=YEAR if name.startswith("chunks/") else 0, immutable=name.startswith("chunks/"))
