"""The validator: each finding code, the parsed Post, and the time rules."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bulkpost import ConfigError, Report, load_sheet, validate
from bulkpost.findings import Finding
from bulkpost.rules import RuleContext
from bulkpost.validate import CODES, parse_time_text

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2031, 1, 15, 12, 0, tzinfo=timezone.utc)
T = "2031-03-03 09:00"


def sheet(tmp_path: Path, rows: list[dict[str, Any]], name: str = "s.csv", columns: list[str] | None = None) -> Path:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    for need in ("content", "platforms"):
        if need not in cols and not any(c.startswith("content_") for c in cols if need == "content"):
            cols.append(need)
    p = tmp_path / name
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    return p


def check(tmp_path: Path, rows: list[dict[str, Any]], **kw: Any) -> Report:
    kw.setdefault("now", NOW)
    return validate(sheet(tmp_path, rows), **kw)


def own(report: Report) -> list[Finding]:
    """The findings of this module's checks (the per-network rules add their own, tested elsewhere)."""
    return [f for f in report.findings if f.code in CODES]


def codes(report: Report) -> list[str]:
    return [f.code for f in report.sorted_findings() if f.code in CODES]


def jpeg(path: Path, size: tuple[int, int] = (1080, 1080)) -> Path:
    from PIL import Image

    Image.new("RGB", size, "#336699").save(path, quality=80)
    return path


def only(report: Report, code: str) -> Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, (code, [(f.code, f.message) for f in report.findings])
    return found[0]


OK = {"content": "Hello", "platforms": "twitter", "scheduled_time": T}


def test_a_clean_row_parses_into_a_post(tmp_path: Path) -> None:
    media = jpeg(tmp_path / "pic.jpg")
    r = check(
        tmp_path,
        [
            {
                "content": "Hello\r\n---\r\nworld",
                "content_linkedin": "Hello LinkedIn",
                "platforms": "twitter-123; LinkedIn, bluesky-did:plc:abc\ntelegram--1001234567890",
                "scheduled_time": "2031-03-03 09:00",
                "timezone": "Europe/Berlin",
                "media": "pic.jpg; https://cdn.example.com/a.png",
                "media_2": "https://cdn.example.com/b.png",
                "title": "ignored unless youtube",
                "first_comment": "First!",
                "user": "507f1f77bcf86cd799439011",
                "status": "Scheduled",
                "youtube.privacy": "",
                "tiktok.allowComments": "",
                "linkedin.repostVisibility": "public",
                "telegram.disableNotification": "yes",
            }
        ],
    )
    post = r.posts[0]
    assert post.content == "Hello\n---\nworld"
    assert post.parts_for("twitter") == ["Hello", "world"]
    assert post.variants == {"linkedin": "Hello LinkedIn"}
    assert [(t.network, t.connection_id) for t in post.targets] == [
        ("twitter", "twitter-123"),
        ("linkedin", None),
        ("bluesky", "bluesky-did:plc:abc"),
        ("telegram", "telegram--1001234567890"),
    ]
    assert post.scheduled_at == datetime(2031, 3, 3, 8, 0, tzinfo=timezone.utc)
    assert post.local_time is not None and post.local_time.hour == 9 and post.timezone == "Europe/Berlin"
    assert [m.source for m in post.media] == ["pic.jpg", "https://cdn.example.com/a.png", "https://cdn.example.com/b.png"]
    assert post.media[0].path == media.resolve() and post.media[1].url == "https://cdn.example.com/a.png"
    assert [m.column for m in post.media] == ["media", "media", "media_2"]
    assert post.first_comment == "First!" and post.user == "507f1f77bcf86cd799439011" and post.status == "scheduled"
    assert post.settings == {"linkedin": {"repostVisibility": "PUBLIC"}, "telegram": {"disableNotification": True}}
    assert codes(r) == ["VALUE_NOT_USED"]  # the title, since the row does not post to YouTube
    assert r.valid_posts() == [post]


def test_every_code_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in readme, code


# --- required values and platforms -------------------------------------------------------------


def test_content_missing(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "  ", "platforms": "twitter", "scheduled_time": T}])
    f = only(r, "CONTENT_MISSING")
    assert (f.row, f.column, f.letter, f.severity) == (2, "content", "A", "error")
    assert f.message == 'Row 2, column "content": no text to post'


