"""Load a CSV or XLSX sheet into a :class:`~bulkpost.model.Sheet` of rows that remember their place.

``load_sheet(path)`` is the first step of the pipeline. It reads the file, finds the header
row, matches every header to a canonical column (``content``, ``platforms``,
``scheduled_time``, ``media_2``, ``youtube.privacy`` ...) and returns rows whose every value
knows its file, sheet, row number (as the user sees it: the header of a plain sheet is row 1)
and column name and letter. It never interprets values: that is ``validate``'s job.

What makes a file unusable raises :class:`~bulkpost.errors.InputError` with one clear line
naming the file (exit code 2): not found, empty, binary, an old ``.xls``/``.ods`` workbook,
a password-protected or corrupt ``.xlsx``, no header row, a missing required column, a
duplicated column, a sheet too large to be a posting plan, a value beyond column MAX_COLUMNS
(never dropped silently). A pipe (``<(cat week.csv)``) is read by streaming it to its end.

CSV
    The encoding is detected: a UTF-8, UTF-16 or UTF-32 byte-order mark wins; BOM-less UTF-32 and UTF-16
    are recognised by their NUL bytes; otherwise UTF-8, falling back to Windows-1252 (recorded in
    ``Sheet.notes`` and ``Sheet.encoding_fallback`` so the report can warn). The delimiter
    (``,`` ``;`` or tab) is the one under which the header row matches the most known
    columns. Ragged rows, empty lines and a trailing empty column are fine; quoted cells
    keep their line breaks. A leading apostrophe that protected ``=``/``+``/``-``/``@``
    from formula injection (as bulkpost's own CSV reports write it) is removed.

XLSX
    Read with openpyxl (``data_only=True``: formulas give their cached values; with
    defusedxml installed openpyxl parses the XML safely). Dates stay ``datetime`` objects.
    A date cell formatted without a time of day (Excel stores it as midnight) is read as a
    ``date``, so a missing time is reported instead of posting at 00:00.
    Before openpyxl opens the zip its declared uncompressed sizes are checked, so a zip
    bomb is refused instead of filling the memory. Without ``sheet=`` the first worksheet
    that has a header row is used. A merged header cell names its first column; the
    columns it covers count as columns without a header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import tempfile
import warnings
import zipfile
import zlib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import InputError
from .model import Cell, Row, Sheet, column_letter, is_blank_value
from .networks import SETTINGS, normalize_network

__all__ = [
    "CANONICAL_COLUMNS",
    "COLUMN_ALIASES",
    "IGNORED_COLUMNS",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "REPORT_STATUS_COLUMN",
    "load_sheet",
    "count_uncalculated_formulas",
    "match_header",
]

#: The most data rows a sheet may have; a posting plan is never this long.
MAX_ROWS = 100_000
#: The most columns a header may have.
MAX_COLUMNS = 500
#: The longest CSV cell, in characters (the longest post any network takes is 63,206).
MAX_FIELD_CHARS = 1_000_000
#: The most an .xlsx may expand to when unzipped (sum of its entries).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: The largest ratio of uncompressed to compressed size for one large zip entry.
MAX_COMPRESSION_RATIO = 200
#: The most cells (``<c>`` elements, over all worksheets) an .xlsx may hold: 100,000 rows x 10 columns.
MAX_CELLS = 1_000_000
#: The largest CSV file read.
MAX_CSV_BYTES = 100 * 1024 * 1024
#: How many non-blank rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 10

#: The status column the ``.xlsx`` validation report adds; ignored when a report is loaded again.
REPORT_STATUS_COLUMN = "bulkpost check"
#: Headers (normalised) that bulkpost itself writes into reports; loading skips them silently.
IGNORED_COLUMNS: set[str] = {"bulkpostcheck"}

#: Canonical columns that are not per-network, in the order the template lists them.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "content",
    "platforms",
    "scheduled_time",
    "timezone",
    "status",
    "media",
    "title",
    "first_comment",
    "user",
)

#: Aliases of each canonical column, as written in the README (matching ignores case, spaces, _ and -).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "content": ("text", "message", "post", "caption", "body", "post_text", "copy"),
    "platforms": ("platform", "networks", "network", "channels", "channel", "accounts", "account", "targets", "profiles"),
    "scheduled_time": (
        "time",
        "date",
        "datetime",
        "publish_at",
        "schedule",
        "scheduled_at",
        "scheduled_for",
        "scheduled",
        "publish_time",
        "post_at",
        "when",
    ),
    "timezone": ("tz", "zone"),
    "status": ("state", "post_status"),
    "media": (
        "media_url",
        "media_urls",
        "media_path",
        "media_paths",
        "image",
        "images",
        "image_url",
        "video",
        "video_url",
        "attachments",
        "attachment",
        "files",
        "file",
    ),
    "title": ("video_title", "youtube_title"),
    "first_comment": ("comment",),
    "user": ("user_id", "managed_user", "workspace_user"),
}

_MAX_MEDIA_COLUMNS = 10


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


_ALIAS_INDEX: dict[str, str] = {}
for _key, _aliases in COLUMN_ALIASES.items():
    for _name in (_key, *_aliases):
        _ALIAS_INDEX[_norm(_name)] = _key
# "date" and "time" alone become a pair when both are present (resolved in _assign_keys).
_ALIAS_INDEX["date"] = "date"
_ALIAS_INDEX["time"] = "time"

_SETTING_NAMES: dict[tuple[str, str], str] = {(s.network, _norm(s.name)): s.path for s in SETTINGS.values()}


def match_header(header: str) -> str | None:
    """The canonical key of a header as a user wrote it, or None for an unknown column.

    ``"Scheduled Time"`` -> ``"scheduled_time"``, ``"Media 2"`` -> ``"media_2"``,
    ``"content_X"`` -> ``"content_twitter"``, ``"YouTube.Privacy"`` -> ``"youtube.privacy"``.
    A ``network.something`` header with a known network but an unknown setting keeps its
    shape (``"youtube.colour"``): the validator reports it as an unknown setting.
    A lone ``date`` or ``time`` header returns ``"date"``/``"time"``; :func:`load_sheet`
    turns a lone one into ``scheduled_time``.
    """
    text = header.strip()
    if not text:
        return None
    if "." in text:
        prefix, _, rest = text.partition(".")
        network = normalize_network(prefix)
        if network is not None and rest.strip():
            return _SETTING_NAMES.get((network, _norm(rest)), f"{network}.{rest.strip()}")
        return None
    key = _norm(text)
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    m = re.fullmatch(r"(?:media|image|file|attachment)(?:url)?(\d{1,2})", key)
    if m and 1 <= int(m.group(1)) <= _MAX_MEDIA_COLUMNS:
        return f"media_{int(m.group(1))}"
    m = re.fullmatch(r"(?:content|text|caption|message)(.+)", key)
    if m:
        network = normalize_network(m.group(1))
        if network is not None:
            return f"content_{network}"
    return None


# --- entry point ---------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SAVE_AS = "Open it in your spreadsheet program and save it as .xlsx (Excel Workbook) or .csv (UTF-8)."


def load_sheet(path: str | Path, *, sheet: str | None = None) -> Sheet:
    """Read a CSV or XLSX file into a :class:`Sheet`.

    ``sheet`` names the worksheet of an ``.xlsx`` (default: the first one with a header row);
    it is an error for a CSV. Raises :class:`InputError` when the file cannot be used.
    """
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise InputError(f"{shown}: no such file", hint="Check the path.", file=shown)
    if p.is_dir():
        raise InputError(f"{shown}: is a folder, not a sheet", hint="Give the path of a .csv or .xlsx file.", file=shown)
    try:
        mode = p.stat().st_mode
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror or exc})", file=shown) from exc
    if not stat.S_ISREG(mode):
        # A pipe (`bulkpost validate <(cat week.csv)`, /dev/stdin) has no size and can be read once.
        return _load_stream(p, shown, sheet)
    return _load_file(p, shown, sheet)


def _load_stream(p: Path, shown: str, sheet: str | None) -> Sheet:
    """Read a non-regular file (a FIFO) to its end into a temporary file, then load that.

    Relative media paths of such a sheet are read from the current folder: a pipe has no folder.
    """
    with tempfile.TemporaryDirectory(prefix="bulkpost-") as tmp:
        copy = Path(tmp) / (p.name or "sheet")
        total = 0
        try:
            with p.open("rb") as src, copy.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    total += len(chunk)
                    if total > MAX_CSV_BYTES:
                        raise InputError(
                            f"{shown}: more than {MAX_CSV_BYTES // 1_000_000} MB is too large for a sheet of posts",
                            hint="Split it into smaller files.",
                            file=shown,
                        )
                    dst.write(chunk)
        except OSError as exc:
            raise InputError(f"{shown}: cannot be read ({exc.strerror or exc})", file=shown) from exc
        with copy.open("rb") as fh:
            zipped = fh.read(4).startswith(_ZIP_MAGIC)
        if zipped and p.suffix.lower() not in (".xlsx", ".xlsm"):
            copy = copy.rename(copy.with_name("sheet.xlsx"))  # openpyxl goes by the name
        result = _load_file(copy, shown, sheet)
    result.path = p
    result.folder = Path.cwd()
    return result


def _load_file(p: Path, shown: str, sheet: str | None) -> Sheet:
    """Load a regular file; messages name it as ``shown``."""
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror or exc})", file=shown) from exc
    if size == 0:
        raise InputError(f"{shown}: the file is empty", hint="Start from templates/template.csv.", file=shown)
    suffix = p.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".numbers", ".fods"):
        raise InputError(f"{shown}: {suffix} files are not supported", hint=_SAVE_AS, file=shown)
    if head.startswith(_OLE_MAGIC):
        message, hint = _ole_message(p, shown)
        raise InputError(message, hint=hint, file=shown)
    if head.startswith(_ZIP_MAGIC) or suffix in (".xlsx", ".xlsm"):
        return _load_xlsx(p, shown, sheet)
    if sheet is not None:
        raise InputError(
            f"{shown}: --sheet {sheet!r} given, but a CSV file has no sheets", hint="Drop --sheet for a CSV.", file=shown
        )
    return _load_csv(p, shown, size)


def _ole_message(p: Path, shown: str) -> tuple[str, str]:
    """An OLE compound file: Excel writes encrypted .xlsx files and old .xls workbooks this way."""
    try:
        with p.open("rb") as fh:
            blob = fh.read(1 << 20)
    except OSError:
        blob = b""
    if "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob:
        return (
            f"{shown}: the workbook is password-protected (encrypted), so it cannot be read",
            "Open it, remove the password (File > Info > Protect Workbook > Encrypt with Password) and save it again.",
        )
    return f"{shown}: this is an old-format Excel (.xls) workbook, not .xlsx", _SAVE_AS


# --- header handling (shared by CSV and XLSX) -----------------------------------------------


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").strip()


def _header_score(values: Sequence[Any]) -> int:
    """How much a row looks like bulkpost's header: known columns, content/platforms weigh more."""
    score = 0
    for v in values:
        key = match_header(_header_text(v))
        if key in ("content", "platforms"):
            score += 3
        elif key is not None:
            score += 1
    return score


