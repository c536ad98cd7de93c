"""Rebuild samples/: week.csv, week.xlsx and the media they use.

Run from the repository root: ``python samples/make_samples.py``. The media files are
committed, so this only needs to run when the sample changes. Images are drawn with Pillow
at sizes every target network accepts (Instagram: JPEG, aspect between 4:5 and 1.91:1); the
video is made with ffmpeg (H.264 + AAC, 360x640 = 9:16, 30 fps, 4 s, moov atom first, no
edit list) and is only rebuilt when ffmpeg is installed and the file is missing.

The week is 2031-03-03 (Monday) to 2031-03-09 so the sample never falls into the past.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
MEDIA = HERE / "media"

COLUMNS = [
    "content",
    "platforms",
    "scheduled_time",
    "timezone",
    "status",
    "media",
    "content_linkedin",
    "title",
    "first_comment",
    "youtube.privacy",
    "youtube.tags",
    "tiktok.viewerSetting",
    "tiktok.allowComments",
    "instagram.videoType",
    "instagram.shareToFeed",
    "telegram.disableNotification",
]

ROWS: list[dict[str, str]] = [
    {
        "content": "Lumen 2.0 is here: faster sync, offline mode and a brand new editor. https://example.com/lumen-2",
        "platforms": "twitter; linkedin",
        "scheduled_time": "2031-03-03 09:00",
        "timezone": "Europe/Berlin",
        "media": "media/launch-cover.jpg",
        "content_linkedin": (
            "Today we ship Lumen 2.0.\n\nThree things our customers asked for most:\n"
            "- sync that finishes before your coffee does\n- a real offline mode\n- an editor rebuilt from scratch\n\n"
            "Thank you to the 400 beta testers who told us what was broken. https://example.com/lumen-2"
        ),
        "first_comment": "Release notes: https://example.com/lumen-2/notes",
    },
    {
        "content": "Swipe through the three things that changed in Lumen 2.0 #productivity #lumen",
        "platforms": "instagram",
        "scheduled_time": "2031-03-03 12:30",
        "timezone": "Europe/Berlin",
        "media": "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg",
    },
    {
        "content": (
            "How we made sync 4x faster in Lumen 2.0, a thread.\n---\n"
            "1. We stopped sending whole documents. Only the changed blocks travel now.\n---\n"
            "2. Conflicts are merged on your device, so the server never waits for a lock.\n---\n"
            "3. The result: a 2 MB notebook syncs in under a second. Details: https://example.com/blog/sync"
        ),
        "platforms": "x, threads",
        "scheduled_time": "2031-03-04T10:00:00+01:00",
    },
    {
        "content": "Four seconds of Lumen 2.0 offline mode. No signal, no problem. #lumen #offline",
        "platforms": "tiktok",
        "scheduled_time": "2031-03-04 17:30",
        "timezone": "Europe/Berlin",
        "media": "media/teaser.mp4",
        "tiktok.viewerSetting": "PUBLIC_TO_EVERYONE",
        "tiktok.allowComments": "TRUE",
    },
    {
        "content": "A first look at offline mode in Lumen 2.0.\n\nRead more: https://example.com/lumen-2",
        "platforms": "youtube",
        "scheduled_time": "2031-03-05 10:00",
        "timezone": "America/New_York",
        "media": "media/teaser.mp4",
        "title": "Lumen 2.0: offline mode in four seconds",
        "youtube.privacy": "unlisted",
        "youtube.tags": "lumen, notes, offline",
    },
    {
        "content": "Sync times before and after Lumen 2.0. Smaller is better. https://example.com/blog/sync",
        "platforms": "bluesky; mastodon",
        "scheduled_time": "2031-03-05T14:00:00Z",
        "media": "media/sync-chart.png",
    },
    {
        "content": "*Lumen 2.0* is out. Update from the app menu, or read what changed: https://example.com/lumen-2",
        "platforms": "telegram",
        "scheduled_time": "2031-03-06 08:00",
        "timezone": "Europe/Berlin",
        "telegram.disableNotification": "TRUE",
    },
    {
        "content": "Our sync benchmark, published in full: methods, numbers and the scripts to rerun it yourself.",
        "platforms": "facebook; linkedin",
        "scheduled_time": "2031-03-06 13:00",
        "timezone": "Europe/Berlin",
        "media": "media/sync-chart.png",
    },
    {
        "content": "Offline mode, in motion. #lumen",
        "platforms": "instagram",
        "scheduled_time": "2031-03-07 11:00",
        "timezone": "Europe/Berlin",
        "media": "media/teaser.mp4",
        "instagram.videoType": "REELS",
        "instagram.shareToFeed": "TRUE",
    },
    {
        "content": "Draft for review: a customer story about moving a 10,000-note archive to Lumen.",
        "platforms": "linkedin",
        "status": "draft",
    },
    {
        "content": "Weekend reading: the three design rules behind the new Lumen editor.",
        "platforms": "threads",
        "scheduled_time": "2031-03-08 10:00",
        "timezone": "Europe/Berlin",
        "media": "media/carousel-3.jpg",
    },
    {
        "content": "That's a wrap on launch week. Thank you for every bug report, idea and kind word. See you next week!",
        "platforms": "twitter; bluesky; mastodon; threads",
        "scheduled_time": "2031-03-09 18:00",
        "timezone": "Europe/Berlin",
    },
]


def _image(path: Path, size: tuple[int, int], colors: tuple[str, str], label: int) -> None:
    w, h = size
    img = Image.new("RGB", size, colors[0])
    d = ImageDraw.Draw(img)
    d.rectangle([w // 10, h // 10, w - w // 10, h - h // 10], fill=colors[1])
    for i in range(label):
        x = w // 5 + i * (w // 6)
        d.ellipse([x, h // 2 - w // 14, x + w // 7, h // 2 + w // 14], fill=colors[0])
    if path.suffix == ".png":
        img.save(path, optimize=True)
    else:
        img.save(path, quality=80, optimize=True)


def _chart(path: Path) -> None:
    img = Image.new("RGB", (1200, 628), "#ffffff")
    d = ImageDraw.Draw(img)
    d.line([(100, 560), (1120, 560)], fill="#333333", width=4)
    for i, (before, after) in enumerate([(420, 110), (360, 95), (450, 120), (300, 80)]):
        x = 160 + i * 240
        d.rectangle([x, 560 - before, x + 70, 560], fill="#b0b7c3")
        d.rectangle([x + 80, 560 - after, x + 150, 560], fill="#2f6fed")
    img.save(path, optimize=True)


def _video(path: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if path.exists() or ffmpeg is None:
        return
    subprocess.run(
        [
            ffmpeg, "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=4",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=4",
            "-c:v", "libx264", "-profile:v", "main", "-pix_fmt", "yuv420p", "-crf", "34", "-g", "30",
            "-c:a", "aac", "-b:a", "48k", "-ac", "1",
            "-movflags", "+faststart", "-use_editlist", "0", "-shortest",
            str(path),
        ],
        check=True,
    )


def main() -> None:
    MEDIA.mkdir(exist_ok=True)
    _image(MEDIA / "launch-cover.jpg", (1080, 1350), ("#1d3557", "#f1faee"), 1)
    _image(MEDIA / "carousel-1.jpg", (1080, 1080), ("#264653", "#e9c46a"), 1)
    _image(MEDIA / "carousel-2.jpg", (1080, 1080), ("#264653", "#f4a261"), 2)
    _image(MEDIA / "carousel-3.jpg", (1080, 1080), ("#264653", "#e76f51"), 3)
    _chart(MEDIA / "sync-chart.png")
    _video(MEDIA / "teaser.mp4")

    with (HERE / "week.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in ROWS:
            w.writerow([r.get(c, "") for c in COLUMNS])

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "week"
    ws.append(COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in ROWS:
        values: list[object] = []
        for c in COLUMNS:
            v: object = r.get(c, "") or None
            if c == "scheduled_time" and isinstance(v, str) and len(v) == 16:
                v = datetime.strptime(v, "%Y-%m-%d %H:%M")  # a real Excel date-time cell
            elif c.endswith((".allowComments", ".shareToFeed", ".disableNotification")) and v:
                v = v == "TRUE"  # a real Excel boolean
            values.append(v)
        ws.append(values)
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if c.column_letter == "C" and isinstance(c.value, datetime):
                c.number_format = "yyyy-mm-dd hh:mm"
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 24
    ws.freeze_panes = "A2"
    wb.save(HERE / "week.xlsx")


if __name__ == "__main__":
    main()
