"""The tus 1.0.0 upload server, spoken to directly: every rule a client depends on."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from tests.helpers import bearer
from tests.sync.evidence import (
    OFFSET_TYPE,
    TUS,
    checksum,
    create_upload,
    declaration,
    jpeg_bytes,
    metadata,
    mp4_bytes,
    patch,
    report_with_media,
    tus_headers,
)


def _media(app, media_id):
    from server.extensions import db
    from server.reports.models import Media

    with app.app_context():
        media = db.session.get(Media, media_id)
        db.session.expunge(media)
        return media


def _events(app, report_id, type_):
    from server.extensions import db
    from server.reports.models import TimelineEvent

    with app.app_context():
        return [
            e.data
            for e in db.session.scalars(sa.select(TimelineEvent).where(TimelineEvent.report_id == report_id, TimelineEvent.type == type_))
        ]


def _offset(client, token, location):
    response = client.head(location, headers=tus_headers(token))
    assert response.status_code == 200
    return int(response.headers["Upload-Offset"])


def _setup(api, data=None, **kw):
    api.bureau()
    token = api.device()
    data = data if data is not None else jpeg_bytes(noise=1)
    item = declaration(data, **kw)
    report_id = report_with_media(api, token, item)
    return token, data, item, report_id


def test_options_advertise_version_extensions_checksums_and_max_size(client):
    response = client.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "checksum",
        "expiration",
    }
    assert response.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"
    assert int(response.headers["Tus-Max-Size"]) >= 500 * 1024 * 1024


def test_upload_in_checksummed_chunks_completes_verified_and_tells_the_reporter(api, app, client):
    token, data, item, report_id = _setup(api)
    created = create_upload(client, token, item, report_id)
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    assert location == f"/api/v1/uploads/{item['media_id']}"
    assert created.headers["Tus-Resumable"] == "1.0.0" and created.headers["Upload-Expires"].endswith("GMT")
    head = client.head(location, headers=tus_headers(token))
    assert head.headers["Upload-Offset"] == "0" and head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    offset, step = 0, 40_000
    while offset < len(data):
        chunk = data[offset : offset + step]
        response = patch(client, token, location, offset, chunk, **{"Upload-Checksum": checksum("sha256", chunk)})
        assert response.status_code == 204, response.get_json()
        offset = int(response.headers["Upload-Offset"])
        if offset < len(data):
            assert _media(app, item["media_id"]).received_bytes == offset  # the console's progress
    media = _media(app, item["media_id"])
    assert (media.state, media.verification, media.received_bytes) == ("complete", "verified", len(data))
    assert _events(app, report_id, "media.received") == [
        {"media_id": item["media_id"], "kind": "photo", "variant": "original", "verification": "verified", "received": 1, "total": 1}
    ]
    feed = client.get("/api/v1/sync/pull?cursor=0", headers=bearer(token)).get_json()["events"]
    assert feed[-1]["type"] == "media.received" and feed[-1]["data"]["verification"] == "verified"
    assert _offset(client, token, location) == len(data)  # a client that lost the last answer sees it done


def test_wrong_checksum_is_460_and_the_offset_does_not_move(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:1000]).status_code == 204
    chunk = data[1000:5000]
    response = patch(client, token, location, 1000, chunk, **{"Upload-Checksum": checksum("sha1", chunk[:-1] + b"x")})
    assert response.status_code == 460
    assert response.get_json()["error"]["code"] == "checksum_mismatch"
    assert _offset(client, token, location) == 1000
    assert patch(client, token, location, 1000, chunk, **{"Upload-Checksum": checksum("sha1", chunk)}).status_code == 204
    assert _offset(client, token, location) == 5000


def test_unknown_checksum_algorithm_is_400(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:100], **{"Upload-Checksum": "md5 AAAA"}).status_code == 400
    assert _offset(client, token, location) == 0


def test_wrong_offset_is_409_and_nothing_is_written(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:100]).status_code == 204
    response = patch(client, token, location, 50, data[50:200])
    assert response.status_code == 409
    assert response.headers["Upload-Offset"] == "100"
    assert _offset(client, token, location) == 100


def test_wrong_content_type_is_415(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    response = client.patch(
        location, data=data[:100], headers=tus_headers(token, **{"Upload-Offset": "0", "Content-Type": "application/octet-stream"})
    )
    assert response.status_code == 415
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert _offset(client, token, location) == 0


def test_a_photo_whose_bytes_are_a_video_is_refused_with_415(api, client):
    token, data, item, report_id = _setup(api, mp4_bytes(4000))
    location = create_upload(client, token, item, report_id).headers["Location"]
    response = patch(client, token, location, 0, data)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "content_mismatch"
    assert _offset(client, token, location) == 0


def test_sniffing_waits_for_enough_bytes_when_the_first_chunk_is_tiny(api, client):
    token, data, item, report_id = _setup(api, mp4_bytes(4000), kind="video", mime="video/mp4")
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:5]).status_code == 204
    assert patch(client, token, location, 5, data[5:]).status_code == 204
    assert _offset(client, token, location) == len(data)


def test_bytes_that_differ_from_the_declared_hash_are_kept_as_mismatch_and_the_timeline_says_so(api, app, client):
    token, data, item, report_id = _setup(api)
    tampered = data[:-10] + b"0123456789"
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, tampered).status_code == 204
    media = _media(app, item["media_id"])
    assert (media.state, media.verification) == ("complete", "mismatch")
    [event] = _events(app, report_id, "media.received")
    assert event["verification"] == "mismatch"
    assert event["sha256_received"] == hashlib.sha256(tampered).hexdigest()


def test_a_complete_media_item_cannot_be_uploaded_again(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data).status_code == 204
    again = create_upload(client, token, item, report_id)
    assert again.status_code == 409
    assert again.get_json()["error"] == {
        "code": "media_already_received",
        "message": again.get_json()["error"]["message"],
        "fields": {"verification": ["verified"]},
    }
    assert client.delete(location, headers=tus_headers(token)).status_code == 409
    assert patch(client, token, location, 0, data[:10]).status_code == 409


def test_a_client_that_lost_its_upload_url_gets_the_same_upload_back(api, client):
    token, data, item, report_id = _setup(api)
    first = create_upload(client, token, item, report_id)
    assert patch(client, token, first.headers["Location"], 0, data[:3000]).status_code == 204
    second = create_upload(client, token, item, report_id)
    assert second.status_code == 201
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Upload-Offset"] == "3000"


def test_creation_with_upload_stores_the_first_chunk(api, app, client):
    token, data, item, report_id = _setup(api)
    response = client.post(
        "/api/v1/uploads",
        data=data,
        headers=tus_headers(
            token, **{"Upload-Length": str(len(data)), "Upload-Metadata": metadata(item, report_id), "Content-Type": OFFSET_TYPE}
        ),
    )
    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == str(len(data))
    assert _media(app, item["media_id"]).verification == "verified"


def test_length_must_match_the_declaration_and_the_kind_limit(api, app, client):
    token, data, item, report_id = _setup(api)
    assert create_upload(client, token, item, report_id, length=len(data) + 1).status_code == 400
    app.config["MEDIA_MAX_PHOTO"] = len(data) - 1
    response = create_upload(client, token, item, report_id)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_metadata_must_name_a_declared_media_item_and_match_it(api, client):
    token, data, item, report_id = _setup(api)
    headers = tus_headers(token, **{"Upload-Length": str(len(data))})
    assert client.post("/api/v1/uploads", headers={**headers, "Upload-Metadata": ""}).status_code == 400
    assert client.post("/api/v1/uploads", headers={**headers, "Upload-Metadata": "media_id !!!"}).status_code == 400
    undeclared = declaration(data)
    assert create_upload(client, token, undeclared, report_id).status_code == 404
    wrong_hash = client.post("/api/v1/uploads", headers={**headers, "Upload-Metadata": metadata(item, report_id, sha256="0" * 64)})
    assert wrong_hash.status_code == 400 and "sha256" in wrong_hash.get_json()["error"]["fields"]


def test_tus_resumable_header_is_required(api, client):
    token, data, item, report_id = _setup(api)
    headers = {**bearer(token), "Upload-Length": str(len(data)), "Upload-Metadata": metadata(item, report_id)}
    response = client.post("/api/v1/uploads", headers=headers)
    assert response.status_code == 412 and response.headers["Tus-Version"] == "1.0.0"


def test_another_device_cannot_create_head_patch_delete_or_download_my_upload(api, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:100]).status_code == 204
    other = api.device()
    assert create_upload(client, other, item, report_id).status_code == 404
    assert client.head(location, headers=tus_headers(other)).status_code == 404
    assert patch(client, other, location, 100, data[100:200]).status_code == 404
    assert client.delete(location, headers=tus_headers(other)).status_code == 404
    assert _offset(client, token, location) == 100
    assert patch(client, token, location, 100, data[100:]).status_code == 204
    assert client.get(f"/api/v1/media/{item['media_id']}", headers=bearer(other)).status_code == 404
    assert client.get(f"/api/v1/media/{item['media_id']}", headers=bearer(token)).data == data


def test_staff_do_not_upload_through_the_citizen_channel(api, client):
    token, data, item, report_id = _setup(api)
    officer = api.login("officer.a")
    assert create_upload(client, officer, item, report_id).status_code == 403


def test_termination_drops_the_bytes_and_a_new_upload_can_start(api, app, client):
    token, data, item, report_id = _setup(api)
    location = create_upload(client, token, item, report_id).headers["Location"]
    assert patch(client, token, location, 0, data[:500]).status_code == 204
    assert client.delete(location, headers=tus_headers(token)).status_code == 204
    assert client.head(location, headers=tus_headers(token)).status_code == 404
    assert _media(app, item["media_id"]).state == "declared"
    again = create_upload(client, token, item, report_id)
    assert again.status_code == 201 and again.headers["Upload-Offset"] == "0"


def test_cleanup_removes_expired_partial_uploads_only(api, app, client):
    from server.extensions import db
    from server.reports.models import Media
    from server.timeutil import utcnow
    from sync.uploads import cleanup_expired

    api.bureau()
    token = api.device()
    data = jpeg_bytes(noise=1)
    stale, fresh = declaration(data), declaration(data)
    report_id = report_with_media(api, token, stale, fresh)
    for item in (stale, fresh):
        location = create_upload(client, token, item, report_id).headers["Location"]
        assert patch(client, token, location, 0, data[:700]).status_code == 204
    with app.app_context():
        db.session.get(Media, stale["media_id"]).upload_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        result = cleanup_expired()
    assert [r["media_id"] for r in result["removed"]] == [stale["media_id"]]
    assert client.head(f"/api/v1/uploads/{stale['media_id']}", headers=tus_headers(token)).status_code == 404
    assert _offset(client, token, f"/api/v1/uploads/{fresh['media_id']}") == 700
    assert _media(app, stale["media_id"]).state == "declared"


def test_every_tus_response_carries_tus_resumable(client):
    assert client.head("/api/v1/uploads/not-a-uuid", headers=TUS).headers["Tus-Resumable"] == "1.0.0"
    assert client.patch("/api/v1/uploads/x").headers["Tus-Resumable"] == "1.0.0"
