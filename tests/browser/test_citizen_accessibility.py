"""axe-core finds no serious or critical accessibility problem on any citizen screen, in Chinese or English."""

from __future__ import annotations

import pytest

from tests.browser.citizen import file_report, wait_for_state
from tests.browser.conftest import AXE, CHROMIUM_ARGS, open_app  # noqa: F401
from tests.helpers import IN_A

pytestmark = pytest.mark.browser


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_citizen_screens_have_no_serious_accessibility_violations(api, web, browser, locale):
    api.bureau()
    # axe is injected as an inline script, which the app's CSP (rightly) forbids: bypass it for the audit only.
    context = browser.new_context(
        base_url=web.url,
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": IN_A[0], "longitude": IN_A[1], "accuracy": 12},
        permissions=["geolocation"],
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        open_app(page, web)
        file_report(page, text="路边有狗咬人")
        wait_for_state(page, "已送达")
        if locale == "en":
            page.locator("header").get_by_role("button", name="English").click()
            page.get_by_role("heading", name="My reports").wait_for()
        names = {
            "zh-CN": {"home": "报警", "mine": "我的报告", "settings": "设置", "alarm": "报警", "tip": "举报线索"},
            "en": {"home": "Report", "mine": "My reports", "settings": "Settings", "alarm": "Alarm", "tip": "Tip"},
        }[locale]
        nav = page.get_by_role("navigation")
        problems: dict[str, list[str]] = {}
        problems["outbox"] = serious_violations(page)
        page.locator(".reports .card").first.click()
        page.locator(".timeline").wait_for()
        problems["report detail"] = serious_violations(page)
        nav.get_by_role("button", name=names["settings"]).click()
        problems["settings"] = serious_violations(page)
        nav.get_by_role("button", name=names["home"], exact=True).click()
        problems["home"] = serious_violations(page)
        page.locator("main").get_by_role("button", name=names["alarm"]).click()
        page.locator(".report-form").wait_for()
        problems["alarm form"] = serious_violations(page)
        nav.get_by_role("button", name=names["home"], exact=True).click()
        page.locator("main").get_by_role("button", name=names["tip"]).click()
        page.locator(".report-form").wait_for()
        problems["tip form"] = serious_violations(page)
        assert page.evaluate("() => document.documentElement.lang") == locale
        assert {screen: found for screen, found in problems.items() if found} == {}
    finally:
        context.close()
