"""Media inspection on real files, the per-run cache, URL rules and probing a local server."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from localhttp import serve
from PIL import Image

import bulkpost
from bulkpost.rules import MediaCache, check_url_syntax, inspect_media, probe_url

DATA = Path(__file__).resolve().parent / "data"


def test_jpeg_with_exif_rotation(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: stored 1080x1350 is displayed 1350x1080
    Image.new("RGB", (1080, 1350), "white").save(path, "JPEG", exif=exif)
    info = bulkpost.inspect_media(path)
    assert (info.mime, info.kind, info.width, info.height) == ("image/jpeg", "image", 1350, 1080)
    assert info.size == path.stat().st_size and info.error is None and not info.animated


def test_animated_gif_and_webp(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 10), c) for c in ("red", "green", "blue")]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=50)
    frames[0].save(tmp_path / "a.webp", save_all=True, append_images=frames[1:], duration=50)
    frames[0].save(tmp_path / "still.webp")
    gif = inspect_media(tmp_path / "a.gif")
    assert (gif.mime, gif.animated, gif.frames, gif.aspect) == ("image/gif", True, 3, (20, 10))
    webp = inspect_media(tmp_path / "a.webp")
    assert (webp.mime, webp.animated, webp.frames) == ("image/webp", True, 3)
    assert not inspect_media(tmp_path / "still.webp").animated


def test_video_probe() -> None:
    info = inspect_media(DATA / "short.mp4")
    assert (info.mime, info.kind, info.codec, info.width, info.height) == ("video/mp4", "video", "AVC", 320, 180)
    assert info.duration == pytest.approx(2.0, abs=0.1) and info.fps == pytest.approx(15.0)
    rotated = inspect_media(DATA / "rotated.mp4")  # short.mp4 with a 90-degree display matrix
    assert (rotated.width, rotated.height) == (180, 320)
    assert inspect_media(DATA / "mpeg4.mp4").codec == "MPEG-4 Visual"
    tall = inspect_media(DATA / "long_tall.mp4")
    assert tall.duration == pytest.approx(150, abs=1) and tall.aspect == (48, 192)


def test_type_comes_from_bytes_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (10, 10)).save(path, "PNG")
    info = inspect_media(path)
    assert (info.mime, info.extension_mime, info.extension_mismatch) == ("image/png", "image/jpeg", True)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "the file is empty"),
        (b"just some text, not media", "not a recognised image, video or PDF file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a readable image"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "not a readable video"),
    ],
)
def test_unparseable_files_have_an_error(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    info = inspect_media(path)
    assert info.exists and info.error is not None and info.error.startswith(error)


def test_missing_file() -> None:
    info = inspect_media("/nonexistent/photo.jpg")
    assert not info.exists and info.error == "file not found" and info.extension_mime == "image/jpeg"


def test_cache_inspects_once_and_notices_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (10, 10)).save(path)
    cache = MediaCache()
    first = cache.inspect(path)
    assert cache.inspect(str(path)) is first
    assert cache.inspect(tmp_path / "." / "a.png") is first
    assert cache.inspections == 1
    Image.new("RGB", (30, 10)).save(path)  # a different size on disk: inspected again
    assert cache.inspect(path).width == 30 and cache.inspections == 2


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://cdn.example.com/a.jpg", None),
        ("https://cdn.example.com:443/a.jpg", None),
        ("https://93.184.216.34/a.jpg", None),
        ("ftp://cdn.example.com/a.jpg", "MEDIA_URL_PROTOCOL"),
        ("http://cdn.example.com/a.jpg", "MEDIA_URL_PROTOCOL"),
        ("https://bob@cdn.example.com/a.jpg", "MEDIA_URL_CREDENTIALS"),
        ("https://cdn.example.com:8080/a.jpg", "MEDIA_URL_PORT"),
        ("https://localhost/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://printer.local/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://db.internal/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://127.0.0.1/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://192.168.1.20/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://[fd00::1]/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://intranet/a.jpg", "MEDIA_URL_BLOCKED_HOST"),
        ("https://cdn.example.com:99999/a.jpg", "MEDIA_URL_INVALID"),
        ("not a url", "MEDIA_URL_INVALID"),
    ],
)
def test_url_syntax_rules(url: str, code: str | None) -> None:
    result = check_url_syntax(url)
    assert (result[0] if result else None) == code


# --- probing a local server (never the internet) -----------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    png = DATA / "short.mp4"
    files = {"/video.mp4": png.read_bytes(), "/page.html": b"<html><body>hello</body></html>"}

    class Handler(BaseHTTPRequestHandler):
        def _endless(self, head_only: bool) -> None:
            # claims 10 GB and keeps sending until the client hangs up; ignores Range
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024**3))
            self.send_header("Content-Type", "video/mp4")
            self.end_headers()
            if head_only:
                return
            head = files["/video.mp4"][:4096]
            try:
                self.wfile.write(head)
                for _ in range(100_000):  # ~6.5 GB at most; a reader that stops breaks the pipe
                    self.wfile.write(b"\0" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _send(self, head_only: bool) -> None:
            if self.path == "/endless.mp4":
                self._endless(head_only)
                return
            body = files.get(self.path.split("?")[0])
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            ctype = "text/html" if self.path.endswith(".html") else "application/octet-stream"
            rng = self.headers.get("Range")
            if rng and not head_only and "noranges" not in self.path:
                start, end = (int(x) for x in rng.split("=")[1].split("-"))
                part = body[start : end + 1]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{start + len(part) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(part)))
                self.send_header("Content-Type", ctype)
                self.end_headers()
                self.wfile.write(part)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", ctype)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(True)

        def do_GET(self) -> None:  # noqa: N802
            self._send(False)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as root:
        yield root


def test_probe_reads_type_from_bytes_and_size_from_range(server: str) -> None:
    size = (DATA / "short.mp4").stat().st_size
    with httpx.Client(timeout=5) as client:
        probe = probe_url(f"{server}/video.mp4", client)
        assert (probe.status, probe.mime, probe.kind, probe.size, probe.error) == (206, "video/mp4", "video", size, None)
        whole = probe_url(f"{server}/video.mp4?noranges", client)
        assert (whole.status, whole.mime, whole.size) == (200, "video/mp4", size)
        html = probe_url(f"{server}/page.html", client)
        assert html.kind == "other" and html.mime == "text/html"
        missing = probe_url(f"{server}/gone.jpg", client)
        assert missing.status == 404 and missing.error == "answers HTTP 404"


def test_probe_stops_reading_when_the_server_ignores_range(server: str) -> None:
    with httpx.Client(timeout=5) as client:
        probe = probe_url(f"{server}/endless.mp4", client)
    assert (probe.status, probe.mime, probe.size) == (200, "video/mp4", 10 * 1024**3)


def test_probe_connection_refused() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with httpx.Client(timeout=2) as client:
        probe = probe_url(f"http://127.0.0.1:{port}/a.jpg", client)
    assert probe.error is not None and probe.error.startswith("cannot be fetched")


def test_check_urls_in_check_posts(server: str) -> None:
    # check_posts applies the https rules first, so drive the probe findings directly
    from bulkpost.model import MediaRef, Row
    from bulkpost.rules.checks import _url_probe_findings

    row = Row("p.csv", None, 2, {})
    with httpx.Client(timeout=5) as client:
        html = probe_url(f"{server}/page.html", client)
        gone = probe_url(f"{server}/gone.jpg", client)
    ref = MediaRef("u", "media_1", url=f"{server}/page.html")
    assert [f.code for f in _url_probe_findings(ref, html, row)] == ["MEDIA_URL_UNSUPPORTED_FORMAT"]
    assert [f.code for f in _url_probe_findings(ref, gone, row)] == ["MEDIA_URL_HTTP_ERROR"]
    from bulkpost.rules.media import UrlProbe

    huge = UrlProbe("u", status=206, mime="video/mp4", size=200 * 1024 * 1024)
    [f] = _url_probe_findings(ref, huge, row)
    assert f.code == "MEDIA_URL_TOO_LARGE" and "200.0 MB" in f.message and "150.0 MB" in f.message


class _ToLocal(httpx.BaseTransport):
    """Sends every request to the local test server (keeping path and query), so media URLs
    that pass Publora's https rules can be probed without the internet."""

    def __init__(self, base: str) -> None:
        self.base = httpx.URL(base)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.base.scheme, host=self.base.host, port=self.base.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_check_posts_with_check_urls(server: str) -> None:
    from tests.test_rules import make_post

    from bulkpost.rules import RuleContext, check_posts

    urls = ["https://cdn.example.com/video.mp4", "https://cdn.example.com/page.html", "https://cdn.example.com/gone.jpg"]
    post = make_post("facebook", "hi", media=urls)
    with httpx.Client(transport=_ToLocal(server), timeout=5) as client:
        ctx = RuleContext(check_urls=True, http_client=client)
        found = [f for f in check_posts([post, post], ctx) if f.code.startswith("MEDIA")]
    assert [(f.code, f.column) for f in found] == [
        ("MEDIA_URL_UNSUPPORTED_FORMAT", "media_2"),
        ("MEDIA_URL_HTTP_ERROR", "media_3"),
    ] * 2
    assert set(ctx.url_probes) == set(urls)  # each URL probed once for both rows
    assert ctx.url_probes[urls[0]].kind == "video"
    # without --check-urls nothing is fetched: kinds are guessed from the extensions only
    offline = RuleContext()
    assert [f.code for f in check_posts([post], offline)] == ["MEDIA_MIXED"]  # .mp4 + .jpg
    assert offline.url_probes == {}
