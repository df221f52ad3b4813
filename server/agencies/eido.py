"""A relayed case as a NENA-STA-021 Emergency Incident Data Object (EIDO, JSON form, version 1.0)."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

# APCO ANS 2.103.1 common incident type codes, the shared vocabulary that CAD systems exchange; our
# own category travels beside it in incidentTypeInternalCode so nothing is lost in the mapping.
INCIDENT_TYPES = {
    "violence": "ASSAULT",
    "domestic_violence": "DVA",
    "theft": "LARCENY",
    "fraud": "FRAUD",
    "traffic": "MVA",
    "street_racing_noise": "RECKDRV",
    "fire": "FUNK",
    "medical": "SICK",
    "animal_attack": "BITE",
    "missing_person": "PERMISS",
    "dispute": "CIVIL",
    "hazard": "ENVIRO",
    "consumer": "CIVIL",
    "other": "TROUBLE",
}

# Values of the IANA urn:emergency:service:responder registry (without the prefix) where one fits;
# consumer protection and civil affairs have no entry there.
AGENCY_TYPES = {
    "medical": "ems",
    "rescue": "mountain_rescue",
    "fire": "fire",
    "traffic": "police",
    "consumer": "other",
    "civil_affairs": "other",
    "other": "other",
}

# PIDF-LO <method> tokens (IANA Method Tokens). A last-known fix has no honest method: left out.
LOCATION_METHODS = {"gps": "GPS", "network": "Cell", "manual": "Manual"}

MEDIA_LABELS = {"photo": "照片", "audio": "录音", "video": "视频"}

# Characters XML 1.0 cannot carry at all; a stray one in a citizen's text must not sink the relay.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

NS = {
    "pidf": "urn:ietf:params:xml:ns:pidf",
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
    "gml": "http://www.opengis.net/gml",
    "gs": "http://www.opengis.net/pidflo/1.0",
    "sub": "urn:ietf:params:xml:ns:EmergencyCallData:SubscriberInfo",
    "vc": "urn:ietf:params:xml:ns:vcard-4.0",
}


def build_eido(case: dict, relay: dict) -> dict:
    """The EIDO document an agency receives for one relay of a case (only the shared fields)."""
    host = urlsplit(relay["sender"]["uri"]).hostname or "lianbao.invalid"
    ids = _Ids(case["id"], host)
    sender_ref = {"$ref": host}
    agency_id = f"{relay['agency']['id']}.agency.{host}"
    stamp = rfc3339(relay["created_at"])

    def prologue(component_id: str, when: str = stamp) -> dict[str, Any]:
        return {
            "$id": component_id,
            "lastUpdateTimeStamp": when,
            "updatedByAgencyReference": sender_ref,
        }

    doc: dict[str, Any] = {
        **prologue(ids.incident),
        "eidoVersion": "1.0",
        "issuingElementIdentification": f"relay.{host}",
    }

    notes = _notes(case, relay)
    note_components = [{**prologue(ids.make(f"note/{key}")), "notesActionComments": text} for key, text in notes]
    note_refs = {key: {"$ref": ids.make(f"note/{key}")} for key, _ in notes}

    locations, location_refs = [], []
    if case.get("location"):
        loc = case["location"]
        component = {
            **prologue(ids.make("location"), rfc3339(loc.get("fixed_at") or case["created_at"])),
            "locationTypeDescriptionRegistryText": "Caller",
            "locationByValue": pidf_lo(loc, entity=f"pres:{case['id']}@{host}"),
        }
        if loc.get("landmark"):
            component["locationDescriptionText"] = loc["landmark"]
        locations.append(component)
        location_refs.append({"$ref": component["$id"]})

    persons, callbacks, extra = _people(case, ids, prologue, location_refs)
    person_refs = [{"$ref": p["$id"]} for p in persons]

    media = [
        {
            **prologue(f"urn:uuid:{item['media_id']}", rfc3339(case["created_at"])),
            "uri": item["url"],
            "contentType": item["mime"],
            "label": media_label(item),
        }
        for item in case.get("media") or []
    ]

    incident: dict[str, Any] = {
        **prologue(ids.make("incident")),
        "incidentTypeCommonRegistryText": INCIDENT_TYPES.get(case["category"], "TROUBLE"),
        "incidentTypeInternalCode": f"{case['kind']}.{case['category']}",
        "incidentTypeInternalText": case.get("category_label") or case["category"],
        "incidentStatusInternalText": [case["status"]],
        "internalIncidentId": case["id"],
    }
    if case.get("station"):
        incident["beatOrDispatchGroupText"] = f"{case['station']['name']}（{case['station']['code']}）"
    for field, refs in (
        ("locationReference", location_refs),
        ("personReference", person_refs),
        ("notesReference", [note_refs[k] for k, _ in notes if k != "relay"]),
        ("mediaReferences", [{"$ref": m["$id"]} for m in media]),
    ):
        if refs:
            incident[field] = refs

    call: dict[str, Any] = {
        **prologue(ids.call, rfc3339(case["created_at"])),
        # The online report is this platform's incoming "call": it starts when the report was made.
        "standardPrimaryCallType": "emergency" if case["kind"] == "alarm" else "nonEmergency",
        "localCallType": case["kind"],
        "direction": "incoming",
        "callStateRegistryText": "callEnd",
        "callStartTimestamp": rfc3339(case["created_at"]),
    }
    if location_refs:
        call["locationReference"] = location_refs
    if person_refs:
        call["personReference"] = person_refs
    if (case.get("reporter") or {}).get("phone"):
        call["callBackReference"] = {"$ref": ids.make("callback/reporter")}

    dispatch: dict[str, Any] = {
        **prologue(ids.make("dispatch")),
        "agencyReference": {"$ref": agency_id},
    }
    if "relay" in note_refs:
        dispatch["notesReference"] = [note_refs["relay"]]

    doc["incidentComponent"] = incident
    doc["callComponent"] = [call]
    doc["dispatchComponent"] = [dispatch]
    doc["agencyComponent"] = [
        {
            **prologue(host),
            "agencyJcard": jcard(relay["sender"]["name"], relay["sender"]["uri"]),
            "agencyRoleDescriptionRegistryText": ["CallReceiving"],
            "agencyType": ["psap", "police"],
            "incidentOwningAgencyIndicator": True,
        },
        {
            **prologue(agency_id),
            "agencyJcard": jcard(relay["agency"]["name"]),
            "agencyRoleDescriptionRegistryText": ["Responding"],
            "agencyType": [AGENCY_TYPES.get(relay["agency"].get("type", "other"), "other")],
            "incidentOwningAgencyIndicator": False,
        },
    ]
    for field, items in (
        ("notesComponent", note_components),
        ("locationComponent", locations),
        ("personComponent", persons),
        ("callbackComponent", callbacks),
        ("additionalDataComponent", extra),
        ("mediaComponent", media),
    ):
        if items:
            doc[field] = items
    doc["@context"] = {"@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"}
    return doc


class _Ids:
    """Component ids derived from the case id, so every relay of one case names its parts alike."""

    def __init__(self, case_id: str, host: str) -> None:
        self.case_id = case_id
        self.incident = f"urn:emergency:uid:incidentid:{case_id}:{host}"
        self.call = f"urn:emergency:uid:callid:{case_id}:{host}"

    def make(self, part: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:lianbao:case:{self.case_id}/{part}')}"


def _people(case: dict, ids: _Ids, prologue: Callable[[str], dict], location_refs: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Person, callback and additional-data components for the reporter and whoever they filed for."""
    persons, callbacks, extra = [], [], []
    for role, key in (("Caller", "reporter"), ("Other", "on_behalf_of")):
        person = case.get(key)
        if not person:
            continue
        component = {
            **prologue(ids.make(f"person/{key}")),
            "personIncidentRoleRegistryText": [role],
            "callIdentifier": [ids.call],
            "additionalDataReference": [{"$ref": ids.make(f"subscriber/{key}")}],
        }
        if key == "reporter" and location_refs:
            # The fix is the reporting phone's; a villager filed for may be somewhere else entirely.
            component["locationReference"] = location_refs
        # Names travel as RFC 7852 subscriber data: the schema's NIEM person type lives in a file
        # outside the EIDO schema, so a receiver could not validate it.
        extra.append(
            {
                **prologue(ids.make(f"subscriber/{key}")),
                "additionalDataByValue": subscriber_info(person, ids.make(f"subscriber/{key}")),
            }
        )
        if person.get("phone"):
            callbacks.append(
                {
                    **prologue(ids.make(f"callback/{key}")),
                    "callBackInformationUri": [tel_uri(person["phone"])],
                }
            )
            component["callBackReference"] = {"$ref": ids.make(f"callback/{key}")}
        persons.append(component)
    return persons, callbacks, extra