def test_content_missing_for_one_network_only(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "", "content_twitter": "for X", "platforms": "twitter; linkedin", "scheduled_time": T}])
    f = only(r, "CONTENT_MISSING")
    assert f.platform == "linkedin" and "no text for LinkedIn" in f.message


def test_linkedin_repost_needs_no_content(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "", "platforms": "linkedin", "scheduled_time": T, "linkedin.repostParentUrn": "urn:li:share:1"}])
    assert "CONTENT_MISSING" not in codes(r)


def test_platforms_missing(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{"content": "Hi", "platforms": " ; ", "scheduled_time": T}]), "PLATFORMS_MISSING")
    assert (f.row, f.column, f.severity) == (2, "platforms", "error")


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("myspace", "network name"),
        ("Twitter-123", "twitter-123"),
        ("x-123", "twitter-123"),
        ("twitter 123", "network name"),
    ],
)
def test_platform_unknown(tmp_path: Path, value: str, hint: str) -> None:
    f = only(check(tmp_path, [{"content": "Hi", "platforms": value, "scheduled_time": T}]), "PLATFORM_UNKNOWN")
    assert f.value == value and f.hint is not None and hint in f.hint


def test_platforms_pasted_as_a_json_list(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "Hi", "platforms": '["twitter-123", "linkedin-ABC"]', "scheduled_time": T}])
    assert own(r) == [] and [t.connection_id for t in r.posts[0].targets] == ["twitter-123", "linkedin-ABC"]


def test_platform_names_and_aliases(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "Hi", "platforms": "X, LinkedIn; ig\nYouTube;bsky;tg;fb;threads;tiktok;mastodon", "scheduled_time": T}])
    assert r.posts[0].networks == ["twitter", "linkedin", "instagram", "youtube", "bluesky", "telegram", "facebook", "threads", "tiktok", "mastodon"]
    assert all(t.connection_id is None for t in r.posts[0].targets)


def test_pinterest_is_not_publishable(tmp_path: Path) -> None:
    for value in ("pinterest", "pinterest-998877"):
        r = validate(sheet(tmp_path, [{"content": "Hi", "platforms": f"twitter; {value}", "scheduled_time": T}]), now=NOW)
        f = only(r, "PLATFORM_NOT_PUBLISHABLE")
        assert f.platform == "pinterest" and f.severity == "error"
        assert r.posts[0].networks == ["twitter"]


def test_platform_duplicate_is_dropped_with_a_warning(tmp_path: Path) -> None:
    r = check(tmp_path, [{"content": "Hi", "platforms": "twitter-1; linkedin; twitter-1; LinkedIn", "scheduled_time": T}])
    dups = [f for f in r.findings if f.code == "PLATFORM_DUPLICATE"]
    assert [f.value for f in dups] == ["twitter-1", "LinkedIn"] and all(f.severity == "warning" for f in dups)
    assert [t.raw for t in r.posts[0].targets] == ["twitter-1", "linkedin"]
    assert r.ok


def test_publora_csv_layout_validates_as_is(tmp_path: Path) -> None:
    p = tmp_path / "publora.csv"
    p.write_text(
        "content,platforms,scheduled_time,media_url\n"
        '"Hello from the API",twitter-123456;linkedin-ABC123,2026-03-01T09:00:00Z,https://example.com/a.jpg\n',
        encoding="utf-8",
    )
    r = validate(p, now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    assert r.ok and own(r) == []
    post = r.posts[0]
    assert [t.connection_id for t in post.targets] == ["twitter-123456", "linkedin-ABC123"]
    assert post.scheduled_at == datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    assert [m.url for m in post.media] == ["https://example.com/a.jpg"]


# --- status --------------------------------------------------------------------------------------


def test_status_invalid(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "status": "published"}]), "STATUS_INVALID")
    assert f.column == "status" and f.value == "published"


def test_draft_may_have_no_time_and_a_past_time(tmp_path: Path) -> None:
    r = check(
        tmp_path,
        [
            {"content": "a", "platforms": "x", "status": "draft", "scheduled_time": ""},
            {"content": "b", "platforms": "x", "status": "Draft", "scheduled_time": "2020-01-01 09:00"},
        ],
    )
    assert own(r) == []
    assert [p.status for p in r.posts] == ["draft", "draft"]
    assert r.posts[0].scheduled_at is None


