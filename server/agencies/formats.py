"""What an agency receives for a relayed case, in the format it asked for: EIDO, CAP 1.2 or plain JSON.

Every builder is a pure function of two plain dicts, already cut down to what the relay shares:

``case``: ``{"id", "kind", "category", "category_label", "description", "status", "created_at",
"location": {"lat", "lon", "accuracy_m", "fixed_at", "source", "landmark"} | None, "station": {"code",
"name"}, "reporter": {"name", "phone"} | None, "on_behalf_of": {...} | None, "media": [{"media_id",
"kind", "mime", "size", "sha256", "url"}], "notes": [str]}``. ``reporter`` and ``on_behalf_of`` are
None when identity is not shared, ``media`` is empty when media is not; the builders print what they
are given and nothing else, so the filtering decides what leaves the building.

``relay``: ``{"id", "agency": {"id", "name", "type"}, "note", "created_at", "sender": {"name", "uri"}}``.
"""

from __future__ import annotations

import copy
import json

from server.agencies.cap import build_cap
from server.agencies.eido import build_eido

__all__ = ["CONTENT_TYPES", "build_cap", "build_eido", "build_json", "render"]

CONTENT_TYPES = {
    "eido": "application/json",
    "cap": "application/cap+xml",
    "json": "application/json",
}


def build_json(case: dict, relay: dict) -> dict:
    """The plain-JSON delivery, for agencies without an EIDO or CAP system.

    Shape (version 1; fields are only ever added)::

        {
          "relay_id": "<uuid>",         # the same on every retry: deduplicate on it
          "sent_at": "<ISO-8601 UTC>",  # when the relay was made
          "note": "<text>" | null,      # the dispatcher's note to this agency
          "sender": {"name", "uri"},    # the command centre that relayed
          "agency": {"id", "name", "type"},  # whom it is for
          "case": {...}                 # the case dict above, exactly as shared
        }

    Media ``url`` values are signed links that expire; fetch the media promptly.
    """
    return {
        "relay_id": relay["id"],
        "sent_at": relay["created_at"],
        "note": relay.get("note"),
        "sender": dict(relay["sender"]),
        "agency": dict(relay["agency"]),
        "case": copy.deepcopy(case),
    }


def render(format: str, case: dict, relay: dict) -> tuple[bytes, str]:
    """The body bytes and Content-Type for a delivery in format ``eido``, ``cap`` or ``json``."""
    if format == "cap":
        return build_cap(case, relay), CONTENT_TYPES["cap"]
    if format == "eido":
        document = build_eido(case, relay)
    elif format == "json":
        document = build_json(case, relay)
    else:
        raise ValueError(f"unknown agency format {format!r}")
    # UTF-8 as is: Chinese stays readable in agency logs instead of turning into \\u escapes.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), CONTENT_TYPES[format]