def _notes(case: dict, relay: dict) -> list[tuple[str, str]]:
    # notesActionComments is HTML5, so every text is escaped before it is wrapped.
    out = [("description", f"<p>报警内容：{_html(case.get('description') or '')}</p>")]
    if relay.get("note"):
        out.append(("relay", f"<p>转警说明：{_html(relay['note'])}</p>"))
    for index, note in enumerate(case.get("notes") or []):
        out.append((f"case-{index}", f"<p>处警备注：{_html(note)}</p>"))
    return out


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def rfc3339(value: str | datetime) -> str:
    """An ISO-8601 instant as RFC 3339 UTC with a Z (naive input is UTC by the project's rule)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    timespec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def tel_uri(phone: str) -> str:
    """A tel: URI for a phone number as people type it in China (mainland mobiles get +86)."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("+"):
        return f"tel:{digits}"
    if re.fullmatch(r"1\d{10}", digits):
        return f"tel:+86{digits}"
    # A local number is only meaningful with its context (RFC 3966).
    return f"tel:{digits or '0'};phone-context=+86"


def media_label(item: dict) -> str:
    """A short human label that also carries the evidence hash so the agency can check the bytes."""
    kind = MEDIA_LABELS.get(item.get("kind", ""), item.get("kind", ""))
    size = item.get("size")
    size_text = f" · {size} 字节" if size is not None else ""
    digest = f" · sha256={item['sha256']}" if item.get("sha256") else ""
    return f"{kind} {item['media_id']}{size_text}{digest}"