# --- times ---------------------------------------------------------------------------------------


def test_time_missing(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{"content": "Hi", "platforms": "x", "scheduled_time": ""}]), "TIME_MISSING")
    assert f.column == "scheduled_time" and f.letter == "C"


def test_time_missing_without_a_time_column(tmp_path: Path) -> None:
    f = only(validate(sheet(tmp_path, [{"content": "Hi", "platforms": "x"}]), now=NOW), "TIME_MISSING")
    assert f.column == "scheduled_time" and f.letter is None and f.row == 2


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow", "2031-02-30 09:00", "2031-03-03", "2031-03-03 25:00", "45000", "32/13/2031 10:00",
        "3 March 2031", "Feb 30 2031 10:00", "3 Marz 2031 10:00", "Mo 3 Mar 2031 10:00",
    ],
)
def test_time_invalid(tmp_path: Path, value: str) -> None:
    f = only(check(tmp_path, [{**OK, "scheduled_time": value}]), "TIME_INVALID")
    assert f.column == "scheduled_time" and f.severity == "error"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031-03-03T09:00:00Z", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03T09:00:00.000Z", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03T10:00:00+01:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03 04:30-0430", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03 09:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03T09:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031-03-03 9:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("2031/03/03 9:00 pm", datetime(2031, 3, 3, 21, 0, tzinfo=timezone.utc)),
        ("2031-03-03 12:00 AM", datetime(2031, 3, 3, 0, 0, tzinfo=timezone.utc)),
        ("2031-03-03 09:00 UTC", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        # a spelled-out month is never ambiguous
        ("3 March 2031 09:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("03-Mar-2031 09:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("Mar 3, 2031 9:00 PM", datetime(2031, 3, 3, 21, 0, tzinfo=timezone.utc)),
        ("Monday, March 3, 2031 at 9:00", datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)),
        ("Sept 3rd 2031 10:00+01:00", datetime(2031, 9, 3, 9, 0, tzinfo=timezone.utc)),
    ],
)
def test_time_formats(tmp_path: Path, text: str, expected: datetime) -> None:
    r = check(tmp_path, [{**OK, "scheduled_time": text}])
    assert own(r) == [] and r.posts[0].scheduled_at == expected


def test_weekday_that_does_not_match_the_date(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "scheduled_time": "Tue, 3 Mar 2031 09:00"}]), "TIME_INVALID")
    assert "3 March 2031 is a Monday, not a Tuesday" in f.message


def test_date_ambiguous_needs_date_format(tmp_path: Path) -> None:
    rows = [{**OK, "scheduled_time": "03/04/2031 10:00"}]
    f = only(check(tmp_path, rows), "DATE_AMBIGUOUS")
    assert "03 April 2031 (day first) or 04 March 2031 (month first)" in f.message
    assert f.hint and "--date-format" in f.hint
    assert check(tmp_path, rows, date_format="dmy").posts[0].scheduled_at == datetime(2031, 4, 3, 10, tzinfo=timezone.utc)
    assert check(tmp_path, rows, date_format="mdy").posts[0].scheduled_at == datetime(2031, 3, 4, 10, tzinfo=timezone.utc)


def test_same_day_and_month_is_not_ambiguous(tmp_path: Path) -> None:
    r = check(tmp_path, [{**OK, "scheduled_time": "04/04/2031 10:00"}])
    assert own(r) == []


def test_date_order_guessed_once_for_the_sheet(tmp_path: Path) -> None:
    r = check(
        tmp_path,
        [
            {**OK, "content": "a", "scheduled_time": "25/03/2031 10:00"},
            {**OK, "content": "b", "scheduled_time": "26.03.2031 10:00"},
        ],
    )
    f = only(r, "DATE_ORDER_GUESSED")
    assert f.severity == "warning" and f.row is None and "rows 2, 3" in f.message and "day first" in f.message
    assert [p.scheduled_at.day for p in r.posts if p.scheduled_at] == [25, 26]
    # With --date-format the reading is explicit: no warning, and a date that does not fit is an error.
    assert own(check(tmp_path, [{**OK, "scheduled_time": "25/03/2031 10:00"}], date_format="dmy")) == []
    assert codes(check(tmp_path, [{**OK, "scheduled_time": "25/03/2031 10:00"}], date_format="mdy")) == ["TIME_INVALID"]


