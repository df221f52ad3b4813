"""The sync protocol against a real `manage.py run` process, spoken by the reference client and tuspy."""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from sync.client import LianbaoClient, media_item, new_op
from tests.helpers import report_payload
from tests.sync.evidence import mp4_bytes
from tests.sync.proxy import CuttingProxy

pytestmark = pytest.mark.multiprocess

MB = 1024 * 1024


def _client(url: str) -> LianbaoClient:
    client = LianbaoClient(url, backoff_base=0.05, backoff_cap=0.5)
    client.register()
    return client


def _report_with(client: LianbaoClient, data: bytes, kind: str = "video", mime: str = "video/mp4") -> tuple[dict, str]:
    item = media_item(data, kind, mime)
    payload = report_payload(media=[item])
    assert client.push([new_op("report.create", payload)])[0]["status"] == "applied"
    return item, payload["report_id"]


def _stored(client: LianbaoClient, report_id: str) -> dict:
    [media] = client.media_status(report_id)
    return media


def test_the_same_batch_pushed_twice_at_once_stores_one_report(api, live_server):
    api.bureau()
    client = _client(live_server.url)
    batch = [new_op("report.create", report_payload()) for _ in range(5)]
    results: list[list[dict]] = []
    barrier = threading.Barrier(2)

    def push() -> None:
        other = LianbaoClient(live_server.url, token=client.token)
        barrier.wait()
        results.append(other.push(batch))

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(tuple(r["status"] for r in result) for result in results)
    assert statuses == [("applied",) * 5, ("duplicate",) * 5]
    assert client.push(batch) == [{"op_id": o["op_id"], "status": "duplicate"} for o in batch]
    mine = client.request("GET", "/api/v1/reports?mine=1").json()["items"]
    assert sorted(r["report_id"] for r in mine) == sorted(o["payload"]["report_id"] for o in batch)


def test_a_push_waiting_on_postgresql_does_not_stall_other_requests(api, live_server, database_url):
    """The server waits for PostgreSQL cooperatively: while a push waits for the feed-clock lock (held here by
    another connection), the same process still answers other requests, and the push completes once it is freed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's driver waits for the write lock inside the call: the embedded mode serves one writer")
    api.bureau()
    client = _client(live_server.url)
    assert client.push([new_op("report.create", report_payload())])[0]["status"] == "applied"  # the clock row exists
    engine = sa.create_engine(database_url)
    results: list[list[dict]] = []
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT writes FROM feed_clock WHERE id = 1 FOR UPDATE"))
            pusher = threading.Thread(target=lambda: results.append(client.push([new_op("report.create", report_payload())])))
            pusher.start()
            pusher.join(1.0)
            assert pusher.is_alive() and not results, "the push should be waiting for the lock"
            health = requests.get(live_server.url + "/healthz", timeout=10)
            assert health.status_code == 200 and pusher.is_alive()
            holder.rollback()
        pusher.join(30)
    finally:
        engine.dispose()
    assert [r["status"] for r in results[0]] == ["applied"]


def _wait_offset(url: str, token: str, at_least: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = requests.head(url, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}, timeout=5)
        if int(head.headers["Upload-Offset"]) >= at_least:
            return int(head.headers["Upload-Offset"])
        time.sleep(0.05)
    raise AssertionError("server never wrote the bytes")


def test_server_killed_mid_patch_resumes_from_head_and_the_file_hashes_to_the_declared_sha256(api, live_server):
    from tusclient.client import TusClient

    api.bureau()
    client = _client(live_server.url)
    data = mp4_bytes(3 * MB)
    item, report_id = _report_with(client, data)
    metadata = {"media_id": item["media_id"], "report_id": report_id, "sha256": item["sha256"], "kind": "video", "mime": "video/mp4"}
    tus = TusClient(live_server.url + "/api/v1/uploads", headers={"Authorization": f"Bearer {client.token}"})
    uploader = tus.uploader(file_stream=__import__("io").BytesIO(data), chunk_size=MB, metadata=metadata)
    uploader.upload_chunk()  # the first megabyte, acknowledged
    assert uploader.offset == MB

    # A second PATCH announces a megabyte, sends 600 KB of it, and the server dies under it.
    path = uploader.url.split(str(live_server.port), 1)[1]
    sock = socket.create_connection(("127.0.0.1", live_server.port))
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {client.token}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {MB}\r\nContent-Length: {MB}\r\n\r\n"
    )
    sock.sendall(head.encode() + data[MB : MB + 600 * 1024])
    _wait_offset(uploader.url, client.token, MB + 512 * 1024)  # read in blocks: the last partial one waits
    live_server.kill()
    sock.close()
    live_server.start()

    resumed = tus.uploader(file_stream=__import__("io").BytesIO(data), url=uploader.url, chunk_size=MB)
    assert MB <= resumed.offset <= MB + 600 * 1024  # nothing acknowledged was lost
    resumed.upload()
    media = _stored(client, report_id)
    assert (media["state"], media["verification"], media["received_bytes"]) == ("complete", "verified", len(data))
    assert hashlib.sha256(client.download(item["media_id"])).hexdigest() == item["sha256"]


def test_upload_over_a_link_cut_every_512_kb_resends_at_most_one_chunk_per_cut(api, live_server):
    api.bureau()
    data = mp4_bytes(5 * MB)
    client = _client(live_server.url)
    item, report_id = _report_with(client, data)
    proxy = CuttingProxy(live_server.port, cut_every=512 * 1024)
    try:
        through_proxy = LianbaoClient(proxy.url, token=client.token, backoff_base=0.05, backoff_cap=0.2, max_attempts=20)
        chunk = MB
        through_proxy.upload(data, item, report_id, chunk_size=chunk)
    finally:
        proxy.close()
    assert proxy.cuts >= 9
    header_allowance = 1024 * proxy.connections  # request lines and headers of each HEAD/PATCH
    assert proxy.sent <= len(data) + proxy.cuts * chunk + header_allowance
    media = _stored(client, report_id)
    assert (media["state"], media["verification"]) == ("complete", "verified")
    print(f"\n5 MB over {proxy.cuts} cuts: {proxy.sent} bytes sent ({proxy.sent / len(data):.3f}x), {proxy.connections} connections")
