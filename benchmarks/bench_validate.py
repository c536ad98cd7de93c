"""Time ``bulkpost.validate`` on a generated 10,000-row sheet that targets all networks.

    python benchmarks/bench_validate.py [--rows 10000] [--format csv|xlsx]

The sheet is written to a temporary folder with the sample media beside it (3 JPEGs, a PNG
and an MP4 from samples/media, shared by many rows: each file is inspected once). Texts come
from benchmarks/corpus.py (ASCII, URLs, emoji, CJK). Prints the time for the whole
validate() (load + row checks + per-network rules) and for the rules alone.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus  # noqa: E402

from common import write_table  # noqa: E402
from bulkpost.rules import RuleContext, check_posts  # noqa: E402
from bulkpost.validate import validate  # noqa: E402

# Each row's targets; the media-needing networks get media.
TARGETS = [
    ("twitter; linkedin; bluesky", ""),
    ("threads; mastodon; facebook", "media/sync-chart.png"),
    ("instagram", "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"),
    ("telegram; linkedin", ""),
    ("tiktok", "media/teaser.mp4"),
    ("youtube", "media/teaser.mp4"),
    ("twitter; threads; bluesky; mastodon", "media/launch-cover.jpg"),
    ("facebook; telegram", "media/carousel-1.jpg"),
]


def write_sheet(folder: Path, rows: int, fmt: str) -> Path:
    shutil.copytree(ROOT / "samples" / "media", folder / "media")
    texts = corpus(rows, seed=7)
    start = datetime(2031, 5, 1, 6, 0)
    records = []
    for i, text in enumerate(texts):
        targets, media = TARGETS[i % len(TARGETS)]
        when = start + timedelta(minutes=7 * i)
        records.append([text, targets, when.strftime("%Y-%m-%d %H:%M"), media, "A title" if "youtube" in targets else ""])
    header = ["content", "platforms", "scheduled_time", "media", "title"]
    return write_table(folder / f"sheet.{fmt}", header, records)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_sheet(Path(tmp), args.rows, args.format)
        t0 = time.perf_counter()
        report = validate(path)
        total = time.perf_counter() - t0
        ctx = RuleContext()
        t0 = time.perf_counter()
        findings = list(check_posts(report.posts, ctx))
        rules = time.perf_counter() - t0
    targets = sum(len(p.targets) for p in report.posts)
    codes: dict[str, int] = {}
    for f in report.findings:
        codes[f.code] = codes.get(f.code, 0) + 1
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"{report.rows} rows ({args.format}), {targets} targets across 11 networks' rules")
    print(f"validate() total: {total:.2f} s  ({total / report.rows * 1e3:.3f} ms/row)")
    print(f"rules alone (check_posts, fresh media cache): {rules:.2f} s; {ctx.media_cache.inspections} media files inspected")
    print(f"findings: {len(report.findings)} ({', '.join(f'{k} {v}' for k, v in sorted(codes.items()))}); rules re-run: {len(findings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
