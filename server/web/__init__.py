"""Serves the built PWA (pwa/dist): the citizen app, the assistant and console views, the service worker."""

from __future__ import annotations

from flask import Flask, send_from_directory

from server.config import ROOT

DIST = ROOT / "pwa" / "dist"


def init_app(app: Flask) -> None:
    @app.get("/")
    def index():
        if not (DIST / "index.html").exists():
            return "PWA not built: run `make build` (npm install && npm run build).", 503
        return send_from_directory(DIST, "index.html", max_age=0)
