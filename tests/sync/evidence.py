"""Evidence files and tus request helpers shared by the sync and media tests."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import uuid

from tests.helpers import bearer, op, report_payload

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def jpeg_bytes(width: int = 640, height: int = 480, noise: int = 0) -> bytes:
    """A real JPEG (noise makes it big and incompressible, like a phone photo)."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 60, 40))
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def mp4_bytes(size: int) -> bytes:
    """Bytes that start like an MP4 (ftyp isom) followed by noise."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return head + os.urandom(size - len(head))


def declaration(data: bytes, kind: str = "photo", mime: str = "image/jpeg", variant: str = "original") -> dict:
    return {
        "media_id": str(uuid.uuid4()),
        "kind": kind,
        "mime": mime,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "variant": variant,
    }


def report_with_media(api, token: str, *items: dict) -> str:
    payload = report_payload(media=list(items))
    result = api.push(token, op("report.create", payload))[0]
    assert result["status"] == "applied", result
    return payload["report_id"]


def metadata(item: dict, report_id: str, **extra: str) -> str:
    values = {
        "media_id": item["media_id"],
        "report_id": report_id,
        "sha256": item["sha256"],
        "kind": item["kind"],
        "mime": item["mime"],
        **extra,
    }
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def tus_headers(token: str, **headers: str) -> dict:
    return {**TUS, **bearer(token), **headers}


def create_upload(client, token: str, item: dict, report_id: str, length: int | None = None):
    return client.post(
        "/api/v1/uploads",
        headers=tus_headers(
            token, **{"Upload-Length": str(item["size"] if length is None else length), "Upload-Metadata": metadata(item, report_id)}
        ),
    )


def patch(client, token: str, location: str, offset: int, body: bytes, **headers: str):
    return client.patch(
        location, data=body, headers=tus_headers(token, **{"Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE, **headers})
    )


def checksum(algorithm: str, body: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, body).digest()).decode()}"
