from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bulkpost.journal import Journal, JournalLockedError, default_journal_path
from bulkpost.plan import build_plan

from test_plan import CONNECTIONS, make_post

ROOT = Path(__file__).resolve().parents[1]


def plan_of(*posts):  # type: ignore[no-untyped-def]
    return build_plan(list(posts), sheet_identity="sheet:test", connections=CONNECTIONS)


def test_default_path_and_results_file_share_a_journal(tmp_path: Path) -> None:
    assert default_journal_path(tmp_path / "week.csv") == tmp_path / ".bulkpost" / "week.csv.journal.sqlite"
    assert default_journal_path(tmp_path / "week.results.csv") == default_journal_path(tmp_path / "week.csv")


def test_identity_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path, identity="sheet:first") as j:
        assert j.identity == "sheet:first"
    with Journal(path, identity="sheet:second") as j:
        assert j.identity == "sheet:first"  # the journal keeps the keys stable
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_steps_are_recorded_before_and_after(tmp_path: Path) -> None:
    plan = plan_of(make_post(2))
    (g,) = plan.groups
    with Journal(tmp_path / "j.sqlite", identity=plan.identity) as j:
        e = j.ensure(g)
        assert e.state == "pending"
        sid = j.step_started(e.id, "create", key=g.key("create"), state="creating")
        # A second connection (another process) sees the started step at once.
        other = sqlite3.connect(tmp_path / "j.sqlite")
        assert other.execute("SELECT state FROM groups").fetchone()[0] == "creating"
        assert other.execute("SELECT finished_at FROM steps").fetchone()[0] is None
        assert [s["step"] for s in j.open_steps(e.id)] == ["create"]
        j.step_finished(sid, e.id, "ok", {"id": "x"}, post_group_id="a" * 24, state="done", result_status="scheduled")
        assert other.execute("SELECT state, post_group_id FROM groups").fetchone() == ("done", "a" * 24)
        assert j.open_steps(e.id) == []
        assert j.ensure(g).id == e.id  # idempotent


def test_classify_new_done_resume_changed_and_moved(tmp_path: Path) -> None:
    first = plan_of(make_post(2, "a"), make_post(3, "b"), make_post(4, "c"))
    with Journal(tmp_path / "j.sqlite", identity=first.identity) as j:
        ga, gb, gc = first.groups
        for g, state in ((ga, "done"), (gb, "created"), (gc, "done")):
            e = j.ensure(g)
            j.update(e.id, state=state, post_group_id=f"{g.row_number:024d}")
        assert {n: d.kind for n, d in j.classify(first).items()} == {2: "done", 3: "resume", 4: "done"}
        # A row inserted at the top: "a", "b" and "c" moved down and are recognised by content.
        second = plan_of(make_post(2, "new"), make_post(3, "a"), make_post(4, "b"), make_post(5, "c"))
        kinds = {n: d.kind for n, d in j.classify(second).items()}
        assert kinds == {2: "new", 3: "done", 4: "resume", 5: "done"}
        third = plan_of(make_post(2, "a"), make_post(3, "b"), make_post(4, "c edited"))
        decisions = j.classify(third)
        assert decisions[4].kind == "changed"
        assert decisions[4].entries[0].post_group_id == f"{4:024d}"


def test_cancelled_rows_are_not_changed(tmp_path: Path) -> None:
    first = plan_of(make_post(2, "a"))
    with Journal(tmp_path / "j.sqlite", identity=first.identity) as j:
        e = j.ensure(first.groups[0])
        j.update(e.id, state="cancelled", post_group_id="1" * 24)
        assert j.classify(plan_of(make_post(2, "a edited")))[2].kind == "new"


def test_uploads_are_tracked_per_file(tmp_path: Path) -> None:
    plan = plan_of(make_post(2))
    with Journal(tmp_path / "j.sqlite", identity=plan.identity) as j:
        e = j.ensure(plan.groups[0])
        j.upload_started(e.id, 0, "a.png", "image/png")
        j.upload_set(e.id, 0, media_id="m" * 24, upload_url="http://x/u", requested_at=1.0, state="requested")
        j.upload_started(e.id, 1, "b.png", "image/png")
        ups = j.get(e.id).uploads
        assert [(u.idx, u.state, u.media_id) for u in ups] == [(0, "requested", "m" * 24), (1, "requesting", None)]
        assert j.get(e.id).state == "uploading"


def test_second_run_on_the_same_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path, identity="x") as j:
        j.lock()
        code = (
            "import sys; from bulkpost.journal import Journal, JournalLockedError\n"
            f"j = Journal({str(path)!r})\n"
            "try:\n    j.lock()\nexcept JournalLockedError as e:\n    print('locked:', e.message); sys.exit(0)\nsys.exit(1)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "another bulkpost run is using the journal" in out.stdout
    with Journal(path) as j:
        j.lock()  # released when the first closed
        with pytest.raises(JournalLockedError):
            Journal(path).lock()


def test_damaged_journal_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    from bulkpost.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot be opened"):
        Journal(path, identity="x")


def test_kill_mid_transaction_leaves_previous_state(tmp_path: Path) -> None:
    """A process killed inside a step's transaction leaves the state before the step."""
    path = tmp_path / "j.sqlite"
    plan = plan_of(make_post(2))
    with Journal(path, identity=plan.identity) as j:
        e = j.ensure(plan.groups[0])
    code = (
        "import os, signal, json\n"
        "from bulkpost.journal import Journal\n"
        f"j = Journal({str(path)!r})\n"
        "j._db.execute('BEGIN IMMEDIATE')\n"
        f"j._db.execute(\"UPDATE groups SET state = 'done', post_group_id = 'x' WHERE id = {e.id}\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == -9
    with Journal(path) as j:
        assert j.get(e.id).state == "pending"
        assert j.get(e.id).post_group_id is None
