"""Validate a loaded sheet: every row becomes a :class:`~bulkpost.model.Post` plus findings.

``validate(sheet_or_path)`` never raises for bad data: every problem of every row becomes a
:class:`~bulkpost.findings.Finding` with a stable code, and the row's ``Post`` keeps what
could be understood (an unparseable field stays empty). Only unusable input (a file that
cannot be loaded) or a bad option (an unknown ``tz``) raises.

This module runs the checks that need no network rules (the codes below); the per-network
text and media rules live in :mod:`bulkpost.rules` and are called once with every parsed post
(:func:`bulkpost.rules.check_posts`); their findings are merged into the same report.

Finding codes of this module (README "Validation" lists them with examples):

========================  ========  ======================================================
code                      severity  meaning
========================  ========  ======================================================
CONTENT_MISSING           error     no text for a target (no ``content``, no variant)
PLATFORMS_MISSING         error     the ``platforms`` cell is empty
PLATFORM_UNKNOWN          error     not a network name nor a connection id
PLATFORM_NOT_PUBLISHABLE  error     Pinterest: Publora connects it but cannot post to it
PLATFORM_DUPLICATE        warning   the same target twice in a row (sent once)
TIME_MISSING              error     a scheduled row without a time
TIME_INVALID              error     the time cannot be read
DATE_AMBIGUOUS            error     03/04/2031: day-first or month-first? (``date_format``)
DATE_ORDER_GUESSED        warning   (sheet) 25/03/2031-style dates read the only possible way
TIMEZONE_UNKNOWN          error     the ``timezone`` cell is not an IANA zone name
TIME_NONEXISTENT          error     the local time falls in a DST gap
TIME_AMBIGUOUS            warning   the local time happens twice (DST fold); the first is used
TIME_IN_PAST              error     the time has passed
TIME_TOO_SOON             error     less than ``min_lead_minutes`` ahead
STATUS_INVALID            error     ``status`` is not ``scheduled`` or ``draft``
MEDIA_NOT_FOUND           error     a local media file does not exist
MEDIA_UNREADABLE          error     a media path is a folder, empty, or not readable
MEDIA_URL_NOT_HTTPS       error     a media URL that is not ``https://``
MEDIA_URL_INVALID         error     a media URL with credentials, a port, or a private host
SETTING_UNKNOWN           error     (column) ``network.setting`` that Publora does not accept
SETTING_NOT_SUPPORTED     error     (column) a setting Publora takes only on update
SETTING_INVALID           error     a setting value outside its allowed values or type
VALUE_NOT_USED            warning   a variant, setting or title for a network the row skips
USER_INVALID              error     ``user`` is not a 24-hex managed-user id
DUPLICATE_ROW             warning   same content, targets and time as an earlier row
UNKNOWN_COLUMNS           warning   (sheet) columns bulkpost does not use (kept in results)
UNNAMED_COLUMN            warning   (sheet) values under a column without a header
ENCODING_GUESSED          warning   (sheet) the CSV was read as Windows-1252
FORMULAS_NOT_CALCULATED   warning   (sheet) formula cells without a saved result read as empty
EMPTY_SHEET               error     (sheet) a header but no rows to post
========================  ========  ======================================================
"""

from __future__ import annotations

import json
from functools import lru_cache
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .findings import ERROR, WARNING, Finding, Report, finding
from .load import load_sheet
from .model import MediaRef, Post, Row, Sheet, Target, is_blank_value
from .networks import CONNECT_ONLY, NETWORKS, SETTINGS, coerce_bool, display_name, normalize_network, parse_connection_id
from .rules import RuleContext, check_posts, check_url_syntax

__all__ = ["CODES", "DEFAULT_MIN_LEAD_MINUTES", "parse_time_text", "resolve_zone", "validate"]

DEFAULT_MIN_LEAD_MINUTES = 2

#: Every code this module emits, with its severity (tests hold the README and this in step).
CODES: dict[str, str] = {
    "CONTENT_MISSING": ERROR,
    "PLATFORMS_MISSING": ERROR,
    "PLATFORM_UNKNOWN": ERROR,
    "PLATFORM_NOT_PUBLISHABLE": ERROR,
    "PLATFORM_DUPLICATE": WARNING,
    "TIME_MISSING": ERROR,
    "TIME_INVALID": ERROR,
    "DATE_AMBIGUOUS": ERROR,
    "DATE_ORDER_GUESSED": WARNING,
    "TIMEZONE_UNKNOWN": ERROR,
    "TIME_NONEXISTENT": ERROR,
    "TIME_AMBIGUOUS": WARNING,
    "TIME_IN_PAST": ERROR,
    "TIME_TOO_SOON": ERROR,
    "STATUS_INVALID": ERROR,
    "MEDIA_NOT_FOUND": ERROR,
    "MEDIA_UNREADABLE": ERROR,
    "MEDIA_URL_NOT_HTTPS": ERROR,
    "MEDIA_URL_INVALID": ERROR,
    "SETTING_UNKNOWN": ERROR,
    "SETTING_NOT_SUPPORTED": ERROR,
    "SETTING_INVALID": ERROR,
    "VALUE_NOT_USED": WARNING,
    "USER_INVALID": ERROR,
    "DUPLICATE_ROW": WARNING,
    "UNKNOWN_COLUMNS": WARNING,
    "UNNAMED_COLUMN": WARNING,
    "ENCODING_GUESSED": WARNING,
    "FORMULAS_NOT_CALCULATED": WARNING,
    "EMPTY_SHEET": ERROR,
}

