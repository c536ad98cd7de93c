"""Re-runs after Publora published or failed the posts: reported as such, never sent twice;
``schedule --retry-failed`` sends only the failed targets as one new post group per attempt."""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from test_execute import BLUESKY, MASTODON, groups, write_sheet
from test_schedule_cli import invoke, read_results, spawn, wait_for

from bulkpost.batch import refresh_due
from bulkpost.journal import Journal
from bulkpost.publora import PubloraClient


def at(minutes: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:00Z")


def schedule(sandbox: Any, sheet: Path, *args: str) -> Any:
    return invoke(sandbox, "schedule", str(sheet), "--base-url", sandbox.base_url, "--yes", *args)


def journal_of(sheet: Path) -> Path:
    return sheet.parent / ".bulkpost" / f"{sheet.name}.journal.sqlite"


def three_rows(when: str) -> list[dict[str, str]]:
    return [
        {"content": "Goes out", "platforms": MASTODON, "scheduled_time": when},
        {"content": "Fails on Bluesky", "platforms": BLUESKY, "scheduled_time": when},
        {"content": "Half and half", "platforms": f"{MASTODON}; {BLUESKY}", "scheduled_time": when},
    ]


def published_and_failed(sandbox: Any, tmp_path: Path) -> Path:
    """Three rows scheduled, then the clock passes them: row 2 published, row 3 failed, row 4 partial."""
    sheet = write_sheet(tmp_path, three_rows(at(30)))
    assert schedule(sandbox, sheet).exit_code == 0
    sandbox.control.configure(fail_platforms=["bluesky"])
    sandbox.control.advance_clock(3600)
    return sheet


def test_rerun_reports_published_and_failed_and_sends_nothing(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    # The rows' times have not passed on this machine's clock (only the sandbox's), so --refresh asks about all.
    res = schedule(clean_sandbox, sheet, "--refresh")
    assert res.exit_code == 1, res.output
    assert "Done: 1 published, 1 partially_published, 1 failed (of 3 rows); 0 post group(s) created by this run." in res.output
    assert "--retry-failed" in res.output
    rows = read_results(tmp_path / "batch.results.csv")
    assert [r["result_status"] for r in rows] == ["published", "failed", "partially_published"]
    assert [r["error_code"] for r in rows] == ["", "PUBLISH_FAILED", "PUBLISH_FAILED"]
    assert "bluesky:" in rows[1]["error"] and "Nothing was sent again" in rows[1]["error"]
    assert len(groups(clean_sandbox)) == 3
    # The results file fed back says the same, and still sends nothing.
    res = schedule(clean_sandbox, tmp_path / "batch.results.csv")
    assert res.exit_code == 1, res.output
    assert [r["result_status"] for r in read_results(tmp_path / "batch.results.csv")] == ["published", "failed", "partially_published"]
    assert len(groups(clean_sandbox)) == 3


def test_status_then_rerun_keeps_what_status_learned(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    assert invoke(clean_sandbox, "status", str(sheet), "--base-url", clean_sandbox.base_url).exit_code == 0
    res = schedule(clean_sandbox, sheet)  # no --refresh: the journal already knows
    assert res.exit_code == 1, res.output
    assert [r["result_status"] for r in read_results(tmp_path / "batch.results.csv")] == ["published", "failed", "partially_published"]
    assert len(groups(clean_sandbox)) == 3


def test_refresh_due_asks_only_about_groups_whose_time_passed(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client, Journal(journal_of(sheet)) as journal:
        assert refresh_due(client, journal, now=time.time()) == 0
        assert all(e.remote_status is None for e in journal.entries())
        assert refresh_due(client, journal, now=time.time() + 7200) == 3
        assert [e.remote_status for e in journal.entries()] == ["published", "failed", "partially_published"]
        # Final answers are not asked for again.
        assert refresh_due(client, journal, now=time.time() + 7200) == 0


def test_retry_failed_sends_only_failed_targets_once(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    # The rows' old time: refused with a clear message, nothing sent.
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    assert res.exit_code == 1, res.output
    assert "RETRY_NEEDS_NEW_TIME" in res.output and "Give the row a new scheduled time" in res.output
    assert len(groups(clean_sandbox)) == 3
    # New times for the failed rows (the sandbox's clock is an hour ahead: three hours is the future there too).
    rows = three_rows(at(30))
    for r in rows[1:]:
        r["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows)
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 0, res.output
    assert "Done: 2 scheduled, 1 published (of 3 rows); 2 post group(s) created by this run." in res.output
    after = groups(clean_sandbox)
    assert len(after) == 5
    new = [g for g in after if g["status"] == "scheduled"]
    assert sorted(g["content"] for g in new) == ["Fails on Bluesky", "Half and half"]
    assert all(g["platforms"] == [BLUESKY] for g in new)  # never the Mastodon target that was published
    results = read_results(tmp_path / "batch.results.csv")
    assert [r["result_status"] for r in results] == ["published", "scheduled", "scheduled"]
    assert all(len(r["post_group_ids"].split(";")) == 2 for r in results[1:])
    assert [r["scheduled_time_utc"][:16] for r in results[1:]] == [r["scheduled_time"][:16] for r in rows[1:]]
    # Again: nothing more.
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 0, res.output
    assert "0 post group(s) created by this run" in res.output
    assert len(groups(clean_sandbox)) == 5
    assert [r["scheduled_time_utc"][:16] for r in read_results(tmp_path / "batch.results.csv")[1:]] == [r["scheduled_time"][:16] for r in rows[1:]]
    with Journal(journal_of(sheet)) as journal:
        retries = journal.retries()
        assert [(r.attempt, r.state, r.targets) for r in retries] == [(1, "done", [BLUESKY]), (1, "done", [BLUESKY])]
        keys = {r.idempotency_key for r in retries}
        first_keys = {s["idempotency_key"] for s in journal.steps() if s["step"] == "create"}
        assert len(keys) == 2 and not keys & first_keys
    # The retries go out: every row is published now (the Mastodon half of row 4 long before).
    clean_sandbox.control.configure(fail_platforms=[])
    clean_sandbox.control.advance_clock(4 * 3600)
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    assert res.exit_code == 0, res.output
    assert "Done: 3 published (of 3 rows); 0 post group(s) created by this run." in res.output
    assert len(groups(clean_sandbox)) == 5


def test_without_retry_failed_the_failed_row_names_the_option(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    rows = three_rows(at(30))
    rows[1]["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows)
    res = schedule(clean_sandbox, sheet, "--refresh")
    assert res.exit_code == 1
    assert "--retry-failed" in read_results(tmp_path / "batch.results.csv")[1]["error"]
    assert len(groups(clean_sandbox)) == 3


def test_thread_partially_published_is_not_resubmitted(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, [{"content": "A thread", "platforms": BLUESKY, "scheduled_time": at(30)}])
    assert schedule(clean_sandbox, sheet).exit_code == 0
    with Journal(journal_of(sheet)) as journal:  # what `status` records for a chain that broke half-way
        e = journal.entries()[0]
        journal.update(
            e.id,
            remote_status="failed",
            remote_detail={
                "platforms": [{"platform": "bluesky", "platform_id": BLUESKY.split("-", 1)[1], "status": "failed", "posted_id": "at://x",
                               "error_code": "THREAD_PARTIALLY_PUBLISHED", "error": "2 of 3 parts live"}],
                "errors": ["bluesky: THREAD_PARTIALLY_PUBLISHED 2 of 3 parts live"],
            },
        )
    write_sheet(tmp_path, [{"content": "A thread", "platforms": BLUESKY, "scheduled_time": at(180)}])
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 1, res.output
    assert "THREAD_PARTIALLY_PUBLISHED" in res.output and "never resubmitted" in res.output
    assert len(groups(clean_sandbox)) == 1


def retry_count(sheet: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{journal_of(sheet)}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT count(*) FROM retries WHERE state = 'done'").fetchone()[0])
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def test_sigkill_during_retry_then_rerun_makes_one_retry_per_row(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = [{"content": f"Doomed {i}", "platforms": BLUESKY, "scheduled_time": at(30)} for i in range(10)]
    sheet = write_sheet(tmp_path, rows)
    assert schedule(clean_sandbox, sheet).exit_code == 0
    clean_sandbox.control.configure(failure_rate=1.0)
    clean_sandbox.control.advance_clock(3600)
    res = schedule(clean_sandbox, sheet, "--refresh")  # every post failed at publish: reported, nothing sent
    assert res.exit_code == 1, res.output
    assert "Done: 10 failed (of 10 rows); 0 post group(s) created by this run." in res.output
    assert len(groups(clean_sandbox)) == 10
    for r in rows:
        r["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(latency=0.15)
    proc = spawn(clean_sandbox, sheet, "--refresh", "--retry-failed", "--concurrency", "3")
    try:
        wait_for(lambda: retry_count(sheet) >= 3 or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 10 < len(groups(clean_sandbox)) < 20
    clean_sandbox.control.clear_faults()
    again = spawn(clean_sandbox, sheet, "--retry-failed", "--quiet")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    contents = sorted(g["content"] for g in groups(clean_sandbox))
    assert contents == sorted([r["content"] for r in rows] * 2)  # the first attempt and exactly one retry each
    assert retry_count(sheet) == 10


def test_dry_run_leaves_no_journal_file(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, three_rows(at(30)))
    res = schedule(clean_sandbox, sheet, "--dry-run")
    assert res.exit_code == 0, res.output
    assert not journal_of(sheet).exists()
    assert not (tmp_path / ".bulkpost").exists()


def test_user_not_managed_hint_names_where_the_id_came_from(clean_sandbox: Any, tmp_path: Path) -> None:
    stranger = "0123456789abcdef01234567"
    sheet = write_sheet(tmp_path, three_rows(at(30)))
    res = schedule(clean_sandbox, sheet, "--dry-run", "--user", stranger)
    assert res.exit_code != 0
    assert "User is not managed by key" in res.output and "--user" in res.output
    sheet = write_sheet(tmp_path, [{**three_rows(at(30))[0], "user": stranger}])
    res = schedule(clean_sandbox, sheet, "--dry-run")
    assert res.exit_code != 0
    assert "`user` column" in res.output and stranger in res.output


def test_cancel_deletes_retry_groups_and_a_new_retry_is_a_new_attempt(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    rows = three_rows(at(30))
    rows[1]["scheduled_time"] = at(180)
    write_sheet(tmp_path, [rows[0], rows[1]])
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    assert res.exit_code == 0, res.output
    with Journal(journal_of(sheet)) as journal:
        (retry,) = journal.retries()
    assert len(groups(clean_sandbox)) == 4
    res = invoke(clean_sandbox, "cancel", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert f"row 3: {retry.post_group_id} deleted" in res.output
    assert len(groups(clean_sandbox)) == 3
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert "1 post group(s) created by this run" in res.output, res.output
    with Journal(journal_of(sheet)) as journal:
        assert [(r.attempt, r.state) for r in journal.retries()] == [(1, "cancelled"), (2, "done")]
        assert len({r.idempotency_key for r in journal.retries()}) == 2


def test_sent_rows_whose_time_passed_are_not_refused_as_in_the_past(clean_sandbox: Any, tmp_path: Path) -> None:
    from bulkpost.batch import fetch_connections, forgive_sent_times
    from bulkpost.load import load_sheet
    from bulkpost.plan import build_plan, sheet_identity
    from bulkpost.validate import validate

    sheet_path = write_sheet(tmp_path, three_rows(at(30)))
    assert schedule(clean_sandbox, sheet_path).exit_code == 0
    rows = three_rows(at(30))
    rows[2]["content"] = "Edited, never sent"
    write_sheet(tmp_path, rows)
    later = datetime.now(timezone.utc) + timedelta(hours=2)  # as a re-run two hours later sees it
    sheet = load_sheet(sheet_path)
    report = validate(sheet, now=later)
    assert sorted(f.row for f in report.errors if f.code == "TIME_IN_PAST") == [2, 3, 4]
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client, Journal(journal_of(sheet_path)) as journal:
        connections = fetch_connections(client, [])

        def plan_of(posts: list[Any]) -> Any:
            return build_plan(posts, sheet_identity=journal.identity or sheet_identity(sheet_path), connections=connections)

        assert forgive_sent_times(report, journal, plan_of) == {2, 3}
    assert [f.row for f in report.errors] == [4]  # the edited row is new: its past time is still an error


@pytest.mark.parametrize("list_posts_works", [True, False], ids=["found-by-list-posts", "replayed-by-key"])
def test_retry_whose_answer_was_lost_is_replayed_not_doubled(clean_sandbox: Any, tmp_path: Path, list_posts_works: bool) -> None:
    sheet = published_and_failed(clean_sandbox, tmp_path)
    rows = three_rows(at(30))
    rows[1]["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows[:2])
    # Publora commits the retry's create-post, and every answer to it is lost.
    clean_sandbox.control.set_faults(drop_rate=1.0, paths=["create-post"])
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    assert res.exit_code == 1, res.output
    assert "the next --retry-failed run re-sends it with the same key" in res.output
    assert len(groups(clean_sandbox)) == 4  # it exists on Publora; the journal does not know its id
    with Journal(journal_of(sheet)) as journal:
        (lost,) = journal.retries()
        assert (lost.state, lost.post_group_id) == ("creating", None)
    clean_sandbox.control.clear_faults()
    if not list_posts_works:  # the lookup fails: the create is sent again with the same key and body
        clean_sandbox.control.set_faults(error_rate=1.0, error_status=400, paths=["list-posts"], max_faults=1)
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 0, res.output
    assert ("found on Publora" in (tmp_path / "batch.results.csv").read_text()) is list_posts_works
    assert len(groups(clean_sandbox)) == 4  # adopted, or the same key: Publora replayed the first answer
    with Journal(journal_of(sheet)) as journal:
        (done,) = journal.retries()
        assert (done.attempt, done.state, done.idempotency_key) == (1, "done", lost.idempotency_key)
        assert done.post_group_id in {g["_id"] for g in groups(clean_sandbox)}


def test_retry_failed_row_with_uploaded_files(clean_sandbox: Any, tmp_path: Path) -> None:
    """A failed row with files: a new draft for the failed target, the files again in order, then scheduled."""
    files = "media/carousel-1.jpg; media/carousel-2.jpg"
    rows = [{"content": "Two pictures", "platforms": f"{MASTODON}; {BLUESKY}", "scheduled_time": at(30), "media": files}]
    sheet = write_sheet(tmp_path, rows)
    assert schedule(clean_sandbox, sheet).exit_code == 0
    clean_sandbox.control.configure(fail_platforms=["bluesky"])
    clean_sandbox.control.advance_clock(3600)
    rows[0]["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows)
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    assert res.exit_code == 0, res.output
    assert "1 post group(s) created by this run" in res.output
    (result,) = read_results(tmp_path / "batch.results.csv")
    assert result["result_status"] == "scheduled"
    first_id, retry_id = result["post_group_ids"].split(";")
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        retry = client.get_post(retry_id.strip())
    assert retry.status == "scheduled"
    assert retry.platforms == [BLUESKY]  # never the Mastodon target that was published
    assert [m.source_file_name for m in retry.media] == ["carousel-1.jpg", "carousel-2.jpg"]
    assert len(groups(clean_sandbox)) == 2
    with Journal(journal_of(sheet)) as journal:
        assert [(r.attempt, r.state, r.post_group_id) for r in journal.retries()] == [(1, "done", retry_id.strip())]
        steps = [s["step"] for s in journal.steps() if s["step"].startswith("retry:")]
        assert steps == ["retry:1", "retry:1:media", "retry:1:schedule"]
    # Again: nothing more is sent.
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 0, res.output
    assert "0 post group(s) created by this run" in res.output
    assert len(groups(clean_sandbox)) == 2


def test_media_retry_interrupted_after_its_draft_resumes_without_doubling(clean_sandbox: Any, tmp_path: Path) -> None:
    """The retry's draft exists, a get-upload-url answer was lost (its record attached): the next
    --retry-failed run reuses the draft, deletes the stray record and uploads the files in order."""
    rows = [{"content": "Two pictures", "platforms": BLUESKY, "scheduled_time": at(30), "media": "media/carousel-1.jpg; media/carousel-2.jpg"}]
    sheet = write_sheet(tmp_path, rows)
    assert schedule(clean_sandbox, sheet).exit_code == 0
    clean_sandbox.control.configure(fail_platforms=["bluesky"])
    clean_sandbox.control.advance_clock(3600)
    rows[0]["scheduled_time"] = at(180)
    write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(drop_rate=1.0, max_faults=1, paths=["get-upload-url"])
    res = schedule(clean_sandbox, sheet, "--refresh", "--retry-failed")
    clean_sandbox.control.clear_faults()
    assert res.exit_code == 1, res.output
    assert "the next --retry-failed run continues it" in res.output
    with Journal(journal_of(sheet)) as journal:
        (r,) = journal.retries()
    assert r.state == "uploading" and r.post_group_id
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        assert client.get_post(r.post_group_id).status == "draft"
        assert len(client.get_post(r.post_group_id).media) == 1  # attached, answer lost
    res = schedule(clean_sandbox, sheet, "--retry-failed")
    assert res.exit_code == 0, res.output
    assert len(groups(clean_sandbox)) == 2  # the original and one retry: the draft was reused
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        retry = client.get_post(r.post_group_id)
    assert retry.status == "scheduled"
    assert [m.source_file_name for m in retry.media] == ["carousel-1.jpg", "carousel-2.jpg"]
    with Journal(journal_of(sheet)) as journal:
        assert [(x.attempt, x.state) for x in journal.retries()] == [(1, "done")]
