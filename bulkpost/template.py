"""Blank sheet templates with every column bulkpost reads (``bulkpost template PATH``).

The ``.csv`` template is the header row alone (UTF-8 with a BOM, so Excel keeps emoji). The
``.xlsx`` template has a ``posts`` sheet (the header, frozen, with drop-down lists for
platforms, status, time zones and every setting with fixed values), an ``instructions``
sheet that explains each column, and a hidden ``lists`` sheet holding the drop-down values.
"""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import available_timezones

from .errors import ConfigError
from .load import COLUMN_ALIASES
from .model import column_letter
from .networks import CONNECT_ONLY, NETWORKS, SETTINGS, display_name
from .report import new_workbook

__all__ = ["COLUMN_HELP", "TEMPLATE_ROWS", "template_columns", "write_template"]

#: How many rows of the ``.xlsx`` template carry the drop-down lists.
TEMPLATE_ROWS = 1000

PUBLISHABLE = tuple(n for n in NETWORKS if n not in CONNECT_ONLY)

#: One line per canonical column, for the instructions sheet and the README.
COLUMN_HELP: dict[str, str] = {
    "content": "The post text. A line holding only --- splits it into thread parts (X, Threads).",
    "platforms": "Where to post: network names (twitter; linkedin) or connection ids as Publora lists them "
    "(twitter-123456), separated by ; or , or line breaks. Pinterest cannot be posted to.",
    "scheduled_time": "When to post: 2031-03-03 09:00, ISO 8601 (2031-03-03T09:00:00Z, with or without offset) or an "
    "Excel date-time cell. dd/mm vs mm/dd needs --date-format. Or use separate date and time columns.",
    "timezone": "IANA time zone of this row's time when it has no offset (Europe/Berlin). Default: --tz, else UTC.",
    "status": "scheduled (default when empty) or draft. A draft may have no time.",
    "media": "Images/videos: paths relative to the sheet's folder, or https URLs, separated by ; or line breaks. "
    "Order = carousel order. media_1 ... media_10 columns also work.",
    "title": "YouTube video title (at most 100 characters).",
    "first_comment": "A comment posted under the post right after it is published (LinkedIn, X, Threads, Bluesky, Mastodon).",
    "user": "Workspace-managed user id (24 hexadecimal characters) to post as.",
}


def template_columns() -> list[str]:
    """Every column of the template, in order: the canonical ones, per-network texts, then settings."""
    cols = list(COLUMN_HELP)
    cols += [f"content_{n}" for n in PUBLISHABLE]
    cols += [s.path for s in SETTINGS.values() if not s.update_only]
    return cols


def _help(col: str) -> str:
    if col in COLUMN_HELP:
        aliases = COLUMN_ALIASES.get(col, ())
        text = COLUMN_HELP[col]
        return text + (f" Also accepted as: {', '.join(aliases)}." if aliases else "")
    if col.startswith("content_"):
        n = col[len("content_") :]
        return f"Text for {display_name(n)} only, instead of content."
    s = SETTINGS[col]
    if s.kind == "enum":
        allowed = ", ".join(c for c in s.choices if c)
        return f"{display_name(s.network)} setting: one of {allowed}."
    if s.kind == "bool":
        return f"{display_name(s.network)} setting: TRUE or FALSE."
    if s.kind == "tags":
        return f"{display_name(s.network)} setting: tags separated by commas."
    if s.kind == "object":
        return f'{display_name(s.network)} setting: a JSON object, e.g. {{"id": "PL123", "platformId": "youtube-UC123"}}.'
    return f"{display_name(s.network)} setting: text."


