"""The console's own API helpers (assign picker, page configuration) and the promise that citizens never load it."""

from __future__ import annotations

import re

import pytest

from server.config import ROOT


def test_officer_sees_only_their_stations_officers_to_assign(api):
    ids = api.bureau()
    officers = api.get("/api/v1/officers", api.login("officer.a")).get_json()["items"]
    assert [o["username"] for o in officers] == ["officer.a"]
    # Asking for another station does not widen an officer's view.
    assert api.get(f"/api/v1/officers?station_id={ids['b']}", api.login("officer.a")).get_json()["items"] == []


def test_command_centre_picks_officers_of_any_station(api):
    ids = api.bureau()
    dispatcher = api.login("dispatcher")
    officers = api.get(f"/api/v1/officers?station_id={ids['b']}", dispatcher).get_json()["items"]
    assert [o["username"] for o in officers] == ["officer.b"]


def test_console_config_gives_staff_the_map_tiles_and_refuses_citizens(api, app):
    api.bureau()
    config = api.get("/api/v1/console/config", api.login("officer.a")).get_json()
    assert config["map_tile_url"] == app.config["MAP_TILE_URL"]
    assert api.get("/api/v1/console/config", api.device()).status_code == 403
    assert api.get("/api/v1/officers", api.device()).status_code == 403
    assert api.get("/api/v1/console/config").status_code == 401


def test_push_key_is_a_p256_point_and_needs_a_login(api):
    from tests.console.push_receiver import unb64url

    assert api.get("/api/v1/push/key").status_code == 401
    key = api.get("/api/v1/push/key", api.device()).get_json()["public_key"]
    raw = unb64url(key)
    assert len(raw) == 65 and raw[0] == 4
    assert api.get("/api/v1/push/key", api.device()).get_json()["public_key"] == key  # stable across calls


def _bundle_graph(entry: str) -> str:
    """The text of a built entry and of every chunk it imports, statically or lazily."""
    dist = ROOT / "pwa" / "dist"
    seen: set[str] = set()
    todo = [entry]
    text = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = (dist / name).read_text(encoding="utf-8")
        text.append(body)
        todo.extend("chunks/" + m for m in re.findall(r"chunks/([\w.-]+\.js)", body))
    return "\n".join(text)


def test_citizen_bundle_never_loads_console_code():
    if not (ROOT / "pwa" / "dist" / "citizen.js").exists() or not (ROOT / "pwa" / "dist" / "console.js").exists():
        pytest.skip("PWA not built (npm run build)")
    citizen = _bundle_graph("citizen.js")
    for console_only in ("联报指挥台", "relay_send", "/console/config"):
        assert console_only not in citizen
    assert "/console/config" in _bundle_graph("console.js")
