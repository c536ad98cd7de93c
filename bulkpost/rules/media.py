"""Media inspection: what a file really is, read from its bytes.

- type: ``filetype`` sniffs the first bytes (a ``.jpg`` that is really WebP is WebP);
- images: Pillow reads the header only: format, size *after* EXIF rotation, animation
  (GIF/WebP frames), colour mode; a second open runs ``verify()`` to catch corrupt files;
- videos: pymediainfo (libmediainfo ships in its wheels): duration, codec, width/height after
  rotation, frame rate;
- media URLs: :func:`check_url_syntax` applies Publora's ``mediaUrls`` rules offline, and
  :func:`probe_url` asks the server (HEAD, then a ranged GET) for type and size.

:class:`MediaCache` makes sure each file is inspected once per run, however many rows use it.
"""

from __future__ import annotations

import ipaddress
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import filetype

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MediaCache",
    "MediaInfo",
    "UrlProbe",
    "check_url_syntax",
    "inspect_media",
    "probe_url",
]

_EXT_MIME = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".mkv": "video/x-matroska",
    ".pdf": "application/pdf",
}
_PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp",
                "BMP": "image/bmp", "TIFF": "image/tiff", "MPO": "image/jpeg"}
# Formats Pillow must be able to read: failing on one of these means a broken file.
_PIL_REQUIRED = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}


def _kind(mime: str | None) -> str:
    if not mime:
        return "other"
    if mime.startswith("image/"):
        return "image"
    if mime.startswith("video/"):
        return "video"
    if mime == "application/pdf":
        return "document"
    return "other"


@dataclass(frozen=True)
class MediaInfo:
    """What one local file really is. ``error`` says why it could not be read (else None)."""

    path: str
    exists: bool
    size: int | None = None
    mime: str | None = None
    """From the file's bytes (None when unrecognised)."""
    extension_mime: str | None = None
    """What the file name's extension claims."""
    width: int | None = None
    height: int | None = None
    """As displayed: after EXIF rotation (images) or the rotation flag (videos)."""
    animated: bool = False
    frames: int = 1
    mode: str | None = None
    duration: float | None = None
    """Seconds (videos)."""
    codec: str | None = None
    fps: float | None = None
    error: str | None = None

    @property
    def kind(self) -> str:
        """``"image"``, ``"video"``, ``"document"`` or ``"other"``."""
        return _kind(self.mime)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def aspect(self) -> tuple[int, int] | None:
        """(width, height) when both are known."""
        if self.width and self.height:
            return self.width, self.height
        return None

    @property
    def extension_mismatch(self) -> bool:
        """True when the extension claims another format than the bytes show."""
        return bool(self.mime and self.extension_mime and self.mime != self.extension_mime)


def _inspect_image(path: str, info: dict[str, object]) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                try:
                    orientation = im.getexif().get(0x0112, 1)
                except Exception:  # a broken EXIF block must not hide the image itself
                    orientation = 1
                if orientation in (5, 6, 7, 8):
                    w, h = h, w
                info.update(width=w, height=h, mode=im.mode)
                frames = int(getattr(im, "n_frames", 1) or 1)
                info.update(frames=frames, animated=bool(getattr(im, "is_animated", False)) and frames > 1)
                if im.format in _PIL_FORMATS:
                    info["mime"] = _PIL_FORMATS[im.format]
            with Image.open(path) as im:
                im.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if info.get("mime") in _PIL_REQUIRED:
            info["error"] = f"not a readable image ({exc.__class__.__name__})"
    except Exception as exc:  # corrupt files make Pillow's plugins raise all sorts of errors
        info["error"] = f"not a readable image ({exc.__class__.__name__}: {exc})"


def _inspect_video(path: str, info: dict[str, object]) -> None:
    try:
        from pymediainfo import MediaInfo as _MI

        mi = _MI.parse(path)
    except Exception as exc:  # libmediainfo failures come in many shapes
        info["error"] = f"not a readable video ({exc})"
        return
    general = next((t for t in mi.tracks if t.track_type == "General"), None)
    video = next((t for t in mi.tracks if t.track_type == "Video"), None)
    if video is None:
        info["error"] = "not a readable video (no video track found)"
        return
    duration = getattr(video, "duration", None) or (getattr(general, "duration", None) if general else None)
    try:
        info["duration"] = float(duration) / 1000 if duration is not None else None
    except (TypeError, ValueError):
        info["duration"] = None
    w = _to_int(getattr(video, "width", None))
    h = _to_int(getattr(video, "height", None))
    try:
        rotation = int(float(getattr(video, "rotation", 0) or 0)) % 180
    except (TypeError, ValueError):
        rotation = 0
    if rotation == 90 and w and h:
        w, h = h, w
    info.update(width=w, height=h, codec=getattr(video, "format", None))
    try:
        fps = getattr(video, "frame_rate", None)
        info["fps"] = float(fps) if fps is not None else None
    except (TypeError, ValueError):
        info["fps"] = None


