"""The admin command line: flags, not prompts; JSON out; clear errors; the same database as the API."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import box
from tests.servers import ROOT


def manage(database_url: str, instance_path, *args: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance_path), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_help_lists_every_admin_command(database_url, instance_path):
    out = manage(database_url, instance_path, "--help").stdout
    for command in ("setup", "run", "worker", "create-user", "create-station", "create-agency", "gen-vapid", "seed-demo", "db"):
        assert f"  {command} " in out, command


def test_create_station_user_and_agency_print_json_and_work_through_the_api(app, api, database_url, instance_path, tmp_path):
    polygon = tmp_path / "wanxiang.geojson"
    polygon.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": box(119.85, 28.40, 119.95, 28.50)}))
    cc = manage(database_url, instance_path, "create-station", "--code", "CC", "--name", "情指联动中心", "--command-centre")
    assert cc.returncode == 0, cc.stderr
    station = manage(database_url, instance_path, "create-station", "--code", "LD-WX", "--name", "万象派出所", "--polygon", str(polygon))
    assert json.loads(station.stdout)["code"] == "LD-WX"
    user = manage(
        database_url,
        instance_path,
        "create-user",
        "--username",
        "chen",
        "--password",
        "long-enough-1",
        "--role",
        "officer",
        "--station",
        "LD-WX",
    )
    assert json.loads(user.stdout)["station_id"] == json.loads(station.stdout)["id"]
    agency = manage(
        database_url, instance_path, "create-agency", "--name", "丽水市急救指挥中心", "--type", "medical",
        "--delivery", "webhook", "--url", "http://127.0.0.1:9/hook", "--format", "eido",
    )  # fmt: skip
    created = json.loads(agency.stdout)
    assert created["format"] == "eido" and len(created["secret"]) >= 32

    token = api.login("chen", "long-enough-1")
    report_id = api.report(api.device(), (28.45, 119.90))
    assert api.get(f"/api/v1/cases/{report_id}", token).status_code == 200
    listed = api.get("/api/v1/agencies", token).get_json()["items"]
    assert [a["name"] for a in listed] == ["丽水市急救指挥中心"]
    assert "secret" not in listed[0]  # shown once at creation, never read back


def test_bad_flags_give_a_clear_error_and_change_nothing(app, database_url, instance_path, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "Point", "coordinates": [119.9, 28.4]}))
    result = manage(database_url, instance_path, "create-station", "--code", "X1", "--name", "x", "--polygon", str(bad))
    assert result.returncode == 2
    assert "Polygon" in json.loads(result.stdout)["error"]["message"]
    result = manage(database_url, instance_path, "create-user", "--username", "u1", "--password", "short", "--role", "officer")
    assert result.returncode == 2
    assert set(json.loads(result.stdout)["error"]["fields"]) == {"password", "station"}
    missing = manage(database_url, instance_path, "create-agency", "--name", "x")
    assert missing.returncode != 0 and "--type" in missing.stderr


def test_gen_vapid_creates_keys_once(database_url, instance_path):
    first = json.loads(manage(database_url, instance_path, "gen-vapid").stdout)
    again = json.loads(manage(database_url, instance_path, "gen-vapid").stdout)
    assert first["generated"] is True and again["generated"] is False
    assert first["public_key"] == again["public_key"] and len(first["public_key"]) == 87


def test_seed_demo_loads_the_bureau_once(app, database_url, instance_path):
    first = json.loads(manage(database_url, instance_path, "seed-demo").stdout)
    second = json.loads(manage(database_url, instance_path, "seed-demo").stdout)
    assert first["loaded"] is True and second["loaded"] is False
    from server.extensions import db
    from server.stations.models import Station

    with app.app_context():
        stations = db.session.query(Station).all()
    assert sum(not s.is_command_centre for s in stations) >= 6
    assert any(s.is_command_centre for s in stations)