def write_template(path: str | Path) -> Path:
    """Write a blank template to ``path`` (``.csv`` or ``.xlsx``). Returns the path.

    Raises :class:`~bulkpost.errors.ConfigError` for another extension.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    cols = template_columns()
    if suffix == ".csv":
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(cols)
        return p
    if suffix != ".xlsx":
        raise ConfigError(f"cannot write a template as {suffix or 'a file without extension'!r}", hint="Use .csv or .xlsx.")
    _write_xlsx_template(p, cols)
    return p


def _write_xlsx_template(p: Path, cols: list[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb, ws = new_workbook("posts")
    bold = Font(bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for i, col in enumerate(cols, start=1):
        c = ws.cell(row=1, column=i, value=col)
        c.font = bold
        c.fill = head_fill
        ws.column_dimensions[column_letter(i - 1)].width = 60 if col == "content" else max(14, len(col) + 2)
    ws.freeze_panes = "A2"

    lists = wb.create_sheet("lists")
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    zones = ["UTC", *zones]
    for i, n in enumerate(PUBLISHABLE, start=1):
        lists.cell(row=i, column=1, value=n)
    for i, z in enumerate(zones, start=1):
        lists.cell(row=i, column=2, value=z)
    lists.sheet_state = "hidden"

    last = TEMPLATE_ROWS + 1

    def rng(col: str) -> str:
        letter = column_letter(cols.index(col))
        return f"{letter}2:{letter}{last}"

    dv = DataValidation(
        type="list",
        formula1=f"=lists!$A$1:$A${len(PUBLISHABLE)}",
        allow_blank=True,
        showErrorMessage=False,  # several targets ("twitter; linkedin") are allowed too
        promptTitle="platforms",
        prompt="Pick a network, or type several separated by ; (names or connection ids).",
        showInputMessage=True,
    )
    dv.add(rng("platforms"))
    ws.add_data_validation(dv)
    dv = DataValidation(type="list", formula1='"scheduled,draft"', allow_blank=True, errorTitle="status", error="scheduled or draft")
    dv.add(rng("status"))
    ws.add_data_validation(dv)
    dv = DataValidation(
        type="list",
        formula1=f"=lists!$B$1:$B${len(zones)}",
        allow_blank=True,
        errorStyle="warning",
        errorTitle="timezone",
        error="Not an IANA time zone name bulkpost knows.",
    )
    dv.add(rng("timezone"))
    ws.add_data_validation(dv)
    for s in SETTINGS.values():
        if s.update_only or s.path not in cols:
            continue
        if s.kind == "enum":
            choices = [c for c in s.choices if c]
            formula = '"' + ",".join(choices) + '"'
        elif s.kind == "bool":
            formula = '"TRUE,FALSE"'
        else:
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, errorTitle=s.path, error=_help(s.path))
        dv.add(rng(s.path))
        ws.add_data_validation(dv)
    time_col = column_letter(cols.index("scheduled_time"))
    for r in range(2, last + 1):
        ws[f"{time_col}{r}"].number_format = "yyyy-mm-dd hh:mm"

    info = wb.create_sheet("instructions", 1)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 110
    lines: list[tuple[str, str]] = [
        ("bulkpost template", "One row per post. Fill the posts sheet, then run: bulkpost validate this-file.xlsx"),
        ("", "Required columns: content and platforms. Delete the columns you do not need; unknown columns are kept."),
        ("", "Header names ignore case, spaces, _ and -. Exit code 0 = ready, 1 = rows to fix, 2 = file unusable."),
        ("", ""),
        ("column", "meaning"),
    ]
    lines += [(col, _help(col)) for col in cols]
    lines += [
        ("date + time", "Instead of scheduled_time: a date column and a time column."),
        ("media_1 ... media_10", "Instead of media: one file or URL per column, in carousel order."),
    ]
    for r, (a, b) in enumerate(lines, start=1):
        info.cell(row=r, column=1, value=a).font = bold if r in (1, 5) else Font()
        c = info.cell(row=r, column=2, value=b)
        if r == 5:
            c.font = bold
        c.alignment = Alignment(wrap_text=True, vertical="top")
    info["A1"].font = Font(bold=True, size=14)
    wb.active = 0
    wb.save(p)