def test_month_first_guess(tmp_path: Path) -> None:
    r = check(tmp_path, [{**OK, "scheduled_time": "03/25/2031 10:00"}])
    assert "month first" in only(r, "DATE_ORDER_GUESSED").message
    assert r.posts[0].scheduled_at == datetime(2031, 3, 25, 10, tzinfo=timezone.utc)


def test_timezone_column_and_tz_option(tmp_path: Path) -> None:
    rows = [
        {**OK, "content": "a", "timezone": "America/New_York"},
        {**OK, "content": "b", "timezone": ""},
        {**OK, "content": "c", "timezone": "Asia/Tokyo", "scheduled_time": "2031-03-03T09:00:00Z"},  # offset wins
    ]
    r = check(tmp_path, rows, tz="Europe/Berlin")
    assert [p.scheduled_at.hour for p in r.posts if p.scheduled_at] == [14, 8, 9]
    assert [p.timezone for p in r.posts] == ["America/New_York", "Europe/Berlin", "Asia/Tokyo"]
    assert any("Europe/Berlin" in n for n in r.notes)


def test_default_zone_is_utc_and_the_report_says_so(tmp_path: Path) -> None:
    r = check(tmp_path, [OK])
    assert r.posts[0].scheduled_at == datetime(2031, 3, 3, 9, tzinfo=timezone.utc)
    assert "Times without a UTC offset are read in UTC. Use --tz or a timezone column for local times." in r.notes


def test_timezone_unknown(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "timezone": "Mars/Olympus"}]), "TIMEZONE_UNKNOWN")
    assert f.column == "timezone" and f.value == "Mars/Olympus"


def test_bad_tz_option_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        check(tmp_path, [OK], tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="unknown date format"):
        check(tmp_path, [OK], date_format="ymd")


def test_dst_gap_is_an_error(tmp_path: Path) -> None:
    # Europe/Berlin skips 02:00-03:00 on the last Sunday of March 2031 (30 March).
    f = only(check(tmp_path, [{**OK, "scheduled_time": "2031-03-30 02:30", "timezone": "Europe/Berlin"}]), "TIME_NONEXISTENT")
    assert "does not exist in Europe/Berlin" in f.message and f.severity == "error"


def test_dst_fold_is_a_warning_naming_both_times(tmp_path: Path) -> None:
    # Europe/Berlin repeats 02:00-03:00 on 26 October 2031.
    r = check(tmp_path, [{**OK, "scheduled_time": "2031-10-26 02:30", "timezone": "Europe/Berlin"}])
    f = only(r, "TIME_AMBIGUOUS")
    assert "2031-10-26 00:30 UTC or 2031-10-26 01:30 UTC" in f.message and f.severity == "warning"
    assert r.posts[0].scheduled_at == datetime(2031, 10, 26, 0, 30, tzinfo=timezone.utc)
    assert r.ok


def test_time_in_past(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "scheduled_time": "2031-01-15 11:59"}]), "TIME_IN_PAST")
    assert f.message == 'Row 2, column "scheduled_time": 2031-01-15 11:59 UTC is in the past'


def test_time_in_past_names_the_local_time(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "scheduled_time": "2031-01-15 12:30", "timezone": "Europe/Berlin"}]), "TIME_IN_PAST")
    assert "2031-01-15 12:30 Europe/Berlin (2031-01-15 11:30 UTC) is in the past" in f.message


def test_time_too_soon_and_min_lead(tmp_path: Path) -> None:
    rows = [{**OK, "scheduled_time": "2031-01-15 12:01"}]
    f = only(check(tmp_path, rows), "TIME_TOO_SOON")
    assert "less than 2 minutes from now" in f.message
    assert own(check(tmp_path, rows, min_lead_minutes=0.5)) == []
    assert codes(check(tmp_path, [{**OK, "scheduled_time": "2031-01-15 12:20"}], min_lead_minutes=30)) == ["TIME_TOO_SOON"]