def _find_header(
    rows: Iterable[tuple[int, Sequence[Any]]], *, loose: bool = True
) -> tuple[int, Sequence[Any]] | None:
    """The header among the first non-blank rows: the first that names content or platforms plus
    another known column; failing that (``loose``), the first that names content or platforms
    alone, so that the missing column is what gets reported."""
    seen = 0
    fallback = None
    for number, values in rows:
        if all(is_blank_value(v) for v in values):
            continue
        score = _header_score(values)
        if score >= 4:
            return number, values
        if score >= 3 and fallback is None:
            fallback = (number, values)
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return fallback if loose else None


def _assign_keys(headers: list[str], shown: str, sheet_name: str | None, header_row: int) -> list[str | None]:
    """Canonical key per column (None = unknown/unnamed). Raises on duplicates and missing columns."""
    keys: list[str | None] = [match_header(h) if _norm(h) not in IGNORED_COLUMNS else "\0ignored" for h in headers]
    present = {k for k in keys if k}
    if "scheduled_time" not in present:
        if "date" in present and "time" not in present:
            keys = ["scheduled_time" if k == "date" else k for k in keys]
        elif "time" in present and "date" not in present:
            keys = ["scheduled_time" if k == "time" else k for k in keys]
    else:
        # An explicit scheduled_time column wins; lone date/time columns are then just unknown.
        keys = [None if k in ("date", "time") else k for k in keys]
    where = f" (sheet {sheet_name!r})" if sheet_name else ""
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k and k != "\0ignored":
            by_key.setdefault(k, []).append(i)
    for k, idx in by_key.items():
        if len(idx) > 1:
            cols = " and ".join(f'{column_letter(i)} ("{headers[i]}")' for i in idx)
            raise InputError(
                f"{shown}{where}: columns {cols} are both the {k!r} column",
                hint="Keep one of them, or rename the other.",
                file=shown,
                sheet=sheet_name,
                row=header_row,
            )
    has_content = "content" in by_key or any(k.startswith("content_") for k in by_key)
    missing = [name for name, ok in (("content", has_content), ("platforms", "platforms" in by_key)) if not ok]
    if missing:
        names = " and ".join(f'"{m}"' for m in missing)
        raise InputError(
            f"{shown}{where}: no {names} column in the header (row {header_row})",
            hint='Every sheet needs a "content" column and a "platforms" column; see templates/template.csv.',
            file=shown,
            sheet=sheet_name,
            row=header_row,
        )
    return keys


