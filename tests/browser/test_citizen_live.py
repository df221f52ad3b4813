"""While the app is open, the police's moves show up on the phone; covert mode shows them silently."""

from __future__ import annotations

import pytest

from tests.browser.citizen import file_report, officer_transition, server_reports, wait_for_server_reports, wait_for_state
from tests.browser.conftest import open_app, wait_js

pytestmark = pytest.mark.browser

# Records every way a page could make itself seen or heard: vibration, sound, notifications.
ALERT_SPY = """
window.__alerts = [];
const note = (what) => window.__alerts.push(what);
navigator.vibrate = (pattern) => { note('vibrate'); return true; };
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { note('play'); return play.call(this); };
if (window.AudioContext) window.AudioContext = class extends window.AudioContext { constructor(...a) { super(...a); note('audiocontext'); } };
if (window.Notification) window.Notification = class extends window.Notification { constructor(...a) { super(...a); note('notification'); } };
if (window.ServiceWorkerRegistration) {
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (...a) { note('sw-notification'); return show.apply(this, a); };
}
"""


def _file_and_deliver(api, web, page, app) -> str:
    api.bureau()
    open_app(page, web)
    file_report(page, text="楼上漏水，邻居吵起来了")
    wait_for_state(page, "已送达")
    return wait_for_server_reports(app, 1)[0]["id"]


def test_officer_status_change_appears_on_the_open_page_without_reload(api, web, context, page, app):
    context.add_init_script(ALERT_SPY)
    report_id = _file_and_deliver(api, web, page, app)
    page.evaluate("() => { window.__sameDocument = true; }")

    officer_transition(web.url, report_id, "acknowledged")

    wait_for_state(page, "民警已收到")
    assert page.locator(".reports .report .status").first.inner_text() == "已受理"
    assert page.evaluate("() => window.__sameDocument") is True, "the page was reloaded"
    page.get_by_role("status").filter(has_text="案件有新进展").wait_for()
    assert "vibrate" in page.evaluate("() => window.__alerts")


def test_covert_mode_updates_silently_and_quick_exit_leaves_the_app(api, web, context, page, app):
    context.add_init_script(ALERT_SPY)
    api.bureau()
    open_app(page, web)
    page.get_by_role("button", name="设置").click()
    page.get_by_label("隐蔽模式").check()
    wait_js(page, "() => document.body.classList.contains('covert')", "covert styling (dim screen)")
    page.get_by_role("navigation").get_by_role("button", name="报警").click()
    file_report(page, category="家庭暴力")
    wait_for_state(page, "已送达")
    report = wait_for_server_reports(app, 1)[0]
    assert report["covert"] is True

    officer_transition(web.url, report["id"], "acknowledged")
    wait_for_state(page, "民警已收到")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__alerts") == []
    assert page.locator(".toast").count() == 0

    for _ in range(3):
        page.keyboard.press("Escape")
    page.wait_for_url("**/exit.html")
    assert "联报" not in page.content()
    assert server_reports(app)[0]["status"] == "acknowledged"


def test_quick_exit_button_replaces_the_page(web, context, page):
    page.goto(web.url + "/")
    page.get_by_role("button", name="快速离开").click()
    page.wait_for_url("**/exit.html")
    page.go_back()
    assert not page.url.rstrip("/").endswith(web.url.split("//")[1]), "going back must not reveal the app"