def test_separate_date_and_time_columns(tmp_path: Path) -> None:
    r = validate(sheet(tmp_path, [{"content": "Hi", "platforms": "x", "date": "2031-03-03", "time": "9:30 pm"}]), now=NOW)
    assert own(r) == [] and r.posts[0].scheduled_at == datetime(2031, 3, 3, 21, 30, tzinfo=timezone.utc)
    r = validate(sheet(tmp_path, [{"content": "Hi", "platforms": "x", "date": "2031-03-03", "time": "half past"}]), now=NOW)
    assert only(r, "TIME_INVALID").column == "time"
    r = validate(sheet(tmp_path, [{"content": "Hi", "platforms": "x", "date": "2031-03-03", "time": ""}]), now=NOW)
    assert only(r, "TIME_INVALID").column == "time"
    r = validate(sheet(tmp_path, [{"content": "Hi", "platforms": "x", "date": "", "time": ""}]), now=NOW)
    assert only(r, "TIME_MISSING").column == "date"


def test_xlsx_datetimes_and_time_cells(tmp_path: Path) -> None:
    from datetime import time as clock

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "date", "time", "timezone"])
    ws.append(["a", "x", datetime(2031, 3, 3), clock(9, 15), "Europe/Berlin"])
    ws.append(["b", "x", datetime(2031, 3, 3, 10, 0), None, ""])
    ws.append(["c", "x", datetime(2031, 3, 3), 0.75, ""])  # a time typed as a fraction of a day
    p = tmp_path / "dates.xlsx"
    wb.save(p)
    r = validate(p, now=NOW)
    assert own(r) == []
    assert [p.scheduled_at for p in r.posts] == [
        datetime(2031, 3, 3, 8, 15, tzinfo=timezone.utc),
        datetime(2031, 3, 3, 10, 0, tzinfo=timezone.utc),
        datetime(2031, 3, 3, 18, 0, tzinfo=timezone.utc),
    ]


def test_xlsx_date_only_cell_needs_a_time(tmp_path: Path) -> None:
    # A date typed into scheduled_time is not posted at midnight: like "2031-03-03" in a CSV,
    # it lacks the time of day. In a separate date column it is the date part.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(["a", "x", datetime(2031, 3, 3)])
    ws["C2"].number_format = "dd/mm/yyyy"
    p = tmp_path / "dateonly.xlsx"
    wb.save(p)
    f = only(validate(p, now=NOW), "TIME_INVALID")
    assert f.cell == "C2" and "2031-03-03 has a date but no time of day" in f.message


def test_xlsx_number_in_time_column_is_invalid(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(["a", "x", 45000])
    p = tmp_path / "num.xlsx"
    wb.save(p)
    f = only(validate(p, now=NOW), "TIME_INVALID")
    assert "is a number" in f.message


def test_parse_time_text_directly() -> None:
    parsed = parse_time_text("03/04/2031", date_format="mdy", need_time=False)
    assert parsed.value == datetime(2031, 3, 4) and parsed.offset is None


# --- media ---------------------------------------------------------------------------------------


def test_media_not_found(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "media": "media/missing.jpg"}]), "MEDIA_NOT_FOUND")
    assert f.column == "media" and str(tmp_path / "media" / "missing.jpg") in f.message
    f = only(check(tmp_path, [{**OK, "media": "a.jpg, b.jpg"}]), "MEDIA_NOT_FOUND")
    assert f.hint is not None and f.hint.startswith("Separate several files with ;")


def test_media_paths_are_relative_to_the_sheet_not_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "media").mkdir()
    jpeg(tmp_path / "media" / "a.png")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = check(tmp_path, [{**OK, "media": "media/a.png\nmedia\\a.png"}])
    assert own(r) == [] and [m.path for m in r.posts[0].media] == [(tmp_path / "media" / "a.png").resolve()] * 2


