"""What a citizen does in the app, in the words on the screen (zh-CN unless said otherwise)."""

from __future__ import annotations

import requests
import sqlalchemy as sa

from tests.browser.conftest import file_payload, wait_until


def file_report(
    page,
    kind: str = "报警",
    category: str = "急病受伤",
    text: str = "",
    photo: bytes | None = None,
    video: bytes | None = None,
    landmark: str = "",
) -> None:
    """Home → kind → category → text, media, wait for the position → submit; lands on 我的报告."""
    page.get_by_role("button", name=kind).first.click()
    page.get_by_role("button", name=category).click()
    if text:
        page.get_by_label("情况说明（可不填）").fill(text)
    if photo is not None:
        page.locator("#photo-gallery").set_input_files(file_payload("photo.jpg", "image/jpeg", photo))
        page.locator(".attachments li").first.wait_for()
    if video is not None:
        page.locator("#video").set_input_files(file_payload("video.mp4", "video/mp4", video))
        page.locator(".attachments li").last.wait_for()
    if landmark:
        page.get_by_label("村名 / 路口 / 地标").fill(landmark)
    else:
        page.get_by_text("定位精度").wait_for()
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="我的报告").wait_for()


def report_state(page) -> str:
    """The first report's state badge as the user reads it."""
    return page.locator(".reports .report .badge").first.inner_text()


def wait_for_state(page, text: str, timeout: float = 20000) -> None:
    page.locator(".reports .report .badge", has_text=text).first.wait_for(timeout=timeout)


def server_reports(app) -> list:
    """Reports with their media as the server stored them (a fresh session each call)."""
    from server.extensions import db
    from server.reports.models import Media, Report

    with app.app_context():
        db.session.remove()
        reports = db.session.scalars(sa.select(Report)).all()
        out = []
        for report in reports:
            media = db.session.scalars(sa.select(Media).where(Media.report_id == report.id)).all()
            out.append(
                {
                    "id": report.id,
                    "status": report.status,
                    "covert": report.covert,
                    "kind": report.kind,
                    "category": report.category,
                    "lat": report.lat,
                    "media": [
                        {
                            "id": m.id,
                            "kind": m.kind,
                            "variant": m.variant,
                            "size": m.size,
                            "state": m.state,
                            "verification": m.verification,
                            "received_bytes": m.received_bytes,
                        }
                        for m in media
                    ],
                }
            )
        db.session.remove()
        return out


def wait_for_server_reports(app, count: int, verified_media: int = 0, timeout: float = 30) -> list:
    def ready():
        reports = server_reports(app)
        verified = sum(1 for r in reports for m in r["media"] if m["verification"] == "verified")
        return reports if len(reports) == count and verified >= verified_media else None

    return wait_until(ready, f"{count} report(s) with {verified_media} verified media on the server", timeout)


def officer_transition(url: str, report_id: str, to: str, username: str = "officer.a") -> None:
    token = requests.post(url + "/api/v1/auth/login", json={"username": username, "password": "correct-horse-9"}, timeout=10).json()[
        "token"
    ]
    response = requests.post(
        url + f"/api/v1/cases/{report_id}/transition", json={"to": to}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
