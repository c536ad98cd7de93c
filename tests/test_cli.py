from __future__ import annotations

from click.testing import CliRunner

from bulkpost.cli import cli


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: cli [OPTIONS] COMMAND" in result.output or "Usage: bulkpost" in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "0.1.0" in result.output


# --- validate, template (issue 2) ---------------------------------------------------------------

import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402
import pytest  # noqa: E402

from bulkpost import validate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def bad_sheet(tmp_path: Path) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text(
        "content,platforms,scheduled_time\n"
        "Fine,twitter,2031-03-03 09:00\n"
        "Old,myspace,2020-01-01 09:00\n",
        encoding="utf-8",
    )
    return p


def test_validate_sample_week_exits_0() -> None:
    result = run("validate", str(ROOT / "samples" / "week.csv"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{ROOT / 'samples' / 'week.csv'}: 12 rows checked, 12 ready, 0 with errors; 0 errors, 0 warnings."
    assert lines[-1] == "No errors: the sheet is ready."


def test_validate_sample_week_xlsx_exits_0() -> None:
    result = run("validate", str(ROOT / "samples" / "week.xlsx"))
    assert result.exit_code == 0, result.output
    assert "(sheet 'week'): 12 rows checked, 12 ready" in result.stdout


def test_validate_with_errors_exits_1_with_a_table(tmp_path: Path) -> None:
    p = bad_sheet(tmp_path)
    result = run("validate", str(p))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{p}: 2 rows checked, 1 ready, 1 with errors; 2 errors, 0 warnings."
    assert lines[1] == "Note: Times without a UTC offset are read in UTC. Use --tz or a timezone column for local times."
    assert lines[3] == "SEVERITY  CELL  CODE              MESSAGE"
    assert lines[4] == 'error     B3    PLATFORM_UNKNOWN  Row 3, column "platforms": "myspace" is neither a network name nor a connection id'
    assert lines[5].strip().startswith("Fix: Use a network name")
    assert lines[6] == 'error     C3    TIME_IN_PAST      Row 3, column "scheduled_time": 2020-01-01 09:00 UTC is in the past'
    assert lines[-1] == "Fix the 2 errors and run again."


def test_findings_are_listed_worst_first(tmp_path: Path) -> None:
    p = tmp_path / "mixed.csv"
    p.write_text(
        "content,platforms,scheduled_time,campaign\nA,x;x,2031-03-03 09:00,s\nB,myspace,2031-03-03 09:00,s\n", encoding="utf-8"
    )
    result = run("validate", str(p))
    severities = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(("error ", "warning "))]
    assert severities == ["error", "warning", "warning"]


def test_json_output_is_exactly_the_report_dict(tmp_path: Path) -> None:
    for p in (bad_sheet(tmp_path), ROOT / "samples" / "week.csv"):
        result = run("validate", str(p), "--json")
        assert json.loads(result.stdout) == validate(p).to_dict()
        assert result.exit_code == (0 if validate(p).ok else 1)


def test_report_files(tmp_path: Path) -> None:
    p = bad_sheet(tmp_path)
    for name in ("out.json", "out.csv", "out.xlsx"):
        out = tmp_path / name
        result = run("validate", str(p), "--report", str(out))
        assert result.exit_code == 1
        assert result.stderr.strip() == f"Report written to {out}"
        assert out.exists()
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["counts"]["errors"] == 2
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    assert "PLATFORM_UNKNOWN" in ws["B3"].comment.text and "TIME_IN_PAST" in ws["C3"].comment.text


def test_report_with_json_keeps_stdout_pure_json(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    result = run("validate", str(bad_sheet(tmp_path)), "--json", "--report", str(out))
    json.loads(result.stdout)
    assert out.exists()


def test_report_bad_extension_is_misuse(tmp_path: Path) -> None:
    result = run("validate", str(bad_sheet(tmp_path)), "--report", str(tmp_path / "r.txt"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --report {tmp_path / 'r.txt'}: the name must end in .json, .csv, .xlsx or .html\n"


def test_report_into_a_missing_folder_is_misuse(tmp_path: Path) -> None:
    for name in ("r.json", "r.csv", "r.xlsx"):
        out = tmp_path / "nope" / name
        result = run("validate", str(bad_sheet(tmp_path)), "--report", str(out))
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-2] == f"Error: cannot write the report {out}: No such file or directory"


def test_options_tz_date_format_min_lead(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("content,platforms,scheduled_time\nHi,x,03/04/2031 10:00\n", encoding="utf-8")
    assert run("validate", str(p)).exit_code == 1
    result = run("validate", str(p), "--date-format", "dmy", "--tz", "Europe/Berlin", "--json")
    assert result.exit_code == 0
    assert "Times without a UTC offset are read in Europe/Berlin." in json.loads(result.stdout)["notes"]
    result = run("validate", str(p), "--date-format", "ymd")
    assert result.exit_code == 2 and "Invalid value for '--date-format'" in result.stderr
    result = run("validate", str(p), "--tz", "Mars/Base")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: unknown time zone 'Mars/Base'"


def test_sheet_option(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["content", "platforms", "scheduled_time"])
    wb.active.append(["a", "x", "2031-03-03 09:00"])
    other = wb.create_sheet("Other")
    other.append(["content", "platforms", "scheduled_time"])
    other.append(["b", "myspace", "2031-03-03 09:00"])
    p = tmp_path / "book.xlsx"
    wb.save(p)
    assert run("validate", str(p)).exit_code == 0
    assert run("validate", str(p), "--sheet", "Other").exit_code == 1
    result = run("validate", str(p), "--sheet", "Nope")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"Error: {p}: no sheet named 'Nope'; the sheets are: Sheet, Other"


def _unreadable(tmp_path: Path) -> list[tuple[Path, str]]:
    cases = []
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    cases.append((binary, "this is a binary file, not a CSV sheet"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    cases.append((empty, "the file is empty"))
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04garbage" * 10)
    cases.append((corrupt, "the workbook is corrupt (not a valid .xlsx zip)"))
    cases.append((DATA / "password-protected.xlsx", "the workbook is password-protected (encrypted), so it cannot be read"))
    noheader = tmp_path / "noheader.csv"
    noheader.write_text("Hello,twitter,2031-03-03 09:00\n", encoding="utf-8")
    cases.append((noheader, "no header row: the first row must name the columns (content, platforms, scheduled_time, ...)"))
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    cases.append((old, ".xls files are not supported"))
    cases.append((tmp_path / "missing.csv", "no such file"))
    return cases


def test_unreadable_input_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    for path, message in _unreadable(tmp_path):
        result = run("validate", str(path))
        assert result.exit_code == 2, (path, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == f"Error: {path}: {message}"
        assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("Hint: "))
        assert "Traceback" not in result.output


def test_unreadable_input_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    for path, message in _unreadable(tmp_path)[:5]:
        proc = subprocess.run(
            [sys.executable, "-m", "bulkpost", "validate", str(path)],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines()[0] == f"Error: {path}: {message}"
        assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_template_command(tmp_path: Path) -> None:
    for name in ("t.csv", "t.xlsx"):
        p = tmp_path / name
        result = run("template", str(p))
        assert result.exit_code == 0
        assert re.fullmatch(rf"Wrote {re.escape(str(p))} \(\d+ columns\)\. Fill it in, then run: bulkpost validate {re.escape(str(p))}\n", result.stdout)
        check = run("validate", str(p))  # readable, but a blank template has nothing to post
        assert check.exit_code == 1 and "EMPTY_SHEET" in check.stdout and "no rows to post" in check.stdout
        again = run("template", str(p))
        assert again.exit_code == 2 and again.stderr.splitlines()[0] == f"Error: {p} already exists"
        assert run("template", str(p), "--force").exit_code == 0
    result = run("template", str(tmp_path / "t.ods"))
    assert result.exit_code == 2 and "a template is a .csv or .xlsx file" in result.stderr


@pytest.mark.parametrize("command", ["validate", "template"])
def test_commands_have_help_and_are_documented(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"bulkpost {command}" in readme
    for option in re.findall(r"(--[a-z][a-z-]+)", result.stdout):
        if option != "--help":
            assert option in readme, (command, option)


def test_a_closed_pipe_is_not_a_bug() -> None:
    """`bulkpost validate big.csv | head -1`: the reader leaves early; no traceback, no "bug" message."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "validate", "samples/broken.csv"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `head -1`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert b"rows checked" in first
    assert "Traceback" not in err and "unexpected" not in err and "BrokenPipe" not in err


def test_rule_settings_reach_the_rules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--hashtag-cap, --mastodon-limit and --daily-cap change what validate reports."""
    import csv

    sheet = tmp_path / "s.csv"
    rows = [
        {"content": "Launch " + " ".join(f"#tag{i}" for i in range(8)), "platforms": "instagram",
         "scheduled_time": "2031-03-03T09:00:00Z", "media": ""},
        {"content": "m" * 600, "platforms": "mastodon", "scheduled_time": "2031-03-03T10:00:00Z", "media": ""},
    ]
    with sheet.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    import json

    def codes(*args: str) -> list[str]:
        result = CliRunner().invoke(cli, ["validate", str(sheet), "--json", *args])
        return sorted(f["code"] for f in json.loads(result.output)["findings"])

    default = codes()
    assert "TOO_MANY_HASHTAGS" in default and "CONTENT_TOO_LONG" in default
    relaxed = codes("--hashtag-cap", "30", "--mastodon-limit", "1000")
    assert "TOO_MANY_HASHTAGS" not in relaxed and "CONTENT_TOO_LONG" not in relaxed


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sheet = tmp_path / "noheader.csv"
    sheet.write_text("a,b\n1,2\n")
    plain = CliRunner().invoke(cli, ["validate", str(sheet)])
    debug = CliRunner().invoke(cli, ["--debug", "validate", str(sheet)])
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" not in plain.output
    assert "Traceback (most recent call last)" in debug.output and "InputError" in debug.output