def _build_sheet(
    *,
    p: Path,
    shown: str,
    kind: str,
    sheet_name: str | None,
    header_row: int,
    header_values: Sequence[Any],
    data: Iterable[tuple[int, Sequence[Any]]],
    covered: set[int] = frozenset(),  # type: ignore[assignment]
    unquote: bool = False,
) -> Sheet:
    headers = [_header_text(v) for v in header_values]
    # A trailing run of blank header cells is not a column unless data lives under it.
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise InputError(
            f"{shown}: the header has {len(headers)} columns; at most {MAX_COLUMNS} are read",
            hint="Delete the columns you do not need.",
            file=shown,
            sheet=sheet_name,
        )
    for i in covered:
        if i < len(headers):
            headers[i] = ""
    keys = _assign_keys(headers, shown, sheet_name, header_row)
    header_cells: list[Cell] = []
    for i, h in enumerate(headers):
        letter = column_letter(i)
        k = keys[i]
        header_cells.append(Cell(h, k if k and k != "\0ignored" else (h or f"({letter})"), letter, h))
    order = tuple(headers)
    unknown = [h for h, k in zip(headers, keys) if h and k is None]
    rows: list[Row] = []
    for number, values in data:
        if all(is_blank_value(v) for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise InputError(
                f"{shown}: more than {MAX_ROWS:,} data rows", hint="Split the sheet into smaller files.", file=shown
            )
        cells: dict[str, Cell] = {}
        extra: dict[str, Cell] = {}
        width = max(len(values), len(headers))
        for i in range(width):
            v = values[i] if i < len(values) else None
            if unquote and isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1] in "=+-@":
                v = v[1:]
            letter = column_letter(i)
            if i < len(headers) and headers[i]:
                k = keys[i]
                if k == "\0ignored":
                    continue
                if k is None:
                    extra[headers[i]] = Cell(headers[i], headers[i], letter, v)
                else:
                    cells[k] = Cell(headers[i], k, letter, v)
            elif not is_blank_value(v):
                # A value under a column without a header (ragged row, blank or merged header cell).
                extra[f"({letter})"] = Cell("", f"({letter})", letter, v)
        rows.append(Row(file=shown, sheet=sheet_name, number=number, cells=cells, extra=extra, order=order))
    return Sheet(
        path=p,
        kind=kind,
        sheet=sheet_name,
        headers=header_cells,
        rows=rows,
        unknown_columns=unknown,
        header_row=header_row,
    )


