"""Upload throughput against ``curl -T``, and the uploader's peak memory, on a 1 GiB file.

    python benchmarks/bench_upload_vs_curl.py [--mib 1024] [--repeat 3]

A sandbox runs in a child process (``python -m bulkpost sandbox serve --port 0``); for every
upload a fresh presigned URL is taken from it (``get-upload-url`` on a draft). The file is
sparse (all zeros, no disk read cost) in a temporary folder. Then, alternating, ``--repeat``
times each:

- ours: ``PubloraClient.upload(url, path, "video/mp4")`` in a fresh child process; the wall
  time of the call, and the child's peak RSS (``ru_maxrss`` from ``os.wait4``), which includes
  the interpreter and every import;
- baseline: ``curl -sS -T FILE -H "Content-Type: video/mp4" URL`` to an equivalent URL, wall
  time around the process.

Both go through the same sandbox, which writes every byte to its media folder and hashes it,
so the figures are for this loopback setup, not a network. Prints the best and median of
each, the throughput ratio ours/curl (target >= 0.8) and our peak RSS (target < 100 MB).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bulkpost.publora import PubloraClient  # noqa: E402
from common import start_sandbox  # noqa: E402

_CHILD = """
import sys, time
from bulkpost.publora import PubloraClient
url, path = sys.argv[1], sys.argv[2]
with PubloraClient("sk_bench_unused_for_uploads_000000", base_url="http://127.0.0.1:9/api/v1") as c:
    t = time.perf_counter()
    c.upload(url, path, "video/mp4")
    print(time.perf_counter() - t)
"""


def ours(url: str, path: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one upload by our client in a fresh process."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, url, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("our upload failed")
    return float(out.strip()), usage.ru_maxrss / 1024


def curl(url: str, path: Path) -> float:
    """Seconds of one ``curl -T`` upload (the process's wall time)."""
    t = time.perf_counter()
    subprocess.run(
        ["curl", "-sS", "--fail", "-o", "/dev/null", "-T", str(path), "-H", "Content-Type: video/mp4", url],
        check=True,
    )
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("curl") is None:
        raise SystemExit("curl is not installed (apt-get install -y curl)")
    size = args.mib * 1024 * 1024
    sandbox, base_url, key = start_sandbox()
    ours_s: list[float] = []
    ours_rss: list[float] = []
    curl_s: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as folder, PubloraClient(key, base_url=base_url) as client:
            path = Path(folder) / "big.mp4"
            with path.open("wb") as fh:
                fh.truncate(size)
            draft = client.create_post(content="upload benchmark", platforms=["linkedin-Tz9W5i6ZYG"])

            def url(name: str) -> str:
                return client.get_upload_url(post_group_id=draft.post_group_id, file_name=name, content_type="video/mp4").upload_url

            for i in range(args.repeat):
                # Alternate which goes first, so neither always meets a warmer page cache.
                order = ("ours", "curl") if i % 2 == 0 else ("curl", "ours")
                for who in order:
                    if who == "ours":
                        s, rss = ours(url(f"ours-{i}.mp4"), path)
                        ours_s.append(s)
                        ours_rss.append(rss)
                    else:
                        curl_s.append(curl(url(f"curl-{i}.mp4"), path))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    mib = size / (1024 * 1024)
    curl_version = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split()[1]
    print(f"python {platform.python_version()}, curl {curl_version}, {os.cpu_count()} cores; {mib:.0f} MiB file, {args.repeat} runs each")
    for name, times in (("ours", ours_s), ("curl -T", curl_s)):
        print(
            f"{name:<9} best {min(times):6.2f} s ({mib / min(times):5.0f} MiB/s)   "
            f"median {statistics.median(times):6.2f} s ({mib / statistics.median(times):5.0f} MiB/s)"
        )
    ratio_best = min(curl_s) / min(ours_s)
    ratio_median = statistics.median(curl_s) / statistics.median(ours_s)
    print(f"throughput ours/curl: best {ratio_best:.2f}x, median {ratio_median:.2f}x  (target >= 0.8x: "
          f"{'met' if ratio_median >= 0.8 else 'MISSED'})")
    print(f"our peak RSS (whole process): max {max(ours_rss):.0f} MiB  (target < 100 MB: "
          f"{'met' if max(ours_rss) * 1.048576 < 100 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
