"""Scheduling throughput against the sandbox with 100 ms per API call: ours vs Publora's loop.

    python benchmarks/bench_schedule.py [--text 1000] [--media 200] [--latency 0.1] [--concurrency 8]

A sandbox runs in a child process (``bulkpost sandbox serve --latency 0.1``: every ``/api/v1``
answer is held 100 ms; uploads to its presigned URLs are not delayed). Two batches are
generated: ``--text`` text-only rows and ``--media`` rows with 1-3 small images each, to X and
LinkedIn (one post group per row). For each batch, in the same run:

- ours: ``bulkpost.execute.execute_plan`` (after load, validate and plan, which are not timed)
  at ``--concurrency``, unpaced as ``schedule --sandbox`` runs (against Publora the CLI also
  paces requests at ``DEFAULT_RATE``, 10 per second: that floor is printed too);
- baseline: the plain sequential loop of Publora's bulk-scheduling guide with httpx, one row
  after another: ``create-post`` for a text row; draft ``create-post``, ``get-upload-url`` and
  ``PUT`` per file, then ``update-post`` to schedule for a media row (the guide's 200 ms sleep
  between rows is left out, which only flatters the baseline).

Printed per batch: wall time of both, the ratio, the API calls ours made (counted by a
transport wrapper), and our time against the ideal bound ``calls x latency / concurrency``
(target: within 1.3x at concurrency 8).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bulkpost.batch import fetch_connections, online_rule_context  # noqa: E402
from bulkpost.execute import DEFAULT_RATE, execute_plan  # noqa: E402
from bulkpost.journal import Journal  # noqa: E402
from bulkpost.load import load_sheet  # noqa: E402
from bulkpost.plan import build_plan, sheet_identity  # noqa: E402
from bulkpost.publora import PubloraClient  # noqa: E402
from bulkpost.validate import validate  # noqa: E402
from common import cpu_name, start_sandbox  # noqa: E402

TARGETS = ["twitter-1502345678901234567", "linkedin-Tz9W5i6ZYG"]


class CountingTransport(httpx.BaseTransport):
    """Counts the requests to ``/api/v1`` (uploads go to the presigned URL and are not API calls)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.api_calls = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api/v1/" in request.url.path:
            with self._lock:
                self.api_calls += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def write_batch(folder: Path, rows: int, media: bool, tag: str) -> tuple[Path, list[dict[str, Any]]]:
    """The sheet for ``ours`` and the same rows as dicts for the baseline loop."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    if media:
        (folder / "media").mkdir(exist_ok=True)
        for k in range(3):
            Image.new("RGB", (400 + 10 * k, 400), (30 * k, 120, 200)).save(folder / "media" / f"img{k}.jpg", quality=85)
    start = datetime(2031, 6, 1, 6, 0, tzinfo=timezone.utc)
    records = []
    for i in range(rows):
        files = [f"media/img{k}.jpg" for k in range(1 + i % 3)] if media else []
        when = start + timedelta(minutes=3 * i)
        records.append(
            {
                "content": f"{tag} post {i:05d}: benchmark row with some text, a link https://example.com/{i} and an emoji 🚀",
                "platforms": TARGETS,
                "when": when,
                "files": files,
            }
        )
    sheet = folder / f"{tag}.csv"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["content", "platforms", "scheduled_time", "media"])
        for r in records:
            w.writerow([r["content"], ";".join(r["platforms"]), r["when"].strftime("%Y-%m-%dT%H:%M:%SZ"), ";".join(r["files"])])
    return sheet, records


def run_ours(sheet: Path, base_url: str, key: str, concurrency: int) -> tuple[float, int, dict[str, int]]:
    transport = CountingTransport()
    with PubloraClient(key, base_url=base_url, transport=transport) as client:
        loaded = load_sheet(sheet)
        connections = fetch_connections(client, [])
        ctx, _ = online_rule_context(client, connections)
        report = validate(loaded, rule_context=ctx)
        identity = sheet_identity(sheet.resolve())
        plan = build_plan(report.valid_posts(), sheet_identity=identity, connections=connections, base_dir=loaded.base_dir)
        journal = Journal(sheet.parent / ".bulkpost" / "bench.journal.sqlite", identity=identity)
        transport.api_calls = 0
        try:
            t = time.perf_counter()
            results = execute_plan(plan, client, journal, concurrency=concurrency, rate=None)
            elapsed = time.perf_counter() - t
        finally:
            journal.close()
    return elapsed, transport.api_calls, results.counts()


def run_baseline(records: list[dict[str, Any]], folder: Path, base_url: str, key: str) -> tuple[float, int]:
    """Publora's documented loop: one row after another, nothing in parallel."""
    calls = 0
    with httpx.Client(base_url=base_url, headers={"x-publora-key": key}, timeout=60) as http:
        t = time.perf_counter()
        for r in records:
            when = r["when"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
            if not r["files"]:
                resp = http.post("/create-post", json={"content": r["content"], "platforms": r["platforms"], "scheduledTime": when})
                calls += 1
                resp.raise_for_status()
                continue
            resp = http.post("/create-post", json={"content": r["content"], "platforms": r["platforms"]})
            calls += 1
            resp.raise_for_status()
            group = resp.json()["postGroupId"]
            for name in r["files"]:
                up = http.post("/get-upload-url", json={"postGroupId": group, "fileName": Path(name).name, "contentType": "image/jpeg", "type": "image"})
                calls += 1
                up.raise_for_status()
                data = (folder / name).read_bytes()
                httpx.put(up.json()["uploadUrl"], content=data, headers={"Content-Type": "image/jpeg"}).raise_for_status()
            resp = http.put(f"/update-post/{group}", json={"status": "scheduled", "scheduledTime": when})
            calls += 1
            resp.raise_for_status()
        elapsed = time.perf_counter() - t
    return elapsed, calls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", type=int, default=1000)
    ap.add_argument("--media", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {cpu_name()}, {os.cpu_count()} cores; sandbox latency {args.latency * 1000:.0f} ms "
          f"per API call, concurrency {args.concurrency}")
    sandbox, base_url, key = start_sandbox("--latency", str(args.latency), "--plan", "sandbox")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for tag, rows, media in (("text", args.text, False), ("media", args.media, True)):
                if rows <= 0:
                    continue
                folder = Path(tmp) / tag
                sheet, records = write_batch(folder, rows, media, tag)
                ours_s, ours_calls, counts = run_ours(sheet, base_url, key, args.concurrency)
                _, base_records = write_batch(Path(tmp) / f"{tag}-baseline", rows, media, f"{tag}-baseline")
                base_s, base_calls = run_baseline(base_records, Path(tmp) / f"{tag}-baseline", base_url, key)
                ideal = ours_calls * args.latency / args.concurrency
                print(f"\n{rows} {tag} rows: ours {counts}")
                print(f"  baseline (sequential loop): {base_s:7.2f} s  ({base_calls} API calls)")
                print(f"  ours (concurrency {args.concurrency}):      {ours_s:7.2f} s  ({ours_calls} API calls)  -> {base_s / ours_s:.1f}x faster")
                print(f"  ideal bound calls x latency / concurrency = {ideal:.2f} s; ours / ideal = {ours_s / ideal:.2f}x "
                      f"(target <= 1.3x: {'met' if ours_s / ideal <= 1.3 else 'MISSED'})")
                print(f"  against Publora the CLI paces at {DEFAULT_RATE:.0f} requests/s: floor {ours_calls / DEFAULT_RATE:.1f} s for these calls")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