# --- CSV ------------------------------------------------------------------------------------


def _decode(raw: bytes, shown: str) -> tuple[str, str, bool]:
    """(text, encoding name, is_fallback). Raises InputError for binary data."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    for bom, enc in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), _encoding_label(enc, bom), False
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{shown}: starts like {_encoding_label(enc, bom)} text but is not valid {enc} ({exc.reason})",
                    hint="Save it again as CSV UTF-8.",
                    file=shown,
                ) from exc
    sample = raw[:4096]
    utf32 = _utf32_without_bom(raw)
    if utf32:
        try:
            return raw.decode(utf32), utf32.upper(), False
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{shown}: looks like {utf32.upper()} text without a byte-order mark, but is not valid {utf32.upper()} "
                f"({exc.reason})",
                hint="Save it again as CSV UTF-8.",
                file=shown,
            ) from exc
    if len(sample) >= 4 and b"\x00" in sample:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) // 2
        enc = "utf-16-le" if odd > half * 0.3 and even < half * 0.05 else "utf-16-be" if even > half * 0.3 and odd < half * 0.05 else ""
        if enc:
            try:
                return raw.decode(enc), enc.upper().replace("UTF", "UTF"), False
            except UnicodeDecodeError:
                pass
        raise InputError(f"{shown}: this is a binary file, not a CSV sheet", hint=_SAVE_AS, file=shown)
    try:
        return raw.decode("utf-8"), "UTF-8", False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252", True
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shown}: not readable as UTF-8 or Windows-1252 text (is it a binary file?)", hint=_SAVE_AS, file=shown
        ) from exc


def _utf32_without_bom(raw: bytes) -> str:
    """``"utf-32-le"`` or ``"utf-32-be"`` when ``raw`` has UTF-32's NUL pattern, else ``""``.

    Text in UTF-32 has three NUL bytes in every four for ASCII and Latin characters (and at
    least one for any character): the high bytes of each 4-byte unit. Binary data does not keep
    such a pattern across its first 4 KB.
    """
    sample = raw[: 4096 - 4096 % 4]
    if len(raw) % 4 or len(sample) < 8:
        return ""
    units = len(sample) // 4
    zeros = [sample[i::4].count(0) for i in range(4)]
    if zeros[3] == units and zeros[2] >= units * 0.5 and zeros[0] <= units * 0.05:
        return "utf-32-le"
    if zeros[0] == units and zeros[1] >= units * 0.5 and zeros[3] <= units * 0.05:
        return "utf-32-be"
    return ""


def _encoding_label(enc: str, bom: bytes) -> str:
    if enc == "utf-8-sig":
        return "UTF-8 with BOM"
    if bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE):
        return ("UTF-16" if enc == "utf-16" else "UTF-32") + "LE with BOM"
    return ("UTF-16" if enc == "utf-16" else "UTF-32") + "BE with BOM"


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    # Random binary data is ~10% control characters; text almost never has any.
    return controls >= 8 and controls > len(sample) // 20


def _sniff_delimiter(text: str) -> str:
    """The delimiter under which one of the first lines reads best as bulkpost's header."""
    lines = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS * 3] if line.strip()][:HEADER_SEARCH_ROWS]
    best, best_score = ",", (-1, -1)
    for d in (",", ";", "\t"):
        for line in lines:
            try:
                fields = next(csv.reader([line], delimiter=d))
            except (csv.Error, StopIteration):
                continue
            score = (_header_score(fields), len(fields))
            if score > best_score:
                best, best_score = d, score
    return best


