"""Workspace users: reading the users sheet, and the import against the sandbox."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bulkpost.errors import InputError
from bulkpost.workspace import read_users, results_path_for, safe_cell


def test_read_users_csv_finds_columns_and_skips_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("Client name;E-mail;notes\nAcme GmbH;ops@acme.example;vip\n;;\nGlobex;team@globex.example;\n", encoding="utf-8-sig")
    sheet = read_users(path)
    assert sheet.email_column == "E-mail" and sheet.name_column == "Client name"
    assert [(n, v["E-mail"]) for n, v in sheet.rows] == [(2, "ops@acme.example"), (4, "team@globex.example")]


def test_read_users_xlsx(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["email", "display name"])
    ws.append(["a@example.com", "A"])
    path = tmp_path / "users.xlsx"
    wb.save(path)
    sheet = read_users(path)
    assert sheet.rows == [(2, {"email": "a@example.com", "display name": "A"})]
    assert sheet.name_column == "display name"


def test_read_users_without_email_column_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("name,phone\nA,1\n")
    with pytest.raises(InputError, match='no email column'):
        read_users(path)


def test_results_path_and_safe_cells(tmp_path: Path) -> None:
    assert results_path_for(tmp_path / "users.csv") == tmp_path / "users.results.csv"
    assert results_path_for(tmp_path / "users.XLSX") == tmp_path / "users.results.xlsx"
    assert results_path_for(tmp_path / "users.results.csv") == tmp_path / "users.results.csv"
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("ok") == "ok" and safe_cell(3) == 3
