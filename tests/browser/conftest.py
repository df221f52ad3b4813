"""Browser fixtures: Debian's Chromium driven by Playwright, against a real server process that logs every request."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.servers import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or not (ROOT / "pwa" / "dist" / "sw.js").exists():
        reason = "Debian's chromium is not installed" if not Path(CHROMIUM).exists() else "PWA not built (npm run build)"
        if os.environ.get("LIANBAO_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


class RequestLog:
    """The server's own record of every HTTP request it received (REQUEST_LOG_PATH, one JSON line each)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def mark(self) -> float:
        """Now, on the server's clock (same machine): entries are stamped when the request arrived."""
        return time.time()

    def since(self, mark: float) -> list[dict]:
        return [e for e in self.entries() if e["t"] >= mark]


@pytest.fixture
def web(app, database_url, instance_path):
    """`manage.py run` with a request log; `.log` reads it, `.stop()`/`.start()` keep the same port."""
    log_path = instance_path / "requests.jsonl"
    server = ServerProcess(database_url, instance_path, env={"REQUEST_LOG_PATH": str(log_path)})
    server.start()
    server.requests = RequestLog(log_path)
    yield server
    server.stop()


@pytest.fixture
def context(browser, web):
    """A phone-sized context at IN_A with the location permission granted (as after the user's 'allow')."""
    from tests.helpers import IN_A

    ctx = browser.new_context(
        base_url=web.url,
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": IN_A[0], "longitude": IN_A[1], "accuracy": 12},
        permissions=["geolocation"],
        service_workers="allow",
        locale="zh-CN",
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def open_app(page, web) -> None:
    """First visit online: wait until the service worker controls the page and the phone is registered."""
    page.goto(web.url + "/")
    wait_until(lambda: page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"), "the service worker")
    wait_until(lambda: any(e["path"] == "/api/v1/devices" for e in web.requests.entries()), "device registration")
    # The first open ends with the live connection and a feed pull; let that settle so a busy machine's slow
    # answers are not mistaken for traffic after the test cuts the network.
    wait_until(lambda: any(e["path"] == "/api/v1/sync/pull" for e in web.requests.entries()), "the first feed pull")
    wait_until(lambda: time.time() - max(e["t"] for e in web.requests.entries()) > 0.7, "a quiet network")


def _refuse(route) -> None:
    route.abort("internetdisconnected")


def go_offline(context) -> None:
    """No signal: the page, the service worker, and the browser's own service-worker update check."""
    context.set_offline(True)
    # set_offline covers the page and the worker's fetches, but not the browser's check for a new /sw.js on
    # navigation; refuse every request of the context too, as a dead radio would.
    context.route("**/*", _refuse)


def go_online(context) -> None:
    context.unroute("**/*", _refuse)
    context.set_offline(False)


def wait_js(page, expression: str, what: str, timeout: float = 20) -> object:
    """Poll a JS expression from Python (page.wait_for_function evaluates strings, which the app's CSP forbids)."""
    return wait_until(lambda: page.evaluate(expression), what, timeout)


def wait_until(check: Callable[[], object], what: str, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def jpeg_bytes(width: int = 2000, height: int = 1500) -> bytes:
    """A real photo-sized JPEG (large enough that the app makes a ≤1600 px preview of it)."""
    from PIL import Image

    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for x in range(0, width, 4):
        for y in range(0, height, 4):
            pixels[x, y] = ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def file_payload(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}