def _to_int(v: object) -> int | None:
    try:
        return int(v) if v is not None else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def inspect_media(path: str | os.PathLike[str]) -> MediaInfo:
    """Inspect one local file (no cache; use :class:`MediaCache` within a run).

    Never raises for a bad file: a missing file has ``exists=False``; a file that cannot be
    parsed has ``error`` set.
    """
    p = os.fspath(path)
    ext_mime = _EXT_MIME.get(Path(p).suffix.lower())
    try:
        st = os.stat(p)
    except (OSError, ValueError):  # ValueError: a NUL character in the path
        return MediaInfo(p, exists=False, extension_mime=ext_mime, error="file not found")
    if not os.path.isfile(p):
        return MediaInfo(p, exists=False, extension_mime=ext_mime, error="not a file")
    info: dict[str, object] = {"size": st.st_size}
    try:
        guess = filetype.guess(p)
    except OSError as exc:
        return MediaInfo(p, exists=True, size=st.st_size, extension_mime=ext_mime, error=f"cannot read the file ({exc})")
    info["mime"] = guess.mime if guess else None
    if st.st_size == 0:
        info["error"] = "the file is empty"
    elif info["mime"] is None:
        info["error"] = "not a recognised image, video or PDF file"
    elif _kind(guess.mime if guess else None) == "image":
        _inspect_image(p, info)
    elif _kind(guess.mime if guess else None) == "video":
        _inspect_video(p, info)
    return MediaInfo(p, exists=True, extension_mime=ext_mime, **info)  # type: ignore[arg-type]


class MediaCache:
    """Inspects each file once per run: keyed by resolved path, size and modification time."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int, int], MediaInfo] = {}
        self.inspections = 0
        """How many files were actually inspected (the rest were cache hits)."""

    def inspect(self, path: str | os.PathLike[str]) -> MediaInfo:
        p = os.path.abspath(os.fspath(path))
        try:
            st = os.stat(p)
            key = (p, st.st_size, st.st_mtime_ns)
        except (OSError, ValueError):
            key = (p, -1, -1)
        hit = self._items.get(key)
        if hit is None:
            self.inspections += 1
            hit = inspect_media(path)
            self._items[key] = hit
        return hit


# --- URLs ---------------------------------------------------------------------------------------

_BLOCKED_SUFFIXES = (".local", ".internal", ".localhost", ".localdomain", ".lan", ".home.arpa")


def check_url_syntax(url: str) -> tuple[str, str] | None:
    """Publora's ``mediaUrls`` rules (publora-api.md 3.1, 12.8) applied offline.

    Returns ``(code, reason)`` for the first rule broken, or None when the URL may be sent.
    ``reason`` reads after "the media URL ..." (``"uses port 8080; ..."``). The one place
    these rules live: ``validate`` reports a sheet's URLs with it, the rules a library
    user's posts. DNS is not resolved here (a public name pointing at a private address is
    caught by Publora).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        return "MEDIA_URL_INVALID", f"is not a valid URL ({exc})"
    if not parts.scheme:
        return "MEDIA_URL_INVALID", "is not a valid URL (it needs https:// and a host)"
    if parts.scheme.lower() != "https":
        return "MEDIA_URL_PROTOCOL", f"uses {parts.scheme}://; Publora fetches media over https:// only"
    if parts.username is not None or parts.password is not None:
        return "MEDIA_URL_CREDENTIALS", "contains a user name or password; Publora refuses URLs with credentials"
    if port is not None and port != 443:
        return "MEDIA_URL_PORT", f"uses port {port}; Publora fetches media from port 443 only"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "MEDIA_URL_INVALID", "has no host name"
    blocked = f"points at {host}, a private or local address that Publora cannot reach"
    if host == "localhost" or host.endswith(_BLOCKED_SUFFIXES):
        return "MEDIA_URL_BLOCKED_HOST", blocked
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return ("MEDIA_URL_BLOCKED_HOST", blocked) if "." not in host else None  # a bare intranet name
    if not ip.is_global or ip.is_multicast:
        return "MEDIA_URL_BLOCKED_HOST", blocked
    return None


@dataclass(frozen=True)
class UrlProbe:
    """What the server says about a media URL."""

    url: str
    status: int | None = None
    mime: str | None = None
    """Sniffed from the first bytes when a ranged GET was made, else the Content-Type."""
    size: int | None = None
    error: str | None = None

    @property
    def kind(self) -> str:
        return _kind(self.mime)


def _size_from(headers: httpx.Headers) -> int | None:
    cr = headers.get("content-range")
    if cr and "/" in cr:
        total = cr.rsplit("/", 1)[1].strip()
        if total.isdigit():
            return int(total)
    cl = headers.get("content-length")
    return int(cl) if cl and cl.isdigit() else None


def probe_url(url: str, client: httpx.Client) -> UrlProbe:
    """HEAD the URL, then GET its first 261 bytes (``Range``) to sniff the real type and size.

    ``client`` is an ``httpx.Client`` the caller owns (timeouts, redirects). Never raises for
    an HTTP or network failure: the result carries ``error``.
    """
    import httpx

    size: int | None = None
    ctype: str | None = None
    try:
        head = client.head(url)
        if head.status_code < 400:
            size = _size_from(head.headers)
            ctype = (head.headers.get("content-type") or "").split(";")[0].strip().lower() or None
        # Stream, and stop after the first bytes: a server that ignores Range sends it all.
        with client.stream("GET", url, headers={"Range": "bytes=0-260"}) as resp:
            status = resp.status_code
            headers = resp.headers
            first = b""
            if status < 400:
                for chunk in resp.iter_bytes():
                    first += chunk
                    if len(first) >= 261:
                        break
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return UrlProbe(url, error=f"cannot be fetched ({exc.__class__.__name__})")
    if status >= 400:
        return UrlProbe(url, status=status, error=f"answers HTTP {status}")
    guess = filetype.guess(first[:261]) if first else None
    mime = guess.mime if guess else ctype
    if status == 206:
        size = _size_from(headers) or size
    elif size is None:
        size = _size_from(headers)
    return UrlProbe(url, status=status, mime=mime, size=size)
