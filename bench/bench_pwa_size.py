#!/usr/bin/env python
"""The citizen's first load as it travels on the wire: HTML + JS + CSS + fonts, compressed, budget 150 KB.

Starts a real `manage.py run` and fetches the citizen page the way a phone does (Accept-Encoding: br, gzip),
then every script, stylesheet and font it references, following the JS module imports (chunks). Wire bytes =
the compressed body plus the response headers as sent. Beside it: the same files uncompressed, what the service
worker precaches on install (icons, manifest, the neutral exit page), and a check that no console or agency code
is among what a citizen loads.

    .venv/bin/python bench/bench_pwa_size.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUDGET = 150 * 1024
RESULTS = ROOT / "bench" / "results" / "pwa_size.json"


def start_server(instance: Path) -> tuple[subprocess.Popen, str]:
    from tests.servers import free_port

    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "manage.py", "setup", "--no-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run", "--port", str(port), "--no-worker"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def fetch(url: str, encoding: str = "br, gzip") -> dict:
    response = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=10)
    body = response.raw.read(decode_content=False)
    head = f"HTTP/1.1 {response.status_code} {response.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.items()) + "\r\n"
    return {
        "status": response.status_code,
        "wire": len(body) + len(head.encode()),
        "body": len(body),
        "encoding": response.headers.get("Content-Encoding", "identity"),
    }


def first_load(base: str) -> list[str]:
    """Every URL the citizen page pulls in at first load: its scripts and CSS, and the modules those import."""
    html = requests.get(base + "/", timeout=10).text
    urls = ["/"] + re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    seen: list[str] = []
    queue = list(urls)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        if url.endswith(".js"):
            text = requests.get(base + url, timeout=10).text
            folder = url.rsplit("/", 1)[0]
            for imported in re.findall(r'(?:from|import)\s*\(?"(\./[^"]+\.js)"', text):
                queue.append(f"{folder}/{imported[2:]}".replace("//", "/"))
        if url.endswith(".css"):
            css = requests.get(base + url, timeout=10).text
            queue += [u for u in re.findall(r"url\(([^)]+\.(?:woff2?|ttf|otf))\)", css)]
    return seen


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(Path(tmp))
        try:
            urls = first_load(base)
            rows = [{"url": u, **fetch(base + u), "raw": fetch(base + u, "identity")["body"]} for u in urls]
            sw_text = requests.get(base + "/sw.js", timeout=10).text
            shell = json.loads(re.search(r'(\["/"[^\]]*\])', sw_text).group(1))
            extras = [u for u in shell if u not in urls] + ["/sw.js"]
            extra_rows = [{"url": u, **fetch(base + u)} for u in extras]
        finally:
            proc.terminate()
            proc.wait(10)
    total = sum(r["wire"] for r in rows)
    raw = sum(r["raw"] for r in rows)
    console_loaded = [r["url"] for r in rows + extra_rows if "console" in r["url"] or "agency" in r["url"]]
    print(f"{'first load (citizen)':<34} {'encoding':>9} {'wire B':>9} {'raw B':>9}")
    for r in rows:
        print(f"{r['url']:<34} {r['encoding']:>9} {r['wire']:>9} {r['raw']:>9}")
    print(f"{'TOTAL on the wire':<34} {'':>9} {total:>9} {raw:>9}   budget {BUDGET} B -> {'OK' if total <= BUDGET else 'OVER'}")
    print(f"{'+ service-worker install extras':<34} {'':>9} {sum(r['wire'] for r in extra_rows):>9}   ({', '.join(extras)})")
    print(f"console/agency code loaded by the citizen: {console_loaded or 'none'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "first_load_wire_bytes": total,
                "first_load_raw_bytes": raw,
                "budget_bytes": BUDGET,
                "within_budget": total <= BUDGET,
                "files": rows,
                "sw_install_extras": extra_rows,
                "console_loaded": console_loaded,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
