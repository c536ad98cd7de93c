"""Workspaces (agencies): managed users from a sheet, safe to re-run.

``import_users(client, "users.csv")`` creates one Publora managed user per row of a sheet with
an email column and an optional display-name column, fetches each user's connection URL (the
link that lets the client connect their own accounts), and writes every row back with its
``user_id``, ``connection_url`` and ``status`` into a results file beside the input.

Running it again is safe: Publora answers a second create with 409 ``email_exists``; the user is
then looked up in the workspace and reported as ``existing``. A user that exists outside the
workspace cannot be taken over without their consent, and is reported as ``failed`` with the
reason Publora gives.

The user ids go into a post sheet's ``user`` column so one run schedules for many clients.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .errors import APIError, ConflictError, InputError
from .report import new_workbook, write_safe_cell
from .report import safe_csv_value as safe_cell

__all__ = [
    "IMPORT_COLUMNS",
    "ImportedUser",
    "UserImport",
    "UsersSheet",
    "find_user",
    "import_users",
    "read_users",
    "results_path_for",
    "safe_cell",
]

#: Columns the import writes back, after the input's own columns.
IMPORT_COLUMNS = ("user_id", "connection_url", "connection_url_expires_at", "status", "error")

_EMAIL_HEADERS = {"email", "emailaddress", "mail", "username", "login", "user", "useremail"}
_NAME_HEADERS = {"displayname", "name", "fullname", "display", "client", "clientname", "company"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _WorkspaceClient(Protocol):  # the part of PubloraClient this module uses
    def list_workspace_users(self) -> Any: ...
    def create_workspace_user(self, *args: Any, **kwargs: Any) -> Any: ...
    def workspace_user_connection_url(self, *args: Any, **kwargs: Any) -> Any: ...


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-.]", "", header.strip().lower())


@dataclass(slots=True)
class UsersSheet:
    """A sheet of users: its headers in order and each data row as ``{header: value}``."""

    path: Path
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    """(row number as the user sees it, values by header); blank rows are left out."""
    email_column: str
    name_column: str | None


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(f"{shown}: not a text file in a known encoding", hint="Save it as CSV UTF-8.") from exc


def _read_table(path: Path) -> list[list[str]]:
    shown = path.name
    if not path.is_file():
        raise InputError(f"{shown}: no such file", hint="Check the path.")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{shown}: not a readable .xlsx workbook ({type(exc).__name__})",
                             hint="Open it in Excel and save it again as .xlsx or .csv.") from exc
        try:
            ws = wb.worksheets[0]
            return [["" if v is None else str(v).strip() for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix in (".xls", ".ods"):
        raise InputError(f"{shown}: {suffix} files are not read", hint="Save it as .xlsx or .csv.")
    text = _decode(path.read_bytes(), shown)
    if "\x00" in text:
        raise InputError(f"{shown}: looks like a binary file, not CSV", hint="Save it as CSV UTF-8.")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_users(path: str | Path) -> UsersSheet:
    """Read a users sheet (CSV or XLSX, first worksheet).

    The email column is found by its header (``email``, ``e-mail``, ``username``, ``login``, ...),
    the display name by ``display name``, ``name``, ``full name``, ``client``, ``company``. Output
    columns of an earlier run (``user_id``, ``status``, ...) may be present: they are overwritten.
    """
    p = Path(path)
    table = _read_table(p)
    header_index = next((i for i, r in enumerate(table) if any(c for c in r)), None)
    if header_index is None:
        raise InputError(f"{p.name}: the sheet is empty", hint="Add a header row with an email column.")
    headers = [h or f"column_{i + 1}" for i, h in enumerate(table[header_index])]
    by_norm = {_norm(h): h for h in headers}
    email = next((by_norm[n] for n in by_norm if n in _EMAIL_HEADERS), None)
    if email is None:
        raise InputError(
            f"{p.name}: no email column (headers: {', '.join(headers)})",
            hint='Name the column with the users\' email addresses "email".',
        )
    name = next((by_norm[n] for n in by_norm if n in _NAME_HEADERS and by_norm[n] != email), None)
    rows: list[tuple[int, dict[str, str]]] = []
    for i, raw in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {h: (raw[j] if j < len(raw) else "") for j, h in enumerate(headers)}
        if any(v for v in values.values()):
            rows.append((i, values))
    return UsersSheet(p, headers, rows, email, name)


@dataclass(slots=True)
class ImportedUser:
    """What happened to one row of the users sheet."""

    row: int
    email: str
    display_name: str | None
    status: str
    """``created``, ``existing`` (already in the workspace) or ``failed``."""
    user_id: str | None = None
    connection_url: str | None = None
    connection_url_expires_at: str | None = None
    error: str | None = None
    values: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "email": self.email,
            "display_name": self.display_name,
            "status": self.status,
            "user_id": self.user_id,
            "connection_url": self.connection_url,
            "connection_url_expires_at": self.connection_url_expires_at,
            "error": self.error,
        }


@dataclass(slots=True)
class UserImport:
    """The result of :func:`import_users`."""

    users: list[ImportedUser]
    results_path: Path | None = None

    def count(self, status: str) -> int:
        return sum(1 for u in self.users if u.status == status)

    @property
    def ok(self) -> bool:
        return all(u.status != "failed" for u in self.users)

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": str(self.results_path) if self.results_path else None,
            "counts": {s: self.count(s) for s in ("created", "existing", "failed")},
            "users": [u.to_dict() for u in self.users],
        }


def _attr(obj: Any, name: str, alias: str | None = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(alias or name, obj.get(name))
    return getattr(obj, name, None)


def find_user(client: _WorkspaceClient, email: str) -> Any | None:
    """The managed user of the workspace with this email (case-insensitive), or None."""
    wanted = email.strip().lower()
    users = client.list_workspace_users()
    for user in users:
        if str(_attr(user, "username") or "").strip().lower() == wanted:
            return user
    return None


def results_path_for(path: Path) -> Path:
    """``users.csv`` -> ``users.results.csv``; a results file given as input is updated in place."""
    if path.stem.endswith(".results"):
        return path
    return path.with_name(f"{path.stem}.results{path.suffix.lower() if path.suffix.lower() == '.xlsx' else '.csv'}")


def import_users(
    client: _WorkspaceClient,
    path: str | Path,
    *,
    results: str | Path | None = None,
    connection_urls: bool = True,
    expires_in_days: int | None = None,
    rotate: bool = False,
    progress: Callable[[ImportedUser], None] | None = None,
) -> UserImport:
    """Create a managed user for every row of the users sheet at ``path`` and write the results.

    Each row becomes ``created``, ``existing`` (already in this workspace: found by email after
    Publora's 409 ``email_exists``) or ``failed`` (a bad email, or a user Publora will not put in
    this workspace without their consent). With ``connection_urls`` each user's connect link is
    fetched too (``expires_in_days``, ``rotate`` as Publora takes them). The results file
    (default: ``<name>.results.csv`` or ``.xlsx`` beside the input) holds every input column
    plus :data:`IMPORT_COLUMNS`. Errors that stop every further request (a bad key, no
    workspace access) are raised; a refused row is a result.
    """
    sheet = read_users(path)
    out: list[ImportedUser] = []
    for number, values in sheet.rows:
        email = values.get(sheet.email_column, "").strip()
        name = (values.get(sheet.name_column, "") if sheet.name_column else "").strip() or None
        user = ImportedUser(number, email, name, "failed", values=values)
        out.append(user)
        if not _EMAIL.match(email):
            user.error = f'"{email}" is not an email address' if email else "no email"
        else:
            _import_one(client, user, connection_urls=connection_urls, expires_in_days=expires_in_days, rotate=rotate)
        if progress is not None:
            progress(user)
    target = Path(results) if results is not None else results_path_for(sheet.path)
    _write_results(sheet, out, target)
    return UserImport(out, target)


def _import_one(
    client: _WorkspaceClient, user: ImportedUser, *, connection_urls: bool, expires_in_days: int | None, rotate: bool
) -> None:
    from .errors import AuthenticationError, PermissionDeniedError

    try:
        try:
            kwargs: dict[str, Any] = {"display_name": user.display_name} if user.display_name else {}
            created = client.create_workspace_user(username=user.email, **kwargs)
            user.user_id = str(_attr(created, "id", "_id"))
            user.status = "created"
        except ConflictError as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            if (exc.code or "").lower() != "email_exists":
                raise
            existing = find_user(client, user.email)
            if existing is None:
                reason = body.get("reason") or "exists outside this workspace"
                user.error = (
                    f"a Publora user with this email already exists ({reason}); "
                    "attaching them to the workspace needs their consent"
                )
                return
            user.user_id = str(_attr(existing, "id", "_id"))
            user.status = "existing"
        if connection_urls and user.user_id:
            link_kwargs: dict[str, Any] = {}
            if expires_in_days is not None:
                link_kwargs["expires_in_days"] = expires_in_days
            if rotate:
                link_kwargs["rotate"] = True
            link = client.workspace_user_connection_url(user.user_id, **link_kwargs)
            user.connection_url = _attr(link, "url")
            user.connection_url_expires_at = _attr(link, "token_expires_at", "tokenExpiresAt")
    except (AuthenticationError, PermissionDeniedError):
        raise  # every further row would fail the same way
    except APIError as exc:
        user.status = "failed"
        user.error = exc.message


def _result_rows(sheet: UsersSheet, users: list[ImportedUser]) -> Iterator[list[Any]]:
    """The results table, values as they are (the writers keep formula-like text from running)."""
    headers = [h for h in sheet.headers if h not in IMPORT_COLUMNS]
    yield [*headers, *IMPORT_COLUMNS]
    for u in users:
        yield [
            *(u.values.get(h, "") for h in headers),
            u.user_id or "",
            u.connection_url or "",
            u.connection_url_expires_at or "",
            u.status,
            u.error or "",
        ]


def _write_results(sheet: UsersSheet, users: list[ImportedUser], target: Path) -> None:
    rows = list(_result_rows(sheet, users))
    tmp = target.with_name(target.name + ".tmp")
    if target.suffix.lower() == ".xlsx":
        wb, ws = new_workbook("users")
        for ri, values in enumerate(rows, 1):
            for ci, value in enumerate(values, 1):
                write_safe_cell(ws, ri, ci, value if value != "" else None)
        wb.save(tmp)
    else:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([[safe_cell(v) for v in values] for values in rows])
    tmp.replace(target)
