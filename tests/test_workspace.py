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


# --- against the sandbox ------------------------------------------------------------------

import csv  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import stat  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from bulkpost.cli import cli  # noqa: E402
from bulkpost.publora import PubloraClient  # noqa: E402
from bulkpost.sandbox import SandboxServer  # noqa: E402
from bulkpost.workspace import import_users  # noqa: E402

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture()
def client(clean_sandbox: SandboxServer) -> Iterator[PubloraClient]:
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as c:
        yield c


def _users_csv(folder: Path, rows: list[tuple[str, str]]) -> Path:
    path = folder / "users.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "display name", "account manager"])
        for email, name in rows:
            w.writerow([email, name, "=cmd|' /C calc'!A0"])
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_import_creates_users_and_writes_ids_and_links(client: PubloraClient, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    sheet = _users_csv(tmp_path, [(f"acme-{tag}@example.com", "Acme"), ("not an email", "Bad"), (f"globex-{tag}@example.com", "")])
    done = import_users(client, sheet)
    assert [u.status for u in done.users] == ["created", "failed", "created"]
    assert done.users[1].error == '"not an email" is not an email address'
    rows = _read(tmp_path / "users.results.csv")
    assert list(rows[0]) == ["email", "display name", "account manager", "user_id", "connection_url",
                             "connection_url_expires_at", "status", "error"]
    assert OBJECT_ID.match(rows[0]["user_id"]) and OBJECT_ID.match(rows[2]["user_id"])
    assert rows[0]["connection_url"].startswith("http") and rows[0]["connection_url_expires_at"]
    assert rows[0]["account manager"].startswith("'=")  # a formula from the input stays text
    # Publora has them, with the display name from the sheet
    listed = {u.username: u for u in client.list_workspace_users()}
    assert listed[f"acme-{tag}@example.com"].id == rows[0]["user_id"]
    assert listed[f"acme-{tag}@example.com"].display_name == "Acme"


def test_import_is_safe_to_rerun(client: PubloraClient, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    sheet = _users_csv(tmp_path, [(f"a-{tag}@example.com", "A"), (f"b-{tag}@example.com", "B")])
    first = import_users(client, sheet)
    before = len(client.list_workspace_users())
    again = import_users(client, sheet)
    assert [u.status for u in again.users] == ["existing", "existing"]
    assert [u.user_id for u in again.users] == [u.user_id for u in first.users]
    assert all(u.connection_url for u in again.users)
    assert len(client.list_workspace_users()) == before  # nobody created twice
    # the results file can be the input of the next run, and is updated in place
    third = import_users(client, tmp_path / "users.results.csv")
    assert third.results_path == tmp_path / "users.results.csv"
    assert [r["status"] for r in _read(tmp_path / "users.results.csv")] == ["existing", "existing"]


def test_xlsx_results_keep_formula_text_as_text_without_a_visible_apostrophe(client: PubloraClient, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["email", "display name", "notes"])
    ws.append([f"x-{uuid.uuid4().hex[:8]}@example.com", "X", "+49 30 1234567"])  # a phone number, text in the input
    sheet = tmp_path / "users.xlsx"
    wb.save(sheet)
    done = import_users(client, sheet)
    assert [u.status for u in done.users] == ["created"]
    out = openpyxl.load_workbook(tmp_path / "users.results.xlsx").worksheets[0]
    header = [c.value for c in out[1]]
    notes = out.cell(row=2, column=header.index("notes") + 1)
    # stored as a text cell (Excel's quote prefix), not as a formula, and not as "'+49 ..."
    assert notes.value == "+49 30 1234567" and notes.data_type == "s" and notes.quotePrefix
    assert out.cell(row=2, column=header.index("status") + 1).value == "created"


def test_a_user_outside_the_workspace_is_reported_not_taken(client: PubloraClient, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    email = f"gone-{tag}@example.com"
    user = client.create_workspace_user(username=email)
    client.delete_workspace_user(user.id)  # detached: the account exists, not in this workspace
    done = import_users(client, _users_csv(tmp_path, [(email, "Gone")]))
    assert done.users[0].status == "failed" and done.users[0].user_id is None
    assert "managed_by_another_workspace" in (done.users[0].error or "")


def _env(sandbox: SandboxServer) -> dict[str, str]:
    return {"PUBLORA_API_KEY": sandbox.api_key, "PUBLORA_BASE_URL": sandbox.base_url}


def test_cli_import_and_users_commands(clean_sandbox: SandboxServer, tmp_path: Path) -> None:
    runner = CliRunner()
    env = _env(clean_sandbox)
    tag = uuid.uuid4().hex[:8]
    sheet = _users_csv(tmp_path, [(f"cli-{tag}@example.com", "CLI user"), ("nope", "")])
    result = runner.invoke(cli, ["workspace", "import", str(sheet)], env=env)
    assert result.exit_code == 1, result.output  # one row failed
    assert f"cli-{tag}@example.com" in result.output and "created" in result.output
    assert f"1 created, 0 already there, 1 failed. Results: {tmp_path / 'users.results.csv'}" in result.output
    uid = _read(tmp_path / "users.results.csv")[0]["user_id"]

    listed = runner.invoke(cli, ["workspace", "users", "list"], env=env)
    assert listed.exit_code == 0 and uid in listed.output and "CLI user" in listed.output

    link = runner.invoke(cli, ["workspace", "users", "connection-url", uid, "--expires-in-days", "7"], env=env)
    assert link.exit_code == 0 and link.output.strip().splitlines()[0].startswith("http")

    # a new key for the managed user: never printed unless asked, written to a private file
    misuse = runner.invoke(cli, ["workspace", "users", "api-key", uid], env=env)
    assert misuse.exit_code == 2 and "--output FILE" in misuse.output
    keyfile = tmp_path / "key.txt"
    made = runner.invoke(cli, ["workspace", "users", "api-key", uid, "--output", str(keyfile)], env=env)
    assert made.exit_code == 0, made.output
    key = keyfile.read_text().strip()
    assert key.startswith("sk_") and key not in made.output
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    with PubloraClient(key, base_url=clean_sandbox.base_url) as as_user:
        assert as_user.platform_connections() is not None  # the key works

    created = runner.invoke(cli, ["workspace", "users", "create", f"second-{tag}@example.com", "--name", "Second"], env=env)
    assert created.exit_code == 0 and "Created managed user" in created.output
    removed = runner.invoke(cli, ["workspace", "users", "remove", uid], env=env)
    assert removed.exit_code == 0 and f"Removed managed user {uid}" in removed.output
    assert uid not in runner.invoke(cli, ["workspace", "users", "list", "--json"], env=env).output


def test_cli_errors_are_one_line(clean_sandbox: SandboxServer, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["workspace", "import", str(tmp_path / "nope.csv")], env=_env(clean_sandbox))
    assert missing.exit_code == 2 and "nope.csv: no such file" in missing.output and "Traceback" not in missing.output
    bad_id = runner.invoke(cli, ["workspace", "users", "remove", "123"], env=_env(clean_sandbox))
    assert bad_id.exit_code != 0 and "Traceback" not in bad_id.output
    no_key = runner.invoke(cli, ["workspace", "users", "list"], env={"PUBLORA_API_KEY": "", "PUBLORA_BASE_URL": clean_sandbox.base_url})
    assert no_key.exit_code == 2 and "PUBLORA_API_KEY" in no_key.output


def _error_lines(output: str) -> tuple[str, str]:
    lines = output.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: ") and lines[1].startswith("Hint: "), output
    return lines[0], lines[1]


def test_cli_create_email_exists_says_what_to_run(clean_sandbox: SandboxServer, client: PubloraClient) -> None:
    """A 409 email_exists names a command line step, not the library's attach_workspace_user."""
    from bulkpost.sandbox.state import OWNER_EMAIL

    runner = CliRunner()
    env = _env(clean_sandbox)
    tag = uuid.uuid4().hex[:8]
    email = f"twice-{tag}@example.com"
    first = runner.invoke(cli, ["workspace", "users", "create", email], env=env)
    assert first.exit_code == 0, first.output
    uid = first.output.split()[3]
    again = runner.invoke(cli, ["workspace", "users", "create", email], env=env)
    assert again.exit_code == 1
    error, hint = _error_lines(again.output)
    assert error == f"Error: {email} is already a managed user of this workspace (id {uid})"
    assert "`user` column" in hint and "bulkpost workspace users list" in hint and "attach_workspace_user" not in hint

    owner = runner.invoke(cli, ["workspace", "users", "create", OWNER_EMAIL], env=env)
    error, hint = _error_lines(owner.output)
    assert owner.exit_code == 1 and "this workspace's own (owner) account" in error and "no managed user is needed" in hint

    gone = f"gone-{tag}@example.com"
    client.delete_workspace_user(client.create_workspace_user(username=gone).id)  # the sandbox calls it another workspace's
    detached = runner.invoke(cli, ["workspace", "users", "create", gone], env=env)
    error, hint = _error_lines(detached.output)
    assert detached.exit_code == 1 and error == f"Error: {gone} is a managed user of another workspace"
    assert "attach_workspace_user" not in detached.output


def test_email_exists_advice_for_a_standalone_user_names_the_attach_command() -> None:
    from bulkpost.cli import _email_exists_advice

    body = {"code": "email_exists", "reason": "standalone_user_exists", "attachable": True, "requiresConsent": True}
    message, hint = _email_exists_advice("solo@example.com", body)
    assert message == "a Publora account with solo@example.com already exists outside this workspace"
    assert hint == "With the user's consent token, run: bulkpost workspace users attach solo@example.com --token TOKEN"


def test_cli_attach(clean_sandbox: SandboxServer, client: PubloraClient) -> None:
    runner = CliRunner()
    env = _env(clean_sandbox)
    email = f"attach-{uuid.uuid4().hex[:8]}@example.com"
    uid = client.create_workspace_user(username=email).id
    done = runner.invoke(cli, ["workspace", "users", "attach", email, "--token", "tok_consent"], env=env)
    assert done.exit_code == 0, done.output
    assert done.output == f"{email} is already a managed user of this workspace (id {uid})\n"
    nobody = runner.invoke(cli, ["workspace", "users", "attach", f"nobody-{uid}@example.com"], env=env)
    assert nobody.exit_code == 1 and nobody.output.startswith("Error: ") and "Traceback" not in nobody.output
    assert "tok_consent" not in done.output + nobody.output
