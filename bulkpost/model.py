"""The objects that flow through the pipeline, each carrying its place in the spreadsheet.

```
load_sheet()  -> Sheet (rows of Cells: file, sheet, row number as the user sees it, column name and letter)
validate()    -> Report (findings) + Post per row (the row parsed: text, targets, UTC time, media, settings)
build_plan()  -> post groups (bulkpost.plan)
```

A ``Row`` is the raw sheet row; a ``Post`` is that row understood. Parsing a row never
raises: a value that cannot be understood becomes a finding and an empty field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

__all__ = ["Cell", "MediaRef", "Post", "Row", "Sheet", "Target", "column_letter", "is_blank_value", "split_thread"]


def is_blank_value(value: Any) -> bool:
    """True for an empty cell: None, or text that is only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Cell:
    """One value of a row and where it sits.

    ``column`` is the header exactly as the user wrote it; ``key`` the canonical column name
    it was matched to (``"content"``, ``"media_2"``, ``"youtube.privacy"``), or the header
    itself for an unknown column; ``letter`` the spreadsheet column letter. ``value`` is as
    read: ``str`` from CSV; ``str``, ``int``, ``float``, ``bool``, ``datetime``, ``date``,
    ``time`` or None from XLSX (real Excel dates stay datetimes).
    """

    column: str
    key: str
    letter: str
    value: Any


@dataclass(slots=True)
class Row:
    """A data row of the sheet. ``number`` is the row number the user sees (the header is row 1)."""

    file: str
    sheet: str | None
    number: int
    cells: dict[str, Cell]
    """Known columns by canonical key."""
    extra: dict[str, Cell] = field(default_factory=dict)
    """Unknown columns by their header; kept so they come back in the results."""
    order: tuple[str, ...] = ()
    """Every header of the sheet in sheet order (for writing results in the input's shape)."""

    def cell(self, key: str) -> Cell | None:
        """The cell of canonical column ``key``, or None when the sheet has no such column."""
        return self.cells.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of canonical column ``key``; ``default`` when absent or blank."""
        c = self.cells.get(key)
        if c is None or is_blank_value(c.value):
            return default
        return c.value

    def iter_cells(self) -> Iterator[Cell]:
        """Every cell, known and unknown, in column order."""
        yield from sorted([*self.cells.values(), *self.extra.values()], key=lambda c: (len(c.letter), c.letter))

    def is_blank(self) -> bool:
        """True when every cell of the row is empty."""
        return all(is_blank_value(c.value) for c in self.iter_cells())


@dataclass(slots=True)
class Sheet:
    """A loaded sheet: its rows plus what the loader found out about the file."""

    path: Path
    """The file as given."""
    kind: str
    """``"csv"`` or ``"xlsx"``."""
    sheet: str | None
    """Worksheet name for XLSX, None for CSV."""
    headers: list[Cell]
    """The header row: ``value`` is the header text, ``key`` its canonical name."""
    rows: list[Row]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    """Things the user should know (e.g. "read as Windows-1252"); shown as warnings."""
    unknown_columns: list[str] = field(default_factory=list)
    """Headers that match no known column, in sheet order (their values are in ``Row.extra``)."""
    header_row: int = 1
    """The row number of the header (1 unless title rows sit above it)."""
    encoding_fallback: bool = False
    """True when a CSV was not valid UTF-8 and was read as Windows-1252."""
    uncalculated_formulas: int = 0
    """XLSX formula cells without a saved result (they read as empty)."""
    folder: Path | None = None
    """Where relative media paths are read from when it is not the file's folder (a sheet
    read from a pipe, such as ``<(cat week.csv)``, uses the current folder)."""

    @property
    def base_dir(self) -> Path:
        """The folder relative media paths are read from."""
        return self.folder if self.folder is not None else self.path.resolve().parent


@dataclass(frozen=True, slots=True)
class Target:
    """One destination of a post: a connection id (``twitter-123``) or a network meaning
    "the one connected account of that network" (``connection_id`` None until resolved)."""

    network: str
    connection_id: str | None
    raw: str


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One attached file or URL, in carousel order. ``column`` is the cell it came from."""

    source: str
    column: str
    path: Path | None = None
    url: str | None = None

    @property
    def is_url(self) -> bool:
        return self.url is not None


@dataclass(slots=True)
class Post:
    """A row understood: what to post, where and when. Fields a row got wrong are empty.

    ``content`` and the ``variants`` have line endings normalised to ``\\n``; thread parts
    are split on lines holding only ``---``.
    """

    row: Row
    content: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    """Per-network text from ``content_<network>`` columns."""
    targets: list[Target] = field(default_factory=list)
    scheduled_at: datetime | None = None
    """Aware, UTC. None for an unparseable time (or a draft without a time)."""
    local_time: datetime | None = None
    """The time as the user meant it, aware in its zone (for reports)."""
    timezone: str = "UTC"
    status: str = "scheduled"
    """``"scheduled"`` or ``"draft"``."""
    media: list[MediaRef] = field(default_factory=list)
    title: str | None = None
    first_comment: str | None = None
    user: str | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """platformSettings, nested by network: ``{"youtube": {"privacy": "unlisted"}}``."""
    setting_columns: dict[str, str] = field(default_factory=dict)
    """``"youtube.privacy"`` -> the canonical key of the column it came from (for findings)."""

    @property
    def networks(self) -> list[str]:
        """The distinct networks targeted, in sheet order."""
        seen: dict[str, None] = {}
        for t in self.targets:
            seen.setdefault(t.network, None)
        return list(seen)

    def text_for(self, network: str) -> str:
        """The text that goes to ``network``: its variant when the row has one, else ``content``."""
        return self.variants.get(network) or self.content

    def text_column_for(self, network: str) -> str:
        """Canonical key of the column the text for ``network`` comes from."""
        return f"content_{network}" if self.variants.get(network) else "content"

    def parts_for(self, network: str) -> list[str]:
        """The text for ``network`` split into thread parts at lines holding only ``---``."""
        return split_thread(self.text_for(network))


def split_thread(text: str) -> list[str]:
    """Split text at lines that hold only ``---`` (surrounding spaces allowed); parts are stripped."""
    parts: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip() == "---":
            parts.append([])
        else:
            parts[-1].append(line)
    out = ["\n".join(p).strip("\n") for p in parts]
    return [p for p in out if p.strip()] or [""]
