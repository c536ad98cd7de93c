"""Write a validation report (``.json``, ``.csv`` or ``.xlsx``), and cells that cannot become formulas.

``write_report(report, path)`` picks the format from the extension:

``.json``
    exactly ``report.to_dict()`` (what ``bulkpost validate --json`` prints).
``.csv``
    one line per finding (row, column, cell, severity, code, message, hint, ...), UTF-8 with
    a BOM so Excel opens it right.
``.xlsx``
    a copy of the input workbook (for a CSV input: the CSV's data as a workbook) where every
    finding's cell is filled red (error) or amber (warning) and carries a comment with the
    message and the hint, plus a ``bulkpost check`` status column at the end of the header
    and a ``bulkpost findings`` sheet listing every finding with a link to its cell. A
    spreadsheet user can fix everything from this file alone.

Formula injection: text from a sheet that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return) must never become a formula in a file bulkpost writes. Every cell bulkpost
writes goes through :func:`write_safe_cell` (openpyxl: the value is stored as a string cell
with Excel's quote prefix) or :func:`safe_csv_value` (CSV: a leading apostrophe, which the
loader removes again when it reads the file back). The results writer of ``schedule`` reuses
both; they are the one place this protection lives.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, cast

from .errors import ConfigError
from .findings import ERROR, WARNING, Finding, Report
from .load import REPORT_STATUS_COLUMN
from .model import column_letter

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell as XLCell
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FINDINGS_SHEET",
    "FORMULA_PREFIXES",
    "REPORT_COLUMNS",
    "REPORT_SUFFIXES",
    "is_formula_like",
    "new_workbook",
    "safe_csv_value",
    "write_report",
    "write_safe_cell",
]

#: Leading characters that make a spreadsheet program treat text as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: The file extensions :func:`write_report` writes.
REPORT_SUFFIXES: tuple[str, ...] = (".json", ".csv", ".xlsx", ".html", ".htm")
#: Name of the sheet that lists every finding in the ``.xlsx`` report.
FINDINGS_SHEET = "bulkpost findings"
#: Columns of the ``.csv`` report (and of the findings sheet), in order.
REPORT_COLUMNS: tuple[str, ...] = (
    "row",
    "column",
    "cell",
    "sheet",
    "platform",
    "severity",
    "code",
    "message",
    "hint",
    "value",
)

_FILL = {ERROR: "FFC7CE", WARNING: "FFEB9C", "ok": "C6EFCE"}
# Characters XML 1.0 forbids (openpyxl refuses them); replaced so a report can always be written.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0
_EXCEL_CELL_MAX = 32_767


def is_formula_like(value: Any) -> bool:
    """True for text a spreadsheet program would read as a formula (``=1+1``, ``@SUM``, ``-2+3``)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_csv_value(value: Any) -> Any:
    """A value for ``csv.writer`` that no spreadsheet program turns into a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
    (OWASP's advice; Excel hides it). Other values are returned unchanged.
    """
    if is_formula_like(value):
        return "'" + value
    return value


