"""The on-disk record that makes a re-run safe: SQLite, one transaction per step.

Default place: ``<sheet dir>/.bulkpost/<sheet file name>.journal.sqlite`` (``--journal`` moves it).

Every API step is written **before** it is sent (``step_started``: the group's state becomes
``creating``/``uploading``/``scheduling`` and a ``steps`` row records the Idempotency-Key) and
**after** its answer (``step_finished``: the post group id, media id, effective time, warnings
or error). WAL mode and a transaction per write mean a kill at any instant leaves either the
state before the step or the state after it, never half of one.

What a re-run learns from it (``Journal.classify``):

- ``done``: every group of the row reached its final status; nothing is sent again.
- ``resume``: a group got part of the way (for example: draft created and 2 of 3 files
  uploaded); the executor continues from the last recorded step. A step that was started but
  has no recorded answer (the response was lost) is reconciled first: for a create, the
  executor looks the post up with list-posts and re-sends with the same Idempotency-Key only
  if it is not there (Publora replays a key for 24 hours, so even that cannot double-post).
- ``changed``: the sheet row at this position was scheduled before with different content.
  It is reported, not posted again (``--update-changed`` updates the existing post groups).
- ``new``: never seen.

Rows are matched by content (the plan's ``row_hash`` + ``occurrence``) first and by row number
second, so inserting or deleting rows above does not make the rows below look new or changed.

Retries (``schedule --retry-failed``): a group Publora failed to publish gets a NEW post group
for its failed targets only; each attempt is a ``retries`` row (``attempt`` 1, 2, ...) written
``creating`` with its Idempotency-Key before the create is sent, so a crash during a retry
re-sends the same key (a replay, never a second post).

Group states: ``pending`` -> ``creating`` -> ``created`` -> (``uploading`` per file) ->
``scheduling`` -> ``done``; or ``failed`` (``outcome_unknown`` set when the failure was a lost
answer rather than a refusal); ``cancelled`` after ``bulkpost cancel``; ``superseded`` for a
lost create of a row that was edited afterwards and whose post was not found on Publora.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .plan import Plan, PostGroupPlan, RowPlan

__all__ = [
    "GroupEntry",
    "Journal",
    "JournalLockedError",
    "RetryEntry",
    "RowDecision",
    "UploadEntry",
    "default_journal_path",
    "original_sheet_name",
]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    row_hash TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    group_index INTEGER NOT NULL,
    row_number INTEGER NOT NULL,
    group_hash TEXT NOT NULL,
    targets TEXT NOT NULL,
    content TEXT NOT NULL,
    user_id TEXT,
    mode TEXT NOT NULL,
    want_status TEXT NOT NULL,
    scheduled_time TEXT,
    media_count INTEGER NOT NULL DEFAULT 0,
    media_hash TEXT NOT NULL DEFAULT '',
    post_group_id TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    result_status TEXT,
    effective_time TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    error_code TEXT,
    error TEXT,
    outcome_unknown INTEGER NOT NULL DEFAULT 0,
    create_attempt INTEGER NOT NULL DEFAULT 0,
    schedule_attempt INTEGER NOT NULL DEFAULT 0,
    create_started_at REAL,
    remote_status TEXT,
    remote_detail TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (row_hash, occurrence, group_index)
);
CREATE INDEX IF NOT EXISTS groups_row ON groups (row_number);
CREATE TABLE IF NOT EXISTS uploads (
    group_id INTEGER NOT NULL REFERENCES groups (id),
    idx INTEGER NOT NULL,
    source TEXT NOT NULL,
    content_type TEXT,
    media_id TEXT,
    upload_url TEXT,
    requested_at REAL,
    state TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (group_id, idx)
);
CREATE TABLE IF NOT EXISTS retries (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups (id),
    attempt INTEGER NOT NULL,
    targets TEXT NOT NULL,
    scheduled_time TEXT,
    idempotency_key TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '{}',
    post_group_id TEXT,
    state TEXT NOT NULL,
    error_code TEXT,
    error TEXT,
    remote_status TEXT,
    remote_detail TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (group_id, attempt)
);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups (id),
    step TEXT NOT NULL,
    idempotency_key TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    outcome TEXT,
    detail TEXT
);
"""


class JournalLockedError(ConfigError):
    """Another ``bulkpost schedule`` is running on the same journal."""


