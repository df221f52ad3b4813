"""The dispatcher's console in a real Chromium: a new report shows up by itself, and acting on it reaches the citizen."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from server.config import ROOT
from tests.console.live import LiveClient, device, push_report
from tests.helpers import IN_A, bearer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def in_browser():
    """Run a scenario against Chromium in a thread of its own.

    Playwright's sync API refuses to start while another sync Playwright (the citizen tests' session-wide
    browser) owns this thread's event loop; a dedicated thread has none, so both suites can run in one session.
    """
    if not Path(CHROMIUM).exists() or not (ROOT / "pwa" / "dist" / "console.js").exists():
        pytest.skip("needs Debian's chromium and a built PWA (npm run build)")
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-chromium")
    state: dict = {}

    def start() -> None:
        from playwright.sync_api import sync_playwright

        state["playwright"] = sync_playwright().start()
        state["browser"] = state["playwright"].chromium.launch(executable_path=CHROMIUM, args=ARGS)

    def stop() -> None:
        state["browser"].close()
        state["playwright"].stop()

    pool.submit(start).result()

    def run(scenario, *args):
        return pool.submit(scenario, state["browser"], *args).result()

    yield run
    pool.submit(stop).result()
    pool.shutdown()


def new_page(browser, **options):
    page = browser.new_context(locale="zh-CN", **options).new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text and page.problems.append(msg.text))
    return page


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/console")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")
    page.wait_for_selector(".live.ok", timeout=10000)  # the /live socket is up


def wait_title(page, predicate, timeout: float = 5) -> None:
    """Poll the tab title from Python (wait_for_function evaluates strings, which our CSP rightly forbids)."""
    deadline = time.monotonic() + timeout
    while not predicate(page.title()):
        assert time.monotonic() < deadline, f"title stayed {page.title()!r}"
        page.wait_for_timeout(50)


def test_dispatcher_sees_a_new_report_live_and_the_citizen_hears_the_status_change(api, live_server, in_browser):
    api.bureau()
    in_browser(dispatcher_scenario, live_server.url)


def dispatcher_scenario(browser, url: str) -> None:
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    sign_in(page, url, "dispatcher")
    page.evaluate("window.__sameDocument = true")

    citizen_token = device(url)
    citizen = LiveClient(url, citizen_token)
    try:
        report_id = push_report(url, citizen_token, IN_A, description="老人在雨中摔倒，头部流血")
        row = page.wait_for_selector(f".case[data-report-id='{report_id}']", timeout=2000)
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        assert "fresh" in row.get_attribute("class")  # highlighted as new
        assert "老人在雨中摔倒" in row.inner_text()
        wait_title(page, lambda title: title.startswith("(1)"))  # one unacknowledged alarm

        row.click()
        page.wait_for_selector(f".detail[data-report-id='{report_id}']")
        assert "头部流血" in page.inner_text(".detail .description")
        moves = [b.get_attribute("data-to") for b in page.query_selector_all(".detail .move")]
        assert moves == ["acknowledged"]  # only the legal move from new
        page.click(".detail .move[data-to=acknowledged]")
        page.wait_for_selector(".detail[data-status=acknowledged]", timeout=5000)

        update = citizen.wait_for("case.updated", report_id, timeout=5)
        assert update is not None and update["data"]["to"] == "acknowledged"
        mine = requests.get(f"{url}/api/v1/reports/{report_id}", headers=bearer(citizen_token), timeout=10).json()
        assert mine["status"] == "acknowledged"
        wait_title(page, lambda title: not title.startswith("("))

        # The citizen's reply arrives in the open case without a reload.
        from tests.helpers import op

        message = {"message_id": "0b0e3f7e-3a58-4a64-9a53-1d0f1c2b9e10", "report_id": report_id, "body": "我在村口小卖部旁边"}
        requests.post(f"{url}/api/v1/sync/push", json={"ops": [op("message.create", message)]}, headers=bearer(citizen_token), timeout=10)
        page.wait_for_selector(".messages .from-reporter:has-text('村口小卖部')", timeout=5000)

        # No internet here: the map gives way to a coordinate list.
        page.wait_for_selector(".map-fallback", timeout=10000)
        assert "28.45000" in page.inner_text(".coords")
    finally:
        citizen.close()
        page.context.close()
    assert page.problems == []


def test_console_speaks_english_when_switched_and_fits_a_phone(api, live_server, in_browser):
    api.bureau()
    in_browser(phone_scenario, live_server.url)


def phone_scenario(browser, url: str) -> None:
    page = new_page(browser, viewport={"width": 360, "height": 740})
    try:
        sign_in(page, url, "officer.a")
        page.click("button.lang")
        page.wait_for_selector("text=Case queue")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.close()


def test_a_failed_sign_in_does_not_open_the_console(api, live_server, in_browser):
    api.bureau()
    in_browser(failed_login_scenario, live_server.url)


def failed_login_scenario(browser, url: str) -> None:
    page = new_page(browser)
    try:
        page.goto(f"{url}/console")
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong-password-1")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")
        assert page.query_selector(".queue-panel") is None
    finally:
        page.context.close()


def test_video_evidence_plays_from_a_signed_link_that_seeks_with_range(api, live_server, in_browser):
    from tests.sync.evidence import create_upload, declaration, mp4_bytes, patch, report_with_media

    api.bureau()
    token = api.device()
    video = mp4_bytes(300_000)
    item = declaration(video, kind="video", mime="video/mp4")
    report_id = report_with_media(api, token, item)
    location = create_upload(api.client, token, item, report_id).headers["Location"]
    assert patch(api.client, token, location, 0, video).status_code == 204
    src = in_browser(video_scenario, live_server.url, report_id, item["media_id"])
    assert "expires=" in src and "token=" in src  # the player needs no bearer token
    part = requests.get(f"{live_server.url}{src}", headers={"Range": "bytes=1000-1999"}, timeout=10)
    assert part.status_code == 206 and part.content == video[1000:2000]


def video_scenario(browser, url: str, report_id: str, media_id: str) -> str:
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    try:
        sign_in(page, url, "dispatcher")
        page.click(f".case[data-report-id='{report_id}']")
        page.click(f".media-item[data-media-id='{media_id}'] button")
        return page.wait_for_selector(f".media-item[data-media-id='{media_id}'] video", timeout=5000).get_attribute("src")
    finally:
        page.context.close()
