"""The HTML report: one self-contained page that shows a batch at a glance.

``write_html_report(report, path, results=...)`` writes a single ``.html`` file that needs no
network to open: the CSS is inline, there are no fonts, scripts or external links, and the
thumbnails of attached images are small JPEGs embedded as ``data:`` URIs. The page has:

- the batch summary (rows, errors, warnings and, with results, how many rows were scheduled,
  kept as drafts, failed, skipped or not attempted);
- a calendar of the posts per network, placed at their scheduled time in the sheet's time
  zone: a week view (networks as lanes, days as columns) when the batch spans at most a week,
  month grids otherwise;
- every finding, linked to its row;
- the rows: text, per-network length bars against each network's limit, thumbnails.

Pure: it reads the report, the posts' media files and writes one file. No click, no printing.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .findings import ERROR, WARNING, Finding, Report
from .model import MediaRef, Post
from .networks import NETWORKS, display_name

__all__ = ["NETWORK_COLORS", "RowOutcome", "measure_text", "render_html_report", "write_html_report"]

#: One colour per network (close to each brand, but told apart by the short label too).
NETWORK_COLORS: dict[str, str] = {
    "twitter": "#0f1419",
    "linkedin": "#0a66c2",
    "instagram": "#d62976",
    "threads": "#7c3aed",
    "tiktok": "#0d9488",
    "youtube": "#e11d1d",
    "facebook": "#1877f2",
    "bluesky": "#0ea5e9",
    "mastodon": "#6364ff",
    "telegram": "#2aabee",
    "pinterest": "#bd081c",
}

_SHORT = {
    "twitter": "X",
    "linkedin": "in",
    "instagram": "IG",
    "threads": "Th",
    "tiktok": "TT",
    "youtube": "YT",
    "facebook": "FB",
    "bluesky": "Bsky",
    "mastodon": "Mast",
    "telegram": "TG",
    "pinterest": "Pin",
}

#: Networks where a ``---`` line makes a thread: each part is measured on its own.
_THREADING = frozenset({"twitter", "threads"})

# Used only for a network the limits table does not know (publora-api.md section 16).
_FALLBACK_LIMITS = {
    "twitter": 280,
    "linkedin": 3000,
    "instagram": 2200,
    "threads": 500,
    "tiktok": 2200,
    "youtube": 5000,
    "facebook": 63206,
    "bluesky": 300,
    "mastodon": 500,
    "telegram": 4096,
    "pinterest": 500,
}

_STATUSES = ("scheduled", "draft", "failed", "skipped", "not_attempted")

_WEEK_CARDS = 6  # posts per day and network shown as full cards in the week view
_WEEK_LINES = 10  # then as one-line chips; the rest is counted

_THUMB_BOX = (176, 176)
_THUMB_QUALITY = 70
_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic"}
_VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".avi", ".mkv"}


Measure = Callable[[str, str, bool], tuple[int, int | None]]


def measure_text(text: str, network: str, has_media: bool = False) -> tuple[int, int | None]:
    """The length of ``text`` as ``network`` counts it, and that network's limit (None: unknown).

    Counting is :func:`bulkpost.count_characters`; the limit comes from the limits table shipped
    with bulkpost (the caption limit when media is attached and the network has one, e.g.
    Telegram's 1,024).
    """
    from .rules import count_characters

    limits = _limits_table().get(network)
    limit: int | None = None
    if limits is not None:
        limit = limits.caption_chars if has_media and limits.caption_chars else limits.chars
    return count_characters(text, network), limit or _FALLBACK_LIMITS.get(network)


@functools.lru_cache(maxsize=1)
def _limits_table() -> Any:
    from .rules import load_limits

    return load_limits()


@dataclass(slots=True)
class RowOutcome:
    """What happened to one row when the batch was sent (from the schedule results)."""

    status: str
    post_group_ids: list[str] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj and obj[name] not in (None, ""):
                return obj[name]
        else:
            value = getattr(obj, name, None)
            if value not in (None, ""):
                return value
    return None


def _outcomes(results: Any) -> dict[int, RowOutcome]:
    """Normalise schedule results to ``{row number: RowOutcome}``.

    Accepts a mapping of row number to result, or an iterable of results (objects or dicts)
    that name their row as ``row`` (a number or a :class:`~bulkpost.model.Row`), ``row_number``
    or ``number``; a result has ``status`` and optionally ``post_group_ids``, ``error``,
    ``error_code``.
    """
    if results is None:
        return {}
    items: Iterable[tuple[Any, Any]]
    if isinstance(results, Mapping):
        items = results.items()
    else:
        rows = getattr(results, "rows", None)
        seq = rows if rows is not None and not isinstance(results, (list, tuple)) else results
        items = ((None, r) for r in seq)
    out: dict[int, RowOutcome] = {}
    for key, res in items:
        number = key
        if number is None:
            ref = _get(res, "row", "row_number", "number")
            number = getattr(ref, "number", ref)
        try:
            number = int(number)
        except (TypeError, ValueError):
            continue
        status = str(_get(res, "status") or "").strip().lower().replace(" ", "_") or "not_attempted"
        ids = _get(res, "post_group_ids") or []
        if isinstance(ids, str):
            ids = [i for i in ids.replace(",", ";").split(";") if i.strip()]
        error = _get(res, "error")
        out[number] = RowOutcome(
            status=status,
            post_group_ids=[str(i).strip() for i in ids],
            error=None if error is None else str(error),
            error_code=_get(res, "error_code"),
        )
    return out


# --- the page ---------------------------------------------------------------------------


def write_html_report(
    report: Report,
    path: str | os.PathLike[str],
    *,
    results: Any = None,
    measure: Measure | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the self-contained HTML report of ``report`` to ``path`` and return the path.

    ``results`` are the schedule results (see :class:`RowOutcome` for the accepted shapes);
    without them the page shows the validation only. ``measure(text, network, has_media)``
    returns ``(count, limit)`` for the length bars (default :func:`measure_text`).
    """
    out = Path(path)
    page = render_html_report(report, results=results, measure=measure, now=now)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out


def render_html_report(
    report: Report,
    *,
    results: Any = None,
    measure: Measure | None = None,
    now: datetime | None = None,
) -> str:
    """The HTML report of ``report`` as a string (see :func:`write_html_report`)."""
    return _Page(report, _outcomes(results), measure or measure_text, now or datetime.now(timezone.utc)).render()


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _short_text(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _zone_name(when: datetime, fallback: str) -> str:
    """The name of ``when``'s zone: its IANA name, or ``UTC+01:00`` for a time written with an offset."""
    key = getattr(when.tzinfo, "key", None)
    if key:
        return str(key)
    offset = when.utcoffset()
    if offset is None:
        return fallback
    if not offset:
        return "UTC"
    sign, rest = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, seconds = divmod(int(rest.total_seconds()), 3600)
    return f"UTC{sign}{hours:02d}:{seconds // 60:02d}"


def _local(post: Post) -> datetime | None:
    if post.local_time is not None:
        return post.local_time
    if post.scheduled_at is None:
        return None
    try:
        return post.scheduled_at.astimezone(ZoneInfo(post.timezone))
    except Exception:
        return post.scheduled_at


class _Page:
    def __init__(self, report: Report, outcomes: dict[int, RowOutcome], measure: Measure, now: datetime) -> None:
        self.report = report
        self.outcomes = outcomes
        self.measure = measure
        self.now = now
        self.by_row: dict[int, list[Finding]] = defaultdict(list)
        for f in report.sorted_findings():
            if f.row is not None:
                self.by_row[f.row].append(f)
        self.error_rows = report.rows_with_errors()
        # Which networks of a row an error concerns (None: the whole row).
        self.error_nets: dict[int, set[str | None]] = defaultdict(set)
        for f in report.errors:
            if f.row is not None:
                self.error_nets[f.row].add(f.platform)
        self.thumbs: dict[str, str | None] = {}
        self.posts = sorted(report.posts, key=lambda p: p.row.number)
        self.zone = self.zone_label()
        self.zones = sorted({p.timezone for p in self.posts if _local(p) is not None} - {self.zone})

    # -- helpers --------------------------------------------------------------------------

    def networks_used(self) -> list[str]:
        seen = {n for p in self.posts for n in p.networks}
        ordered = [n for n in NETWORKS if n in seen]
        return ordered + sorted(seen - set(ordered))

    def zone_label(self) -> str:
        """The calendar's time zone: the one most rows use (ties: the first row's)."""
        zones = Counter(p.timezone for p in self.posts if _local(p) is not None)
        if not zones:
            return "UTC"
        best = max(zones.values())
        return next(p.timezone for p in self.posts if zones.get(p.timezone) == best)

    def in_zone(self, post: Post) -> datetime | None:
        """The post's time in the calendar's zone (rows in other zones are converted)."""
        when = _local(post)
        if when is None:
            return None
        try:  # also a row of the calendar's zone whose time was written with another offset
            return when.astimezone(ZoneInfo(self.zone))
        except Exception:
            return when

    def row_state(self, number: int, network: str | None = None) -> str:
        """The row's result status; without results ``"invalid"`` for a row with errors.

        With ``network``, a row whose errors all concern other networks is not marked invalid
        for this one (the calendar marks the lane that has the problem).
        """
        outcome = self.outcomes.get(number)
        if outcome is not None:
            return outcome.status
        nets = self.error_nets.get(number)
        if nets and (network is None or None in nets or network in nets):
            return "invalid"
        return ""

    # -- sections -------------------------------------------------------------------------

    def render(self) -> str:
        r = self.report
        title = f"bulkpost report: {Path(r.file).name}" if r.file else "bulkpost report"
        body = [
            self.header(),
            self.summary(),
            self.calendar(),
            self.findings(),
            self.rows(),
            '<footer>Made by bulkpost. This page is self-contained: it needs no network to open.</footer>',
        ]
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # Forbid every fetch: the page must render from itself alone.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "img-src data:; style-src 'unsafe-inline'\">"
            f"<title>{_e(title)}</title><style>{_CSS}{self.network_css()}</style></head>"
            f'<body><main>{"".join(body)}</main></body></html>\n'
        )

    def network_css(self) -> str:
        rules = []
        for n, color in NETWORK_COLORS.items():
            rules.append(f".net-{n}{{--net:{color}}}")
        return "".join(rules)

    def header(self) -> str:
        r = self.report
        where = _e(Path(r.file).name) if r.file else "(no file)"
        if r.sheet:
            where += f' <span class="muted">· sheet {_e(r.sheet)}</span>'
        generated = self.now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        other = f" (rows in {', '.join(self.zones)} converted)" if self.zones else ""
        notes = "".join(f"<li>{_e(n)}</li>" for n in r.notes)
        verdict = (
            '<span class="verdict ok">ready to schedule</span>'
            if r.ok
            else f'<span class="verdict bad">{len(self.error_rows)} row{"s" if len(self.error_rows) != 1 else ""} to fix</span>'
        )
        if self.outcomes:
            failed = sum(1 for o in self.outcomes.values() if o.status not in ("scheduled", "draft"))
            verdict = (
                '<span class="verdict ok">all rows sent</span>'
                if not failed
                else f'<span class="verdict bad">{failed} row{"s" if failed != 1 else ""} not sent</span>'
            )
        return (
            '<header class="top"><div><div class="brand">bulkpost</div>'
            f"<h1>{where}</h1>"
            f'<div class="muted">Calendar in {_e(self.zone)}{other} · generated {generated}</div></div>'
            f"<div>{verdict}</div></header>"
            + (f'<ul class="notes">{notes}</ul>' if notes else "")
        )

    def summary(self) -> str:
        r = self.report
        cards = [
            ("rows", r.rows or len(self.posts), ""),
            ("posts to networks", sum(len(p.targets) for p in self.posts), ""),
            ("errors", len(r.errors), "bad" if r.errors else "good"),
            ("warnings", len(r.warnings), "warn" if r.warnings else "good"),
        ]
        if self.outcomes:
            counts = Counter(o.status for o in self.outcomes.values())
            for status in _STATUSES:
                tone = {"scheduled": "good", "draft": "", "failed": "bad"}.get(status, "warn")
                cards.append((status.replace("_", " "), counts.get(status, 0), tone if counts.get(status) else ""))
            for status in sorted(set(counts) - set(_STATUSES)):
                cards.append((status.replace("_", " "), counts[status], ""))
        html_cards = "".join(
            f'<div class="card {tone}"><div class="num">{value}</div><div class="lbl">{_e(label)}</div></div>'
            for label, value, tone in cards
        )
        per_net = Counter(t.network for p in self.posts for t in p.targets)
        chips = "".join(
            f'<span class="legend net-{_e(n)}"><i></i>{_e(display_name(n))} <b>{per_net[n]}</b></span>'
            for n in self.networks_used()
        )
        return (
            f'<section><div class="cards">{html_cards}</div>'
            + (f'<div class="legendrow">{chips}</div>' if chips else "")
            + "</section>"
        )

    # -- calendar -------------------------------------------------------------------------

    def calendar(self) -> str:
        timed = [(p, self.in_zone(p)) for p in self.posts]
        placed = [(p, t) for p, t in timed if t is not None]
        unplaced = [p for p, t in timed if t is None]
        if not placed and not unplaced:
            return ""
        parts = ['<section><h2>Calendar</h2>']
        if placed:
            first = min(t.date() for _, t in placed)
            last = max(t.date() for _, t in placed)
            if (last - first).days < 7:
                parts.append(self.week_view(placed, first, last))
            else:
                parts.append(self.month_views(placed, first, last))
        if unplaced:
            chips = "".join(self.chip(p, n, None) for p in unplaced for n in (p.networks or ["?"]))
            parts.append(
                f'<div class="unplaced"><div class="lbl">Without a time (drafts or unreadable times)</div>{chips}</div>'
            )
        parts.append("</section>")
        return "".join(parts)

    def chip(
        self, post: Post, network: str, when: datetime | None, *, compact: bool = False, snippet: bool = False
    ) -> str:
        number = post.row.number
        state = self.row_state(number, network)
        text = _short_text(post.text_for(network) if network != "?" else post.content, 40 if compact else 70)
        clock = when.strftime("%H:%M") if when is not None else "—"
        cls = f"chip net-{_e(network)}"
        if state:
            cls += f" st-{_e(state)}"
        label = _SHORT.get(network, network)
        mark = ""
        if state in ("invalid", "failed", "skipped", "not_attempted"):
            mark = '<span class="mark" title="not scheduled">!</span>'
        elif state == "draft" or post.status == "draft":
            mark = '<span class="mark draftmark" title="draft">D</span>'
        if compact:
            shown = _short_text(text, 24) if snippet else label  # in a network's lane the text says more
            return (
                f'<a class="{cls} compact" href="#row-{number}" title="Row {number}: {_e(text)}">'
                f'<b>{clock}</b>{mark}<span class="ctxt" dir="auto">{_e(shown)}</span></a>'
            )
        return (
            f'<a class="{cls}" href="#row-{number}" title="Row {number} · {_e(display_name(network))}">'
            f'<span class="time">{clock}</span>{mark}<span class="txt" dir="auto">{_e(text)}</span></a>'
        )

    def week_view(self, placed: list[tuple[Post, datetime]], first: date, last: date) -> str:
        monday = first - timedelta(days=first.weekday())
        start = monday if (last - monday).days < 7 else first
        days = [start + timedelta(days=i) for i in range(7)]
        lanes: dict[str, dict[date, list[tuple[datetime, Post]]]] = defaultdict(lambda: defaultdict(list))
        for post, when in placed:
            for n in post.networks or ["?"]:
                lanes[n][when.date()].append((when, post))
        head = '<div class="wk-corner"></div>' + "".join(
            f'<div class="wk-day{" wkend" if d.weekday() >= 5 else ""}">'
            f'<span>{d.strftime("%a")}</span><b>{d.day}</b> <span class="muted">{d.strftime("%b")}</span></div>'
            for d in days
        )
        cells = []
        for n in [*self.networks_used(), *(["?"] if "?" in lanes else [])]:
            cells.append(
                f'<div class="wk-lane net-{_e(n)}"><i></i>{_e(display_name(n) if n != "?" else "no network")}</div>'
            )
            for d in days:
                items = sorted(lanes[n].get(d, []), key=lambda x: (x[0], x[1].row.number))
                # a busy day stays readable: the first posts as cards, then one-line chips, then a count
                shown = items[: _WEEK_CARDS + _WEEK_LINES]
                chips = "".join(
                    self.chip(p, n, t, compact=i >= _WEEK_CARDS, snippet=True) for i, (t, p) in enumerate(shown)
                )
                if len(items) > len(shown):
                    chips += f'<span class="more">+{len(items) - len(shown)} more (see the rows below)</span>'
                cells.append(f'<div class="wk-cell{" wkend" if d.weekday() >= 5 else ""}">{chips}</div>')
        span = f"{days[0].strftime('%a %d %b %Y')} – {days[-1].strftime('%a %d %b %Y')}"
        # days without posts get half a column, so a batch on one or two days is not squeezed
        busy = {d for n in lanes for d, items in lanes[n].items() if items}
        widths = " ".join("minmax(0,1fr)" if d in busy else "minmax(0,.5fr)" for d in days)
        return (
            f'<div class="muted sub">Week of {span}</div>'
            f'<div class="week" style="--days:{widths}">{head}{"".join(cells)}</div>'
        )

    def month_views(self, placed: list[tuple[Post, datetime]], first: date, last: date) -> str:
        by_day: dict[date, list[tuple[datetime, Post, str]]] = defaultdict(list)
        for post, when in placed:
            for n in post.networks or ["?"]:
                by_day[when.date()].append((when, post, n))
        out = []
        month = date(first.year, first.month, 1)
        shown = 0
        while month <= last and shown < 12:
            out.append(self.month_grid(month, by_day))
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
            shown += 1
        if month <= last:
            out.append('<p class="muted">Later months are not drawn; every row is listed below.</p>')
        return "".join(out)

    def month_grid(self, month: date, by_day: Mapping[date, list[tuple[datetime, Post, str]]]) -> str:
        start = month - timedelta(days=month.weekday())
        next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        head = "".join(f'<div class="mo-head">{d}</div>' for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
        cells = []
        day = start
        while day < next_month or day.weekday() != 0:
            items = sorted(by_day.get(day, []), key=lambda x: (x[0], x[1].row.number))
            chips = "".join(self.chip(p, n, t, compact=True) for t, p, n in items[:8])
            if len(items) > 8:
                chips += f'<span class="more">+{len(items) - 8} more</span>'
            cls = "mo-cell" + (" out" if day.month != month.month else "") + (" wkend" if day.weekday() >= 5 else "")
            cells.append(f'<div class="{cls}"><div class="mo-num">{day.day}</div>{chips}</div>')
            day += timedelta(days=1)
        return f'<h3>{month.strftime("%B %Y")}</h3><div class="month">{head}{"".join(cells)}</div>'

    # -- findings -------------------------------------------------------------------------

    def findings(self) -> str:
        items = self.report.sorted_findings()
        if not items:
            return '<section><h2>Findings</h2><p class="allgood">No problems found.</p></section>'
        rows = []
        for f in items:
            sev = "error" if f.severity == ERROR else "warning" if f.severity == WARNING else _e(f.severity)
            place = f'<a href="#row-{f.row}">Row {f.row}</a>' if f.row is not None else "sheet"
            if f.cell:
                place += f' <span class="cellref">{_e(f.cell)}</span>'
            net = (
                f'<span class="pill net-{_e(f.platform)}">{_e(display_name(f.platform))}</span>' if f.platform else ""
            )
            hint = f'<div class="hint">{_e(f.hint)}</div>' if f.hint else ""
            rows.append(
                f'<tr class="sev-{sev}"><td><span class="sev {sev}">{sev}</span></td><td class="nowrap">{place}</td>'
                f'<td><code>{_e(f.code)}</code> {net}</td><td><span dir="auto">{_e(f.message)}</span>{hint}</td></tr>'
            )
        return (
            f'<section><h2>Findings <span class="count">{len(items)}</span></h2>'
            '<table class="findings"><thead><tr><th>severity</th><th>where</th><th>code</th><th>what to do</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></section>'
        )

    # -- rows -----------------------------------------------------------------------------

    def rows(self) -> str:
        numbers = {p.row.number for p in self.posts}
        orphan = sorted(n for n in self.by_row if n not in numbers)
        out = [self.row_block(p) for p in self.posts]
        for n in orphan:
            out.append(
                f'<article class="row st-invalid" id="row-{n}"><div class="rowhead"><span class="rownum">Row {n}</span>'
                '<span class="muted">could not be read as a post</span></div>'
                f"{self.row_findings(n)}</article>"
            )
        return f'<section><h2>Rows</h2>{"".join(out)}</section>'

    def row_findings(self, number: int) -> str:
        items = self.by_row.get(number, [])
        if not items:
            return ""
        lis = "".join(
            f'<li class="{"e" if f.severity == ERROR else "w"}"><code>{_e(f.code)}</code> <span dir="auto">{_e(f.message)}</span></li>'
            for f in items
        )
        return f'<ul class="rowfindings">{lis}</ul>'

    def row_block(self, post: Post) -> str:
        number = post.row.number
        state = self.row_state(number)
        when = _local(post)
        when_text = when.strftime("%a %d %b %Y, %H:%M") + f" {_zone_name(when, post.timezone)}" if when else "no time"
        status_pill = f'<span class="status st-{_e(state)}">{_e(state.replace("_", " "))}</span>' if state else ""
        if post.status == "draft" and state != "draft":
            status_pill += '<span class="status st-draft">draft</span>'
        if post.user:
            status_pill += f'<span class="status" title="workspace managed user">as user {_e(post.user)}</span>'
        nets = "".join(
            f'<span class="pill net-{_e(n)}">{_e(display_name(n))}</span>' for n in post.networks
        )
        outcome = self.outcomes.get(number)
        extra = ""
        if outcome is not None:
            if outcome.post_group_ids:
                extra += f'<div class="muted small">post groups: {_e(", ".join(outcome.post_group_ids))}</div>'
            if outcome.error:
                code = f"<code>{_e(outcome.error_code)}</code> " if outcome.error_code else ""
                extra += f'<div class="err small">{code}{_e(outcome.error)}</div>'
        texts = self.texts(post)
        bars = self.bars(post)
        media = self.media(post.media)
        return (
            f'<article class="row{" st-" + _e(state) if state else ""}" id="row-{number}">'
            f'<div class="rowhead"><span class="rownum">Row {number}</span><span class="when">{_e(when_text)}</span>'
            f"{nets}{status_pill}</div>"
            f'<div class="rowbody"><div class="rowmain">{texts}{extra}{self.row_findings(number)}</div>'
            f'<div class="rowside">{bars}{media}</div></div></article>'
        )

    def texts(self, post: Post) -> str:
        # dir="auto": a right-to-left post reads right to left, and a stray bidi control in it
        # cannot reorder anything outside its own box
        out = [f'<div class="text" dir="auto">{_e(post.content) or "<span class=muted>(no text)</span>"}</div>']
        for network, variant in post.variants.items():
            if variant:
                out.append(
                    f'<div class="variant net-{_e(network)}"><span class="pill net-{_e(network)}">'
                    f'{_e(display_name(network))} text</span><div class="text" dir="auto">{_e(variant)}</div></div>'
                )
        if post.title:
            out.append(f'<div class="variant"><span class="pill">title</span><div class="text" dir="auto">{_e(post.title)}</div></div>')
        if post.first_comment:
            out.append(
                f'<div class="variant"><span class="pill">first comment</span><div class="text" dir="auto">{_e(post.first_comment)}</div></div>'
            )
        return "".join(out)

    def bars(self, post: Post) -> str:
        has_media = bool(post.media)
        out = []
        for n in post.networks:
            text = post.text_for(n)
            parts = post.parts_for(n) if n in _THREADING else [text]
            measured = [self.measure(part, n, has_media) for part in parts]
            count, limit = max(measured, key=lambda m: (m[0] / m[1]) if m[1] else 0.0)
            label = f"{count:,}" + (f" / {limit:,}" if limit else "")
            if len(parts) > 1:
                label += f" · longest of {len(parts)} parts"
            ratio = count / limit if limit else 0.0
            tone = "over" if ratio > 1 else "near" if ratio >= 0.9 else "fine"
            width = min(ratio, 1.0) * 100
            out.append(
                f'<div class="bar net-{_e(n)} {tone}"><div class="barlbl"><span>{_e(display_name(n))}</span>'
                f'<span>{_e(label)}</span></div><div class="track"><div class="fill" style="width:{width:.1f}%"></div></div></div>'
            )
        return f'<div class="bars">{"".join(out)}</div>' if out else ""

    def media(self, refs: list[MediaRef]) -> str:
        if not refs:
            return ""
        tiles = []
        for i, ref in enumerate(refs, 1):
            name = ref.path.name if ref.path is not None else ref.source.rsplit("/", 1)[-1] or ref.source
            uri = self.thumbnail(ref)
            if uri:
                tiles.append(
                    f'<figure class="thumb"><img src="{uri}" alt="{_e(name)}"><figcaption>{i}. {_e(name)}</figcaption></figure>'
                )
                continue
            kind = _media_kind(ref)
            icon = {"video": "▶", "url": "🔗", "missing": "?"}.get(kind, "▣")
            tiles.append(
                f'<figure class="thumb tile {kind}"><div class="ph">{icon}</div><figcaption>{i}. {_e(name)}</figcaption></figure>'
            )
        return f'<div class="media">{"".join(tiles)}</div>'

    def thumbnail(self, ref: MediaRef) -> str | None:
        if ref.path is None:
            return None
        key = str(ref.path)
        if key not in self.thumbs:
            self.thumbs[key] = _make_thumbnail(ref.path)
        return self.thumbs[key]


def _media_kind(ref: MediaRef) -> str:
    if ref.is_url or ref.path is None:
        return "url"
    if not ref.path.exists():
        return "missing"
    if ref.path.suffix.lower() in _VIDEO_EXTENSIONS:
        return "video"
    return "file"


def _make_thumbnail(path: Path) -> str | None:
    """A small JPEG of the image at ``path`` as a data: URI, or None when it is not an image."""
    if path.suffix.lower() in _VIDEO_EXTENSIONS:
        return None
    try:
        from PIL import Image, ImageOps

        with Image.open(path) as img:
            img.seek(0)
            img.draft("RGB", (_THUMB_BOX[0] * 2, _THUMB_BOX[1] * 2))  # fast JPEG decode at reduced size
            small = ImageOps.exif_transpose(img)
            small.thumbnail(_THUMB_BOX)
            if small.mode in ("RGBA", "LA", "P"):
                rgba = small.convert("RGBA")
                background = Image.new("RGB", rgba.size, (255, 255, 255))
                background.paste(rgba, mask=rgba.getchannel("A"))
                small = background
            elif small.mode != "RGB":
                small = small.convert("RGB")
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=_THUMB_QUALITY, optimize=True)
    except Exception:  # not an image, unreadable, or a decoder error: show a tile instead
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


_CSS = """
:root{--ink:#1f2430;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7fb;--card:#fff;--good:#15803d;--bad:#c81e1e;--warn:#b45309;--net:#64748b}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:1320px;margin:0 auto;padding:28px 28px 40px}
h1{font-size:24px;margin:2px 0 4px;letter-spacing:-.01em}
h2{font-size:17px;margin:0 0 14px;display:flex;align-items:center;gap:8px}
h3{font-size:14px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:20px 22px;margin:0 0 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
a{color:inherit}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;background:#f1f3f8;border-radius:5px;padding:1px 5px}
.muted{color:var(--muted)}.small{font-size:12px}.sub{margin:-6px 0 12px}.nowrap{white-space:nowrap}
.top{display:flex;justify-content:space-between;align-items:flex-end;margin:0 0 18px;gap:20px}
.brand{font-weight:700;font-size:12px;letter-spacing:.14em;text-transform:uppercase;color:#4f46e5}
.verdict{display:inline-block;padding:8px 14px;border-radius:999px;font-weight:600}
.verdict.ok{background:#dcfce7;color:var(--good)}.verdict.bad{background:#fee2e2;color:var(--bad)}
.notes{margin:-6px 0 16px;padding-left:18px;color:var(--muted);font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:12px;padding:12px 14px;background:#fbfbfe}
.card .num{font-size:26px;font-weight:700;line-height:1.1}
.card .lbl{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.card.good .num{color:var(--good)}.card.bad .num{color:var(--bad)}.card.warn .num{color:var(--warn)}
.card.bad{background:#fff5f5;border-color:#fecaca}.card.warn{background:#fffaf0;border-color:#fde68a}
.legendrow{display:flex;flex-wrap:wrap;gap:8px 16px;margin-top:14px}
.legend{display:inline-flex;align-items:center;gap:6px;font-size:13px}
.legend i,.wk-lane i{display:inline-block;width:10px;height:10px;border-radius:3px;background:var(--net)}
.week{display:grid;grid-template-columns:118px var(--days,repeat(7,minmax(0,1fr)));border:1px solid var(--line);border-radius:10px;overflow:hidden}
.wk-corner,.wk-day{background:#f8fafc;border-bottom:1px solid var(--line);padding:8px 10px}
.wk-day{border-left:1px solid var(--line);display:flex;gap:6px;align-items:baseline}
.wk-day b{font-size:16px}.wkend{background:#fafafa}
.wk-day.wkend{background:#f3f4f6}
.wk-lane{display:flex;align-items:center;gap:8px;padding:8px 10px;font-weight:600;border-top:1px solid var(--line);background:#fcfcfd;font-size:13px}
.wk-cell{border-left:1px solid var(--line);border-top:1px solid var(--line);padding:6px;min-height:44px;display:flex;flex-direction:column;gap:5px}
.chip{display:block;text-decoration:none;border-left:4px solid var(--net);background:color-mix(in srgb,var(--net) 9%,white);border-radius:6px;padding:4px 6px;font-size:12px;line-height:1.3;overflow:hidden}
.chip:hover{background:color-mix(in srgb,var(--net) 18%,white)}
.chip .time{font-weight:700;margin-right:5px;font-variant-numeric:tabular-nums}
.chip .txt{color:#374151;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.chip.compact{display:flex;gap:4px;align-items:center;white-space:nowrap;overflow:hidden;padding:2px 5px;font-size:11px}
.chip.compact .ctxt{overflow:hidden;text-overflow:ellipsis;min-width:0}
.chip.compact .mark{flex-shrink:0;margin-right:0}
.chip.st-invalid,.chip.st-failed{outline:1.5px solid var(--bad);background:#fff1f1}
.chip.st-skipped,.chip.st-not_attempted{outline:1.5px dashed var(--warn);background:#fffbeb}
.chip.st-skipped .mark,.chip.st-not_attempted .mark{background:var(--warn)}
.chip .mark{display:inline-block;min-width:15px;height:15px;border-radius:50%;background:var(--bad);color:#fff;font-size:10px;font-weight:700;text-align:center;line-height:15px;margin-right:4px}
.chip .mark.draftmark{background:#94a3b8}
.month{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));border:1px solid var(--line);border-radius:10px;overflow:hidden}
.mo-head{background:#f8fafc;padding:6px 8px;font-size:12px;color:var(--muted);border-bottom:1px solid var(--line)}
.mo-cell{min-height:86px;border-top:1px solid var(--line);border-left:1px solid var(--line);padding:4px 5px;display:flex;flex-direction:column;gap:3px}
.mo-cell.out{background:#fafafa;color:#b6bcc6}.mo-num{font-size:12px;font-weight:600}
.more{font-size:11px;color:var(--muted)}
.unplaced{margin-top:14px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.unplaced .lbl{width:100%;color:var(--muted);font-size:12px}
.unplaced .chip{max-width:260px}
.count{background:#eef2ff;color:#4338ca;border-radius:999px;padding:1px 9px;font-size:12px}
table.findings{width:100%;border-collapse:collapse}
.findings th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:6px 8px}
.findings td{border-bottom:1px solid var(--line);padding:8px;vertical-align:top}
.findings td a{font-weight:600;color:#4338ca}
.cellref{font:11px ui-monospace,Menlo,Consolas,monospace;color:var(--muted)}
.sev{display:inline-block;border-radius:6px;padding:1px 8px;font-size:12px;font-weight:600}
.sev.error{background:#fee2e2;color:var(--bad)}.sev.warning{background:#fef3c7;color:var(--warn)}
.hint{color:var(--muted);font-size:12.5px;margin-top:3px}
.allgood{color:var(--good);font-weight:600;margin:0}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;color:#fff;background:var(--net);margin-left:4px;white-space:nowrap}
.row{border:1px solid var(--line);border-radius:12px;padding:12px 14px;margin:0 0 12px;scroll-margin-top:12px}
.row:target{box-shadow:0 0 0 3px #c7d2fe}
.row.st-invalid,.row.st-failed{border-left:4px solid var(--bad)}
.row.st-skipped,.row.st-not_attempted{border-left:4px solid var(--warn)}
.row.st-scheduled{border-left:4px solid var(--good)}
.rowhead{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-bottom:8px}
.rownum{font-weight:700;margin-right:4px}.when{color:var(--muted);margin-right:6px}
.status{display:inline-block;border-radius:6px;padding:1px 8px;font-size:12px;font-weight:600;background:#e5e7eb;margin-left:4px}
.status.st-scheduled{background:#dcfce7;color:var(--good)}.status.st-failed,.status.st-invalid{background:#fee2e2;color:var(--bad)}
.status.st-skipped,.status.st-not_attempted{background:#fef3c7;color:var(--warn)}.status.st-draft{background:#e2e8f0;color:#334155}
.rowbody{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:18px}
.text{white-space:pre-wrap;word-wrap:break-word;background:#fafbfc;border:1px solid #eef0f4;border-radius:8px;padding:8px 10px}
.variant{margin-top:8px}.variant .pill{margin:0 0 4px}
.pill:not([class*=net-]){background:#64748b}
.rowfindings{list-style:none;padding:0;margin:8px 0 0;font-size:13px}
.rowfindings li{padding:3px 0 3px 10px;border-left:3px solid var(--warn);margin-bottom:3px}
.rowfindings li.e{border-left-color:var(--bad)}
.err{color:var(--bad)}
.bars{display:flex;flex-direction:column;gap:7px}
.barlbl{display:flex;justify-content:space-between;font-size:12px;color:#374151}
.barlbl span:last-child{font-variant-numeric:tabular-nums;color:var(--muted)}
.track{height:7px;background:#eef0f4;border-radius:99px;overflow:hidden}
.fill{height:100%;background:var(--net);border-radius:99px}
.bar.near .fill{background:var(--warn)}.bar.over .fill{background:var(--bad)}
.bar.over .barlbl span:last-child{color:var(--bad);font-weight:700}
.media{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.thumb{margin:0;width:104px}
.thumb img{width:104px;height:104px;object-fit:cover;border-radius:8px;border:1px solid var(--line);display:block}
.thumb figcaption{font-size:11px;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;margin-top:3px}
.tile .ph{width:104px;height:104px;border-radius:8px;border:1px dashed #cbd5e1;display:flex;align-items:center;justify-content:center;font-size:30px;color:#64748b;background:#f8fafc}
.tile.video .ph{background:#111827;color:#fff;border:none}
.tile.missing .ph{border-color:var(--bad);color:var(--bad)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:900px){.rowbody{grid-template-columns:1fr}.week{grid-template-columns:80px repeat(7,minmax(90px,1fr));overflow-x:auto}}
@media print{html{background:#fff}section{box-shadow:none;break-inside:avoid}}
"""