def write_safe_cell(ws: Worksheet, row: int, column: int, value: Any) -> XLCell:
    """Write ``value`` to ``ws`` at (``row``, ``column``) (1-based) so that it can never be a formula.

    Strings that look like formulas are stored as string cells with the quote prefix set
    (what Excel itself does for ``'=text``); characters XML forbids are replaced by U+FFFD and
    text longer than Excel's 32,767 characters is cut. Numbers, booleans and dates are
    written as they are. Returns the openpyxl cell.
    """
    if isinstance(value, str):
        value = _ILLEGAL.sub("\ufffd", value)
        if len(value) > _EXCEL_CELL_MAX:
            value = value[: _EXCEL_CELL_MAX - 1] + "\u2026"
    # A MergedCell (inside a merged range) cannot take a value: callers write to real cells.
    cell = cast("XLCell", ws.cell(row=row, column=column))
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` to ``path`` as JSON, CSV, XLSX or HTML (chosen by the extension). Returns the path.

    Raises :class:`~bulkpost.errors.ConfigError` for another extension.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ConfigError(
            f"cannot write a report as {suffix or 'a file without extension'!r}: {p}",
            hint="Name the report .json, .csv, .xlsx or .html.",
        )
    try:
        if suffix == ".json":
            p.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        elif suffix == ".csv":
            _write_csv(report, p)
        elif suffix in (".html", ".htm"):
            from .html_report import write_html_report

            write_html_report(report, p)
        else:
            _write_xlsx(report, p)
    except OSError as exc:
        raise ConfigError(f"cannot write the report {p}: {exc.strerror or exc}", hint="Check the folder exists and is writable.") from exc
    return p


def _finding_row(f: Finding) -> list[Any]:
    d = f.to_dict()
    return [d[c] for c in REPORT_COLUMNS]


def _write_csv(report: Report, p: Path) -> None:
    with p.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REPORT_COLUMNS)
        for f in report.sorted_findings():
            w.writerow([safe_csv_value(v) for v in _finding_row(f)])


# --- xlsx -----------------------------------------------------------------------------------


def _letter_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + (ord(ch) - 64)
    return n


def new_workbook(title: str) -> tuple[Workbook, Worksheet]:
    """A new openpyxl workbook and its one worksheet, named ``title``."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = cast("Worksheet", wb.active)  # a new workbook's active sheet is its only worksheet
    ws.title = title
    return wb, ws


def _open_copy(report: Report) -> tuple[Workbook, Worksheet]:
    """The input workbook (formulas kept) and its sheet, or a new workbook holding a CSV's data."""
    import openpyxl

    src = report.source
    if src is not None and src.kind == "xlsx":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(src.path, keep_links=False)
            if src.sheet in wb.sheetnames:
                return wb, cast("Worksheet", wb[src.sheet])  # the sheet the loader read: a worksheet
        except Exception:  # the input changed or vanished since it was read: rebuild from the data
            pass
    title = re.sub(r"[\[\]:*?/\\]", "_", (src.path.stem if src is not None else Path(report.file).stem))[:31] or "Sheet1"
    wb, ws = new_workbook(title)
    if src is not None:
        from openpyxl.styles import Font

        for h in src.headers:
            write_safe_cell(ws, src.header_row, _letter_index(h.letter), h.value).font = Font(bold=True)
        for r in src.rows:
            for c in r.iter_cells():
                write_safe_cell(ws, r.number, _letter_index(c.letter), c.value)
        ws.freeze_panes = f"A{src.header_row + 1}"
    return wb, ws


def _comment_text(items: Iterable[Finding]) -> str:
    parts = []
    for f in items:
        text = f"{f.severity.upper()} {f.code}: {f.message}"
        if f.hint:
            text += f"\nFix: {f.hint}"
        parts.append(text)
    return "\n\n".join(parts)


def _add_comment(cell: XLCell, text: str) -> None:
    from openpyxl.comments import Comment

    text = _ILLEGAL.sub("\ufffd", text)[:30_000]
    if cell.comment is not None and cell.comment.text:
        text = cell.comment.text + "\n\n" + text
    comment = Comment(text, "bulkpost")
    comment.width = 420
    comment.height = min(60 + 18 * text.count("\n") + len(text) // 3, 600)
    cell.comment = comment


def _fill(cell: XLCell, severity: str) -> None:
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill(fill_type="solid", start_color=_FILL[severity], end_color=_FILL[severity])


def _anchor(ws: Worksheet, row: int, column: int) -> XLCell:
    """The cell that holds (``row``, ``column``): the top-left cell of a merged range covering it.

    Only that cell of a merged range can take a value, a fill or a comment.
    """
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= column <= rng.max_col:
            row, column = rng.min_row, rng.min_col
            break
    # The top-left cell of a range is a real Cell, never a MergedCell.
    return cast("XLCell", ws.cell(row=row, column=column))


def _free_column(ws: Worksheet, column: int) -> None:
    """Unmerge the ranges that reach into the status ``column``, keeping their part left of it merged."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_col <= column <= rng.max_col:
            min_row, min_col, max_row = rng.min_row, rng.min_col, rng.max_row
            ws.unmerge_cells(rng.coord)
            if column - 1 > min_col or (column - 1 == min_col and max_row > min_row):
                ws.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=column - 1)


def _worst(items: Iterable[Finding]) -> str:
    return ERROR if any(f.severity == ERROR for f in items) else WARNING


def _write_xlsx(report: Report, p: Path) -> None:
    from openpyxl.styles import Font

    wb, ws = _open_copy(report)
    src = report.source
    header_row = src.header_row if src is not None else 1

    # The status column: reuse one a previous report added, else the first column after the data.
    status_col = None
    for cell in ws[header_row]:
        if isinstance(cell.value, str) and cell.value.strip().lower() == REPORT_STATUS_COLUMN:
            status_col = cell.column
            break
    if status_col is None:
        last = 0
        if src is not None:
            last = max(
                [_letter_index(h.letter) for h in src.headers]
                + [_letter_index(c.letter) for r in src.rows for c in r.iter_cells()]
                + [0]
            )
        status_col = last + 1
    _free_column(ws, status_col)
    head = write_safe_cell(ws, header_row, status_col, REPORT_STATUS_COLUMN)
    head.font = Font(bold=True)

    by_cell: dict[tuple[int, int], list[Finding]] = {}
    by_row: dict[int, list[Finding]] = {}
    sheet_level: list[Finding] = []
    for f in report.sorted_findings():
        if f.letter:  # a finding without a row (a whole column) marks the column's header cell
            by_cell.setdefault((f.row or header_row, _letter_index(f.letter)), []).append(f)
        if f.row is not None and f.row != header_row:
            by_row.setdefault(f.row, []).append(f)
        else:
            sheet_level.append(f)

    for (r, c), items in by_cell.items():
        cell = _anchor(ws, r, c)
        _fill(cell, _worst(items))
        _add_comment(cell, _comment_text(items))

    rows = [r.number for r in src.rows] if src is not None else sorted(by_row)
    for number in rows:
        items = by_row.get(number, [])
        errors = sum(1 for f in items if f.severity == ERROR)
        warns = len(items) - errors
        if not items:
            cell = write_safe_cell(ws, number, status_col, "OK")
            _fill(cell, "ok")
            continue
        counts = []
        if errors:
            counts.append(f"{errors} error{'s' if errors != 1 else ''}")
        if warns:
            counts.append(f"{warns} warning{'s' if warns != 1 else ''}")
        codes = ", ".join(dict.fromkeys(f.code for f in items))
        cell = write_safe_cell(ws, number, status_col, f"{' and '.join(counts)}: {codes}")
        _fill(cell, _worst(items))
        unplaced = [f for f in items if not f.letter]
        if unplaced:
            _add_comment(cell, _comment_text(unplaced))
    if sheet_level:
        _fill(head, _worst(sheet_level))
        unplaced = [f for f in sheet_level if not f.letter]
        if unplaced:
            _add_comment(head, _comment_text(unplaced))
    ws.column_dimensions[column_letter(status_col - 1)].width = 40

    _write_findings_sheet(wb, ws.title, report)
    wb.save(p)


def _write_findings_sheet(wb: Workbook, data_title: str, report: Report) -> None:
    from openpyxl.styles import Font

    if FINDINGS_SHEET in wb.sheetnames:
        del wb[FINDINGS_SHEET]
    fs = wb.create_sheet(FINDINGS_SHEET)
    for i, name in enumerate(REPORT_COLUMNS, start=1):
        write_safe_cell(fs, 1, i, name).font = Font(bold=True)
    cell_col = REPORT_COLUMNS.index("cell") + 1
    severity_col = REPORT_COLUMNS.index("severity") + 1
    quoted = data_title.replace("'", "''")
    for n, f in enumerate(report.sorted_findings(), start=2):
        for i, v in enumerate(_finding_row(f), start=1):
            write_safe_cell(fs, n, i, v)
        if f.cell:
            from openpyxl.worksheet.hyperlink import Hyperlink

            link = fs.cell(row=n, column=cell_col)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{f.cell}", display=f.cell)
            link.font = Font(color="0563C1", underline="single")
        _fill(fs.cell(row=n, column=severity_col), f.severity)
    widths = {"row": 6, "column": 18, "cell": 7, "sheet": 14, "platform": 11, "severity": 9, "code": 26, "message": 90, "hint": 60, "value": 30}
    for i, name in enumerate(REPORT_COLUMNS):
        fs.column_dimensions[column_letter(i)].width = widths.get(name, 14)
    fs.freeze_panes = "A2"
