"""Build samples/broken.csv and the media it uses: rows that each break per-network rules.

Run it from anywhere, also from a copy of ``samples/`` alone: ``python samples/make_broken.py``.
It writes ``broken.csv`` (committed) and the media under ``broken-media/`` beside itself (not
committed: one file is over 2 MB, so it is rebuilt here). The images are drawn here with Pillow;
the three tiny videos ship in ``samples/broken-src/`` (the same files as the tests' fixtures in
``tests/data``, made once with ffmpeg) and the TikTok video is ``samples/media/teaser.mp4``. Then::

    python -m bulkpost validate samples/broken.csv

shows every rule of ``bulkpost.rules`` firing (README "Platform rules"). The rules that need
connection facts (``CONNECTION_*``) fire when those are given (online, or in
``tests/test_broken_sample.py``). Dates are in 2031 so the sample never falls into the past.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
MEDIA = HERE / "broken-media"
#: Videos that cannot be drawn with Pillow, shipped with the samples (a few KB each).
VIDEOS = HERE / "broken-src"

COLUMNS = ["content", "platforms", "scheduled_time", "media", "title", "first_comment", "content_linkedin"]

M = "broken-media/"
DAY = "2031-04-07"


def rows() -> list[dict[str, str]]:
    """The broken rows; each comment says which codes it fires."""
    r: list[dict[str, str]] = []

    def add(content: str, platforms: str, time: str, **extra: str) -> None:
        r.append({"content": content, "platforms": platforms, "scheduled_time": f"{DAY} {time}", **extra})

    long_x = "Our spring update is here. " * 12  # 323 characters: X auto-threads (warning)
    add(long_x.strip(), "twitter", "08:00")  # CONTENT_TOO_LONG (warning)
    add("Thread start\n---\n" + "A part that is far too long for one post. " * 8, "twitter", "08:05")  # THREAD_PART_TOO_LONG
    add("Short intro\n---\nsecond part", "linkedin-Tz9W5i6ZYG", "08:10",
        content_linkedin="Our long read. " * 201, first_comment="Details: " + "x" * 1250)
    # ^ THREAD_SEPARATOR_IGNORED is not fired here (the LinkedIn variant has no ---); see next row
    add("Line one\n---\nLine two", "facebook", "08:15")  # THREAD_SEPARATOR_IGNORED
    add("👨‍👩‍👧‍👦" * 150, "bluesky", "08:20")  # CONTENT_TOO_MANY_BYTES + PUBLORA_COUNT_OVER_LIMIT
    add("Caption " * 140, "telegram", "08:25", media=M + "square.jpg")  # CAPTION_TOO_LONG
    add("How we use <b> tags", "youtube", "08:30", media=M + "short.mp4", title="T" * 101)  # INVALID_CHARACTERS, TITLE_TOO_LONG
    tags = " ".join(f"#spring{i}" for i in range(6))
    people = " ".join(f"@friend{i}" for i in range(21))
    add(f"Spring! {tags} {people}", "instagram", "08:35", media=M + "tall.jpg")  # hashtags, mentions, aspect
    add("Links: " + " ".join(f"https://site{i}.example.com" for i in range(6)), "threads", "08:40")  # TOO_MANY_LINKS
    add("A TikTok without a video", "tiktok", "08:45")  # MEDIA_REQUIRED
    add("A YouTube post with a photo", "youtube", "08:50", media=M + "square.jpg")  # VIDEO_REQUIRED, IMAGES_NOT_SUPPORTED
    add("Our whitepaper", "facebook", "08:55", media=M + "paper.pdf")  # DOCUMENTS_NOT_SUPPORTED
    add("Photo and clip", "facebook", "09:00", media=f"{M}square.jpg; {M}short.mp4")  # MEDIA_MIXED
    add("Five photos", "twitter", "09:05", media="; ".join([M + "square.jpg"] * 5))  # MEDIA_COUNT_EXCEEDED
    add("A GIF for Instagram", "instagram", "09:10", media=M + "still.gif")  # MEDIA_TYPE_NOT_SUPPORTED
    add("A heavy photo", "bluesky", "09:15", media=M + "noise.png")  # MEDIA_SIZE_EXCEEDED
    add("A huge photo", "linkedin", "09:20", media=M + "huge.png")  # MEDIA_DIMENSIONS_INVALID
    add("A long, tall video", "twitter", "09:25", media=M + "long_tall.mp4")  # VIDEO_DURATION_EXCEEDED, aspect
    add("A short, slow video", "tiktok", "09:30", media=M + "short.mp4")  # VIDEO_DURATION_TOO_SHORT, VIDEO_FPS_INVALID
    add("An animated GIF", "twitter", "09:35", media=M + "anim.gif")  # MEDIA_ANIMATION_LOST
    add("An old MPEG-4 clip", "twitter", "09:37", media=M + "mpeg4.mp4")  # VIDEO_CODEC_NOT_SUPPORTED
    add("A broken photo", "twitter", "09:40", media=M + "broken.jpg")  # MEDIA_UNREADABLE
    add("A photo with the wrong name", "twitter", "09:45", media=M + "really-webp.jpg")  # MEDIA_EXTENSION_MISMATCH
    add("A missing photo", "twitter", "09:50", media=M + "missing.jpg")  # MEDIA_NOT_FOUND (validator)
    urls = "; ".join(f"https://cdn.example.com/p{i}.jpg" for i in range(11))
    add("Eleven photos by URL", "facebook", "09:55", media=urls)  # MEDIA_URL_COUNT_EXCEEDED, MEDIA_COUNT_EXCEEDED
    add("An X reply", "twitter", "10:00", first_comment="日本" * 71)  # FIRST_COMMENT_TOO_LONG (284 weighted)
    add("Toot " + "a" * 600, "mastodon", "10:05")  # CONTENT_TOO_LONG (error)
    add("Same words again", "mastodon", "10:10")
    add("Same words again", "mastodon", "18:10")  # DUPLICATE_TEXT
    add("Two at once", "mastodon", "11:00")
    add("Two at once, really", "mastodon", "11:00")  # SAME_MINUTE
    for i in range(6):  # the 11th Mastodon post of the day: DAILY_CAP_EXCEEDED (cap 10)
        add(f"Daily note {i + 1}", "mastodon", f"{12 + i}:00")
    add("Expired connection", "tiktok-ExpiredTok1", "10:15", media=M + "tiktok.mp4")  # CONNECTION_EXPIRED (online)
    return r


def make_media(folder: Path = MEDIA) -> None:
    """Write the broken media into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (600, 600), (30, 90, 200)).save(folder / "square.jpg", "JPEG")
    Image.new("RGB", (400, 1000), (30, 90, 200)).save(folder / "tall.jpg", "JPEG")
    Image.new("RGB", (64, 64), (200, 90, 30)).save(folder / "still.gif", "GIF")
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(folder / "anim.gif", "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    # seeded noise (PNG cannot compress it): the same 2.4 MB file on every build
    noise = random.Random(7).randbytes(900 * 900 * 3)
    Image.frombytes("RGB", (900, 900), noise).save(folder / "noise.png", "PNG")
    Image.new("RGB", (6100, 6000), (250, 250, 250)).save(folder / "huge.png", "PNG")  # 36.6 MP
    Image.new("RGB", (300, 300), (10, 160, 60)).save(folder / "really-webp.jpg", "WEBP")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"cut off here")
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    for name in ("short.mp4", "long_tall.mp4", "mpeg4.mp4"):
        shutil.copyfile(VIDEOS / name, folder / name)
    shutil.copyfile(HERE / "media" / "teaser.mp4", folder / "tiktok.mp4")


def write_csv(path: Path = HERE / "broken.csv") -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for row in rows():
            w.writerow(row)


if __name__ == "__main__":
    write_csv()
    make_media()
    print(f"wrote {HERE / 'broken.csv'} and {MEDIA}/")
