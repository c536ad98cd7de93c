"""Memory and throughput of ``PubloraClient.upload`` on a big sparse file to 127.0.0.1.

    python benchmarks/bench_upload.py [--mib 1024] [--target sink|sandbox]

``sink`` is a tiny threaded http.server that reads and discards the body; ``sandbox`` uploads to
the presigned URL of a sandbox run in a child process (``python -m bulkpost sandbox serve``), so
its own memory is not counted with the client's. Prints the
size, the time, MiB/s, Python's peak allocation during the upload (tracemalloc) and the process's
RSS high-water mark above its start (VmHWM, reset through /proc/self/clear_refs), and the ratio of
the file size to each: the client holds one 1 MiB chunk at a time, so the ratios grow with the file.
"""

from __future__ import annotations

import argparse
import http.server
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bulkpost.publora import PubloraClient  # noqa: E402


class _Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:  # noqa: N802
        remaining = int(self.headers["Content-Length"])
        while remaining:
            chunk = self.rfile.read(min(1 << 16, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _measure(client: PubloraClient, url: str, path: Path, content_type: str) -> tuple[float, int, int]:
    Path("/proc/self/clear_refs").write_text("5")
    rss = _vm("VmRSS")
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    client.upload(url, path, content_type)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak - baseline, _vm("VmHWM") - rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--target", choices=("sink", "sandbox"), default="sink")
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.mp4"
        with path.open("wb") as handle:
            handle.truncate(size)
        if args.target == "sink":
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}/bucket/big.mp4?X-Amz-Signature=x"
            with PubloraClient("sk_bench.0000000000000000", base_url="http://127.0.0.1:9/api/v1") as client:
                elapsed, peak, hwm = _measure(client, url, path, "video/mp4")
            server.shutdown()
        else:
            child = subprocess.Popen([sys.executable, "-m", "bulkpost", "sandbox", "serve", "--port", "0"],
                                     cwd=ROOT, stdout=subprocess.PIPE, text=True)
            try:
                assert child.stdout is not None
                settings = {}
                while len(settings) < 2:
                    line = child.stdout.readline()
                    if not line:
                        raise RuntimeError("the sandbox did not start")
                    name, _, value = line.strip().partition("=")
                    if name in ("PUBLORA_BASE_URL", "PUBLORA_API_KEY"):
                        settings[name] = value
                with PubloraClient(settings["PUBLORA_API_KEY"], base_url=settings["PUBLORA_BASE_URL"]) as client:
                    draft = client.create_post(content="bench", platforms=["linkedin-Tz9W5i6ZYG"])
                    target = client.get_upload_url(post_group_id=draft.post_group_id, file_name="big.mp4",
                                                   content_type="video/mp4")
                    elapsed, peak, hwm = _measure(client, target.upload_url, path, "video/mp4")
            finally:
                child.terminate()
                child.wait(timeout=10)
    mib = 1024 * 1024
    print(f"target {args.target}: {size / mib:.0f} MiB in {elapsed:.2f} s ({size / mib / elapsed:.0f} MiB/s)")
    print(f"python peak above baseline: {peak / mib:.2f} MiB  (file/peak = {size / max(peak, 1):.0f}x)")
    print(f"RSS high-water mark above start: {hwm / mib:.2f} MiB  (file/hwm = {size / max(hwm, 1):.0f}x)")


if __name__ == "__main__":
    main()
