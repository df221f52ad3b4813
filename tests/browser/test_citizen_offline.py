"""The citizen app with no signal: nothing is lost, nothing leaks out while offline, everything arrives once."""

from __future__ import annotations

import pytest

from tests.browser.citizen import file_report, report_state, server_reports, wait_for_server_reports, wait_for_state
from tests.browser.conftest import go_offline, go_online, jpeg_bytes, open_app, wait_until
from tests.sync.evidence import mp4_bytes

pytestmark = pytest.mark.browser


def test_alarm_filed_offline_survives_reload_and_arrives_once_with_verified_photo(api, web, context, page, app):
    api.bureau()
    open_app(page, web)

    go_offline(context)  # cuts the page AND the service worker
    offline_from = web.requests.mark()
    file_report(page, text="老人在雨中摔倒", photo=jpeg_bytes())
    assert report_state(page) == "已保存在手机上"

    page.reload()  # served by the service worker from its cache
    page.get_by_role("button", name="我的报告").click()
    wait_for_state(page, "已保存在手机上")
    page.wait_for_timeout(1500)  # give any stray retry timer a chance to reach the network
    # Chromium's own check for a new /sw.js after a navigation (header `Service-Worker: script`) is made by the
    # browser process, outside DevTools' network emulation; a phone with no signal cannot make it. Everything
    # the page and the service worker send is counted.
    heard = [e for e in web.requests.since(offline_from) if e.get("service_worker") != "script"]
    assert heard == [], f"the server heard from the phone while it was offline: {heard}"
    assert server_reports(app) == []

    go_online(context)
    reports = wait_for_server_reports(app, 1, verified_media=2, timeout=30)
    assert len(reports) == 1
    photo_items = reports[0]["media"]
    assert {m["variant"] for m in photo_items} == {"preview", "original"}
    assert all(m["kind"] == "photo" and m["verification"] == "verified" for m in photo_items)
    assert reports[0]["kind"] == "alarm" and reports[0]["category"] == "medical"
    assert reports[0]["lat"] == pytest.approx(28.45)
    wait_for_state(page, "已送达")


def test_app_opens_from_cache_and_accepts_a_report_while_the_server_is_down(api, web, context, page, app):
    api.bureau()
    open_app(page, web)
    web.stop()

    page.reload()
    page.get_by_role("button", name="举报线索").first.wait_for()
    file_report(page, kind="举报线索", category="飙车扰民", text="每晚十一点后改装摩托车飙车", landmark="丽阳门社区路口")
    wait_for_state(page, "已保存在手机上")
    assert server_reports(app) == []

    web.start()  # same port: the phone sends once it can
    page.get_by_role("button", name="立即发送").click()
    reports = wait_for_server_reports(app, 1)
    assert reports[0]["kind"] == "tip" and reports[0]["category"] == "street_racing_noise"
    wait_for_state(page, "已送达")


def test_large_upload_cut_midway_resumes_from_the_servers_offset(api, web, context, page, app):
    api.bureau()
    open_app(page, web)
    video = mp4_bytes(3 * 1024 * 1024)
    cdp = context.new_cdp_session(page)
    # A slow uplink (256 KB/s) so the cut lands in the middle of the upload.
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": 1_000_000, "uploadThroughput": 256 * 1024},
    )
    start = web.requests.mark()
    file_report(page, video=video)

    def patches(entries):
        return [e for e in entries if e["method"] == "PATCH" and e["path"].startswith("/api/v1/uploads/")]

    wait_until(lambda: len(patches(web.requests.since(start))) >= 3, "three chunks on the server", timeout=40)
    context.set_offline(True)
    cut = web.requests.mark()
    page.wait_for_timeout(1500)
    received_at_cut = max(m["received_bytes"] for r in server_reports(app) for m in r["media"])
    assert 0 < received_at_cut < len(video)
    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    reports = wait_for_server_reports(app, 1, verified_media=1, timeout=60)
    media = reports[0]["media"][0]
    assert media["received_bytes"] == media["size"] == len(video)
    after = patches(web.requests.since(cut))
    assert after, "the upload did not continue after the cut"
    # It resumed where the server was, not from byte 0: one partial chunk at most is sent again.
    first_offset = int(after[0]["upload_offset"])
    assert first_offset > 0
    resent = sum(e["length"] for e in after)
    assert resent == len(video) - first_offset
    assert first_offset >= received_at_cut - 256 * 1024
    wait_for_state(page, "已送达")
