"""Serves the built PWA (pwa/dist): the citizen app, the console, the agency portal, the service worker."""

from __future__ import annotations

from flask import Flask, send_from_directory

from server.config import ROOT

DIST = ROOT / "pwa" / "dist"


def _page(name: str):
    if not (DIST / name).exists():
        return "PWA not built: run `make build` (npm ci && npm run build).", 503
    return send_from_directory(DIST, name, max_age=0)


def init_app(app: Flask) -> None:
    @app.get("/")
    def index():
        return _page("index.html")

    @app.get("/console")
    def console():
        return _page("console.html")

    @app.get("/agency")
    def agency():
        return _page("agency.html")
