"""Reading evidence: Range downloads, thumbnails, who may read, audit, signed links for agencies."""

from __future__ import annotations

import io
import time
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from tests.helpers import IN_A, bearer, op, report_payload
from tests.sync.evidence import create_upload, declaration, jpeg_bytes, mp4_bytes, patch


def _uploaded(api, client, data: bytes, lat_lon=IN_A, **kw) -> tuple[str, str, str]:
    token = api.device()
    item = declaration(data, **kw)
    payload = report_payload(lat_lon, media=[item])
    assert api.push(token, op("report.create", payload))[0]["status"] == "applied"
    location = create_upload(client, token, item, payload["report_id"]).headers["Location"]
    assert patch(client, token, location, 0, data).status_code == 204
    return token, item["media_id"], payload["report_id"]


def _audits(app, media_id):
    from server.audit.models import AuditRecord
    from server.extensions import db

    with app.app_context():
        return [
            (r.user_id, r.action, (r.detail or {}).get("via"))
            for r in db.session.scalars(sa.select(AuditRecord).where(AuditRecord.media_id == media_id))
        ]


def test_video_download_supports_range_so_the_player_can_seek(api, client):
    api.bureau()
    data = mp4_bytes(300_000)
    token, media_id, _ = _uploaded(api, client, data, kind="video", mime="video/mp4")
    whole = client.get(f"/api/v1/media/{media_id}", headers=bearer(token))
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Content-Type"] == "video/mp4" and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Lianbao-Verification"] == "verified"
    part = client.get(f"/api/v1/media/{media_id}", headers={**bearer(token), "Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.data == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    beyond = client.get(f"/api/v1/media/{media_id}", headers={**bearer(token), "Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416


def test_photo_thumbnail_is_a_small_jpeg_made_once(api, app, client):
    api.bureau()
    token, media_id, _ = _uploaded(api, client, jpeg_bytes(1600, 1200))
    response = client.get(f"/api/v1/media/{media_id}/thumb", headers=bearer(token))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert max(image.size) == 320
    small = client.get(f"/api/v1/media/{media_id}/thumb?size=160", headers=bearer(token))
    assert max(Image.open(io.BytesIO(small.data)).size) == 160
    cached = sorted(p.name for p in (Path(app.config["MEDIA_DIR"]) / "thumbs").iterdir())
    assert cached == [f"{media_id}-160.jpg", f"{media_id}-320.jpg"]
    assert client.get(f"/api/v1/media/{media_id}/thumb?size=9999", headers=bearer(token)).status_code == 400


def test_video_has_no_thumbnail(api, client):
    api.bureau()
    token, media_id, _ = _uploaded(api, client, mp4_bytes(5000), kind="video", mime="video/mp4")
    response = client.get(f"/api/v1/media/{media_id}/thumb", headers=bearer(token))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "thumbnail_unavailable"


def test_officers_see_media_of_their_station_only_and_each_read_is_audited(api, app, client):
    api.bureau()
    data = jpeg_bytes()
    _, media_id, _ = _uploaded(api, client, data)
    officer_a, officer_b, dispatcher = api.login("officer.a"), api.login("officer.b"), api.login("dispatcher")
    assert client.get(f"/api/v1/media/{media_id}", headers=bearer(officer_b)).status_code == 404
    assert client.get(f"/api/v1/media/{media_id}/thumb", headers=bearer(officer_b)).status_code == 404
    assert client.get(f"/api/v1/media/{media_id}", headers=bearer(officer_a)).data == data
    assert client.get(f"/api/v1/media/{media_id}/thumb", headers=bearer(dispatcher)).status_code == 200
    actions = [action for _, action, _ in _audits(app, media_id)]
    assert sorted(actions) == ["media.download", "media.thumb"]


def test_media_not_yet_received_answers_409_with_progress(api, client):
    api.bureau()
    token = api.device()
    data = jpeg_bytes(noise=1)
    item = declaration(data)
    payload = report_payload(media=[item])
    api.push(token, op("report.create", payload))
    location = create_upload(client, token, item, payload["report_id"]).headers["Location"]
    patch(client, token, location, 0, data[:1000])
    response = client.get(f"/api/v1/media/{item['media_id']}", headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"received_bytes": [1000]}


def test_signed_link_opens_without_login_until_it_expires(api, app, client):
    from server.agencies.signing import sign_media_url

    api.bureau()
    data = jpeg_bytes()
    _, media_id, _ = _uploaded(api, client, data)
    expires = int(time.time()) + 600
    token = sign_media_url("test-secret", media_id, expires)
    response = client.get(f"/api/v1/media/{media_id}?expires={expires}&token={token}")
    assert response.status_code == 200 and response.data == data
    assert client.get(f"/api/v1/media/{media_id}/thumb?expires={expires}&token={token}").status_code == 200
    assert client.get(f"/api/v1/media/{media_id}?expires={expires + 1}&token={token}").status_code == 404
    past = int(time.time()) - 1
    assert client.get(f"/api/v1/media/{media_id}?expires={past}&token={sign_media_url('test-secret', media_id, past)}").status_code == 404
    assert "signed_link" in {via for _, _, via in _audits(app, media_id)}


def test_staff_get_a_signed_link_for_players_that_cannot_send_a_token(api, client):
    api.bureau()
    data = mp4_bytes(20_000)
    _, media_id, _ = _uploaded(api, client, data, kind="video", mime="video/mp4")
    officer = api.login("officer.a")
    link = client.get(f"/api/v1/media/{media_id}/link", headers=bearer(officer)).get_json()
    assert client.get(link["url"]).data == data
    # a link cannot mint another link: that would make it last forever
    assert client.get(link["url"].replace(f"/{media_id}?", f"/{media_id}/link?")).status_code == 401
    assert client.get(f"/api/v1/media/{media_id}/link", headers=bearer(api.login("officer.b"))).status_code == 404


def test_downloads_are_not_cached_and_cannot_run_scripts(api, client):
    api.bureau()
    token, media_id, _ = _uploaded(api, client, jpeg_bytes())
    response = client.get(f"/api/v1/media/{media_id}", headers=bearer(token))
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get("/api/v1/media/not-a-uuid", headers=bearer(token)).status_code == 404
    assert client.get(f"/api/v1/media/{media_id}").status_code == 401


def test_without_a_login_an_unknown_media_id_and_a_real_one_answer_alike(api):
    from tests.sync.evidence import declaration, jpeg_bytes, report_with_media

    api.bureau()
    item = declaration(jpeg_bytes())
    report_with_media(api, api.device(), item)
    real = api.client.get(f"/api/v1/media/{item['media_id']}")
    unknown = api.client.get("/api/v1/media/00000000-0000-4000-8000-000000000000")
    assert real.status_code == unknown.status_code == 401
