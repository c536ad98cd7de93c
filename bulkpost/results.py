"""Results in the input's own shape: every input column, then what happened to the row.

``SHEET.results.csv`` / ``SHEET.results.xlsx`` (or ``--report PATH``, also ``.json``). The added
columns: ``status`` (scheduled, draft, failed, skipped, not_attempted), ``post_group_ids``,
``scheduled_time_utc``, ``warnings``, ``error_code``, ``error``. When the input already has a
``status`` column (draft/scheduled), the result column is called ``result_status`` instead.

Cells are protected against formula injection: a text cell starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return is written with a leading apostrophe in CSV, and as an explicit
string (never a formula) in XLSX.

A results file can be fed back to ``bulkpost schedule``: :func:`split_results_columns` takes
the result columns off the loaded sheet (and undoes the apostrophes), so the rows validate
as they did the first time and the journal decides what still needs doing.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .report import FORMULA_PREFIXES, new_workbook, safe_csv_value, write_safe_cell

if TYPE_CHECKING:
    from .execute import Results
    from .findings import Report
    from .model import Row, Sheet
    from .plan import Plan

__all__ = [
    "RESULT_COLUMNS",
    "ResultRecord",
    "collect_results",
    "default_results_path",
    "safe_cell",
    "split_results_columns",
    "write_results",
]

RESULT_COLUMNS = ("status", "post_group_ids", "scheduled_time_utc", "warnings", "error_code", "error", "retries")
_DANGEROUS = tuple(FORMULA_PREFIXES)

#: A value that a spreadsheet can never run as a formula (the loader's helper, shared).
safe_cell = safe_csv_value


def _unsafe(value: Any) -> Any:
    """Undo :func:`safe_cell` (for a results file read back)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(_DANGEROUS):
        return value[1:]
    return value


@dataclass(slots=True)
class ResultRecord:
    """The result columns of one row."""

    status: str
    post_group_ids: list[str] = field(default_factory=list)
    scheduled_time_utc: str | None = None
    warnings: list[str] = field(default_factory=list)
    error_code: str | None = None
    error: str | None = None
    retries: int = 0
    """Requests of the row sent again in this run: the row needed retries when > 0."""

    def cells(self) -> list[str]:
        return [
            self.status,
            ";".join(self.post_group_ids),
            self.scheduled_time_utc or "",
            "\n".join(self.warnings),
            self.error_code or "",
            self.error or "",
            str(self.retries),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "post_group_ids": list(self.post_group_ids),
            "scheduled_time_utc": self.scheduled_time_utc,
            "warnings": list(self.warnings),
            "error_code": self.error_code,
            "error": self.error,
            "retries": self.retries,
        }


def default_results_path(sheet: str | Path) -> Path:
    """``week.csv`` -> ``week.results.csv`` (a results file fed back keeps its own name)."""
    p = Path(sheet)
    if p.stem.endswith(".results"):
        return p
    return p.with_name(f"{p.stem}.results{p.suffix.lower() if p.suffix.lower() in ('.csv', '.xlsx') else '.csv'}")


def collect_results(
    rows: list[Row], report: Report | None, plan: Plan | None, results: Results | None
) -> dict[int, ResultRecord]:
    """One record per sheet row: executed rows from ``results``; rows stopped by the pre-flight
    or by validation as ``skipped`` with their first error."""
    out: dict[int, ResultRecord] = {}
    executed = results.by_row() if results is not None else {}
    blocked: dict[int, Any] = {}
    if plan is not None:
        for rp in plan.rows:
            errs = [f for f in rp.findings if f.severity == "error"]
            if errs:
                blocked[rp.number] = errs
    invalid: dict[int, list[Any]] = {}
    if report is not None:
        for f in report.sorted_findings():
            if f.severity == "error" and f.row is not None:
                invalid.setdefault(f.row, []).append(f)
    row_warnings: dict[int, list[str]] = {}
    if report is not None:
        for f in report.sorted_findings():
            if f.severity == "warning" and f.row is not None:
                row_warnings.setdefault(f.row, []).append(f.message)
    for row in rows:
        n = row.number
        if n in executed:
            r = executed[n]
            warns = list(row_warnings.get(n, []))
            for w in [*r.warnings, *(w for g in r.groups for w in g.warnings)]:
                if w not in warns:
                    warns.append(w)
            out[n] = ResultRecord(r.status, r.post_group_ids, r.scheduled_time_utc, warns, r.error_code, r.error, r.retries)
        elif n in invalid or n in blocked:
            errs = invalid.get(n) or blocked[n]
            first = errs[0]
            more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
            out[n] = ResultRecord("skipped", [], None, row_warnings.get(n, []), first.code, first.message + more)
        else:
            out[n] = ResultRecord("not_attempted", [], None, row_warnings.get(n, []), "NOT_SENT", "not sent in this run")
    return out


