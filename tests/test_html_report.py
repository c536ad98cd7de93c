"""The HTML report: content, self-containment, and a real render in headless Chromium."""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw

from bulkpost.findings import WARNING, Report, finding
from bulkpost.html_report import RowOutcome, _outcomes, render_html_report, write_html_report
from bulkpost.model import Cell, MediaRef, Post, Row, Target

BERLIN = ZoneInfo("Europe/Berlin")


def _image(path: Path, color: tuple[int, int, int], size: tuple[int, int] = (1200, 900)) -> Path:
    im = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(im)
    for x in range(0, size[0], 60):
        draw.line([(x, 0), (x + 300, size[1])], fill=tuple(min(255, c + 40) for c in color), width=18)
    draw.ellipse([size[0] // 3, size[1] // 4, size[0] // 3 * 2, size[1] // 4 * 3], fill=(255, 255, 255))
    im.save(path)
    return path


def _post(
    folder: Path,
    number: int,
    content: str,
    networks: list[str],
    when: tuple[int, ...] | None,
    media: list[Path] | None = None,
    *,
    variants: dict[str, str] | None = None,
    status: str = "scheduled",
) -> Post:
    row = Row(str(folder / "week.csv"), None, number, {"content": Cell("content", "content", "A", content)})
    local = datetime(*when, tzinfo=BERLIN) if when else None  # type: ignore[misc]
    return Post(
        row=row,
        content=content,
        variants=variants or {},
        targets=[Target(n, None, n) for n in networks],
        scheduled_at=local.astimezone(timezone.utc) if local else None,
        local_time=local,
        timezone="Europe/Berlin",
        status=status,
        media=[MediaRef(str(m), "media", path=m) for m in media or []],
    )


def week_report(folder: Path) -> Report:
    """A realistic week: 10 rows over 7 days and 10 networks, images, a video, a thread, a draft."""
    launch = _image(folder / "launch.jpg", (79, 70, 229))
    team = _image(folder / "team.jpg", (13, 148, 136))
    cake = _image(folder / "cake.png", (219, 39, 119), (800, 800))
    video = folder / "teaser.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    posts = [
        _post(folder, 2, "We're live! Planner 2.0 ships today.\n\nhttps://acme.example/blog", ["linkedin", "twitter"], (2030, 6, 3, 9, 0), [launch]),
        _post(folder, 3, "Behind the scenes of the launch.", ["instagram", "facebook"], (2030, 6, 3, 12, 30), [team, cake]),
        _post(folder, 4, "Export everything as iCal or JSON.", ["bluesky", "mastodon", "threads"], (2030, 6, 4, 10, 0)),
        _post(folder, 5, "Sixty seconds with Planner 2.0.", ["youtube", "tiktok"], (2030, 6, 5, 8, 15), [video]),
        _post(folder, 6, "A thread 🧵\n---\n1/ events\n---\n2/ fields", ["twitter", "threads"], (2030, 6, 5, 17, 0)),
        _post(folder, 7, "Live Q&A Thursday.", ["facebook", "linkedin", "telegram"], (2030, 6, 6, 11, 0),
              variants={"linkedin": "Live Q&A Thursday with the engineering team."}),
        _post(folder, 8, "Weekend reading <script>alert(1)</script> " * 9, ["twitter", "linkedin"], (2030, 6, 7, 16, 0)),
        _post(folder, 9, "Happy weekend 🎉", ["instagram", "telegram"], (2030, 6, 8, 10, 0), [cake]),
        _post(folder, 10, "Roadmap poll.", ["mastodon", "bluesky", "linkedin"], (2030, 6, 9, 18, 30)),
        _post(folder, 11, "Customer story (waiting for approval)", ["linkedin"], None, status="draft"),
    ]
    report = Report(file=str(folder / "week.csv"), rows=len(posts), posts=posts, notes=["Times read in Europe/Berlin."])
    report.add(
        [
            finding("TEXT_TOO_LONG", "390 characters as X counts them; X allows 280.", row=posts[6].row,
                    key="content", platform="twitter", hint="Shorten it."),
            finding("DUPLICATE_TEXT", "same text twice.", row=posts[4].row, key="content", severity=WARNING),
            finding("SHEET_NOTE", "a sheet-level warning.", severity=WARNING),
        ]
    )
    return report


# --- content ----------------------------------------------------------------------------


def test_report_is_self_contained(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    # No script, no stylesheet link, no remote URL in any attribute or CSS: it opens offline.
    assert "<script" not in page.replace("&lt;script", "")
    assert "<link" not in page
    assert not re.search(r'(src|href)="(?!#|data:)', page)
    assert "url(" not in page
    assert "default-src 'none'" in page  # and the page forbids fetching anything at all


def test_user_text_is_escaped(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_summary_counts_and_networks(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    cards = dict(re.findall(r'<div class="num">(\d+)</div><div class="lbl">([^<]+)</div>', page))
    assert {v: int(k) for k, v in cards.items()} == {"rows": 10, "posts to networks": 22, "errors": 1, "warnings": 2}
    assert "1 row to fix" in page
    # the legend counts posts per network
    assert re.search(r"LinkedIn <b>5</b>", page)


def test_every_finding_links_to_its_row(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    anchors = set(re.findall(r'<article class="row[^"]*" id="(row-\d+)"', page))
    assert anchors == {f"row-{n}" for n in range(2, 12)}
    table = page.split('<table class="findings">', 1)[1].split("</table>", 1)[0]
    links = re.findall(r'href="#(row-\d+)"', table)
    assert links == ["row-8", "row-6"]  # errors first, then warnings; the sheet-level one has no link
    assert all(link in anchors for link in links)
    assert "a sheet-level warning" in table


def test_week_calendar_places_posts_by_local_time(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    assert "Week of Mon 03 Jun 2030 – Sun 09 Jun 2030" in page
    week = page.split('<div class="week"', 1)[1].split("</section>", 1)[0]
    # 10 lanes (every network used), 7 day cells each
    assert len(re.findall(r'class="wk-lane', week)) == 10
    assert len(re.findall(r'class="wk-cell', week)) == 70
    # one chip per (row, network) with a time; the draft without time is listed apart
    chips = re.findall(r'<a class="chip net-(\w+)[^"]*" href="#row-(\d+)"[^>]*><span class="time">([\d:—]+)</span>', page)
    assert ("twitter", "2", "09:00") in chips and ("linkedin", "2", "09:00") in chips
    assert ("telegram", "9", "10:00") in chips
    assert ("linkedin", "11", "—") in chips
    assert len(chips) == 22
    # the error on row 8 concerns X only: the X chip is marked, the LinkedIn one is not
    assert re.search(r'class="chip net-twitter st-invalid" href="#row-8"', page)
    assert re.search(r'class="chip net-linkedin" href="#row-8"', page)


def test_month_view_for_a_longer_batch(tmp_path: Path) -> None:
    posts = [
        _post(tmp_path, 2, "first", ["twitter"], (2030, 6, 28, 9, 0)),
        _post(tmp_path, 3, "second", ["linkedin"], (2030, 7, 15, 9, 30)),
    ]
    page = render_html_report(Report(file="long.csv", rows=2, posts=posts))
    assert "<h3>June 2030</h3>" in page and "<h3>July 2030</h3>" in page
    assert 'class="wk-lane' not in page
    assert re.search(r'class="chip net-linkedin compact" href="#row-3"[^>]*><b>09:30</b>', page)


def test_length_bars_use_the_network_limit(tmp_path: Path) -> None:
    report = week_report(tmp_path)
    calls: list[tuple[str, str, bool]] = []

    def measure(text: str, network: str, has_media: bool) -> tuple[int, int | None]:
        calls.append((text, network, has_media))
        return len(text), {"twitter": 280, "telegram": 1024 if has_media else 4096}.get(network, 3000)

    page = render_html_report(report, measure=measure)
    row8 = page.split('id="row-8"', 1)[1].split("</article>", 1)[0]
    n = len(report.posts[6].content)
    assert f"{n:,} / 280" in row8 and 'class="bar net-twitter over"' in row8
    assert f"{n:,} / 3,000" in row8
    # thread parts are measured one by one on X and Threads, whole on others
    assert ("1/ events", "twitter", False) in calls
    row6 = page.split('id="row-6"', 1)[1].split("</article>", 1)[0]
    assert "longest of 3 parts" in row6
    # Telegram with an image gets the caption limit; variants are measured for their network
    assert ("Happy weekend 🎉", "telegram", True) in calls
    assert ("Live Q&A Thursday with the engineering team.", "linkedin", False) in calls


def test_default_measure_counts_utf16_and_knows_limits(tmp_path: Path) -> None:
    from bulkpost.html_report import measure_text

    count, limit = measure_text("a🎉", "linkedin")
    assert limit == 3000 and count >= 2
    assert measure_text("x", "telegram", True)[1] == 1024


def test_thumbnails_are_small_jpegs(tmp_path: Path) -> None:
    page = render_html_report(week_report(tmp_path))
    uris = re.findall(r'<img src="data:image/jpeg;base64,([^"]+)"', page)
    assert len(uris) == 4  # launch, team, cake (row 3), cake (row 9): video gets a tile
    for uri in uris:
        raw = base64.b64decode(uri)
        assert len(raw) < 20_000
        with Image.open(io.BytesIO(raw)) as im:
            assert im.format == "JPEG" and max(im.size) <= 176
    assert 'class="thumb tile video"' in page and "teaser.mp4" in page


def test_results_add_statuses(tmp_path: Path) -> None:
    report = week_report(tmp_path)
    results = [
        {"row": 2, "status": "scheduled", "post_group_ids": "65f0c0ffee0000000000aa01;65f0c0ffee0000000000aa02"},
        {"row_number": 5, "status": "failed", "error": "upload refused", "error_code": "MEDIA_UPLOAD_FAILED"},
        {"row": 8, "status": "skipped"},
        {"row": 11, "status": "draft"},
        {"row": 10, "status": "not attempted"},
    ]
    page = render_html_report(report, results=results)
    cards = {v: int(k) for k, v in re.findall(r'<div class="num">(\d+)</div><div class="lbl">([^<]+)</div>', page)}
    assert cards["scheduled"] == 1 and cards["failed"] == 1 and cards["skipped"] == 1
    assert cards["draft"] == 1 and cards["not attempted"] == 1
    assert "3 rows not sent" in page
    row5 = page.split('id="row-5"', 1)[1].split("</article>", 1)[0]
    assert "MEDIA_UPLOAD_FAILED" in row5 and "upload refused" in row5
    assert "65f0c0ffee0000000000aa01, 65f0c0ffee0000000000aa02" in page


def test_outcomes_accept_objects_and_mappings() -> None:
    class Result:
        def __init__(self, row: object, status: str) -> None:
            self.row = row
            self.status = status
            self.post_group_ids = ["a"]

    r = Row("f.csv", None, 4, {})
    assert _outcomes([Result(r, "scheduled")]) == {4: RowOutcome("scheduled", ["a"])}
    assert _outcomes({7: {"status": "FAILED", "error": "x"}}) == {7: RowOutcome("failed", [], "x")}
    assert _outcomes(None) == {}


def test_rows_of_managed_users_say_so(tmp_path: Path) -> None:
    report = week_report(tmp_path)
    report.posts[0].user = "6b13287523561aa4b91b9d88"
    page = render_html_report(report)
    row2 = page.split('id="row-2"', 1)[1].split("</article>", 1)[0]
    assert "as user 6b13287523561aa4b91b9d88" in row2
    assert page.count("as user ") == 1


def test_write_creates_the_file(tmp_path: Path) -> None:
    out = write_html_report(week_report(tmp_path), tmp_path / "sub" / "report.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(out.parent.glob("*.tmp"))


# --- in a real browser ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``page``; stdout is the DOM with --dump-dom, stderr its log."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(log: str) -> list[str]:
    """Console messages (errors, CSP violations, uncaught exceptions) from Chromium's log."""
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def test_hostile_text_is_escaped_isolated_and_the_title_shown(tmp_path: Path) -> None:
    rtl = "مرحبا بكم \u202eevil.exe"  # a right-to-left post with an unterminated override
    xss = '"><img src=x onerror=alert(1)>'
    post = _post(tmp_path, 2, rtl, ["youtube"], (2030, 6, 3, 9, 0))
    post.title = f"<script>alert(1)</script>{xss}"
    busy = [_post(tmp_path, n + 3, f"{xss} {n}", ["twitter"], (2030, 6, 4, 8, n)) for n in range(8)]
    report = Report(file="w.csv", rows=9, posts=[post, *busy])
    report.add([finding("TEXT_TOO_LONG", f"too long {xss}", row=busy[7].row, key="content", platform="twitter")])
    page = render_html_report(report)
    assert "<script>" not in page and "<img src=x" not in page
    # user text sits in boxes that take their direction from the text and contain bidi controls
    assert f'<div class="text" dir="auto">{html.escape(rtl)}</div>' in page
    assert f'<span class="pill">title</span><div class="text" dir="auto">{html.escape(post.title)}</div>' in page
    assert re.search(r'<td><span dir="auto">[^<]*' + re.escape(html.escape("too long " + xss)) + "</span>", page)
    # a compact chip shows its "not scheduled" mark before the text, where the ellipsis cannot hide it
    chip = re.search(r'<a class="chip net-twitter st-invalid compact"[^>]*>(.*?)</a>', page)
    assert chip is not None
    assert chip.group(1).index('class="mark"') < chip.group(1).index('class="ctxt"')


def test_browser_check_catches_console_errors(tmp_path: Path) -> None:
    # the check below can fail: a page that fetches a remote image under our CSP is reported
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
        '</head><body><img src="https://example.invalid/x.png"></body></html>'
    )
    proc = run_chromium(bad, tmp_path / "profile", "--dump-dom")
    assert any("Content Security Policy" in m for m in console_messages(proc.stderr))


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    page = write_html_report(week_report(tmp_path), tmp_path / "report.html")
    proc = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_messages(proc.stderr) == []
    dom = proc.stdout
    # the browser built the sample week: every row, every weekday column, the chips
    for n in range(2, 12):
        assert f'id="row-{n}"' in dom
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        assert f"<span>{day}</span>" in dom
    assert dom.count('class="chip net-') == 22

    shot = tmp_path / "shot.png"
    proc = run_chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,1800")
    assert proc.returncode == 0 and shot.exists()
    with Image.open(shot) as im:
        assert im.size == (1400, 1800)
        colors = im.convert("RGB").resize((140, 180)).getcolors(maxcolors=100_000)
        # a rendered page, not a blank one: many distinct colours (network chips, thumbnails)
        assert colors is not None and len(colors) > 200


def test_rows_in_other_zones_are_converted_to_the_calendar_zone(tmp_path: Path) -> None:
    berlin = _post(tmp_path, 2, "in Berlin", ["twitter"], (2030, 6, 3, 9, 0))
    berlin2 = _post(tmp_path, 3, "in Berlin too", ["twitter"], (2030, 6, 3, 10, 0))
    ny_local = datetime(2030, 6, 3, 5, 30, tzinfo=ZoneInfo("America/New_York"))  # 11:30 in Berlin
    ny = Post(row=Row("w.csv", None, 4, {}), content="in New York", targets=[Target("linkedin", None, "linkedin")],
              scheduled_at=ny_local.astimezone(timezone.utc), local_time=ny_local, timezone="America/New_York")
    page = render_html_report(Report(file="w.csv", rows=3, posts=[berlin, berlin2, ny]))
    assert "Calendar in Europe/Berlin (rows in America/New_York converted)" in page
    assert re.search(r'href="#row-4"[^>]*><span class="time">11:30</span>', page)
    # the row itself still shows the time as the user wrote it
    assert "Mon 03 Jun 2030, 05:30 America/New_York" in page


SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_a_time_written_with_an_offset_is_placed_and_labelled_by_that_offset(tmp_path: Path) -> None:
    # two rows in UTC make the calendar UTC; row 4 was written 10:00+01:00 (the timezone column
    # empty, so the row's zone is the default UTC): it is 09:00 in the calendar, and its own
    # label names the offset it was written with, not "UTC"
    def utc_post(number: int, hour: int) -> Post:
        when = datetime(2030, 6, 3, hour, 0, tzinfo=timezone.utc)
        return Post(row=Row("w.csv", None, number, {}), content=f"row {number}", targets=[Target("twitter", None, "twitter")],
                    scheduled_at=when, local_time=when, timezone="UTC")

    written = datetime(2030, 6, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    offset_row = Post(row=Row("w.csv", None, 4, {}), content="row 4", targets=[Target("linkedin", None, "linkedin")],
                      scheduled_at=written.astimezone(timezone.utc), local_time=written, timezone="UTC")
    page = render_html_report(Report(file="w.csv", rows=3, posts=[utc_post(2, 8), utc_post(3, 12), offset_row]))
    assert "Calendar in UTC" in page
    assert re.search(r'href="#row-4"[^>]*><span class="time">09:00</span>', page)
    assert "Mon 03 Jun 2030, 10:00 UTC+01:00" in page
    assert "Mon 03 Jun 2030, 08:00 UTC<" in page  # a UTC row keeps its plain label


def test_sample_week_row_with_an_offset_is_not_labelled_utc(tmp_path: Path) -> None:
    from bulkpost.validate import validate

    page = render_html_report(validate(str(SAMPLES / "week.csv")))
    # row 4 of the sample is 2031-03-04T10:00:00+01:00: 09:00 UTC, 10:00 in Berlin
    assert "Tue 04 Mar 2031, 10:00 UTC+01:00" in page and "10:00 UTC<" not in page




def test_validate_report_html_of_the_sample_week(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulkpost.cli import cli

    out = tmp_path / "week.html"
    result = CliRunner().invoke(cli, ["validate", str(SAMPLES / "week.csv"), "--report", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Week of Mon 03 Mar 2031" in page
    assert page.count('<article class="row') == 12


def test_sample_week_renders_in_chromium(tmp_path: Path) -> None:
    from bulkpost.validate import validate

    report = validate(str(SAMPLES / "week.csv"))
    page = write_html_report(report, tmp_path / "week.html")
    proc = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_messages(proc.stderr) == []
    dom = proc.stdout
    for post in report.posts:
        assert f'id="row-{post.row.number}"' in dom
        first_words = " ".join(post.content.split()[:3])
        assert html.escape(first_words, quote=False) in dom
    assert dom.count('class="chip net-') == sum(len(p.targets) or 1 for p in report.posts)
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', dom)) >= 3


def test_schedule_report_html_has_the_run_results(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulkpost.cli import cli

    shutil.copytree(SAMPLES, tmp_path / "samples")
    sheet = tmp_path / "samples" / "week.csv"
    out = tmp_path / "week.html"
    result = CliRunner().invoke(cli, ["schedule", str(sheet), "--sandbox", "--yes", "--quiet", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert f"HTML report: {out}" in result.output
    assert (tmp_path / "samples" / "week.results.csv").exists()  # the results file still goes to its place
    page = out.read_text(encoding="utf-8")
    cards = {v: int(k) for k, v in re.findall(r'<div class="num">(\d+)</div><div class="lbl">([^<]+)</div>', page)}
    assert cards["scheduled"] == 11 and cards["draft"] == 1 and cards["failed"] == 0
    assert "all rows sent" in page
    assert "CONNECTION_EXPIRING" in page  # the online pre-flight's findings are on the page too
    assert len(re.findall(r'<span class="status st-scheduled">scheduled</span>', page)) == 11


def test_empty_days_get_narrow_columns_in_the_week_view(tmp_path: Path) -> None:
    posts = [_post(tmp_path, 2, "monday", ["twitter"], (2030, 6, 3, 9, 0)), _post(tmp_path, 3, "thursday", ["linkedin"], (2030, 6, 6, 9, 0))]
    page = render_html_report(Report(file="w.csv", rows=2, posts=posts))
    full, half = "minmax(0,1fr)", "minmax(0,.5fr)"
    assert f'<div class="week" style="--days:{full} {half} {half} {full} {half} {half} {half}">' in page


def test_a_busy_day_is_capped_in_the_week_view(tmp_path: Path) -> None:
    posts = [_post(tmp_path, n + 2, f"post {n}", ["twitter"], (2030, 6, 3, 8 + n // 6, (n % 6) * 10)) for n in range(20)]
    page = render_html_report(Report(file="busy.csv", rows=20, posts=posts))
    week = page.split('<div class="week"', 1)[1].split("</section>", 1)[0]
    assert week.count('class="chip net-twitter"') == 6  # full cards
    assert week.count('class="chip net-twitter compact"') == 10  # one-line chips with text
    assert "+4 more (see the rows below)" in week
    assert page.count('<article class="row') == 20  # every row is still listed
