"""Validation reports (.json/.csv/.xlsx) and the formula-injection-safe cell writers."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from bulkpost import ConfigError, load_sheet, validate, write_report, write_template
from bulkpost.report import FINDINGS_SHEET, REPORT_COLUMNS, is_formula_like, safe_csv_value, write_safe_cell

NOW = datetime(2031, 1, 15, 12, 0, tzinfo=timezone.utc)
DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\r=x", '=HYPERLINK("http://evil","click")']


# --- the safe writers ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_csv_value_prefixes_formula_text(text: str) -> None:
    assert is_formula_like(text)
    assert safe_csv_value(text) == "'" + text


@pytest.mark.parametrize("value", ["hello", "a=b", "", 5, -5, 1.5, None, True])
def test_safe_csv_value_leaves_other_values(value: object) -> None:
    assert safe_csv_value(value) == value


def test_write_safe_cell_never_writes_a_formula(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, text in enumerate(DANGEROUS, start=1):
        cell = write_safe_cell(ws, i, 1, text)
        assert cell.data_type == "s" and cell.quotePrefix
    write_safe_cell(ws, 20, 1, 42)
    write_safe_cell(ws, 21, 1, "bell\x07 and \x00 nul")
    write_safe_cell(ws, 22, 1, "x" * 40_000)
    p = tmp_path / "safe.xlsx"
    wb.save(p)
    # Read back as a program would: not one formula cell, and the text is intact.
    back = openpyxl.load_workbook(p)
    ws2 = back.active
    for i, text in enumerate(DANGEROUS, start=1):
        cell = ws2.cell(row=i, column=1)
        assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")  # XML turns CR into LF
    assert ws2["A20"].value == 42
    assert ws2["A21"].value == "bell\ufffd and \ufffd nul"
    assert len(ws2["A22"].value) == 32_767
    import zipfile

    xml = zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


# --- reports -------------------------------------------------------------------------------------


def bad_csv(tmp_path: Path) -> Path:
    p = tmp_path / "posts.csv"
    p.write_text(
        "content,platforms,scheduled_time,campaign\n"
        "Good post,twitter,2031-03-03 09:00,=cmd|' /C calc'!A0\n"
        "=HYPERLINK(\"http://evil\"),myspace,2020-01-01 09:00,spring\n"
        ",x,,\n",
        encoding="utf-8",
    )
    return p


def test_json_report_is_the_report_dict(tmp_path: Path) -> None:
    report = validate(bad_csv(tmp_path), now=NOW)
    out = write_report(report, tmp_path / "r.json")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(report.to_dict()))


def test_csv_report_lists_every_finding_safely(tmp_path: Path) -> None:
    report = validate(bad_csv(tmp_path), now=NOW)
    out = write_report(report, tmp_path / "r.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == list(REPORT_COLUMNS)
    assert [r["code"] for r in rows] == [f.code for f in report.sorted_findings()]
    assert {r["cell"] for r in rows if r["code"] == "PLATFORM_UNKNOWN"} == {"B3"}
    for r in rows:
        for v in r.values():
            assert not is_formula_like(v), v


def test_xlsx_report_from_csv_marks_every_cell(tmp_path: Path) -> None:
    report = validate(bad_csv(tmp_path), now=NOW)
    out = write_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["posts", FINDINGS_SHEET]
    ws = wb["posts"]
    # The data came across as text, formula-looking text included, and never as formulas.
    assert ws["A2"].value == "Good post"
    assert ws["A3"].value == '=HYPERLINK("http://evil")' and ws["A3"].data_type == "s"
    assert ws["D2"].data_type == "s"
    # Errors red, warnings amber, comments with message and fix.
    assert ws["B3"].fill.start_color.rgb.endswith("FFC7CE")
    assert "PLATFORM_UNKNOWN" in ws["B3"].comment.text and "Fix:" in ws["B3"].comment.text
    assert ws["C3"].fill.start_color.rgb.endswith("FFC7CE") and "TIME_IN_PAST" in ws["C3"].comment.text
    assert "CONTENT_MISSING" in ws["A4"].comment.text and "TIME_MISSING" in ws["C4"].comment.text
    # The status column follows the data.
    assert ws["E1"].value == "bulkpost check"
    assert ws["E2"].value == "OK" and ws["E2"].fill.start_color.rgb.endswith("C6EFCE")
    assert ws["E3"].value.startswith("2 errors: ") and "PLATFORM_UNKNOWN" in ws["E3"].value
    # A sheet-level warning (unknown column) marks the status header.
    assert ws["E1"].fill.start_color.rgb.endswith("FFEB9C") and "UNKNOWN_COLUMNS" in ws["E1"].comment.text
    # The findings sheet links every finding to its cell.
    fs = wb[FINDINGS_SHEET]
    header = [c.value for c in fs[1]]
    assert header == list(REPORT_COLUMNS)
    codes = [fs.cell(row=i, column=header.index("code") + 1).value for i in range(2, fs.max_row + 1)]
    assert codes == [f.code for f in report.sorted_findings()]
    linked = [fs.cell(row=i, column=header.index("cell") + 1) for i in range(2, fs.max_row + 1)]
    assert any(c.hyperlink is not None and c.hyperlink.location == "'posts'!B3" for c in linked)


def test_xlsx_report_is_a_copy_of_the_input_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    readme = wb.active
    readme.title = "Read me"
    readme["A1"] = "Keep this sheet"
    ws = wb.create_sheet("posts")
    ws.append(["content", "platforms", "scheduled_time", "notes"])
    ws.append(["Hello", "twitter", datetime(2031, 3, 3, 9), "=1+1"])
    ws.append(["Again", "pinterest", datetime(2020, 3, 3, 9), "plain"])
    ws["A2"].font = openpyxl.styles.Font(bold=True)
    src = tmp_path / "book.xlsx"
    wb.save(src)
    report = validate(src, now=NOW)
    out = write_report(report, tmp_path / "report.xlsx")
    copy = openpyxl.load_workbook(out)
    assert copy.sheetnames == ["Read me", "posts", FINDINGS_SHEET]
    assert copy["Read me"]["A1"].value == "Keep this sheet"
    ws2 = copy["posts"]
    assert ws2["A2"].font.bold  # formatting kept
    assert ws2["D2"].value == "=1+1" and ws2["D2"].data_type == "f"  # the user's own formula stays a formula
    assert ws2["C2"].value == datetime(2031, 3, 3, 9)
    assert ws2["B3"].fill.start_color.rgb.endswith("FFC7CE") and "PLATFORM_NOT_PUBLISHABLE" in ws2["B3"].comment.text
    assert ws2["C3"].comment is not None and "TIME_IN_PAST" in ws2["C3"].comment.text
    assert ws2["E1"].value == "bulkpost check" and ws2["E2"].value == "OK"
    # The report can be validated again: the status column is ignored, findings are the same.
    again = validate(out, sheet="posts", now=NOW)
    assert [f.code for f in again.sorted_findings()] == [f.code for f in report.sorted_findings()]
    # And a second report reuses the status column instead of adding another.
    out2 = write_report(again, tmp_path / "report2.xlsx")
    ws3 = openpyxl.load_workbook(out2)["posts"]
    assert ws3["E1"].value == "bulkpost check" and ws3["F1"].value is None


def test_xlsx_report_marks_merged_cells_at_their_first_cell(tmp_path: Path) -> None:
    # Only the top-left cell of a merged range can take a fill or a comment: a finding under a
    # merged range lands there, and a range reaching into the status column gives way to it.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "posts"
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(["Shared text", "twitter", datetime(2031, 3, 3, 9)])
    ws.append([None, "linkedin", datetime(2031, 3, 3, 10)])
    ws.append(["Wide", None, datetime(2031, 3, 3, 11)])
    ws.append(["Section title"])
    ws.merge_cells("A2:A3")  # one text for two rows: row 3 has no content of its own
    ws.merge_cells("A4:B4")  # the platforms cell of row 4 is swallowed
    ws.merge_cells("A5:E5")  # a title row reaching past the data into the status column
    src = tmp_path / "merged.xlsx"
    wb.save(src)
    report = validate(src, now=NOW)
    assert {(f.code, f.cell) for f in report.errors} >= {("CONTENT_MISSING", "A3"), ("PLATFORMS_MISSING", "B4")}
    ws2 = openpyxl.load_workbook(write_report(report, tmp_path / "report.xlsx"))["posts"]
    assert "Row 3" in ws2["A2"].comment.text and ws2["A2"].fill.start_color.rgb.endswith("FFC7CE")
    assert "PLATFORMS_MISSING" in ws2["A4"].comment.text
    assert ws2["D1"].value == "bulkpost check" and ws2["D2"].value == "OK"
    assert ws2["D5"].value == "2 errors: PLATFORMS_MISSING, TIME_MISSING"
    assert {str(r) for r in ws2.merged_cells.ranges} == {"A2:A3", "A4:B4", "A5:C5"}


def test_report_of_a_clean_sheet(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    report = validate(root / "samples" / "week.csv")
    out = write_report(report, tmp_path / "week.xlsx")
    ws = openpyxl.load_workbook(out).worksheets[0]
    status_col = [c.value for c in ws[1]].index("bulkpost check") + 1
    assert [ws.cell(row=r, column=status_col).value for r in range(2, 14)] == ["OK"] * 12


def test_report_extension_must_be_known(tmp_path: Path) -> None:
    report = validate(bad_csv(tmp_path), now=NOW)
    with pytest.raises(ConfigError, match="cannot write a report as '.txt'"):
        write_report(report, tmp_path / "r.txt")


def test_rows_and_order_survive_load_to_report(tmp_path: Path) -> None:
    p = tmp_path / "many.csv"
    lines = ["content,platforms,scheduled_time"] + [f"post {i},x,2031-03-03 {9 + i % 10:02d}:{i % 60:02d}" for i in range(40)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(p, now=NOW)
    out = write_report(report, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(2, 42)] == [f"post {i}" for i in range(40)]


# --- templates -----------------------------------------------------------------------------------


def test_csv_template_has_every_column_and_loads(tmp_path: Path) -> None:
    p = write_template(tmp_path / "t.csv")
    s = load_sheet(p)
    keys = [h.key for h in s.headers]
    assert keys[:9] == ["content", "platforms", "scheduled_time", "timezone", "status", "media", "title", "first_comment", "user"]
    assert "content_twitter" in keys and "content_pinterest" not in keys
    assert "youtube.privacy" in keys and "tiktok.viewerSetting" in keys and "youtube.thumbnail" not in keys
    assert s.unknown_columns == []
    report = validate(p)
    # A blank template has nothing to post: its one finding is the EMPTY_SHEET error.
    assert [f.code for f in report.findings] == ["EMPTY_SHEET"] and not report.ok


def test_xlsx_template_has_instructions_and_drop_downs(tmp_path: Path) -> None:
    p = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[:2] == ["posts", "instructions"]
    assert wb["lists"].sheet_state == "hidden"
    ws = wb["posts"]
    header = [c.value for c in ws[1]]
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}

    def dv_for(col: str):  # type: ignore[no-untyped-def]
        letter = openpyxl.utils.get_column_letter(header.index(col) + 1)
        return validations[f"{letter}2"]

    assert dv_for("status").formula1 == '"scheduled,draft"'
    assert dv_for("platforms").formula1.startswith("lists!") or dv_for("platforms").formula1.startswith("=lists!")
    assert "lists!$B$1" in dv_for("timezone").formula1
    assert dv_for("youtube.privacy").formula1 == '"private,public,unlisted"'
    assert dv_for("tiktok.allowComments").formula1 == '"TRUE,FALSE"'
    zones = [c.value for c in wb["lists"]["B"]]
    assert "Europe/Berlin" in zones and zones[0] == "UTC"
    instructions = " ".join(str(c.value) for row in wb["instructions"].iter_rows() for c in row if c.value)
    assert "platforms" in instructions and "--date-format" in instructions
    assert [f.code for f in validate(p).findings] == ["EMPTY_SHEET"]  # readable; nothing to post yet


def test_committed_templates_match_the_writer(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    fresh = write_template(tmp_path / "t.csv").read_bytes()
    assert (root / "templates" / "template.csv").read_bytes() == fresh
    committed = openpyxl.load_workbook(root / "templates" / "template.xlsx")
    assert [c.value for c in committed["posts"][1]] == [c.value for c in openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))["posts"][1]]


def test_template_extension_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write a template as '.ods'"):
        write_template(tmp_path / "t.ods")


# --- invariants ----------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff", whitelist_characters="\n"), max_size=20)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_text, st.sampled_from(["x", "linkedin", "myspace", ""]), st.sampled_from(["2031-03-03 09:00", "2020-01-01 09:00", "soon", ""])), min_size=1, max_size=6))
def test_rows_and_order_survive_load_validate_report(tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str]]) -> None:
    d = tmp_path_factory.mktemp("inv")
    p = d / "s.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["n", "content", "platforms", "scheduled_time"])
        for i, (content, platforms, when) in enumerate(rows):
            w.writerow([f"#{i}", content, platforms, when])
    report = validate(p, now=NOW)
    assert [post.row.number for post in report.posts] == list(range(2, len(rows) + 2))
    assert {f.row for f in report.findings if f.row is not None} <= set(range(1, len(rows) + 2))
    ws = openpyxl.load_workbook(write_report(report, d / "r.xlsx")).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(2, len(rows) + 2)] == [f"#{i}" for i in range(len(rows))]
    status = [ws.cell(row=r, column=5).value for r in range(2, len(rows) + 2)]
    bad = report.rows_with_errors()
    for number, value in zip(range(2, len(rows) + 2), status):
        assert (number in bad) == ("error" in value), (number, value)
    # Text comes back as written (XML keeps it), never as a formula.
    for i, (content, _, _) in enumerate(rows):
        cell = ws.cell(row=i + 2, column=2)
        expected = content[1:] if len(content) > 1 and content[0] == "'" and content[1] in "=+-@" else content
        assert (cell.value or "") == expected
        assert cell.data_type != "f"


def test_xml_forbidden_characters_do_not_break_the_xlsx_report(tmp_path: Path) -> None:
    # U+FFFE / U+FFFF cannot be stored in XML at all: the report replaces them instead of crashing
    from bulkpost.report import write_report
    from bulkpost.validate import validate

    sheet = tmp_path / "odd.csv"
    sheet.write_text("content,platforms,scheduled_time\n\ufffe odd,myspace,2031-03-03 09:00\n", encoding="utf-8")
    out = write_report(validate(str(sheet)), tmp_path / "odd.xlsx")
    ws = openpyxl.load_workbook(out).worksheets[0]  # a workbook Excel (and openpyxl) can open again
    assert ws["A2"].value == "\ufffd odd"