def test_media_unreadable(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.jpg").write_bytes(b"")
    r = check(tmp_path, [{**OK, "media": "folder", "media_2": "empty.jpg"}])
    found = sorted((f.column, f.message.split(": ", 1)[1]) for f in r.findings if f.code == "MEDIA_UNREADABLE")
    assert found == [("media", "media file 'folder' is a folder, not a file"), ("media_2", "media file 'empty.jpg' is empty (0 bytes)")]


def test_media_that_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    f = only(check(tmp_path, [{**OK, "media": "pipe.jpg"}]), "MEDIA_UNREADABLE")
    assert f.message.endswith("media file 'pipe.jpg' is not a regular file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_media_without_permission(tmp_path: Path) -> None:
    p = tmp_path / "secret.jpg"
    p.write_bytes(b"x")
    p.chmod(0)
    assert "MEDIA_UNREADABLE" in codes(check(tmp_path, [{**OK, "media": "secret.jpg"}]))


@pytest.mark.parametrize("url", ["http://example.com/a.jpg", "ftp://example.com/a.jpg", "file:///tmp/a.jpg"])
def test_media_url_not_https(tmp_path: Path, url: str) -> None:
    f = only(check(tmp_path, [{**OK, "media": url}]), "MEDIA_URL_NOT_HTTPS")
    assert f.severity == "error" and f.value == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://user:pass@example.com/a.jpg", "user name or password"),
        ("https://example.com:8443/a.jpg", "port 8443"),
        ("https://localhost/a.jpg", "private or local"),
        ("https://192.168.1.10/a.jpg", "private or local"),
        ("https://[::1]/a.jpg", "private or local"),
        ("https://files.internal/a.jpg", "private or local"),
        ("https:///a.jpg", "no host name"),
    ],
)
def test_media_url_invalid(tmp_path: Path, url: str, problem: str) -> None:
    f = only(check(tmp_path, [{**OK, "media": url}]), "MEDIA_URL_INVALID")
    assert problem in f.message
    assert "pass" not in (f.value or "")  # credentials never echoed


@pytest.mark.parametrize(
    "url",
    [
        "https://100.64.1.1/a.jpg",  # shared address space: not public
        "https://printer.localdomain/a.jpg",
        "https://nas.lan/a.jpg",
        "https://224.0.0.1/a.jpg",  # multicast
        "https://[fe80::1]/a.jpg",
    ],
)
def test_media_url_rules_are_the_rules_module_s(tmp_path: Path, url: str) -> None:
    # One set of URL rules: the validator and bulkpost.rules agree, so a URL is reported once,
    # under one code (these used to pass one check and fail the other).
    from bulkpost.rules import check_url_syntax

    assert check_url_syntax(url) is not None
    report = check(tmp_path, [{**OK, "media": url}])
    assert [f.code for f in report.findings if f.code.startswith("MEDIA_URL")] == ["MEDIA_URL_INVALID"]
    assert "private or local" in only(report, "MEDIA_URL_INVALID").message


def test_media_order_follows_the_columns(tmp_path: Path) -> None:
    urls = {f"media_{i}": f"https://cdn.example.com/{i}.jpg" for i in (3, 1, 2)}
    r = validate(sheet(tmp_path, [{**OK, **urls}], columns=["content", "platforms", "scheduled_time", "media_3", "media_1", "media_2"]), now=NOW)
    assert [m.url for m in r.posts[0].media] == [f"https://cdn.example.com/{i}.jpg" for i in (3, 1, 2)]


# --- settings ------------------------------------------------------------------------------------


def test_setting_unknown_is_one_finding_for_the_column(tmp_path: Path) -> None:
    rows = [{**OK, "platforms": "youtube", "youtube.colour": "red"}, {**OK, "platforms": "youtube", "content": "b", "youtube.colour": "blue"}]
    f = only(check(tmp_path, rows), "SETTING_UNKNOWN")
    assert f.row == 1 and f.letter == "D" and f.column == "youtube.colour"
    assert f.hint and "privacy" in f.hint


def test_setting_unknown_for_a_network_without_settings(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "platforms": "pinterest-1", "pinterest.board": "recipes"}]), "SETTING_UNKNOWN")
    assert f.hint == "Publora accepts no settings for Pinterest; delete the column."


