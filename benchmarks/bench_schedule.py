"""Time a whole batch (plan + execute) against the sandbox at several concurrencies.

    python benchmarks/bench_schedule.py [--rows 60] [--latency 0.05] [--media-every 4]

Every run gets a fresh sandbox (in-process, 127.0.0.1) that adds ``--latency`` seconds to each
API answer, like a real network. Every ``--media-every``-th row carries a 3-image carousel (draft,
3 uploads, schedule), the others are text. The pacer is off (the sandbox has no rate limit), so
the numbers show what concurrency buys. Prints rows/second per concurrency and the speed-up over
concurrency 1, then re-runs the last batch to show that a finished batch costs only the lookups.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bulkpost.batch import fetch_connections  # noqa: E402
from bulkpost.execute import execute_plan  # noqa: E402
from bulkpost.journal import Journal, default_journal_path  # noqa: E402
from bulkpost.load import load_sheet  # noqa: E402
from bulkpost.plan import build_plan, sheet_identity  # noqa: E402
from bulkpost.publora import PubloraClient  # noqa: E402
from bulkpost.sandbox import run_sandbox  # noqa: E402
from bulkpost.validate import validate  # noqa: E402


def write_sheet(folder: Path, rows: int, media_every: int) -> Path:
    shutil.copytree(ROOT / "samples" / "media", folder / "media")
    path = folder / "batch.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["content", "platforms", "scheduled_time", "media"])
        for i in range(rows):
            when = f"2031-05-{1 + i % 28:02d}T{6 + i % 14:02d}:{i % 60:02d}:00Z"
            if media_every and i % media_every == 0:
                w.writerow([f"Carousel {i}", "instagram-17841412345678", when, "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"])
            else:
                w.writerow([f"Text post {i}", "twitter-1502345678901234567; mastodon-109876543210", when, ""])
    return path


def run_once(rows: int, latency: float, media_every: int, concurrency: int, rerun: bool = False) -> tuple[float, float | None, int]:
    with tempfile.TemporaryDirectory() as tmp, run_sandbox(seed=0) as sb:
        sheet_path = write_sheet(Path(tmp), rows, media_every)
        sheet = load_sheet(sheet_path)
        report = validate(sheet)
        assert report.ok, [f.message for f in report.errors][:3]
        sb.control.set_faults(latency=latency)
        with PubloraClient(sb.api_key, base_url=sb.base_url) as client:
            plan = build_plan(
                report.valid_posts(),
                sheet_identity=sheet_identity(sheet_path),
                connections=fetch_connections(client, set()),
                base_dir=sheet.base_dir,
            )
            calls = plan.summary().api_calls
            with Journal(default_journal_path(sheet_path), identity=plan.identity) as journal:
                t0 = time.perf_counter()
                results = execute_plan(plan, client, journal, concurrency=concurrency, rate=None)
                elapsed = time.perf_counter() - t0
                assert all(r.status == "scheduled" for r in results.rows), results.counts()
                again = None
                if rerun:
                    t1 = time.perf_counter()
                    second = execute_plan(plan, client, journal, concurrency=concurrency, rate=None)
                    again = time.perf_counter() - t1
                    assert second.created == 0
        assert len(sb.control.state()["groups"]) == rows
    return elapsed, again, calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=60)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--media-every", type=int, default=4)
    args = ap.parse_args()
    print(f"{args.rows} rows, {args.latency * 1000:.0f} ms added per API answer, a 3-image carousel every {args.media_every} rows")
    base = None
    for c in (1, 4, 8):
        elapsed, again, calls = run_once(args.rows, args.latency, args.media_every, c, rerun=(c == 8))
        base = base or elapsed
        print(f"concurrency {c}: {elapsed:6.2f} s  {args.rows / elapsed:6.1f} rows/s  {calls} planned API calls  x{base / elapsed:.1f} vs concurrency 1")
        if again is not None:
            print(f"re-run of the finished batch (concurrency {c}): {again:.2f} s, 0 post groups created")


if __name__ == "__main__":
    main()