def _load_csv(p: Path, shown: str, size: int) -> Sheet:
    if size > MAX_CSV_BYTES:
        raise InputError(
            f"{shown}: {size / 1e6:.0f} MB is too large for a sheet of posts (limit {MAX_CSV_BYTES // 1_000_000} MB)",
            hint="Split it into smaller files.",
            file=shown,
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror or exc})", file=shown) from exc
    text, encoding, fallback = _decode(raw, shown)
    if _looks_binary(text):
        raise InputError(f"{shown}: this is a binary file, not a CSV sheet", hint=_SAVE_AS, file=shown)
    if not text.strip():
        raise InputError(f"{shown}: the file is empty", hint="Start from templates/template.csv.", file=shown)
    delimiter = _sniff_delimiter(text)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell is longer than {MAX_FIELD_CHARS:,} characters (an unclosed quote?)"
        raise InputError(f"{shown}: not a readable CSV: {msg}", hint="Check the quotes in the file.", file=shown) from exc
    finally:
        csv.field_size_limit(old_limit)
    numbered = [(i + 1, rec) for i, rec in enumerate(records)]
    found = _find_header(numbered)
    if found is None:
        raise InputError(
            f"{shown}: no header row: the first row must name the columns (content, platforms, scheduled_time, ...)",
            hint="Add a header row; see templates/template.csv.",
            file=shown,
        )
    header_row, header_values = found
    result = _build_sheet(
        p=p,
        shown=shown,
        kind="csv",
        sheet_name=None,
        header_row=header_row,
        header_values=header_values,
        data=numbered[header_row:],
        unquote=True,
    )
    result.encoding = encoding
    result.delimiter = delimiter
    result.encoding_fallback = fallback
    if fallback:
        result.notes.append(
            f"{shown} is not valid UTF-8; it was read as Windows-1252. Check accented letters and emoji, "
            "or save it as CSV UTF-8."
        )
    if header_row > 1:
        result.notes.append(f"The header is on row {header_row}; rows above it were skipped.")
    return result


