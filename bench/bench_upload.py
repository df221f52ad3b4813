"""Upload: MB/s for a 50 MB video in 1 MB tus chunks (tuspy via sync/client.py) against a real `manage.py run`
on loopback, beside a plain `cp` of the same file (the limit), and `cp` + fsync (what durability costs).

    .venv/bin/python bench/bench_upload.py [--mb 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import _prepare  # noqa: E402
from sync.client import LianbaoClient, media_item, new_op  # noqa: E402
from tests.helpers import report_payload  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

MB = 1024 * 1024


def _file(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
        remaining = size - 24
        while remaining > 0:
            block = os.urandom(min(MB, remaining))
            f.write(block)
            remaining -= len(block)


def _upload(url: str, path: Path, chunk: int) -> float:
    client = LianbaoClient(url)
    client.register()
    item = media_item(path, "video", "video/mp4")
    payload = report_payload(media=[item])
    assert client.push([new_op("report.create", payload)])[0]["status"] == "applied"
    started = time.perf_counter()
    client.upload(path, item, payload["report_id"], chunk_size=chunk)
    elapsed = time.perf_counter() - started
    [media] = client.media_status(payload["report_id"])
    assert media["verification"] == "verified", media
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    size = args.mb * MB
    work = Path(tempfile.mkdtemp(prefix="lianbao-bench-upload-"))
    source = work / "video.mp4"
    _file(source, size)
    rows = []

    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(work / "copy.mp4")], check=True)
    rows.append({"what": "cp", "seconds": time.perf_counter() - started})
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(work / "copy2.mp4")], check=True)
    subprocess.run(["sync", str(work / "copy2.mp4")], check=True)
    rows.append({"what": "cp + sync", "seconds": time.perf_counter() - started})

    instance = work / "instance"
    url = f"sqlite:///{instance / 'bench.db'}"
    _prepare(url, instance)
    server = ServerProcess(url, instance).start()
    try:
        for chunk in (MB, 256 * 1024):
            rows.append({"what": f"tus {chunk // 1024} KB chunks", "seconds": _upload(server.url, source, chunk)})
    finally:
        server.stop()
    for row in rows:
        row["mb_per_s"] = round(args.mb / row["seconds"], 1)
        row["seconds"] = round(row["seconds"], 3)
    print(f"\n{args.mb} MB file on loopback\n{'what':<22}{'seconds':>10}{'MB/s':>10}")
    for r in rows:
        print(f"{r['what']:<22}{r['seconds']:>10}{r['mb_per_s']:>10}")
    out = ROOT / "bench" / "results" / "upload.json"
    out.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), "file_mb": args.mb, "rows": rows}, indent=2))
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