_STATUS = {"": "scheduled", "scheduled": "scheduled", "schedule": "scheduled", "draft": "draft", "drafts": "draft"}
_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")


# --- options ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def resolve_zone(name: str) -> ZoneInfo | None:
    """The IANA zone ``name`` (``"Europe/Berlin"``, ``"utc"``), or None when unknown."""
    text = name.strip()
    if not text:
        return None
    if text.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    lowered = text.lower()
    from zoneinfo import available_timezones

    for candidate in available_timezones():
        if candidate.lower() == lowered:
            return ZoneInfo(candidate)
    return None


# --- time parsing ---------------------------------------------------------------------------

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:(?:[T ]|,\s*)\s*(?P<time>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?(?:\s*[ap]\.?m\.?)?))?"
    r"\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_DMY = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})"
    r"(?:(?:[T ]|,\s*)\s*(?P<time>\d{1,2}(?::\d{2}){1,2}(?:\s*[ap]\.?m\.?)?))?"
    r"\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:\s*[ap]\.?m\.?)?"
_NAMED = re.compile(
    r"^(?:(?P<wd>[a-z]{3,9})\.?,?\s+)?"
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*(?P<m1>[a-z]{3,9})\.?"
    r"|(?P<m2>[a-z]{3,9})\.?[\s\-/.]*(?P<d2>\d{1,2})(?:st|nd|rd|th)?),?[\s\-/.]+(?P<y>\d{4})"
    rf"(?:(?:[T ]|,\s*|\s+at\s+)\s*(?P<time>{_CLOCK}))?"
    r"\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _spelled(word: str, names: tuple[str, ...]) -> int | None:
    """The index of the English name ``word`` abbreviates (at least 3 letters; ``Sept`` too)."""
    w = word.lower()
    return next((i for i, name in enumerate(names) if len(w) >= 3 and (name.startswith(w) or w == "sept" and i == 8)), None)
_TIME = re.compile(r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:[.,]\d+)?\s*(?P<ampm>[ap])?\.?(?:m\.?)?$", re.IGNORECASE)


@dataclass
class ParsedTime:
    """A time value understood: naive local (``offset`` None) or with a fixed offset."""

    value: datetime
    offset: timezone | None = None
    order_guess: str | None = None
    """``"dmy"``/``"mdy"`` when a slash date was read the only way it could be."""


class TimeError(ValueError):
    """A time cell that cannot be read; ``code`` is the finding code, ``key`` the column when known."""

    def __init__(self, code: str, message: str, hint: str, key: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.key = key


_FORMATS_HINT = "Write it as 2031-03-03 09:00 (or ISO 8601 such as 2031-03-03T09:00:00Z)."


def _parse_clock(text: str) -> time:
    m = _TIME.match(text.strip())
    if not m:
        raise TimeError("TIME_INVALID", f"{text!r} is not a time of day", _FORMATS_HINT)
    h, mi, s = int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0)
    ampm = (m.group("ampm") or "").lower()
    if ampm:
        if not 1 <= h <= 12:
            raise TimeError("TIME_INVALID", f"{text!r} is not a time of day", _FORMATS_HINT)
        h = h % 12 + (12 if ampm == "p" else 0)
    if h > 23 or mi > 59 or s > 59:
        raise TimeError("TIME_INVALID", f"{text!r} is not a time of day", _FORMATS_HINT)
    return time(h, mi, s)


def _parse_offset(text: str | None) -> timezone | None:
    if not text:
        return None
    t = text.upper()
    if t in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = 1 if t[0] == "+" else -1
    digits = t[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise TimeError("TIME_INVALID", f"offset {text!r} is not a UTC offset", _FORMATS_HINT)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _make_date(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise TimeError("TIME_INVALID", f"{raw!r} is not a real date ({exc})", _FORMATS_HINT) from exc


def parse_time_text(text: str, *, date_format: str | None = None, need_time: bool = True) -> ParsedTime:
    """Read a time as people write it in sheets. Raises :class:`TimeError`.

    Accepted: ISO 8601 with or without offset (``2031-03-03T09:00:00Z``, ``2031-03-03 09:00``,
    ``2031-03-03T09:00+01:00``), ``2031/03/03 9:00 pm``, a spelled-out English month
    (``3 Mar 2031 09:00``, ``Monday, March 3, 2031 9:00 PM``: a weekday must match), and ``dd/mm/yyyy HH:MM`` or
    ``mm/dd/yyyy HH:MM`` (also with ``.`` or ``-``). A slash date where both readings are real
    dates (``03/04/2031``) needs ``date_format`` (``"dmy"`` or ``"mdy"``); one with a single
    real reading (``25/03/2031``) is read that way and marked (``order_guess``).
    ``need_time=False`` allows a date alone (for a separate ``date`` column).
    """
    raw = text.strip()
    m = _ISO.match(raw)
    order_guess = None
    if m:
        day = _make_date(int(m.group("y")), int(m.group("m")), int(m.group("d")), raw)
    elif (m := _NAMED.match(raw)) is not None:
        day = _named_date(m, raw)
    else:
        m = _DMY.match(raw)
        if not m:
            raise TimeError("TIME_INVALID", f"{raw!r} is not a date and time bulkpost can read", _FORMATS_HINT)
        a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
        if date_format == "dmy":
            day = _make_date(y, b, a, raw)
        elif date_format == "mdy":
            day = _make_date(y, a, b, raw)
        else:
            dmy_ok = a <= 31 and 1 <= b <= 12 and _real(y, b, a)
            mdy_ok = 1 <= a <= 12 and _real(y, a, b)
            if dmy_ok and mdy_ok and a != b:
                raise TimeError(
                    "DATE_AMBIGUOUS",
                    f"{raw!r} could be {date(y, b, a):%d %B %Y} (day first) or {date(y, a, b):%d %B %Y} (month first)",
                    "Pass --date-format dmy or --date-format mdy, or write dates as YYYY-MM-DD.",
                )
            if dmy_ok:
                day, order_guess = date(y, b, a), ("dmy" if a != b else None)
            elif mdy_ok:
                day, order_guess = date(y, a, b), "mdy"
            else:
                raise TimeError("TIME_INVALID", f"{raw!r} is not a real date", _FORMATS_HINT)
    clock_text = m.group("time")
    if clock_text:
        clock = _parse_clock(clock_text)
    elif need_time:
        raise TimeError(
            "TIME_INVALID", f"{raw!r} has a date but no time of day", "Add the time, e.g. 2031-03-03 09:00."
        )
    else:
        clock = time(0, 0)
    return ParsedTime(datetime.combine(day, clock), _parse_offset(m.group("off")), order_guess)


def _named_date(m: re.Match[str], raw: str) -> date:
    """The date of a spelled-out month (``5 Jan 2031``, ``January 5, 2031``, ``Wed 5 Mar 2031``)."""
    month = _spelled(m.group("m1") or m.group("m2"), _MONTHS)
    weekday = _spelled(m.group("wd"), _WEEKDAYS) if m.group("wd") else None
    if month is None or (m.group("wd") and weekday is None):
        raise TimeError("TIME_INVALID", f"{raw!r} is not a date and time bulkpost can read", _FORMATS_HINT)
    day = _make_date(int(m.group("y")), month + 1, int(m.group("d1") or m.group("d2")), raw)
    if weekday is not None and weekday != day.weekday():
        raise TimeError(
            "TIME_INVALID",
            f"{raw!r}: {day.day} {_MONTHS[month].title()} {day.year} is a {_WEEKDAYS[day.weekday()].title()}, "
            f"not a {_WEEKDAYS[weekday].title()}",
            "Check which of the two is right, and write the date as YYYY-MM-DD.",
        )
    return day


def _real(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _localize(naive: datetime, zone: ZoneInfo) -> tuple[datetime, str | None, list[datetime]]:
    """Attach ``zone``: (aware datetime, problem, candidates). problem is "gap", "fold" or None."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    # A wall time that does not survive a round trip through UTC does not exist (DST gap).
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        return first, "gap", [first.astimezone(timezone.utc), second.astimezone(timezone.utc)]
    if first.utcoffset() != second.utcoffset():
        return first, "fold", [first.astimezone(timezone.utc), second.astimezone(timezone.utc)]
    return first, None, []


def _fmt_utc(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _fmt_local(dt: datetime) -> str:
    name = getattr(dt.tzinfo, "key", None) or dt.strftime("%z")
    return f"{dt:%Y-%m-%d %H:%M} {name}"


# --- the validator --------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell value as text: numbers without a spurious ``.0``, line endings normalised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Options:
    zone: ZoneInfo
    zone_name: str
    date_format: str | None
    now: datetime
    min_lead: timedelta


class _Validator:
    def __init__(self, sheet: Sheet, opts: _Options) -> None:
        self.sheet = sheet
        self.opts = opts
        self.findings: list[Finding] = []
        self.order_guesses: dict[str, list[int]] = {}
        self.bad_setting_columns: set[str] = set()

    def add(self, code: str, message: str, *, row: Row | None = None, key: str | None = None, **kw: Any) -> None:
        self.findings.append(finding(code, message, row=row, key=key, severity=CODES[code], **kw))

    def sheet_finding(self, code: str, message: str, *, hint: str | None = None, header_key: str | None = None) -> None:
        """A sheet-level finding; pointed at the header cell when ``header_key`` names a column."""
        s = self.sheet
        column = letter = None
        row = None
        if header_key is not None:
            for h in s.headers:
                if h.key == header_key:
                    column, letter, row = h.column, h.letter, s.header_row
                    break
        self.findings.append(
            Finding(code, CODES[code], message, hint, row, column, letter, s.sheet, str(s.path), None, None)
        )

    # sheet-level ------------------------------------------------------------------------

    def check_sheet(self) -> None:
        s = self.sheet
        if s.encoding_fallback:
            self.sheet_finding(
                "ENCODING_GUESSED",
                f"The file is not valid UTF-8; it was read as Windows-1252 ({s.path.name}).",
                hint="Check accented letters and emoji in the report; save the sheet as CSV UTF-8 to be sure.",
            )
        if s.uncalculated_formulas:
            n = s.uncalculated_formulas
            self.sheet_finding(
                "FORMULAS_NOT_CALCULATED",
                f"{n} formula cell{'s have' if n != 1 else ' has'} no saved result (the workbook was written by a "
                "program that does not calculate formulas); such cells read as empty.",
                hint="Open the workbook in Excel or LibreOffice and save it, so every formula's result is stored.",
            )
        if s.unknown_columns:
            names = ", ".join(f'"{c}"' for c in s.unknown_columns)
            self.sheet_finding(
                "UNKNOWN_COLUMNS",
                f"Columns bulkpost does not use: {names}. They are kept and come back in the results.",
                hint="If one of them was meant as a bulkpost column, rename it (see the Columns section of the README).",
            )
        unnamed: dict[str, int] = {}
        for r in s.rows:
            for key, c in r.extra.items():
                if not c.column and c.value is not None and str(c.value).strip():
                    unnamed.setdefault(c.letter, r.number)
        for letter, first in sorted(unnamed.items(), key=lambda kv: (len(kv[0]), kv[0])):
            self.findings.append(
                Finding(
                    "UNNAMED_COLUMN",
                    WARNING,
                    f"Column {letter} has values (first on row {first}) but no header; they are ignored.",
                    "Give the column a header, or delete the values.",
                    None,
                    None,
                    letter,
                    s.sheet,
                    str(s.path),
                )
            )
        for h in s.headers:
            if "." not in h.key or h.key in SETTINGS:
                continue
            network, _, name = h.key.partition(".")
            if normalize_network(network) is None:
                continue
            if not any(r.get(h.key) is not None for r in s.rows):
                continue
            self.bad_setting_columns.add(h.key)
            known = sorted(x.name for x in SETTINGS.values() if x.network == network and not x.update_only)
            hint = (
                f"{display_name(network)} settings Publora accepts: {', '.join(known)}."
                if known
                else f"Publora accepts no settings for {display_name(network)}; delete the column."
            )
            self.sheet_finding(
                "SETTING_UNKNOWN",
                f'Column "{h.column}": {network}.{name} is not a setting Publora accepts.',
                hint=hint,
                header_key=h.key,
            )
        for h in s.headers:
            st = SETTINGS.get(h.key)
            if st is not None and st.update_only and any(r.get(h.key) is not None for r in s.rows):
                self.bad_setting_columns.add(h.key)
                self.sheet_finding(
                    "SETTING_NOT_SUPPORTED",
                    f'Column "{h.column}": {st.path} can only be set after a post exists, from an uploaded '
                    "thumbnail; a sheet cannot set it.",
                    hint="Delete the column and set the thumbnail in Publora.",
                    header_key=h.key,
                )
        if not s.rows:
            self.sheet_finding(
                "EMPTY_SHEET", "The sheet has a header but no rows to post.", hint="Add one row per post under the header."
            )

    # rows -------------------------------------------------------------------------------

    def parse_row(self, row: Row) -> Post:
        post = Post(row=row, timezone=self.opts.zone_name)
        self.parse_status(row, post)
        self.parse_targets(row, post)
        self.parse_text(row, post)
        self.parse_time(row, post)
        self.parse_media(row, post)
        self.parse_settings(row, post)
        self.parse_misc(row, post)
        return post

    def parse_status(self, row: Row, post: Post) -> None:
        raw = _text(row.get("status", "")).strip()
        status = _STATUS.get(raw.lower())
        if status is None:
            self.add(
                "STATUS_INVALID",
                f'"{raw}" is not a status',
                row=row,
                key="status",
                hint='Use "scheduled" (the default when empty) or "draft".',
                value=raw,
            )
            status = "scheduled"
        post.status = status

    def parse_targets(self, row: Row, post: Post) -> None:
        raw = _text(row.get("platforms", ""))
        # Quotes and brackets are dropped so a pasted JSON list (["twitter-1", "x"]) works too.
        tokens = [t.strip().strip("\"'[]").strip() for t in re.split(r"[;,\n]", raw)]
        tokens = [t for t in tokens if t]
        if not tokens:
            self.add(
                "PLATFORMS_MISSING",
                "no platforms: the row does not say where to post",
                row=row,
                key="platforms",
                hint="Write network names (twitter; linkedin) or connection ids (twitter-123456), separated by ;",
            )
            return
        seen: set[str] = set()
        for token in tokens:
            target = self._target(row, token)
            if target is None:
                continue
            ident = target.connection_id or target.network
            if ident in seen:
                self.add(
                    "PLATFORM_DUPLICATE",
                    f'"{token}" is listed twice; it is posted to once',
                    row=row,
                    key="platforms",
                    platform=target.network,
                    hint="Delete the repeated entry.",
                    value=token,
                )
                continue
            seen.add(ident)
            post.targets.append(target)

    def _target(self, row: Row, token: str) -> Target | None:
        network = normalize_network(token)
        connection: str | None = None
        if network is None:
            parsed = parse_connection_id(token)
            if parsed is not None and parsed[0] in _KNOWN:
                network, connection = parsed[0], token.strip()
            else:
                hint = "Use a network name (twitter, linkedin, instagram, ...) or a connection id exactly as Publora lists it (twitter-123456)."
                lowered = token[:1].lower() + token[1:]
                prefix = token.split("-", 1)[0]
                if "-" in token and normalize_network(prefix) is not None:
                    fixed = f"{normalize_network(prefix)}-{token.split('-', 1)[1]}"
                    if parse_connection_id(fixed) is not None:
                        hint = f"Connection ids start with Publora's lowercase network name: {fixed}"
                elif lowered != token and parse_connection_id(lowered):
                    hint = f"Connection ids are lowercase before the dash: {lowered}"
                self.add(
                    "PLATFORM_UNKNOWN",
                    f'"{token}" is neither a network name nor a connection id',
                    row=row,
                    key="platforms",
                    hint=hint,
                    value=token,
                )
                return None
        if network in CONNECT_ONLY:
            self.add(
                "PLATFORM_NOT_PUBLISHABLE",
                f"{display_name(network)} can be connected in Publora but not posted to",
                row=row,
                key="platforms",
                platform=network,
                hint=f'Remove "{token}" from the row.',
                value=token,
            )
            return None
        return Target(network=network, connection_id=connection, raw=token)

    def parse_text(self, row: Row, post: Post) -> None:
        post.content = _text(row.get("content", ""))
        for key, c in row.cells.items():
            if key.startswith("content_") and not is_blank_value(c.value):
                network = key[len("content_") :]
                post.variants[network] = _text(c.value)
                if post.targets and network not in post.networks:
                    self.add(
                        "VALUE_NOT_USED",
                        f"a {display_name(network)} text is given but the row does not post to {display_name(network)}",
                        row=row,
                        key=key,
                        platform=network,
                        hint=f"Add {network} to platforms, or clear the cell.",
                    )
        if post.content.strip():
            return
        post.content = ""
        repost = self._is_linkedin_repost(row)
        if not post.targets:
            if not post.variants and not repost:
                self.add("CONTENT_MISSING", "no text to post", row=row, key="content", hint="Write the post in the content column.")
            return
        missing = [n for n in post.networks if not post.variants.get(n, "").strip() and not (n == "linkedin" and repost)]
        if missing and len(missing) == len(post.networks):
            self.add("CONTENT_MISSING", "no text to post", row=row, key="content", hint="Write the post in the content column.")
            return
        for n in missing:
            self.add(
                "CONTENT_MISSING",
                f"no text for {display_name(n)}: content is empty and there is no content_{n}",
                row=row,
                key="content",
                platform=n,
                hint=f"Fill content (or content_{n}).",
            )

    @staticmethod
    def _is_linkedin_repost(row: Row) -> bool:
        enabled = coerce_bool(row.get("linkedin.repostEnabled", False))
        urn = _text(row.get("linkedin.repostParentUrn", "")).strip()
        return bool(enabled) or bool(urn)

    def parse_time(self, row: Row, post: Post) -> None:
        opts = self.opts
        zone, zone_name = opts.zone, opts.zone_name
        tz_raw = _text(row.get("timezone", "")).strip()
        if tz_raw:
            z = resolve_zone(tz_raw)
            if z is None:
                self.add(
                    "TIMEZONE_UNKNOWN",
                    f'"{tz_raw}" is not a time zone name',
                    row=row,
                    key="timezone",
                    hint="Use an IANA name such as Europe/Berlin, America/New_York or UTC.",
                    value=tz_raw,
                )
                return
            zone, zone_name = z, z.key
        post.timezone = zone_name

        time_key = "date" if row.cell("scheduled_time") is None and row.cell("date") is not None else "scheduled_time"
        try:
            parsed = self._read_time(row)
        except TimeError as exc:
            self.add(exc.code, exc.message, row=row, key=exc.key or time_key, hint=exc.hint)
            return
        if parsed is None:
            if post.status == "scheduled":
                self.add(
                    "TIME_MISSING",
                    "no time: a scheduled post needs one",
                    row=row,
                    key=time_key,
                    hint='Fill in the time (e.g. 2031-03-03 09:00), or set status to "draft".',
                )
            return
        if parsed.order_guess:
            self.order_guesses.setdefault(parsed.order_guess, []).append(row.number)
        if parsed.offset is not None:
            aware = parsed.value.replace(tzinfo=parsed.offset)
            post.local_time = aware
        else:
            aware, problem, cands = _localize(parsed.value, zone)
            if problem == "gap":
                self.add(
                    "TIME_NONEXISTENT",
                    f"{parsed.value:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks skip that hour (daylight saving)",
                    row=row,
                    key=time_key,
                    hint="Pick a time outside the skipped hour.",
                )
                return
            if problem == "fold":
                self.add(
                    "TIME_AMBIGUOUS",
                    f"{parsed.value:%Y-%m-%d %H:%M} happens twice in {zone_name} (clocks go back): "
                    f"{_fmt_utc(cands[0])} or {_fmt_utc(cands[1])}; the first is used",
                    row=row,
                    key=time_key,
                    hint="Write the time with its UTC offset to choose (e.g. 2031-10-26T02:30+01:00).",
                )
            post.local_time = aware
        utc = aware.astimezone(timezone.utc)
        post.scheduled_at = utc
        if post.status == "draft":
            return  # a draft is not published, so its time may be anything
        if utc <= opts.now:
            shown = _fmt_utc(utc) if aware.utcoffset() == timedelta(0) else f"{_fmt_local(aware)} ({_fmt_utc(utc)})"
            self.add(
                "TIME_IN_PAST",
                f"{shown} is in the past",
                row=row,
                key=time_key,
                hint="Pick a future time.",
            )
        elif utc < opts.now + opts.min_lead:
            minutes = int(opts.min_lead.total_seconds() // 60)
            self.add(
                "TIME_TOO_SOON",
                f"{_fmt_utc(utc)} is less than {minutes} minute{'s' if minutes != 1 else ''} from now",
                row=row,
                key=time_key,
                hint=f"Publora publishes once a minute; schedule at least {minutes} minutes ahead.",
            )

    def _read_time(self, row: Row) -> ParsedTime | None:
        fmt = self.opts.date_format
        if row.cell("scheduled_time") is not None or row.cell("date") is None:
            v = row.get("scheduled_time")
            if v is None:
                return None
            return self._time_value(v, fmt, need_time=True)
        d, t = row.get("date"), row.get("time")
        if d is None and t is None:
            return None
        if d is None:
            raise TimeError("TIME_INVALID", "a time but no date", "Fill in the date column too.")
        day_part = self._time_value(d, fmt, need_time=False)
        if t is None:
            if isinstance(d, datetime) and (d.hour or d.minute):
                return day_part
            raise TimeError("TIME_INVALID", "a date but no time of day", "Fill in the time column too.", key="time")
        clock: time
        if isinstance(t, datetime):
            clock = t.time()
        elif isinstance(t, time):
            clock = t
        elif isinstance(t, (int, float)) and not isinstance(t, bool) and 0 <= t < 1:
            seconds = round(t * 86400)
            clock = time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
        else:
            try:
                clock = _parse_clock(_text(t))
            except TimeError as exc:
                exc.key = "time"
                raise
        return ParsedTime(datetime.combine(day_part.value.date(), clock), day_part.offset, day_part.order_guess)

    @staticmethod
    def _time_value(v: Any, fmt: str | None, *, need_time: bool) -> ParsedTime:
        if isinstance(v, datetime):
            if v.tzinfo is not None:
                off = v.utcoffset()
                return ParsedTime(v.replace(tzinfo=None), timezone(off) if off is not None else timezone.utc)
            return ParsedTime(v)
        if isinstance(v, date):
            if need_time:
                raise TimeError("TIME_INVALID", f"{v:%Y-%m-%d} has a date but no time of day", "Add the time, e.g. 2031-03-03 09:00.")
            return ParsedTime(datetime.combine(v, time(0, 0)))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise TimeError(
                "TIME_INVALID",
                f"{_text(v)!r} is a number, not a date and time",
                "Format the cell as a date and time, or write it as 2031-03-03 09:00.",
            )
        return parse_time_text(_text(v), date_format=fmt, need_time=need_time)

    def parse_media(self, row: Row, post: Post) -> None:
        media_cells = [c for k, c in row.cells.items() if k == "media" or k.startswith("media_")]
        media_cells.sort(key=lambda c: (len(c.letter), c.letter))
        base = self.sheet.base_dir
        for c in media_cells:
            if is_blank_value(c.value):
                continue
            for item in (x.strip() for x in re.split(r"[;\n]", _text(c.value))):
                if not item:
                    continue
                ref = self._media_ref(row, c.key, item, base)
                if ref is not None:
                    post.media.append(ref)

    def _media_ref(self, row: Row, key: str, item: str, base: Path) -> MediaRef | None:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", item):
            broken = check_url_syntax(item)
            if broken is None:
                return MediaRef(source=item, column=key, url=item)
            code, reason = broken
            if code == "MEDIA_URL_PROTOCOL":
                self.add(
                    "MEDIA_URL_NOT_HTTPS",
                    f"{_shorten(item)} is not an https:// URL",
                    row=row,
                    key=key,
                    hint="Publora downloads media only over https; use the https address or a local file.",
                    value=item,
                )
            else:
                self.add(
                    "MEDIA_URL_INVALID",
                    f"the media URL {reason}",
                    row=row,
                    key=key,
                    hint="Use a public https URL without credentials, or a local file.",
                    value=_without_credentials(item) if code == "MEDIA_URL_CREDENTIALS" else _shorten(item),
                )
            return None
        path = Path(item).expanduser()
        if not path.is_absolute():
            path = base / path
        if not path.exists() and "\\" in item:
            alt = Path(item.replace("\\", "/"))
            alt = alt if alt.is_absolute() else base / alt
            if alt.exists():
                path = alt
        if not path.exists():
            hint = "Paths are relative to the sheet's folder; check the name and the folder."
            if "," in item:
                hint = "Separate several files with ; or line breaks, not commas. " + hint
            self.add(
                "MEDIA_NOT_FOUND",
                f"media file {item!r} not found (looked for {path})",
                row=row,
                key=key,
                hint=hint,
                value=item,
            )
            return None
        problem = None
        if path.is_dir():
            problem = "is a folder, not a file"
        elif not path.is_file():
            problem = "is not a regular file"
        elif not os.access(path, os.R_OK):
            problem = "cannot be read (permissions)"
        else:
            try:
                with path.open("rb") as fh:
                    if not fh.read(1):
                        problem = "is empty (0 bytes)"
            except OSError as exc:
                problem = f"cannot be read ({exc.strerror or exc})"
        if problem:
            self.add("MEDIA_UNREADABLE", f"media file {item!r} {problem}", row=row, key=key, hint="Check the file.", value=item)
            return None
        return MediaRef(source=item, column=key, path=path.resolve())

    def parse_settings(self, row: Row, post: Post) -> None:
        for key, c in row.cells.items():
            if "." not in key or key in self.bad_setting_columns or is_blank_value(c.value):
                continue
            setting = SETTINGS.get(key)
            if setting is None:
                continue
            value: Any
            raw = c.value
            text = _text(raw).strip()
            if setting.kind == "enum":
                match = next((ch for ch in setting.choices if ch and ch.lower() == text.lower()), None)
                if match is None:
                    self._bad_setting(row, key, text, "one of " + ", ".join(ch for ch in setting.choices if ch))
                    continue
                value = match
            elif setting.kind == "bool":
                b = coerce_bool(raw)
                if b is None:
                    self._bad_setting(row, key, text, "TRUE or FALSE")
                    continue
                value = b
            elif setting.kind == "tags":
                value = [t.strip() for t in re.split(r"[,\n;]", text) if t.strip()]
            elif setting.kind == "object":
                try:
                    value = json.loads(text)
                except ValueError:
                    value = None
                if not isinstance(value, dict):
                    self._bad_setting(row, key, text, 'a JSON object such as {"id": "PL123", "platformId": "youtube-UC123"}')
                    continue
            else:
                value = text
            post.settings.setdefault(setting.network, {})[setting.name] = value
            post.setting_columns[key] = key
            if post.targets and setting.network not in post.networks:
                self.add(
                    "VALUE_NOT_USED",
                    f"{key} is set but the row does not post to {display_name(setting.network)}",
                    row=row,
                    key=key,
                    platform=setting.network,
                    hint=f"Add {setting.network} to platforms, or clear the cell.",
                )

    def _bad_setting(self, row: Row, key: str, text: str, allowed: str) -> None:
        self.add(
            "SETTING_INVALID",
            f'"{text}" is not a valid {key}; it must be {allowed}',
            row=row,
            key=key,
            platform=key.split(".", 1)[0],
            hint=f"Write {allowed}.",
            value=text,
        )

    def parse_misc(self, row: Row, post: Post) -> None:
        title = _text(row.get("title", "")).strip()
        post.title = title or None
        if post.title and post.targets and "youtube" not in post.networks:
            self.add(
                "VALUE_NOT_USED",
                "a title is given but only YouTube uses one, and the row does not post to YouTube",
                row=row,
                key="title",
                platform="youtube",
                hint="Clear the title, or add youtube to platforms.",
            )
        comment = _text(row.get("first_comment", "")).strip()
        post.first_comment = comment or None
        user = _text(row.get("user", "")).strip()
        if user:
            if not _OBJECT_ID.match(user):
                self.add(
                    "USER_INVALID",
                    f'"{user}" is not a managed user id (24 hexadecimal characters)',
                    row=row,
                    key="user",
                    hint="Copy the user id from the Publora workspace (bulkpost workspace users).",
                    value=user,
                )
            else:
                post.user = user

    # across rows ------------------------------------------------------------------------

    def check_duplicates(self, posts: list[Post]) -> None:
        first: dict[tuple[Any, ...], int] = {}
        for p in posts:
            if not p.targets or not (p.content or p.variants):
                continue
            key = (
                p.content.strip(),
                tuple(sorted((k, v.strip()) for k, v in p.variants.items())),
                tuple(sorted((t.connection_id or t.network) for t in p.targets)),
                p.scheduled_at or (_text(p.row.get("scheduled_time", "")), _text(p.row.get("date", "")), _text(p.row.get("time", ""))),
                p.user,
            )
            if key in first:
                self.add(
                    "DUPLICATE_ROW",
                    f"same content, platforms and time as row {first[key]}",
                    row=p.row,
                    key="content",
                    hint="Delete one of the two rows, or change the time.",
                )
            else:
                first[key] = p.row.number

    def check_order_guesses(self) -> None:
        for order, rows in sorted(self.order_guesses.items()):
            word = "day first (dd/mm/yyyy)" if order == "dmy" else "month first (mm/dd/yyyy)"
            shown = ", ".join(str(n) for n in rows[:10]) + (" ..." if len(rows) > 10 else "")
            self.sheet_finding(
                "DATE_ORDER_GUESSED",
                f"Dates on rows {shown} were read {word}: no other reading is a real date.",
                hint=f"Pass --date-format {order} to say so (and to read ambiguous dates the same way).",
            )


_KNOWN = frozenset(NETWORKS)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _without_credentials(url: str) -> str:
    """``https://user:pw@host/path`` -> ``https://host/...``: a report never echoes a password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].rpartition('@')[2]}/..."


def validate(
    sheet_or_path: Sheet | str | Path,
    *,
    tz: str = "UTC",
    date_format: str | None = None,
    now: datetime | None = None,
    min_lead_minutes: float = DEFAULT_MIN_LEAD_MINUTES,
    strict: bool = False,
    rule_context: RuleContext | None = None,
    sheet: str | None = None,
    rule_options: Mapping[str, Any] | None = None,
) -> Report:
    """Validate a sheet (a loaded :class:`Sheet`, or a path that is loaded with ``sheet=``).

    ``tz`` is the IANA zone for times without an offset when the row has no ``timezone``;
    ``date_format`` (``"dmy"``/``"mdy"``) settles ``03/04/2031``; ``now`` (aware) is the
    reference for past and lead-time checks; ``min_lead_minutes`` the least lead time;
    ``strict`` and ``rule_context`` go to the per-network rules; ``rule_options`` are further
    :class:`RuleContext` fields (``hashtag_cap``, ``mastodon_limit``, ``daily_cap``,
    ``check_urls``) used when no ``rule_context`` is given.

    Returns a :class:`Report` with every finding and one :class:`Post` per data row
    (``report.valid_posts()`` are those without an error). Raises :class:`InputError` when a
    path cannot be loaded and :class:`ConfigError` for an unknown ``tz`` or ``date_format``.
    """
    zone = resolve_zone(tz)
    if zone is None:
        raise ConfigError(f"unknown time zone {tz!r}", hint="Use an IANA name such as Europe/Berlin or UTC.")
    if date_format not in (None, "dmy", "mdy"):
        raise ConfigError(f"unknown date format {date_format!r}", hint='Use "dmy" (25/03/2031) or "mdy" (03/25/2031).')
    if now is None:
        now = rule_context.now if rule_context is not None else datetime.now(timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    loaded = sheet_or_path if isinstance(sheet_or_path, Sheet) else load_sheet(sheet_or_path, sheet=sheet)
    opts = _Options(zone, zone.key, date_format, now, timedelta(minutes=min_lead_minutes))
    v = _Validator(loaded, opts)
    v.check_sheet()
    posts = [v.parse_row(r) for r in loaded.rows]
    v.check_duplicates(posts)
    v.check_order_guesses()

    report = Report(file=str(loaded.path), sheet=loaded.sheet, posts=posts, rows=len(loaded.rows), source=loaded)
    # The Windows-1252 note is already an ENCODING_GUESSED finding; do not say it twice.
    report.notes.extend(n for n in loaded.notes if not (loaded.encoding_fallback and "Windows-1252" in n))
    has_zone_column = any(h.key == "timezone" for h in loaded.headers)
    zone_note = f"Times without a UTC offset are read in {zone.key}"
    zone_note += " (or the row's timezone column)." if has_zone_column else "."
    if zone.key == "UTC" and not has_zone_column:
        zone_note += " Use --tz or a timezone column for local times."
    report.notes.append(zone_note)
    report.add(v.findings)
    ctx = rule_context or RuleContext(now=now, strict=strict, **dict(rule_options or {}))
    report.add(check_posts(posts, ctx))
    return report


def iter_codes() -> Iterator[tuple[str, str]]:
    """Every (code, severity) this module can emit."""
    yield from CODES.items()
