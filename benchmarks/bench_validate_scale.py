"""Validation at scale: rows per second and peak memory for 10,000 and 100,000-row sheets.

    python benchmarks/bench_validate_scale.py [--rows 10000 100000] [--formats csv xlsx]

Each sheet targets all 11 networks (Pinterest only as a connection id that is refused, the
rest by name), with texts from benchmarks/corpus.py (ASCII, URLs, emoji, CJK). Two kinds:

``text``   text-only rows (the media-needing networks, Instagram/TikTok/YouTube, then report
           MEDIA_REQUIRED: the rules still run in full for them);
``media``  the same rows with the sample media files (3 JPEGs, a PNG, an MP4) shared between
           rows: each file is inspected once however many rows use it.

Every measurement runs ``bulkpost.validate`` in a fresh child process, so its peak RSS
(``ru_maxrss`` of that child, from ``os.wait4``) is the whole cost of one validation: the
interpreter, the imports, the loaded sheet and the report. Sheets are generated in a temporary
folder first (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from common import cpu_name, write_table  # noqa: E402

#: (platforms, media) per row, cycled: every network appears.
TARGETS: list[tuple[str, str]] = [
    ("twitter; linkedin; bluesky", ""),
    ("threads; mastodon; facebook", "media/sync-chart.png"),
    ("instagram", "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"),
    ("telegram; linkedin", ""),
    ("tiktok", "media/teaser.mp4"),
    ("youtube", "media/teaser.mp4"),
    ("twitter; threads; bluesky; mastodon", "media/launch-cover.jpg"),
    ("facebook; telegram; x", "media/carousel-1.jpg"),
]
HEADER = ["content", "platforms", "scheduled_time", "media", "title"]


def write_sheet(folder: Path, rows: int, fmt: str, kind: str) -> Path:
    """Write a sheet of ``rows`` rows (``kind`` text or media) as ``fmt``; returns its path."""
    from corpus import corpus

    if kind == "media" and not (folder / "media").exists():
        shutil.copytree(ROOT / "samples" / "media", folder / "media")
    texts = corpus(rows, seed=11)
    start = datetime(2031, 5, 1, 6, 0)
    records = []
    for i, text in enumerate(texts):
        targets, media = TARGETS[i % len(TARGETS)]
        when = (start + timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M")
        records.append([text, targets, when, media if kind == "media" else "", "A title" if "youtube" in targets else ""])
    return write_table(folder / f"{kind}-{rows}.{fmt}", HEADER, records)


def _child(path: str) -> None:
    """Validate ``path`` and print a JSON line with the figures (runs in the child process)."""
    t0 = time.perf_counter()
    from bulkpost.validate import validate

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = validate(path)
    elapsed = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "rows": report.rows,
                "seconds": elapsed,
                "import_seconds": t_import,
                "targets": sum(len(p.targets) for p in report.posts),
                "findings": len(report.findings),
                "errors": len(report.errors),
            }
        )
    )


def measure(path: Path) -> dict[str, float]:
    """Run one validation in a child; add its peak RSS (MiB)."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(path)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"validation of {path} failed (exit {proc.returncode})")
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    figures["peak_rss_mib"] = usage.ru_maxrss / 1024
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--formats", nargs="+", choices=["csv", "xlsx"], default=["csv", "xlsx"])
    ap.add_argument("--kinds", nargs="+", choices=["text", "media"], default=["text", "media"])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return 0
    print(f"python {platform.python_version()}, {cpu_name()}, {os.cpu_count()} cores")
    print(f"{'sheet':<22} {'rows':>8} {'targets':>8} {'seconds':>8} {'rows/s':>8} {'peak RSS':>9}  findings")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for fmt in args.formats:
                for kind in args.kinds:
                    path = write_sheet(Path(tmp), rows, fmt, kind)
                    f = measure(path)
                    print(
                        f"{path.name:<22} {int(f['rows']):>8,} {int(f['targets']):>8,} {f['seconds']:>8.2f} "
                        f"{f['rows'] / f['seconds']:>8,.0f} {f['peak_rss_mib']:>7.0f} MiB  {int(f['findings']):,} "
                        f"({int(f['errors']):,} errors)",
                        flush=True,
                    )
                    path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
