from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bulkpost.model import Cell, Row, Sheet
from bulkpost.results import (
    ResultRecord,
    default_results_path,
    safe_cell,
    split_results_columns,
    write_results,
)


def make_sheet(tmp_path: Path, headers: list[str], rows: list[list[object]], kind: str = "csv") -> Sheet:
    letters = [chr(65 + i) for i in range(len(headers))]
    head = [Cell(h, h.lower(), letter, h) for h, letter in zip(headers, letters)]
    out = []
    for n, values in enumerate(rows, start=2):
        cells = {h.lower(): Cell(h, h.lower(), letter, v) for h, letter, v in zip(headers, letters, values)}
        out.append(Row(file="in", sheet=None, number=n, cells=cells, order=tuple(headers)))
    return Sheet(tmp_path / f"week.{kind}", kind, None, head, out, delimiter=",")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+33 1", "'+33 1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("hello", "hello"), (3, 3)],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_default_results_path() -> None:
    assert default_results_path(Path("/x/week.csv")) == Path("/x/week.results.csv")
    assert default_results_path(Path("/x/week.xlsx")) == Path("/x/week.results.xlsx")
    assert default_results_path(Path("/x/week.results.csv")) == Path("/x/week.results.csv")


def records() -> dict[int, ResultRecord]:
    return {
        2: ResultRecord("scheduled", ["a" * 24, "b" * 24], "2031-05-06T09:30:00.000Z", ["SCHEDULED_TIME_COERCED: clamped"]),
        3: ResultRecord("failed", [], None, [], "MEDIA_REQUIRED", "=HYPERLINK(\"http://evil\")"),
    }


def test_csv_keeps_input_columns_and_is_formula_safe(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path, ["content", "platforms", "notes"], [["=cmd|' /C calc'!A0", "twitter", "x"], ["Hi", "x", "@me"]])
    out = write_results(tmp_path / "week.results.csv", sheet, records())
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["content", "platforms", "notes", "status", "post_group_ids", "scheduled_time_utc", "warnings", "error_code", "error", "retries"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][3:6] == ["scheduled", "a" * 24 + ";" + "b" * 24, "2031-05-06T09:30:00.000Z"]
    assert rows[2][2] == "'@me"
    assert rows[2][8] == "'=HYPERLINK(\"http://evil\")"
    assert all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r)


def test_xlsx_cells_are_never_formulas(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path, ["content", "platforms"], [["=1+1", "twitter"], ["-5 degrees", "x"]], kind="xlsx")
    out = write_results(tmp_path / "week.results.xlsx", sheet, records())
    ws = load_workbook(out).active
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "-5 degrees" and ws["A3"].data_type == "s"
    assert ws["C1"].value == "status" and ws["C2"].value == "scheduled"
    assert ws["H3"].data_type == "s"


def test_json_report(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path, ["content", "platforms"], [["a", "x"], ["b", "x"]])
    out = write_results(tmp_path / "r.json", sheet, records(), extra={"run": {"created": 1}})
    data = json.loads(out.read_text())
    assert data["run"] == {"created": 1}
    assert [r["status"] for r in data["rows"]] == ["scheduled", "failed"]
    assert data["rows"][0]["values"] == {"content": "a", "platforms": "x"}


def test_input_status_column_gets_result_status(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path, ["content", "status"], [["a", "draft"], ["b", ""]])
    out = write_results(tmp_path / "week.results.csv", sheet, records())
    header = next(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert header[:3] == ["content", "status", "result_status"]


def test_results_file_fed_back_loses_result_columns(tmp_path: Path) -> None:
    headers = ["content", "platforms", "status", "post_group_ids", "scheduled_time_utc", "warnings", "error_code", "error"]
    sheet = make_sheet(
        tmp_path,
        headers,
        [["'=1+1", "x", "scheduled", "a" * 24, "t", "", "", ""], ["b", "x", "failed", "", "", "", "E", "boom"]],
    )
    prior = split_results_columns(sheet)
    assert prior is not None
    assert (prior[2].status, prior[2].post_group_ids, prior[3].status) == ("scheduled", ["a" * 24], "failed")
    assert [h.value for h in sheet.headers] == ["content", "platforms"]
    assert sorted(sheet.rows[0].cells) == ["content", "platforms"]
    assert sheet.rows[0].cells["content"].value == "=1+1"  # the apostrophe added on writing is gone


def test_ordinary_sheet_is_not_a_results_file(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path, ["content", "status"], [["a", "draft"]])
    assert split_results_columns(sheet) is None
    assert [h.value for h in sheet.headers] == ["content", "status"]