def test_setting_not_supported(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "platforms": "youtube", "youtube.thumbnail": '{"url": "x"}'}]), "SETTING_NOT_SUPPORTED")
    assert f.column == "youtube.thumbnail" and f.row == 1


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("youtube.privacy", "secret", "one of private, public, unlisted"),
        ("tiktok.viewerSetting", "everyone", "one of PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS"),
        ("tiktok.allowComments", "maybe", "TRUE or FALSE"),
        ("youtube.playlist", "PL123", "a JSON object"),
    ],
)
def test_setting_invalid(tmp_path: Path, column: str, value: str, allowed: str) -> None:
    network = column.split(".")[0]
    f = only(check(tmp_path, [{**OK, "platforms": network, column: value}]), "SETTING_INVALID")
    assert f.column == column and allowed in f.message and f.value == value and f.platform == network


def test_settings_are_parsed(tmp_path: Path) -> None:
    r = check(
        tmp_path,
        [
            {
                **OK,
                "platforms": "youtube; tiktok; instagram",
                "youtube.privacy": "Unlisted",
                "youtube.tags": "a, b,c",
                "youtube.playlist": '{"id": "PL1", "platformId": "youtube-UC1"}',
                "tiktok.viewerSetting": "self_only",
                "tiktok.allowDuet": "0",
                "instagram.videoType": "reels",
            }
        ],
    )
    assert own(r) == []
    assert r.posts[0].settings == {
        "youtube": {"privacy": "unlisted", "tags": ["a", "b", "c"], "playlist": {"id": "PL1", "platformId": "youtube-UC1"}},
        "tiktok": {"viewerSetting": "SELF_ONLY", "allowDuet": False},
        "instagram": {"videoType": "REELS"},
    }
    assert r.posts[0].setting_columns["youtube.privacy"] == "youtube.privacy"


def test_value_not_used(tmp_path: Path) -> None:
    r = check(tmp_path, [{**OK, "platforms": "twitter", "content_linkedin": "for LinkedIn", "youtube.privacy": "public"}])
    found = sorted((f.column, f.platform) for f in r.findings if f.code == "VALUE_NOT_USED")
    assert found == [("content_linkedin", "linkedin"), ("youtube.privacy", "youtube")]
    assert r.ok


# --- user, duplicates, sheet-level ----------------------------------------------------------------


def test_user_invalid(tmp_path: Path) -> None:
    f = only(check(tmp_path, [{**OK, "user": "alice"}]), "USER_INVALID")
    assert f.value == "alice"


def test_duplicate_row_names_the_earlier_row(tmp_path: Path) -> None:
    rows = [OK, {**OK, "content": "other"}, {**OK, "platforms": "Twitter"}, {**OK, "scheduled_time": "2031-03-03 10:00"}]
    f = only(check(tmp_path, rows), "DUPLICATE_ROW")
    assert f.row == 4 and "as row 2" in f.message and f.severity == "warning"
    # Times that cannot be read are compared as written.
    same = check(tmp_path, [{**OK, "scheduled_time": "soon"}, {**OK, "scheduled_time": "soon"}])
    assert codes(same).count("DUPLICATE_ROW") == 1
    other = check(tmp_path, [{**OK, "scheduled_time": "soon"}, {**OK, "scheduled_time": "later"}])
    assert "DUPLICATE_ROW" not in codes(other)


def test_unknown_columns_listed_once(tmp_path: Path) -> None:
    rows = [{**OK, "campaign": "spring", "owner": "ana"}, {**OK, "content": "b", "campaign": "spring", "owner": "bo"}]
    r = check(tmp_path, rows)
    f = only(r, "UNKNOWN_COLUMNS")
    assert f.row is None and '"campaign", "owner"' in f.message and f.severity == "warning"
    assert r.posts[1].row.extra["owner"].value == "bo"