def _headers(sheet: Sheet) -> list[str]:
    return [str(h.value if h.value is not None else "") for h in sheet.headers]


def _result_headers(sheet: Sheet) -> list[str]:
    names = [re.sub(r"[\s_\-]", "", h.lower()) for h in _headers(sheet)]
    first = "result_status" if "status" in names else "status"
    return [first, *RESULT_COLUMNS[1:]]


def _row_values(row: Row, sheet: Sheet) -> list[Any]:
    by_letter = {c.letter: c.value for c in row.iter_cells()}
    return [by_letter.get(h.letter) for h in sheet.headers]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_results(path: str | Path, sheet: Sheet, records: dict[int, ResultRecord], *, extra: dict[str, Any] | None = None) -> Path:
    """Write the results file; the format follows the extension (``.csv``, ``.xlsx``, ``.json``)."""
    path = Path(path)
    ext = path.suffix.lower()
    headers = _headers(sheet) + _result_headers(sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".json":
        data = {
            **(extra or {}),
            "file": str(sheet.path),
            "rows": [
                {
                    "row": row.number,
                    "values": {h: _text(v) for h, v in zip(_headers(sheet), _row_values(row, sheet))},
                    **records[row.number].to_dict(),
                }
                for row in sheet.rows
                if row.number in records
            ],
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    elif ext == ".csv":
        delimiter = sheet.delimiter if sheet.delimiter in (",", ";", "\t") else ","
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            w.writerow([safe_cell(h) for h in headers])
            for row in sheet.rows:
                rec = records.get(row.number)
                values = [_text(v) for v in _row_values(row, sheet)] + (rec.cells() if rec else [""] * len(RESULT_COLUMNS))
                w.writerow([safe_cell(v) for v in values])
    elif ext == ".xlsx":
        wb, ws = new_workbook((sheet.sheet or "results")[:31])
        for ci, h in enumerate(headers, start=1):
            write_safe_cell(ws, 1, ci, h)
        for ri, row in enumerate(sheet.rows, start=2):
            rec = records.get(row.number)
            values = list(_row_values(row, sheet)) + (rec.cells() if rec else [""] * len(RESULT_COLUMNS))
            for ci, v in enumerate(values, start=1):
                write_safe_cell(ws, ri, ci, v if v != "" else None)
        wb.save(path)
    else:
        raise ConfigError(f"cannot write a report to {path.name}: use .csv, .xlsx or .json")
    return path


@dataclass(slots=True)
class PriorResult:
    """What a results file fed back says about a row."""

    status: str
    post_group_ids: list[str]


def split_results_columns(sheet: Sheet) -> dict[int, PriorResult] | None:
    """If ``sheet`` is a results file, take its result columns off (in place) and return them.

    Returns None for an ordinary sheet. The result columns are found by position and name:
    ``status``/``result_status`` followed by ``post_group_ids``, ``scheduled_time_utc``,
    ``warnings``, ``error_code``, ``error``. Apostrophes added against formula injection are removed.
    """
    names = [re.sub(r"[\s\-]", "", str(h.value or "")).lower() for h in sheet.headers]
    try:
        at = names.index("post_group_ids")
    except ValueError:
        return None
    if at == 0 or names[at - 1] not in ("status", "result_status"):
        return None
    after = list(RESULT_COLUMNS[2:])
    if names[at + 1 : at + 1 + len(after)] == after:
        end = at + len(after) + 1
    elif names[at + 1 : at + len(after)] == after[:-1]:  # written before the retries column existed
        end = at + len(after)
    else:
        return None
    letters = {h.letter for h in sheet.headers[at - 1 : end]}
    status_letter = sheet.headers[at - 1].letter
    ids_letter = sheet.headers[at].letter
    prior: dict[int, PriorResult] = {}
    for row in sheet.rows:
        values = {c.letter: c.value for c in row.iter_cells()}
        status = str(values.get(status_letter) or "").strip()
        ids = [s for s in re.split(r"[;,\s]+", str(values.get(ids_letter) or "")) if s]
        prior[row.number] = PriorResult(status, ids)
        row.cells = {k: _unsafe_cell(c) for k, c in row.cells.items() if c.letter not in letters}
        row.extra = {k: _unsafe_cell(c) for k, c in row.extra.items() if c.letter not in letters}
        row.order = tuple(h for h in row.order if h not in {str(x.value) for x in sheet.headers[at - 1 : end]})
    removed = {str(h.value) for h in sheet.headers[at - 1 : end]}
    sheet.headers = [h for h in sheet.headers if h.letter not in letters]
    sheet.unknown_columns = [c for c in sheet.unknown_columns if c not in removed]
    return prior


def _unsafe_cell(cell: Any) -> Any:
    from .model import Cell

    value = _unsafe(cell.value)
    return cell if value is cell.value else Cell(cell.column, cell.key, cell.letter, value)
