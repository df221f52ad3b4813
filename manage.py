#!/usr/bin/env python
"""Lianbao command line: setup, run, worker, and the admin commands. `python manage.py --help`."""

from gevent import monkey

monkey.patch_all()  # first thing: everything below must see the cooperative socket and threading

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import click  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import current_app  # noqa: E402
from flask.cli import FlaskGroup  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from server import create_app  # noqa: E402
from server.errors import ApiError  # noqa: E402
from server.extensions import db  # noqa: E402


def _print(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _fail(exc: ApiError) -> None:
    _print({"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}})
    sys.exit(2)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False, load_dotenv=False)
def cli() -> None:
    """Lianbao (联报) — emergency reporting and social linkage."""


@cli.command("setup")
@click.option("--demo/--no-demo", default=True, help="Load demo data into an empty database.")
def setup(demo: bool) -> None:
    """Create or upgrade the database, generate VAPID keys if absent, load demo data if empty."""
    from server.demo import seed_demo
    from server.push.vapid import ensure_keys

    upgrade()
    key, generated = ensure_keys(current_app.config["VAPID_PRIVATE_KEY_PATH"], current_app.config["VAPID_PUBLIC_KEY_PATH"])
    seeded = seed_demo() if demo else None
    _print({"database": db.engine.url.render_as_string(hide_password=True), "vapid_generated": generated, "demo": seeded})


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=None, help="Run the outbox worker in this process (default: IN_PROCESS_WORKER).")
def run(host: str, port: int, worker: bool | None) -> None:
    """Serve the app (Flask-SocketIO on gevent), with the outbox worker as a greenlet on a laptop."""
    import gevent

    from server import worker as outbox
    from server.extensions import socketio

    app = current_app._get_current_object()
    if worker if worker is not None else app.config["IN_PROCESS_WORKER"]:
        gevent.spawn(outbox.run_forever, app)
    _banner(host, port)
    from server.serving import NoDelayHandler

    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=False, handler_class=NoDelayHandler)


def _banner(host: str, port: int) -> None:
    from server.auth.models import User
    from server.demo import demo_logins

    click.echo(f"\n  联报 Lianbao is serving on  http://{host}:{port}/", err=True)
    click.echo(f"  Console (staff):            http://{host}:{port}/console", err=True)
    if db.session.scalar(sa.select(User.id).where(User.username == "dispatcher")):
        click.echo("  Demo logins:", err=True)
        for login in demo_logins():
            click.echo(f"    {login['username']:<22} {login['password']:<14} {login['who']}", err=True)
    db.session.remove()
    click.echo("", err=True)


@cli.command("worker")
@click.option("--once", is_flag=True, help="Drain what is due now and exit.")
def worker(once: bool) -> None:
    """Deliver relays and pushes from the durable outbox (run M of these beside the web processes)."""
    from server import worker as outbox

    app = current_app._get_current_object()
    if once:
        _print({"attempted": outbox.drain_once(app)})
        return
    outbox.run_forever(app)


@cli.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["officer", "dispatcher", "admin", "agency"]))
@click.option("--station", "station_code", help="Station code (officers).")
@click.option("--agency-id", type=int, help="Agency id (agency portal users).")
@click.option("--name", "display_name")
def create_user(username, password, role, station_code, agency_id, display_name) -> None:
    """Create a staff or agency-portal login. (Assistants: POST /api/v1/assistants or create-assistant.)"""
    from server.auth.users import create_staff_user

    try:
        user = create_staff_user(username, password, role, station_code, agency_id, display_name)
        db.session.commit()
    except ApiError as exc:
        _fail(exc)
    _print({"id": user.id, "username": user.username, "role": user.role, "station_id": user.station_id, "agency_id": user.agency_id})


@cli.command("create-assistant")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--phone")
@click.option("--certificate-no", required=True)
@click.option("--village", required=True)
@click.option("--station", "station_code", required=True)
@click.option("--valid-until", type=click.DateTime(formats=["%Y-%m-%d"]))
def create_assistant(username, password, name, phone, certificate_no, village, station_code, valid_until) -> None:
    """Appoint a community police assistant (警务助理)."""
    from server.assistants.service import appoint_assistant, assistant_dict
    from server.stations.models import Station

    station = db.session.scalar(sa.select(Station).where(Station.code == station_code))
    if station is None:
        _fail(ApiError(400, f"no station {station_code}", fields={"station": ["unknown"]}))
    try:
        appointment = appoint_assistant(
            username, password, name, phone, certificate_no, village, station.id, valid_until.date() if valid_until else None
        )
        db.session.commit()
    except ApiError as exc:
        _fail(exc)
    _print(assistant_dict(appointment))


@cli.command("create-station")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--name-en")
@click.option("--polygon", type=click.Path(exists=True, dir_okay=False), help="GeoJSON file (Polygon, MultiPolygon or one Feature).")
@click.option("--command-centre", is_flag=True, help="This is the command centre (sees every station).")
def create_station(code, name, name_en, polygon, command_centre) -> None:
    """Create a station with its jurisdiction."""
    from server.stations.service import create_station as create

    if not polygon and not command_centre:
        _fail(ApiError(400, "--polygon is required for a station", fields={"polygon": ["required"]}))
    try:
        geometry = json.loads(Path(polygon).read_text(encoding="utf-8")) if polygon else None
    except ValueError as exc:
        _fail(ApiError(400, f"not JSON: {exc}", fields={"polygon": ["not JSON"]}))
    try:
        station = create(code, name, geometry, name_en, command_centre)
        db.session.commit()
    except ApiError as exc:
        _fail(exc)
    _print({"id": station.id, "code": station.code, "name": station.name, "is_command_centre": station.is_command_centre})


@cli.command("create-agency")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True)
@click.option("--delivery", default="portal", show_default=True)
@click.option("--url")
@click.option("--secret", help="Shared HMAC secret; generated and printed once if omitted for a webhook.")
@click.option("--format", "format_", default="json", show_default=True)
@click.option("--contact")
def create_agency(name, type_, delivery, url, secret, format_, contact) -> None:
    """Add a linked agency; prints its secret this once."""
    from server.agencies.service import agency_dict
    from server.agencies.service import create_agency as create

    try:
        agency, secret = create(name, type_, delivery, url, secret, format_, contact)
        db.session.commit()
    except ApiError as exc:
        _fail(exc)
    _print({**agency_dict(agency), "secret": secret})


@cli.command("gen-vapid")
@click.option("--force", is_flag=True, help="Replace existing keys (existing subscriptions stop working).")
def gen_vapid(force: bool) -> None:
    """Generate the Web Push VAPID key pair into the instance folder (if absent)."""
    from server.push.vapid import ensure_keys

    key, generated = ensure_keys(current_app.config["VAPID_PRIVATE_KEY_PATH"], current_app.config["VAPID_PUBLIC_KEY_PATH"], force)
    _print({"public_key": key, "generated": generated, "private_key_path": current_app.config["VAPID_PRIVATE_KEY_PATH"]})


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo bureau (stations, staff, assistants, agencies, sample cases) if not loaded yet."""
    from server.demo import seed_demo

    _print(seed_demo())


@cli.command("cleanup-uploads")
def cleanup_uploads() -> None:
    """Remove unfinished uploads past UPLOAD_EXPIRY_HOURS (the media go back to `declared`) and stray staging files."""
    from sync.uploads import cleanup_expired

    _print(cleanup_expired())


if __name__ == "__main__":
    cli()