def original_sheet_name(sheet: str | Path) -> str:
    """``week.results.csv`` -> ``week.csv``; any other name unchanged."""
    name = Path(sheet).name
    stem, dot, ext = name.rpartition(".")
    if dot and stem.endswith(".results"):
        return f"{stem[: -len('.results')]}.{ext}"
    return name


def default_journal_path(sheet: str | Path, *, sandbox: bool = False) -> Path:
    """``<sheet dir>/.bulkpost/<sheet file name>.journal.sqlite``.

    A results file (``week.results.csv``) maps to its original sheet's journal, so feeding
    it back to ``schedule`` continues the same batch. Runs against the built-in sandbox
    (``--sandbox``) keep their own journal (``.sandbox.journal.sqlite``): a trial must never
    make the real run believe a row is done.
    """
    p = Path(sheet).expanduser().resolve()
    suffix = ".sandbox.journal.sqlite" if sandbox else ".journal.sqlite"
    return p.parent / ".bulkpost" / f"{original_sheet_name(p)}{suffix}"


@dataclass(slots=True)
class UploadEntry:
    """One file of a group as the journal knows it."""

    idx: int
    source: str
    content_type: str | None
    media_id: str | None
    upload_url: str | None
    requested_at: float | None
    state: str
    """``requesting`` (get-upload-url sent, no answer recorded), ``requested`` (URL known),
    ``putting`` (PUT started), ``done`` (PUT succeeded), ``deleted``."""


@dataclass(slots=True)
class GroupEntry:
    """A group's row in the journal."""

    id: int
    row_hash: str
    occurrence: int
    group_index: int
    row_number: int
    group_hash: str
    targets: list[str]
    content: str
    user_id: str | None
    mode: str
    want_status: str
    scheduled_time: str | None
    media_count: int
    media_hash: str
    post_group_id: str | None
    state: str
    result_status: str | None
    effective_time: str | None
    warnings: list[str]
    error_code: str | None
    error: str | None
    outcome_unknown: bool
    create_attempt: int
    schedule_attempt: int
    create_started_at: float | None
    remote_status: str | None
    remote_detail: dict[str, Any] | None
    uploads: list[UploadEntry] = field(default_factory=list)

    @property
    def unknown_create(self) -> bool:
        """A create was sent and its answer lost: the post group may exist without our knowing its id."""
        return self.post_group_id is None and (self.state == "creating" or (self.state == "failed" and self.outcome_unknown))


@dataclass(slots=True)
class RetryEntry:
    """One ``--retry-failed`` attempt of a group: a new post group for the targets that failed."""

    id: int
    group_id: int
    attempt: int
    targets: list[str]
    scheduled_time: str | None
    idempotency_key: str
    body: dict[str, Any]
    """The create-post body as sent: a re-send after a lost answer sends exactly this again."""
    post_group_id: str | None
    state: str
    """``creating`` (sent, answer not recorded), ``done`` (created), ``failed`` (refused),
    ``cancelled`` (deleted by ``bulkpost cancel``)."""
    error_code: str | None
    error: str | None
    remote_status: str | None
    remote_detail: dict[str, Any] | None
    created_at: float = 0.0


@dataclass(slots=True)
class RowDecision:
    """What a run does with one planned row, and the journal entries it concerns."""

    kind: str
    """``new``, ``resume``, ``done`` or ``changed``."""
    entries: list[GroupEntry] = field(default_factory=list)
    """The row's groups in the journal (for ``changed``: the groups scheduled from the old content)."""


def _now() -> float:
    return time.time()


