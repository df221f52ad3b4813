"""The agency portal in a real Chromium at phone width: a relay arrives live, the agency accepts, the reporter hears."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from server.config import ROOT
from tests.console.live import device, login, push_report
from tests.helpers import IN_A, bearer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists() or not (ROOT / "pwa" / "dist" / "agency.js").exists():
        pytest.skip("needs Debian's chromium and a built PWA (npm run build)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text and page.problems.append(msg.text))
    yield page
    context.close()


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/agency")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_agency_sees_a_relay_arrive_live_accepts_it_and_the_reporter_reads_the_answer(linkage, live_server, phone):
    agency = linkage.agency("丽水市120急救指挥中心", "medical")
    linkage.portal_user(agency["id"], "agency.120")
    url = live_server.url

    sign_in(phone, url, "agency.120")
    phone.wait_for_selector(".live.on", timeout=10000)
    assert phone.inner_text("header h1") == "联报 · 联动单位"

    citizen = device(url)
    report_id = push_report(url, citizen, IN_A, description="狗在路上咬伤行人，小腿出血")
    dispatcher = login(url, "dispatcher")
    relay = requests.post(
        f"{url}/api/v1/cases/{report_id}/relays",
        json={"agency_ids": [agency["id"]], "share": {"reporter_identity": False, "media": True}, "note": "请派救护车"},
        headers=bearer(dispatcher),
        timeout=10,
    ).json()["items"][0]

    row = phone.wait_for_selector(f".relay-row[data-relay-id='{relay['relay_id']}']", timeout=5000)
    assert "急病受伤" in row.inner_text() and "待接收" in row.inner_text()
    row.click()
    phone.wait_for_selector(f".relay-detail[data-relay-id='{relay['relay_id']}']")
    assert "小腿出血" in phone.inner_text(".relay-detail .description")
    assert "请派救护车" in phone.inner_text(".relay-detail")
    assert no_sideways_scroll(phone)

    phone.fill(".answer textarea", "救护车已出发，预计12分钟")
    phone.click(".answer button[name=accept]")
    phone.wait_for_selector(".relay-detail .state-accepted", timeout=5000)

    events = requests.get(f"{url}/api/v1/sync/pull?cursor=0", headers=bearer(citizen), timeout=10).json()["events"]
    accepted = [e["data"] for e in events if e["type"] == "relay.accepted"]
    assert accepted == [
        {
            "relay_id": relay["relay_id"],
            "agency_id": agency["id"],
            "agency_type": "medical",
            "status": "accepted",
            "note": "救护车已出发，预计12分钟",
            "text": "医院急救中心已接收您的求助",
            "text_en": "The emergency medical centre has taken up your request",
        }
    ]
    staff = requests.get(f"{url}/api/v1/cases/{report_id}", headers=bearer(dispatcher), timeout=10).json()
    assert staff["relays"][0]["state"] == "accepted"

    phone.click("header .lang")
    assert phone.inner_text("header h1") == "Lianbao · Linked agencies"
    assert phone.problems == []


def test_an_admin_creates_a_webhook_agency_and_sees_its_secret_once(linkage, live_server, phone):
    sign_in(phone, live_server.url, "admin")
    phone.wait_for_selector("form.create")
    phone.fill("form.create input[name=name]", "丽水市12315投诉举报中心")
    phone.select_option("form.create select[name=type]", "consumer")
    phone.select_option("form.create select[name=delivery]", "webhook")
    phone.fill("form.create input[name=url]", "https://12315.example/lianbao")
    phone.select_option("form.create select[name=format]", "cap")
    phone.click("form.create button[type=submit]")

    secret = phone.wait_for_selector(".secret-value", timeout=5000).inner_text()
    assert len(secret) >= 32
    phone.wait_for_selector(".agency-list li:has-text('丽水市12315投诉举报中心')", timeout=5000)
    assert no_sideways_scroll(phone)
    phone.reload()
    phone.wait_for_selector(".agency-list")
    assert secret not in phone.content()  # never shown again
    assert phone.problems == []
