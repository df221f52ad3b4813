"""How the server hands out the PWA: compressed, cacheable, the service worker at the root, no console for citizens."""

from __future__ import annotations

import gzip
import re

import pytest

from server.web import DIST

pytestmark = pytest.mark.skipif(not (DIST / "sw.js").exists(), reason="PWA not built (npm run build)")


def test_citizen_page_and_script_travel_brotli_compressed_when_accepted(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]
    script = client.get("/citizen.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Content-Encoding"] == "gzip"
    assert script.mimetype == "text/javascript"
    assert gzip.decompress(script.data) == (DIST / "citizen.js").read_bytes()


def test_uncompressed_clients_get_plain_files(client):
    response = client.get("/citizen.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (DIST / "citizen.css").read_bytes()


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-store" in response.headers["Cache-Control"]


def test_manifest_makes_the_app_installable_as_lianbao(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "联报" and manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_citizen_shell_never_references_the_console_code(client):
    sw = client.get("/sw.js", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    shell = re.search(r"\[(\"/\"[^\]]*)\]", sw).group(1)
    assert "console" not in shell and "agency" not in shell
    assert "console" not in client.get("/", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)


def test_unknown_files_and_paths_outside_the_build_are_404(client):
    assert client.get("/nope.js").status_code == 404
    assert client.get("/../server/config.py").status_code == 404
    assert client.get("/api/v1/nothing-here").status_code == 404
