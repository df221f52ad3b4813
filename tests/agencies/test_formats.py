"""What an agency receives: EIDO against the NENA schema, CAP against the OASIS XSD, plain JSON, signatures."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from lxml import etree

from server.agencies import signing
from server.agencies.formats import build_cap, build_eido, build_json, render

STANDARDS = Path(__file__).resolve().parents[2].parent / "shared" / "standards"
CAP_NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}

REPORTER = {"name": "叶美华", "phone": "13957801234"}


def fall_in_heavy_rain(**changes) -> dict:
    """An elderly man slipped on a flooded lane in 云和县; his neighbour reports with a photo and a video."""
    case = {
        "id": "5f0c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f",
        "kind": "alarm",
        "category": "medical",
        "category_label": "急病受伤",
        "description": "暴雨，浮云街道老街巷口积水，一位七十多岁的老人滑倒后起不来，头部流血，意识清醒。",
        "status": "acknowledged",
        "created_at": "2026-06-18T22:41:07.512Z",
        "location": {
            "lat": 28.1163,
            "lon": 119.5726,
            "accuracy_m": 18.0,
            "fixed_at": "2026-06-18T22:40:55Z",
            "source": "gps",
            "landmark": "云和县浮云街道解放街与中山路口",
        },
        "station": {"code": "YH-CN", "name": "云和县公安局城南派出所"},
        "reporter": dict(REPORTER),
        "on_behalf_of": None,
        "media": [
            {
                "media_id": "0b6e7c3a-2f41-4d8e-9a57-3c1f0e9d2b81",
                "kind": "photo",
                "mime": "image/jpeg",
                "size": 1843022,
                "sha256": "9f2c4a1be0d57c3f6a8e2d91b4c07f5e3a6d8b1c2e4f6a8b0c2d4e6f8a0b2c4d",
                "url": "https://lianbao.example/api/v1/agency-media/0b6e7c3a-2f41-4d8e-9a57-3c1f0e9d2b81?expires=1781910000&token=Zm9vYmFy",
            },
            {
                "media_id": "7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0",
                "kind": "video",
                "mime": "video/mp4",
                "size": 9912345,
                "sha256": "1a3c5e7f9b2d4f6a8c0e2b4d6f8a1c3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5f",
                "url": "https://lianbao.example/api/v1/agency-media/7d9a1e52-6c3b-4f08-b2d4-e5a6f7c8d9e0?expires=1781910000&token=YmFyYmF6",
            },
        ],
        "notes": ["已通知城南派出所民警前往，现场雨大，注意路滑。"],
    }
    case.update(changes)
    return case


def relay_to_120(**changes) -> dict:
    relay = {
        "id": "c3d4e5f6-a7b8-4c9d-8e0f-112233445566",
        "agency": {"id": 3, "name": "丽水市120急救指挥中心", "type": "medical"},
        "note": "老人头部外伤，请派救护车到解放街路口，民警已在途。",
        "created_at": "2026-06-18T22:43:30.004Z",
        "sender": {
            "name": "丽水市公安局情指联动中心",
            "uri": "https://lianbao.example/",
        },
    }
    relay.update(changes)
    return relay


@cache
def eido_validator() -> jsonschema.Draft7Validator:
    """The NENA schema loaded the way ../shared/standards/eido/validate.py loads it."""

    def fix(node):
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if key in (
                    "minItems",
                    "maxItems",
                    "minLength",
                    "maxLength",
                ) and isinstance(value, str):
                    node[key] = int(value.strip(", "))
                else:
                    fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    spec = yaml.safe_load((STANDARDS / "eido" / "openapi.yaml").read_text())
    fix(spec)
    schema = {
        "$ref": "#/components/schemas/EmergencyIncidentDataObjectType",
        "components": spec["components"],
    }
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


@cache
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(STANDARDS / "cap" / "CAP-v1.2-schema.xsd")))


def assert_valid_eido(document: dict) -> None:
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in eido_validator().iter_errors(document)]
    assert errors == []


def assert_valid_cap(body: bytes) -> etree._Element:
    root = etree.fromstring(body)
    cap_schema().assertValid(root)
    return root


def all_refs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in all_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in all_refs(value)]
    return []


def all_ids(document: dict) -> set[str]:
    ids = {document["$id"]}
    for value in document.values():
        items = value if isinstance(value, list) else [value]
        ids |= {item["$id"] for item in items if isinstance(item, dict) and "$id" in item}
    return ids


# --- EIDO -------------------------------------------------------------------------------------------


def test_eido_for_a_fall_in_heavy_rain_validates_against_the_nena_schema():
    assert_valid_eido(build_eido(fall_in_heavy_rain(), relay_to_120()))


def test_eido_references_all_resolve_to_components_in_the_same_document():
    document = build_eido(fall_in_heavy_rain(), relay_to_120())
    assert set(all_refs(document)) - all_ids(document) == set()


def test_eido_incident_carries_type_status_station_and_case_id():
    incident = build_eido(fall_in_heavy_rain(), relay_to_120())["incidentComponent"]
    assert incident["internalIncidentId"] == "5f0c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f"
    assert incident["incidentTypeInternalCode"] == "alarm.medical"
    assert incident["incidentTypeInternalText"] == "急病受伤"
    assert incident["incidentStatusInternalText"] == ["acknowledged"]
    assert "云和县公安局城南派出所" in incident["beatOrDispatchGroupText"]


def test_eido_location_is_a_pidf_lo_circle_at_the_reported_fix():
    document = build_eido(fall_in_heavy_rain(), relay_to_120())
    (location,) = document["locationComponent"]
    assert location["locationDescriptionText"] == "云和县浮云街道解放街与中山路口"
    pidf = etree.fromstring(location["locationByValue"].encode())
    ns = {
        "gml": "http://www.opengis.net/gml",
        "gs": "http://www.opengis.net/pidflo/1.0",
    }
    lat, lon = map(float, pidf.findtext(".//gs:Circle/gml:pos", namespaces=ns).split())
    assert (lat, lon) == pytest.approx((28.1163, 119.5726))
    assert float(pidf.findtext(".//gs:Circle/gs:radius", namespaces=ns)) == 18.0
    assert pidf.findtext(".//{urn:ietf:params:xml:ns:pidf:geopriv10}method") == "GPS"


def test_eido_media_components_give_each_shared_file_its_uri_and_content_type():
    case = fall_in_heavy_rain()
    media = build_eido(case, relay_to_120())["mediaComponent"]
    assert [(m["uri"], m["contentType"]) for m in media] == [(m["url"], m["mime"]) for m in case["media"]]
    assert case["media"][0]["sha256"] in media[0]["label"]


def test_eido_reporter_is_a_caller_reachable_by_a_tel_uri():
    document = build_eido(fall_in_heavy_rain(), relay_to_120())
    (person,) = document["personComponent"]
    assert person["personIncidentRoleRegistryText"] == ["Caller"]
    (callback,) = document["callbackComponent"]
    assert callback["callBackInformationUri"] == ["tel:+8613957801234"]
    assert "叶美华" in document["additionalDataComponent"][0]["additionalDataByValue"]


def test_eido_notes_escape_markup_from_free_text():
    case = fall_in_heavy_rain(description='<img src=x onerror="alert(1)"> 老人 & 狗')
    document = build_eido(case, relay_to_120())
    assert_valid_eido(document)
    texts = [n["notesActionComments"] for n in document["notesComponent"]]
    assert any("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; 老人 &amp; 狗" in t for t in texts)
    assert not any("<img" in t for t in texts)


def test_eido_for_a_villager_filed_by_an_assistant_without_location_or_media_still_validates():
    case = fall_in_heavy_rain(
        kind="hazard",
        category="hazard",
        category_label="安全隐患",
        location=None,
        media=[],
        notes=[],
        reporter={"name": "吴建平", "phone": "0578-5123456"},
        on_behalf_of={
            "name": "石浦村 毛阿婆",
            "phone": None,
            "village": "石浦村",
            "consent": "verbal",
        },
    )
    document = build_eido(case, relay_to_120(note=None))
    assert_valid_eido(document)
    assert "locationComponent" not in document and "mediaComponent" not in document
    assert len(document["personComponent"]) == 2
    assert document["callbackComponent"][0]["callBackInformationUri"] == ["tel:05785123456;phone-context=+86"]


# --- CAP --------------------------------------------------------------------------------------------


def test_cap_alert_validates_against_the_oasis_xsd():
    assert_valid_cap(build_cap(fall_in_heavy_rain(), relay_to_120()))


def test_cap_alert_is_a_restricted_actual_alert_identified_by_the_relay():
    root = assert_valid_cap(build_cap(fall_in_heavy_rain(), relay_to_120()))

    def text(path: str) -> str | None:
        return root.findtext(path, namespaces=CAP_NS)

    assert text("cap:identifier") == "c3d4e5f6-a7b8-4c9d-8e0f-112233445566"
    assert text("cap:sent") == "2026-06-18T22:43:30-00:00"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", text("cap:sent"))
    assert (text("cap:status"), text("cap:msgType"), text("cap:scope")) == (
        "Actual",
        "Alert",
        "Restricted",
    )
    assert "丽水市120急救指挥中心" in text("cap:restriction")
    assert text("cap:info/cap:category") == "Health"
    assert text("cap:info/cap:event") == "急病受伤"
    assert text("cap:info/cap:urgency") == "Immediate"
    assert text("cap:info/cap:senderName") == "丽水市公安局情指联动中心"


def test_cap_area_is_a_circle_of_the_fix_accuracy_in_kilometres():
    root = assert_valid_cap(build_cap(fall_in_heavy_rain(), relay_to_120()))
    assert root.findtext("cap:info/cap:area/cap:areaDesc", namespaces=CAP_NS) == "云和县浮云街道解放街与中山路口"
    assert root.findtext("cap:info/cap:area/cap:circle", namespaces=CAP_NS) == "28.116300,119.572600 0.018"


def test_cap_resources_list_each_shared_file_with_mime_type_size_and_link():
    case = fall_in_heavy_rain()
    root = assert_valid_cap(build_cap(case, relay_to_120()))
    resources = root.findall("cap:info/cap:resource", namespaces=CAP_NS)
    got = [
        (
            r.findtext("cap:mimeType", namespaces=CAP_NS),
            r.findtext("cap:size", namespaces=CAP_NS),
            r.findtext("cap:uri", namespaces=CAP_NS),
        )
        for r in resources
    ]
    assert got == [(m["mime"], str(m["size"]), m["url"]) for m in case["media"]]
    # CAP's digest is SHA-1, which we do not have; a SHA-256 in it would mislead a checker.
    assert root.find("cap:info/cap:resource/cap:digest", namespaces=CAP_NS) is None


def test_cap_survives_markup_and_control_characters_in_free_text():
    case = fall_in_heavy_rain(description="</description><evil/> 老人 & 狗\x00\x0b", notes=[])
    root = assert_valid_cap(build_cap(case, relay_to_120(note="<b>急</b>")))
    assert root.findtext("cap:info/cap:description", namespaces=CAP_NS) == "</description><evil/> 老人 & 狗"
    assert root.findtext("cap:note", namespaces=CAP_NS) == "<b>急</b>"


def test_cap_for_a_tip_without_location_or_media_still_validates():
    case = fall_in_heavy_rain(
        kind="tip",
        category="street_racing_noise",
        category_label="飙车扰民",
        location=None,
        media=[],
    )
    root = assert_valid_cap(build_cap(case, relay_to_120(note=None)))
    assert root.find("cap:info/cap:area", namespaces=CAP_NS) is None
    assert root.findtext("cap:info/cap:urgency", namespaces=CAP_NS) == "Future"


# --- plain JSON and render ------------------------------------------------------------------------


def test_json_delivery_carries_relay_id_case_note_and_sent_at():
    case, relay = fall_in_heavy_rain(), relay_to_120()
    document = build_json(case, relay)
    assert document["relay_id"] == relay["id"]
    assert document["sent_at"] == relay["created_at"]
    assert document["note"] == relay["note"]
    assert document["case"] == case
    assert document["case"] is not case


@pytest.mark.parametrize(
    ("format", "content_type"),
    [
        ("eido", "application/json"),
        ("cap", "application/cap+xml"),
        ("json", "application/json"),
    ],
)
def test_render_gives_utf8_body_and_content_type(format, content_type):
    body, got_type = render(format, fall_in_heavy_rain(), relay_to_120())
    assert got_type == content_type
    assert isinstance(body, bytes)
    assert "丽水市公安局情指联动中心" in body.decode("utf-8")
    if format == "eido":
        assert_valid_eido(json.loads(body))
    elif format == "cap":
        assert_valid_cap(body)


def test_render_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        render("pdf", fall_in_heavy_rain(), relay_to_120())


@pytest.mark.parametrize("format", ["eido", "cap", "json"])
def test_reporter_name_and_phone_appear_nowhere_when_identity_is_not_shared(format):
    case = fall_in_heavy_rain(reporter=None, on_behalf_of=None)
    body, _ = render(format, case, relay_to_120())
    text = body.decode("utf-8")
    for secret in ("叶美华", "13957801234", "3957801234", "139-5780-1234"):
        assert secret not in text
    if format == "eido":
        document = json.loads(body)
        assert_valid_eido(document)
        assert "personComponent" not in document and "callbackComponent" not in document
    elif format == "cap":
        assert_valid_cap(body)


@pytest.mark.parametrize("format", ["eido", "cap", "json"])
def test_reporter_name_and_phone_are_delivered_when_identity_is_shared(format):
    text = render(format, fall_in_heavy_rain(), relay_to_120())[0].decode("utf-8")
    assert "叶美华" in text and "13957801234" in text


def test_builders_do_not_change_their_inputs():
    case, relay = fall_in_heavy_rain(), relay_to_120()
    before = copy.deepcopy((case, relay))
    for format in ("eido", "cap", "json"):
        render(format, case, relay)
    assert (case, relay) == before


# --- signatures ---------------------------------------------------------------------------------------

SECRET = "whsec-3f9a1c0e7b"
NOW = 1_781_900_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    body = b'{"relay_id":"x"}'
    expected = hmac.new(SECRET.encode(), b"1781900000." + body, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, "1781900000", body) == f"sha256={expected}"


def test_delivery_headers_verify_with_the_agency_secret():
    body, _ = render("eido", fall_in_heavy_rain(), relay_to_120())
    headers = signing.delivery_headers("c3d4e5f6-a7b8-4c9d-8e0f-112233445566", SECRET, body, now=NOW)
    assert headers["X-Lianbao-Relay-Id"] == "c3d4e5f6-a7b8-4c9d-8e0f-112233445566"
    assert headers["X-Lianbao-Timestamp"] == str(NOW)
    assert signing.verify(
        SECRET,
        headers["X-Lianbao-Timestamp"],
        body,
        headers["X-Lianbao-Signature"],
        now=NOW + 5,
    )


def test_a_tampered_body_fails_verification():
    body = render("json", fall_in_heavy_rain(), relay_to_120())[0]
    headers = signing.delivery_headers("r1", SECRET, body, now=NOW)
    tampered = body.replace("头部流血".encode(), "轻微擦伤".encode())
    assert tampered != body
    assert not signing.verify(SECRET, str(NOW), tampered, headers["X-Lianbao-Signature"], now=NOW)


def test_a_wrong_secret_or_missing_signature_fails_verification():
    signature = signing.sign(SECRET, str(NOW), b"body")
    assert not signing.verify("other-secret", str(NOW), b"body", signature, now=NOW)
    assert not signing.verify(SECRET, str(NOW), b"body", None, now=NOW)
    assert not signing.verify(SECRET, str(NOW), b"body", "", now=NOW)


def test_a_replayed_old_timestamp_fails_verification():
    signature = signing.sign(SECRET, str(NOW), b"body")
    assert signing.verify(SECRET, str(NOW), b"body", signature, now=NOW + 300)
    assert not signing.verify(SECRET, str(NOW), b"body", signature, now=NOW + 301)


def test_a_timestamp_too_far_in_the_future_fails_verification():
    signature = signing.sign(SECRET, str(NOW + 301), b"body")
    assert not signing.verify(SECRET, str(NOW + 301), b"body", signature, now=NOW)


@pytest.mark.parametrize("timestamp", ["", "abc", f" {NOW}", f"+{NOW}", f"{NOW}.5", "١٧٨١٩٠٠٠٠٠"])
def test_a_malformed_timestamp_fails_verification(timestamp):
    signature = signing.sign(SECRET, timestamp, b"body")
    assert not signing.verify(SECRET, timestamp, b"body", signature, now=NOW)


def test_media_token_verifies_until_it_expires():
    token = signing.sign_media_url("app-secret-key", "0b6e7c3a", NOW + 600)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert signing.verify_media_token("app-secret-key", "0b6e7c3a", NOW + 600, token, now=NOW)
    assert signing.verify_media_token("app-secret-key", "0b6e7c3a", str(NOW + 600), token, now=NOW + 600)
    assert not signing.verify_media_token("app-secret-key", "0b6e7c3a", NOW + 600, token, now=NOW + 601)


def test_media_token_is_bound_to_its_media_expiry_and_key():
    token = signing.sign_media_url("app-secret-key", "0b6e7c3a", NOW + 600)
    assert not signing.verify_media_token("app-secret-key", "7d9a1e52", NOW + 600, token, now=NOW)
    assert not signing.verify_media_token("app-secret-key", "0b6e7c3a", NOW + 6000, token, now=NOW)
    assert not signing.verify_media_token("another-key", "0b6e7c3a", NOW + 600, token, now=NOW)
    assert not signing.verify_media_token("app-secret-key", "0b6e7c3a", "soon", token, now=NOW)
    assert not signing.verify_media_token("app-secret-key", "0b6e7c3a", NOW + 600, None, now=NOW)


def test_eido_timestamps_are_rfc3339_utc():
    document = build_eido(fall_in_heavy_rain(), relay_to_120())
    stamps = [
        value
        for component in [
            document,
            document["incidentComponent"],
            *document["callComponent"],
        ]
        + document["locationComponent"]
        + document["mediaComponent"]
        for key, value in component.items()
        if key in ("lastUpdateTimeStamp", "callStartTimestamp")
    ]
    assert "2026-06-18T22:41:07.512Z" in stamps and "2026-06-18T22:40:55Z" in stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", stamp)