class Journal:
    """The journal of one batch. Thread-safe: one connection, one lock, one transaction per write."""

    def __init__(self, path: str | Path, *, identity: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._lock_fd: int | None = None
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"the journal {self.path} cannot be opened: {exc}",
                hint="Pass another --journal path, or move the damaged file away (the batch then starts afresh).",
            ) from exc
        stored = self.meta("identity")
        if stored is None:
            if identity is not None:
                self.set_meta("identity", identity)
                self.set_meta("schema_version", str(SCHEMA_VERSION))
                self.set_meta("created_at", str(_now()))
            self.identity = identity
        else:
            self.identity = stored

    # -- plumbing ----------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args))

    def close(self) -> None:
        """Release the run lock (if held) and close the database."""
        self.unlock()
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def bind_endpoint(self, endpoint: str, *, record: bool = True) -> None:
        """Tie the journal to the API it records (base URL, or ``sandbox``); refuse another one.

        A journal says which rows exist *somewhere*; read against another Publora (the sandbox,
        another base URL) it would skip rows that were never sent there. ``record=False`` (a dry
        run, which sends nothing) only checks: it leaves an unbound journal unbound.
        """
        stored = self.meta("endpoint")
        if stored is None:
            if record:
                self.set_meta("endpoint", endpoint)
        elif stored != endpoint:
            raise ConfigError(
                f"the journal {self.path} records a batch sent to {stored}, not to {endpoint}",
                hint="Pass --journal with another path to send this sheet to a second destination.",
            )

    def lock(self) -> None:
        """Take the run lock: a second ``schedule`` on the same journal fails instead of racing."""
        import fcntl

        if self._lock_fd is not None:
            return
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise JournalLockedError(
                f"another bulkpost run is using the journal {self.path}",
                hint="Wait for it to finish (or stop it); two runs of one batch at once could race.",
            ) from exc
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- reading -----------------------------------------------------------------------

    def _entry(self, r: sqlite3.Row, uploads: list[UploadEntry]) -> GroupEntry:
        return GroupEntry(
            id=r["id"],
            row_hash=r["row_hash"],
            occurrence=r["occurrence"],
            group_index=r["group_index"],
            row_number=r["row_number"],
            group_hash=r["group_hash"],
            targets=json.loads(r["targets"]),
            content=r["content"],
            user_id=r["user_id"],
            mode=r["mode"],
            want_status=r["want_status"],
            scheduled_time=r["scheduled_time"],
            media_count=r["media_count"],
            media_hash=r["media_hash"],
            post_group_id=r["post_group_id"],
            state=r["state"],
            result_status=r["result_status"],
            effective_time=r["effective_time"],
            warnings=json.loads(r["warnings"] or "[]"),
            error_code=r["error_code"],
            error=r["error"],
            outcome_unknown=bool(r["outcome_unknown"]),
            create_attempt=r["create_attempt"],
            schedule_attempt=r["schedule_attempt"],
            create_started_at=r["create_started_at"],
            remote_status=r["remote_status"],
            remote_detail=json.loads(r["remote_detail"]) if r["remote_detail"] else None,
            uploads=uploads,
        )

    def _uploads(self, group_id: int) -> list[UploadEntry]:
        return [
            UploadEntry(u["idx"], u["source"], u["content_type"], u["media_id"], u["upload_url"], u["requested_at"], u["state"])
            for u in self._query("SELECT * FROM uploads WHERE group_id = ? ORDER BY idx", (group_id,))
        ]

    def get(self, group_id: int) -> GroupEntry:
        """The current journal entry of a group."""
        rows = self._query("SELECT * FROM groups WHERE id = ?", (group_id,))
        if not rows:
            raise KeyError(group_id)
        return self._entry(rows[0], self._uploads(group_id))

    def find(self, group: PostGroupPlan) -> GroupEntry | None:
        """The entry of a planned group, matched by content (row hash, occurrence, index)."""
        rows = self._query(
            "SELECT id FROM groups WHERE row_hash = ? AND occurrence = ? AND group_index = ?",
            (group.row_hash, group.occurrence, group.index),
        )
        return self.get(rows[0]["id"]) if rows else None

    def entries(self) -> list[GroupEntry]:
        """Every group of the batch, by row number then group index."""
        ids = [r["id"] for r in self._query("SELECT id FROM groups ORDER BY row_number, group_index, id")]
        return [self.get(i) for i in ids]

    def steps(self, group_id: int | None = None) -> list[dict[str, Any]]:
        """The step log (every step's start and finish), oldest first."""
        if group_id is None:
            rows = self._query("SELECT * FROM steps ORDER BY id")
        else:
            rows = self._query("SELECT * FROM steps WHERE group_id = ? ORDER BY id", (group_id,))
        return [dict(r) for r in rows]

    def open_steps(self, group_id: int) -> list[dict[str, Any]]:
        """Steps started but never finished: their answer was lost (crash, kill, dropped connection)."""
        return [dict(r) for r in self._query("SELECT * FROM steps WHERE group_id = ? AND finished_at IS NULL ORDER BY id", (group_id,))]

    def classify(self, plan: Plan) -> dict[int, RowDecision]:
        """For every plannable row of ``plan`` (by row number): new, resume, done or changed."""
        by_row_key: dict[tuple[str, int], list[GroupEntry]] = {}
        for e in self.entries():
            by_row_key.setdefault((e.row_hash, e.occurrence), []).append(e)
        claimed: set[tuple[str, int]] = set()
        out: dict[int, RowDecision] = {}
        pending: list[RowPlan] = []
        for rp in plan.rows:
            if not rp.ok:
                continue
            key = (rp.row_hash, rp.occurrence)
            entries = by_row_key.get(key)
            if entries:
                claimed.add(key)
                live = [e for e in entries if e.state != "cancelled"]
                done = len(live) == len(rp.groups) and all(e.state == "done" for e in live)
                out[rp.number] = RowDecision("done" if done else "resume", entries)
            else:
                pending.append(rp)
        # Old content at the same row number, not claimed by a row that moved: the row changed.
        by_number: dict[int, list[tuple[str, int]]] = {}
        for key, entries in by_row_key.items():
            if key in claimed:
                continue
            # Sent before: a post group exists, or a create's answer was lost (it may exist).
            if any((e.post_group_id and e.state != "cancelled") or e.unknown_create for e in entries):
                by_number.setdefault(entries[0].row_number, []).append(key)
        for rp in pending:
            keys = by_number.get(rp.number)
            if keys:
                key = keys.pop(0)
                claimed.add(key)
                out[rp.number] = RowDecision("changed", by_row_key[key])
            else:
                out[rp.number] = RowDecision("new", [])
        return out

    def retries(self, group_id: int | None = None) -> list[RetryEntry]:
        """The retry attempts of a group (or of every group), oldest first."""
        if group_id is None:
            rows = self._query("SELECT * FROM retries ORDER BY group_id, attempt")
        else:
            rows = self._query("SELECT * FROM retries WHERE group_id = ? ORDER BY attempt", (group_id,))
        return [
            RetryEntry(
                r["id"], r["group_id"], r["attempt"], json.loads(r["targets"]), r["scheduled_time"], r["idempotency_key"],
                json.loads(r["body"] or "{}"), r["post_group_id"], r["state"], r["error_code"], r["error"], r["remote_status"],
                json.loads(r["remote_detail"]) if r["remote_detail"] else None, r["created_at"],
            )
            for r in rows
        ]

    # -- writing -----------------------------------------------------------------------

    def retry_started(
        self, group_id: int, attempt: int, targets: list[str], scheduled_time: str | None, key: str, body: dict[str, Any]
    ) -> RetryEntry:
        """Record a retry attempt before its create is sent (sent again: the same row, key and body)."""
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO retries (group_id, attempt, targets, scheduled_time, idempotency_key, body, state, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'creating', ?, ?)
                   ON CONFLICT (group_id, attempt) DO UPDATE SET updated_at = excluded.updated_at""",
                (group_id, attempt, json.dumps(targets), scheduled_time, key, json.dumps(body, sort_keys=True), now, now),
            )
            db.execute(
                "INSERT INTO steps (group_id, step, idempotency_key, started_at) VALUES (?, ?, ?, ?)",
                (group_id, f"retry:{attempt}", key, now),
            )
        return next(r for r in self.retries(group_id) if r.attempt == attempt)

    def retry_set(self, retry_id: int, **fields: Any) -> None:
        """Set columns of a retry attempt (``remote_detail`` may be a dict); closes its open step."""
        if "remote_detail" in fields and fields["remote_detail"] is not None and not isinstance(fields["remote_detail"], str):
            fields["remote_detail"] = json.dumps(fields["remote_detail"], default=str)
        fields["updated_at"] = _now()
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            row = db.execute("SELECT group_id, attempt FROM retries WHERE id = ?", (retry_id,)).fetchone()
            db.execute(f"UPDATE retries SET {cols} WHERE id = ?", (*fields.values(), retry_id))
            if "state" in fields and row is not None:
                db.execute(
                    "UPDATE steps SET finished_at = ?, outcome = ? WHERE group_id = ? AND step = ? AND finished_at IS NULL",
                    (_now(), fields["state"], row["group_id"], f"retry:{row['attempt']}"),
                )


    def ensure(self, group: PostGroupPlan) -> GroupEntry:
        """The entry of ``group``, created (state ``pending``) if it does not exist yet."""
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO groups (row_hash, occurrence, group_index, row_number, group_hash, targets, content,
                       user_id, mode, want_status, scheduled_time, media_count, media_hash, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (row_hash, occurrence, group_index) DO UPDATE SET row_number = excluded.row_number""",
                (
                    group.row_hash,
                    group.occurrence,
                    group.index,
                    group.row_number,
                    group.group_hash,
                    json.dumps(group.targets),
                    group.content,
                    group.user,
                    group.media_mode,
                    group.status,
                    group.scheduled_time,
                    len(group.media),
                    group.media_hash,
                    now,
                    now,
                ),
            )
        found = self.find(group)
        assert found is not None
        return found

    def update(self, group_id: int, **fields: Any) -> None:
        """Set columns of a group in one transaction (``warnings`` may be a list)."""
        with self._tx() as db:
            self._set(db, group_id, fields)

    @staticmethod
    def _set(db: sqlite3.Connection, group_id: int, fields: dict[str, Any]) -> None:
        if not fields:
            return
        fields = dict(fields)
        for name in ("warnings", "targets"):
            if name in fields and not isinstance(fields[name], str):
                fields[name] = json.dumps(fields[name])
        if "remote_detail" in fields and fields["remote_detail"] is not None and not isinstance(fields["remote_detail"], str):
            fields["remote_detail"] = json.dumps(fields["remote_detail"], default=str)
        if "outcome_unknown" in fields:
            fields["outcome_unknown"] = int(bool(fields["outcome_unknown"]))
        fields["updated_at"] = _now()
        cols = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE groups SET {cols} WHERE id = ?", (*fields.values(), group_id))

    def step_started(self, group_id: int, step: str, *, key: str | None = None, **fields: Any) -> int:
        """Record that ``step`` is about to be sent (and set group fields) in one transaction."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO steps (group_id, step, idempotency_key, started_at) VALUES (?, ?, ?, ?)",
                (group_id, step, key, _now()),
            )
            self._set(db, group_id, fields)
            return int(cur.lastrowid or 0)

    def step_finished(self, step_id: int, group_id: int, outcome: str, detail: Any = None, **fields: Any) -> None:
        """Record a step's answer (``ok``, ``error``, ``unknown``, ...) and the group's new fields."""
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET finished_at = ?, outcome = ?, detail = ? WHERE id = ?",
                (_now(), outcome, json.dumps(detail, default=str) if detail is not None else None, step_id),
            )
            self._set(db, group_id, fields)

    def close_open_steps(self, group_id: int, outcome: str) -> None:
        """Mark steps whose answer was lost as reconciled."""
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET finished_at = ?, outcome = ? WHERE group_id = ? AND finished_at IS NULL",
                (_now(), outcome, group_id),
            )

    def upload_started(self, group_id: int, idx: int, source: str, content_type: str | None) -> None:
        """Before get-upload-url for file ``idx``."""
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO uploads (group_id, idx, source, content_type, state, updated_at) VALUES (?, ?, ?, ?, 'requesting', ?)
                   ON CONFLICT (group_id, idx) DO UPDATE SET state = 'requesting', media_id = NULL, upload_url = NULL,
                       content_type = excluded.content_type, updated_at = excluded.updated_at""",
                (group_id, idx, source, content_type, now),
            )
            self._set(db, group_id, {"state": "uploading"})

    def upload_set(self, group_id: int, idx: int, **fields: Any) -> None:
        """Update one upload's columns (``media_id``, ``upload_url``, ``requested_at``, ``state``)."""
        fields["updated_at"] = _now()
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            db.execute(f"UPDATE uploads SET {cols} WHERE group_id = ? AND idx = ?", (*fields.values(), group_id, idx))

    def reset_uploads(self, group_id: int, **fields: Any) -> None:
        """Forget a group's uploads (its media were deleted on Publora) and set group fields."""
        with self._tx() as db:
            db.execute("DELETE FROM uploads WHERE group_id = ?", (group_id,))
            self._set(db, group_id, fields)

    def rekey(self, group_id: int, group: PostGroupPlan) -> None:
        """Point an entry at a planned group's new content (after ``--update-changed`` updated it)."""
        with self._tx() as db:
            self._set(
                db,
                group_id,
                {
                    "row_hash": group.row_hash,
                    "occurrence": group.occurrence,
                    "group_index": group.index,
                    "row_number": group.row_number,
                    "group_hash": group.group_hash,
                    "targets": group.targets,
                    "content": group.content,
                    "want_status": group.status,
                    "scheduled_time": group.scheduled_time,
                    "media_count": len(group.media),
                    "media_hash": group.media_hash,
                },
            )