# --- XLSX -----------------------------------------------------------------------------------


def _check_zip(p: Path, shown: str) -> None:
    """Refuse corrupt zips and zip bombs before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{shown}: the workbook is corrupt (not a valid .xlsx zip)", hint=_SAVE_AS, file=shown) from exc
    if "mimetype" in names and "xl/workbook.xml" not in names:
        raise InputError(f"{shown}: this is an OpenDocument (.ods) file, not .xlsx", hint=_SAVE_AS, file=shown)
    if "xl/workbook.bin" in names:
        raise InputError(f"{shown}: this is a binary Excel workbook (.xlsb), not .xlsx", hint=_SAVE_AS, file=shown)
    if "xl/workbook.xml" not in names:
        raise InputError(f"{shown}: a zip file that is not an Excel workbook", hint=_SAVE_AS, file=shown)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 10 * 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"{shown}: {info.filename} would expand {info.file_size // max(info.compress_size, 1)}-fold; "
                "refusing a possible zip bomb",
                file=shown,
            )
    if total <= MAX_UNCOMPRESSED_BYTES:
        _check_cell_count(p, shown, [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")])
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"{shown}: the workbook expands to {total / 1e6:.0f} MB (limit {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB)",
            hint="Delete unused sheets and formatting, or split it.",
            file=shown,
        )


_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _check_cell_count(p: Path, shown: str, sheets: list[zipfile.ZipInfo]) -> None:
    """Count the ``<c>`` elements of the worksheets (streaming) and refuse more than MAX_CELLS.

    openpyxl keeps every cell of the workbook as an object (about 450 bytes and 14 us each), so a
    sheet of ordinary size on disk can need gigabytes; counting first keeps memory bounded.
    """
    count = 0
    try:
        with zipfile.ZipFile(p) as zf:
            for info in sheets:
                carry = b""
                with zf.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        buf = carry + chunk
                        cut = buf.rfind(b"<")
                        cut = len(buf) if cut == -1 else cut
                        count += len(_CELL_TAG.findall(buf, 0, cut))
                        carry = buf[cut:]
                count += len(_CELL_TAG.findall(carry))
                if count > MAX_CELLS:
                    raise InputError(
                        f"{shown}: the workbook has more than {MAX_CELLS:,} cells; a sheet of posts is far smaller",
                        hint="Delete unused rows, columns and sheets, or split it.",
                        file=shown,
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(
            f"{shown}: the workbook is corrupt (not a valid .xlsx zip: {(str(exc).splitlines() or [''])[0]})",
            hint=_SAVE_AS,
            file=shown,
        ) from exc


_UNCALCULATED = re.compile(rb"<c\b[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)?</c>")


def _sheet_xml_path(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of a worksheet's XML, from workbook.xml and its relationships."""
    from defusedxml import ElementTree

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, ValueError):
        return None
    rid = next((el.get(f"{ns_rel}id") for el in book.iter(f"{ns_main}sheet") if el.get("name") == sheet_name), None)
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def count_uncalculated_formulas(path: str | Path, sheet_name: str) -> int:
    """How many formula cells of ``sheet_name`` have no saved result.

    Excel saves the last result of every formula; programs that cannot calculate (openpyxl,
    some exporters) write the formula alone, and such a cell reads as empty.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            name = _sheet_xml_path(zf, sheet_name)
            if name is None:
                return 0
            return len(_UNCALCULATED.findall(zf.read(name)))
    except (zipfile.BadZipFile, OSError, KeyError):
        return 0


def _cell_value(value: Any) -> Any:
    # openpyxl returns datetime/date/time/int/float/bool/str; keep them. Errors come as "#N/A" strings.
    if isinstance(value, (datetime, date, time, int, float, bool)) or value is None:
        return value
    return str(value)


def _refused_by_defusedxml(exc: BaseException) -> bool:
    """True when defusedxml (used by openpyxl when installed) refused a DTD or entity somewhere in the chain."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        return False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DefusedXmlException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