def test_unnamed_column(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("content,platforms,scheduled_time\nHi,x,2031-03-03 09:00,stray\nHo,x,2031-03-03 10:00,more\n", encoding="utf-8")
    f = only(validate(p, now=NOW), "UNNAMED_COLUMN")
    assert f.letter == "D" and "first on row 2" in f.message


def test_encoding_guessed(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_bytes("content,platforms,scheduled_time\nCafé,x,2031-03-03 09:00\n".encode("cp1252"))
    r = validate(p, now=NOW)
    assert only(r, "ENCODING_GUESSED").severity == "warning"
    assert r.posts[0].content == "Café"
    assert not any("Windows-1252" in n for n in r.notes)  # said once, as the finding


def test_formulas_not_calculated(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(['="Hello "&"world"', "x", "2031-03-03 09:00"])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    r = validate(p, now=NOW)
    f = only(r, "FORMULAS_NOT_CALCULATED")
    assert f.message.startswith("1 formula cell has no saved result") and f.severity == "warning"
    assert "CONTENT_MISSING" in codes(r)  # what the user would otherwise be puzzled by


def test_empty_sheet(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("content,platforms,scheduled_time\n,,\n", encoding="utf-8")
    r = validate(p, now=NOW)
    f = only(r, "EMPTY_SHEET")
    assert f.severity == "error" and not r.ok and r.rows == 0
    assert f.message == "The sheet has a header but no rows to post."


def test_every_code_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for code in CODES:
        assert f'"{code}"' in source, code


# --- the report and the rules hook ----------------------------------------------------------------


def test_all_findings_of_all_rows_in_one_pass(tmp_path: Path) -> None:
    rows = [
        {"content": "", "platforms": "", "scheduled_time": "never"},
        {"content": "ok", "platforms": "myspace", "scheduled_time": "2020-01-01 00:00", "media": "gone.jpg"},
    ]
    r = check(tmp_path, rows)
    assert sorted(codes(r)) == sorted(["CONTENT_MISSING", "PLATFORMS_MISSING", "TIME_INVALID", "PLATFORM_UNKNOWN", "TIME_IN_PAST", "MEDIA_NOT_FOUND"])
    assert r.rows_with_errors() == {2, 3} and r.valid_posts() == []
    assert len(r.posts) == 2


def test_validate_accepts_a_sheet_or_a_path(tmp_path: Path) -> None:
    p = sheet(tmp_path, [OK])
    a = validate(p, now=NOW).to_dict()
    b = validate(load_sheet(p), now=NOW).to_dict()
    c = validate(str(p), now=NOW).to_dict()
    assert a == b == c


def test_strict_and_rule_context_reach_the_rules(tmp_path: Path) -> None:
    long_x = {**OK, "content": "word " * 70}  # 350 characters, no thread parts
    lenient = [f for f in check(tmp_path, [long_x]).findings if f.platform == "twitter"]
    strict = [f for f in check(tmp_path, [long_x], strict=True).findings if f.platform == "twitter"]
    assert [(f.code, f.severity) for f in lenient] == [("CONTENT_TOO_LONG", "warning")]
    assert [(f.code, f.severity) for f in strict] == [("CONTENT_TOO_LONG", "error")]
    # an explicit RuleContext is used as given: its own strictness wins
    given = [f for f in check(tmp_path, [long_x], rule_context=RuleContext(now=NOW, strict=True)).findings if f.platform == "twitter"]
    assert [(f.code, f.severity) for f in given] == [("CONTENT_TOO_LONG", "error")]


def test_samples_validate_clean() -> None:
    for name in ("week.csv", "week.xlsx"):
        r = validate(ROOT / "samples" / name)
        assert r.findings == [], [(f.code, f.message) for f in r.findings]
        assert r.rows == 12
        assert {n for p in r.posts for n in p.networks} >= {"twitter", "linkedin", "instagram", "tiktok", "youtube", "threads", "bluesky", "mastodon", "telegram", "facebook"}


def test_samples_csv_and_xlsx_agree() -> None:
    a = validate(ROOT / "samples" / "week.csv").posts
    b = validate(ROOT / "samples" / "week.xlsx").posts
    assert [(p.content, [t.raw for t in p.targets], p.scheduled_at, p.settings, [m.source for m in p.media], p.status) for p in a] == [
        (p.content, [t.raw for t in p.targets], p.scheduled_at, p.settings, [m.source for m in p.media], p.status) for p in b
    ]


def test_now_may_be_naive_utc(tmp_path: Path) -> None:
    r = check(tmp_path, [{**OK, "scheduled_time": "2031-01-15 11:00"}], now=datetime(2031, 1, 15, 12, 0))
    assert codes(r) == ["TIME_IN_PAST"]
    r = check(tmp_path, [{**OK, "scheduled_time": "2031-01-15 13:00"}], now=NOW - timedelta(days=1))
    assert own(r) == []
