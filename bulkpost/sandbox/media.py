"""The sandbox's media probe: what kind of file the uploaded bytes are, and how big.

Magic bytes only (no ffprobe): enough to tell an image from a video from a PDF, and to read
the pixel size of PNG, GIF and JPEG files.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["Probe", "family_of", "probe_bytes"]


@dataclass(frozen=True)
class Probe:
    """What the probe found: ``family`` is ``image``, ``video`` or ``document``."""

    family: str
    mime: str
    format: str
    width: int | None = None
    height: int | None = None


def family_of(content_type: str) -> str | None:
    """The media ``type`` for a MIME type, or ``None`` when uploads of it are refused."""
    if content_type.startswith("image/"):
        return "image"
    if content_type.startswith("video/"):
        return "video"
    if content_type == "application/pdf":
        return "document"
    return None


def _jpeg_size(head: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", head[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def probe_bytes(head: bytes) -> Probe | None:
    """Identify a file from its first bytes (pass at least 64 KiB for JPEG sizes)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return Probe("image", "image/png", "png", width, height)
    if head.startswith((b"GIF87a", b"GIF89a")) and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return Probe("image", "image/gif", "gif", width, height)
    if head.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(head)
        return Probe("image", "image/jpeg", "jpeg", width, height)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Probe("image", "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Probe("video", "video/x-msvideo", "avi")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return Probe("image", "image/avif", "avif")
        if brand in (b"heic", b"heix", b"mif1"):
            return Probe("image", "image/heic", "heic")
        if brand == b"qt  ":
            return Probe("video", "video/quicktime", "mov")
        return Probe("video", "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Probe("video", "video/webm", "webm")
    if head.startswith(b"%PDF-"):
        return Probe("document", "application/pdf", "pdf")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Probe("image", "image/tiff", "tiff")
    if head.startswith(b"BM"):
        return Probe("image", "image/bmp", "bmp")
    return None