def jcard(name: str, url: str | None = None) -> str:
    """An RFC 7095 jCard naming an organisation, as the agencyJcard string wants."""
    props: list[list[Any]] = [
        ["version", {}, "text", "4.0"],
        ["kind", {}, "text", "org"],
        ["fn", {}, "text", name],
    ]
    if url:
        props.append(["url", {}, "uri", url])
    return json.dumps(["vcard", props], ensure_ascii=False)


def _el(parent: Any, ns: str, name: str, text: str | None = None, **attrs: str) -> Any:
    node = etree.SubElement(parent, f"{{{NS[ns]}}}{name}", attrs)
    if text is not None:
        node.text = _NOT_XML.sub("", text)
    return node


def pidf_lo(loc: dict, entity: str) -> str:
    """A PIDF-LO (RFC 4119/5491) document: a circle of the fix's accuracy, or a point when unknown."""
    nsmap = {None: NS["pidf"], **{k: NS[k] for k in ("gp", "dm", "gml", "gs")}}
    presence = etree.Element(f"{{{NS['pidf']}}}presence", {"entity": entity}, nsmap=nsmap)
    device = _el(presence, "dm", "device", id="reporter-device")
    geopriv = _el(device, "gp", "geopriv")
    info = _el(geopriv, "gp", "location-info")
    pos = f"{float(loc['lat']):.7f} {float(loc['lon']):.7f}"
    crs = "urn:ogc:def:crs:EPSG::4326"
    if loc.get("accuracy_m") is not None:
        circle = _el(info, "gs", "Circle", srsName=crs)
        _el(circle, "gml", "pos", pos)
        _el(
            circle,
            "gs",
            "radius",
            f"{float(loc['accuracy_m']):g}",
            uom="urn:ogc:def:uom:EPSG::9001",
        )
    else:
        _el(_el(info, "gml", "Point", srsName=crs), "gml", "pos", pos)
    _el(geopriv, "gp", "usage-rules")
    method = LOCATION_METHODS.get(loc.get("source") or "")
    if method:
        _el(geopriv, "gp", "method", method)
    if loc.get("fixed_at"):
        _el(device, "dm", "timestamp", rfc3339(loc["fixed_at"]))
    return etree.tostring(presence, encoding="unicode")


def subscriber_info(person: dict, reference: str) -> str:
    """An RFC 7852 SubscriberInfo block whose xCard (RFC 6351) carries the person's name and phone."""
    root = etree.Element(
        f"{{{NS['sub']}}}EmergencyCallData.SubscriberInfo",
        {"privacyRequested": "false"},
        nsmap={"sub": NS["sub"]},
    )
    _el(root, "sub", "DataProviderReference", reference)
    data = _el(root, "sub", "SubscriberData")
    vcard = etree.SubElement(data, f"{{{NS['vc']}}}vcard", nsmap={None: NS["vc"]})
    _el(_el(vcard, "vc", "fn"), "vc", "text", person.get("name") or "")
    if person.get("phone"):
        _el(_el(vcard, "vc", "tel"), "vc", "uri", tel_uri(person["phone"]))
    if person.get("village"):
        adr = _el(vcard, "vc", "adr")
        for part in ("pobox", "ext", "street", "locality", "region", "code", "country"):
            _el(adr, "vc", part, person["village"] if part == "locality" else "")
    if person.get("consent"):
        _el(
            _el(vcard, "vc", "note"),
            "vc",
            "text",
            f"代为报警，本人同意方式：{person['consent']}",
        )
    return etree.tostring(root, encoding="unicode")
