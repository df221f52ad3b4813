"""A relayed case as an OASIS Common Alerting Protocol 1.2 alert, restricted to the receiving agency."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from lxml import etree

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"

# CAP's fixed category list; the case's own category travels beside it as an eventCode.
CATEGORIES = {
    "violence": "Security",
    "domestic_violence": "Security",
    "theft": "Security",
    "fraud": "Security",
    "traffic": "Transport",
    "street_racing_noise": "Security",
    "fire": "Fire",
    "medical": "Health",
    "animal_attack": "Safety",
    "missing_person": "Rescue",
    "dispute": "Security",
    "hazard": "Safety",
    "consumer": "Other",
    "other": "Other",
}

SEVERITIES = {
    "violence": "Severe",
    "domestic_violence": "Severe",
    "fire": "Severe",
    "medical": "Severe",
    "missing_person": "Severe",
    "traffic": "Moderate",
    "animal_attack": "Moderate",
    "hazard": "Moderate",
    "theft": "Moderate",
    "fraud": "Moderate",
    "street_racing_noise": "Minor",
    "dispute": "Minor",
    "consumer": "Minor",
}

# An alarm asks for action now; a hazard soon; tips, mediations and feedback are for follow-up.
URGENCIES = {"alarm": "Immediate", "hazard": "Expected"}

MEDIA_LABELS = {"photo": "现场照片", "audio": "现场录音", "video": "现场视频"}

# Characters XML 1.0 cannot carry at all; a stray one in a citizen's text must not sink the relay.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def build_cap(case: dict, relay: dict) -> bytes:
    """The CAP 1.2 <alert> (UTF-8 XML bytes) for one relay of a case, carrying only the shared fields."""
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    sender = relay["sender"]
    agency = relay["agency"]
    # The relay id is the message id, so a retried delivery is recognisably the same message.
    _add(alert, "identifier", relay["id"])
    _add(alert, "sender", sender["uri"])
    _add(alert, "sent", cap_time(relay["created_at"]))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", "Alert")
    _add(alert, "source", sender["name"])
    _add(alert, "scope", "Restricted")
    _add(alert, "restriction", f"仅限{agency['name']}处置本警情使用，不得公开或转发。")
    if relay.get("note"):
        _add(alert, "note", relay["note"])
    _add(alert, "incidents", case["id"])

    info = _add(alert, "info")
    _add(info, "language", "zh-CN")
    _add(info, "category", CATEGORIES.get(case["category"], "Other"))
    _add(info, "event", case.get("category_label") or case["category"])
    _add(info, "urgency", URGENCIES.get(case["kind"], "Future"))
    _add(info, "severity", SEVERITIES.get(case["category"], "Unknown"))
    # Citizens' reports are unconfirmed until officers are on scene.
    _add(info, "certainty", "Likely" if case["kind"] == "alarm" else "Possible")
    _value_pair(info, "eventCode", "lianbao:category", case["category"])
    _value_pair(info, "eventCode", "lianbao:kind", case["kind"])
    _add(info, "effective", cap_time(case["created_at"]))
    _add(info, "senderName", sender["name"])
    station = case.get("station") or {}
    headline = case.get("category_label") or case["category"]
    if station.get("name"):
        headline = f"{headline}（{station['name']}）"
    _add(info, "headline", headline)
    _add(info, "description", _description(case))
    if station.get("name"):
        _add(info, "contact", station["name"])

    for name, value in _parameters(case):
        _value_pair(info, "parameter", name, value)
    for item in case.get("media") or []:
        resource = _add(info, "resource")
        _add(
            resource,
            "resourceDesc",
            f"{MEDIA_LABELS.get(item['kind'], item['kind'])} {item['media_id']}",
        )
        _add(resource, "mimeType", item["mime"])
        if item.get("size") is not None:
            _add(resource, "size", str(int(item["size"])))
        _add(resource, "uri", item["url"])
        # CAP's <digest> is SHA-1; we hold only SHA-256, which goes into the parameters instead.
    location = case.get("location")
    if location:
        area = _add(info, "area")
        _add(
            area,
            "areaDesc",
            location.get("landmark") or f"{location['lat']},{location['lon']}",
        )
        _add(area, "circle", cap_circle(location))
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8")


def cap_time(value: str | datetime) -> str:
    """A CAP dateTime: whole seconds and a numeric offset, UTC written "-00:00" as CAP 1.2 §3.3.2 asks."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def cap_circle(location: dict) -> str:
    """ "lat,lon radius_km" from the fix and its accuracy (radius 0 when the accuracy is unknown)."""
    radius_km = float(location.get("accuracy_m") or 0) / 1000
    return f"{float(location['lat']):.6f},{float(location['lon']):.6f} {radius_km:.3f}"


def _description(case: dict) -> str:
    parts = [case.get("description") or ""]
    parts += [f"处警备注：{note}" for note in case.get("notes") or []]
    return "\n".join(p for p in parts if p)


def _parameters(case: dict) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [("lianbao:status", case["status"])]
    station = case.get("station") or {}
    if station.get("code"):
        out.append(("lianbao:station", station["code"]))
    location = case.get("location") or {}
    for key in ("accuracy_m", "fixed_at", "source"):
        if location.get(key) is not None:
            out.append((f"lianbao:location_{key}", str(location[key])))
    for prefix, person in (
        ("reporter", case.get("reporter")),
        ("on_behalf_of", case.get("on_behalf_of")),
    ):
        for key in ("name", "phone", "village", "consent"):
            if person and person.get(key):
                out.append((f"lianbao:{prefix}_{key}", str(person[key])))
    for item in case.get("media") or []:
        if item.get("sha256"):
            out.append((f"lianbao:sha256:{item['media_id']}", item["sha256"]))
    return out


def _add(parent: Any, name: str, text: str | None = None) -> Any:
    node = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        node.text = _NOT_XML.sub("", text)
    return node


def _value_pair(parent: Any, name: str, value_name: str, value: str) -> None:
    pair = _add(parent, name)
    _add(pair, "valueName", value_name)
    _add(pair, "value", value)
