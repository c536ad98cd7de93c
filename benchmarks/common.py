"""Pieces the benchmark scripts share: a sandbox in a child process, a sheet writer, the CPU name."""

from __future__ import annotations

import csv
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]


def start_sandbox(*options: str) -> tuple[subprocess.Popen[str], str, str]:
    """``bulkpost sandbox serve --port 0 OPTIONS`` in a child process: (child, base URL, API key)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "sandbox", "serve", "--port", "0", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    settings: dict[str, str] = {}
    while len(settings) < 2:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox did not start")
        name, _, value = line.strip().partition("=")
        if name in ("PUBLORA_BASE_URL", "PUBLORA_API_KEY"):
            settings[name] = value
    return child, settings["PUBLORA_BASE_URL"], settings["PUBLORA_API_KEY"]


def write_table(path: Path, header: Sequence[str], records: Sequence[Sequence[Any]]) -> Path:
    """Write ``records`` under ``header`` as .csv or .xlsx (by ``path``'s suffix)."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(records)
        return path
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("posts")
    ws.append(list(header))
    for r in records:
        ws.append(list(r))
    wb.save(path)
    return path


def cpu_name() -> str:
    """``lscpu``'s model name, for the figures' machine line."""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown CPU"
