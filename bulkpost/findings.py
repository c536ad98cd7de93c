"""Findings and the validation Report: validation is data, not exceptions.

A ``Finding`` is one problem at one place: row, column (name and letter), platform,
severity, a stable UPPER_SNAKE ``code``, a message that gives the place, the value and the
limit, and a ``hint`` that says what to do. A ``Report`` holds every finding of a run,
plus the parsed posts and what the loader noticed about the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .networks import display_name

if TYPE_CHECKING:
    from .model import Post, Row, Sheet

__all__ = ["ERROR", "WARNING", "Finding", "Report", "finding"]

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, pointed at its cell."""

    code: str
    severity: str
    message: str
    hint: str | None = None
    row: int | None = None
    """Row number as the user sees it (header = 1); None for a sheet-level finding."""
    column: str | None = None
    """The header as the user wrote it."""
    letter: str | None = None
    """Spreadsheet column letter."""
    sheet: str | None = None
    file: str | None = None
    platform: str | None = None
    value: str | None = None
    """The offending value, shortened, when it helps."""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def cell(self) -> str | None:
        """``"C7"`` when both column letter and row are known."""
        if self.letter and self.row:
            return f"{self.letter}{self.row}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "cell": self.cell,
            "sheet": self.sheet,
            "platform": self.platform,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "value": self.value,
        }


def finding(
    code: str,
    message: str,
    *,
    row: Row | None = None,
    key: str | None = None,
    severity: str = ERROR,
    hint: str | None = None,
    platform: str | None = None,
    value: Any = None,
) -> Finding:
    """Build a Finding at ``row``/canonical column ``key``, filling in header, letter, sheet, file.

    The message is prefixed with the place the way the house style wants it
    (``Row 7, column "content": ...``) unless it already starts with "Row ".
    """
    column = letter = sheet = file = None
    number = None
    if row is not None:
        number, sheet, file = row.number, row.sheet, row.file
        if key is not None:
            c = row.cells.get(key) or row.extra.get(key)
            if c is not None:
                column, letter = c.column, c.letter
            else:
                column = key
    if number is not None and not message.startswith("Row "):
        place = f"Row {number}"
        if column:
            place += f', column "{column}"'
        if platform:
            place += f" ({display_name(platform)})"
        message = f"{place}: {message}"
    shown = None
    if value is not None:
        shown = str(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
    return Finding(code, severity, message, hint, number, column, letter, sheet, file, platform, shown)


_SEVERITY_ORDER = {ERROR: 0, WARNING: 1}


@dataclass(slots=True)
class Report:
    """Every finding of a validation run, the posts it parsed, and facts about the input."""

    file: str
    sheet: str | None = None
    findings: list[Finding] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    rows: int = 0
    notes: list[str] = field(default_factory=list)
    """Facts the user should see (time zone used, encoding, limits snapshot date)."""
    source: Sheet | None = None

    def add(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(f.severity == ERROR for f in self.findings)

    def rows_with_errors(self) -> set[int]:
        return {f.row for f in self.findings if f.severity == ERROR and f.row is not None}

    def valid_posts(self) -> list[Post]:
        """Posts whose row has no error."""
        bad = self.rows_with_errors()
        return [p for p in self.posts if p.row.number not in bad]

    def sorted_findings(self) -> list[Finding]:
        """Worst first, then by row and column."""
        return sorted(
            self.findings,
            key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.row or 0, len(f.letter or ""), f.letter or "", f.code),
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data; ``bulkpost validate --json`` prints exactly this."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "rows": self.rows,
            "valid": self.ok,
            "counts": {
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "rows_with_errors": len(self.rows_with_errors()),
            },
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