_TIME_CODES = re.compile(r"[hs]|am/pm|a/p", re.IGNORECASE)
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]')


def _xlsx_value(cell: Any) -> Any:
    """A cell's value; a date cell formatted without a time of day becomes a ``date``.

    Excel stores a typed date as midnight of that day. Read as a datetime it would post at
    00:00; as a ``date`` the validator can tell the user the time of day is missing.
    """
    value = _cell_value(cell.value)
    if isinstance(value, datetime) and value.time() == time(0, 0):
        fmt = _QUOTED_OR_BRACKETED.sub("", str(getattr(cell, "number_format", "") or ""))
        if fmt and fmt.lower() != "general" and not _TIME_CODES.search(fmt):
            return value.date()
    return value


def _load_xlsx(p: Path, shown: str, sheet: str | None) -> Sheet:
    _check_zip(p, shown)
    import openpyxl  # imported here: a CSV-only run does not pay for it

    try:
        with warnings.catch_warnings():
            # openpyxl warns about unsupported extensions (data validation, conditional formats).
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(p, data_only=True, read_only=False, keep_links=False)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for broken files
        if _refused_by_defusedxml(exc):
            raise InputError(
                f"{shown}: the workbook's XML declares entities (a DTD), as XML bombs and file-reading attacks do; "
                "refusing to read it",
                hint=_SAVE_AS,
                file=shown,
            ) from exc
        detail = (str(exc).strip().splitlines() or [""])[0]  # openpyxl's messages run over several lines
        raise InputError(
            f"{shown}: the workbook is corrupt or not an .xlsx ({type(exc).__name__}: {detail})", hint=_SAVE_AS, file=shown
        ) from exc
    try:
        names = wb.sheetnames
        if sheet is not None:
            match = next((n for n in names if n == sheet), None) or next(
                (n for n in names if n.strip().lower() == sheet.strip().lower()), None
            )
            if match is None:
                raise InputError(
                    f"{shown}: no sheet named {sheet!r}; the sheets are: {', '.join(names)}",
                    hint="Pass one of those names to --sheet.",
                    file=shown,
                )
            candidates = [match]
        else:
            candidates = names
        # First a sheet with a full header; failing that, one naming content or platforms only
        # (so the error names the missing column instead of saying there is no header).
        for name, loose in [(n, False) for n in candidates] + [(n, True) for n in candidates]:
            ws = wb[name]
            if not hasattr(ws, "iter_rows"):
                continue  # a chartsheet
            result = _read_worksheet(p, shown, ws, name, explicit=sheet is not None and loose, loose=loose)
            if result is not None:
                result.uncalculated_formulas = count_uncalculated_formulas(p, name)
                if sheet is None and len(names) > 1 and name != names[0]:
                    result.notes.append(f"Read sheet {name!r}: the first sheet(s) before it have no header row.")
                return result
        if not names:
            raise InputError(f"{shown}: the workbook has no worksheet that can be read", hint=_SAVE_AS, file=shown)
        raise InputError(
            f"{shown}: no sheet has a header row (looked at: {', '.join(names)})",
            hint='The header row names the columns: "content", "platforms", "scheduled_time", ...',
            file=shown,
        )
    finally:
        wb.close()


def _read_worksheet(p: Path, shown: str, ws: Any, name: str, *, explicit: bool, loose: bool) -> Sheet | None:
    max_col = ws.max_column or 0
    width = min(max_col, MAX_COLUMNS)

    # Group the cells openpyxl actually holds by row. ws.iter_rows() would instead make a cell
    # object for every position up to max_row x max_col: one value at XFD1048576 is 17 billion.
    # Values beyond the column cap are set aside: they are never dropped silently (see below).
    stored: dict[int, dict[int, Any]] = {}
    beyond: list[tuple[int, int]] = []
    for (r, c), cell in ws._cells.items():
        if cell.value is None:
            continue
        if c <= width:
            stored.setdefault(r, {})[c] = cell
        elif not is_blank_value(_cell_value(cell.value)):
            beyond.append((r, c))
    numbers = sorted(stored)

    def rows_from(start: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
        for number in numbers:
            if number >= start:
                cells = stored[number]
                yield number, tuple(_xlsx_value(cells[c]) if c in cells else None for c in range(1, width + 1))

    found = _find_header(rows_from(1), loose=loose)
    if found is None:
        if explicit:
            raise InputError(
                f"{shown}: sheet {name!r} has no header row naming the columns (content, platforms, ...)",
                hint="Add a header row; see templates/template.xlsx.",
                file=shown,
                sheet=name,
            )
        return None
    header_row, header_values = found
    _refuse_beyond_cap(shown, name, header_row, beyond)
    covered: set[int] = set()
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= header_row <= rng.max_row:
            covered.update(range(rng.min_col, rng.max_col))  # 0-based index of columns after the first
    return _build_sheet(
        p=p,
        shown=shown,
        kind="xlsx",
        sheet_name=name,
        header_row=header_row,
        header_values=header_values,
        data=rows_from(header_row + 1),
        covered=covered,
    )



def _refuse_beyond_cap(shown: str, name: str, header_row: int, beyond: list[tuple[int, int]]) -> None:
    """Refuse a worksheet with values right of column MAX_COLUMNS, at or below its header row.

    bulkpost reads MAX_COLUMNS columns; a value further right would otherwise vanish without a
    word, and a sheet must never lose a value silently. Cells above the header are skipped like
    the rest of those rows.
    """
    in_header = [c for r, c in beyond if r == header_row]
    if in_header:
        raise InputError(
            f"{shown}: sheet {name!r}: the header has {max(in_header)} columns; at most {MAX_COLUMNS} are read",
            hint="Delete the columns you do not need.",
            file=shown,
            sheet=name,
        )
    below = sorted((r, c) for r, c in beyond if r > header_row)
    if below:
        r, c = below[0]
        letter = column_letter(c - 1)
        more = f" (and {len(below) - 1:,} more)" if len(below) > 1 else ""
        raise InputError(
            f"{shown}: sheet {name!r}: a value in cell {letter}{r} (column {letter}, col {c}){more} is beyond "
            f"the {MAX_COLUMNS} columns bulkpost reads",
            hint="Move it into a column that has a header within the first "
            f"{MAX_COLUMNS} columns, or delete it.",
            file=shown,
            sheet=name,
            row=r,
            column=letter,
        )
