"""`bulkpost schedule`, `connections`, `status`, `cancel` end to end, partly as real subprocesses."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_execute import BLUESKY, INSTAGRAM, MASTODON, X, contents, groups, text_rows, write_sheet

from bulkpost.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def env_for(sandbox: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLORA_")}
    env.update(PUBLORA_API_KEY=sandbox.api_key, PYTHONPATH=str(ROOT))
    return env


def spawn(sandbox: Any, sheet: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "schedule", str(sheet), "--base-url", sandbox.base_url, "--yes", *args],
        cwd=ROOT,
        env=env_for(sandbox),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def done_groups(sheet: Path) -> int:
    path = sheet.parent / ".bulkpost" / f"{sheet.name}.journal.sqlite"
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT count(*) FROM groups WHERE state = 'done'").fetchone()[0])
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def wait_for(pred: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def invoke(sandbox: Any, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env={"PUBLORA_API_KEY": sandbox.api_key}, input=input)


def read_results(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_sigkill_mid_run_then_rerun_no_duplicates_nothing_missing(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(10) + [
        {"content": f"Carousel {i}", "platforms": INSTAGRAM, "scheduled_time": "2031-04-21T10:00:00Z", "media": "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"}
        for i in range(2)
    ]
    sheet = write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(latency=0.15)
    proc = spawn(clean_sandbox, sheet, "--concurrency", "3")
    try:
        wait_for(lambda: done_groups(sheet) >= 4 or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = len(groups(clean_sandbox))
    assert 0 < killed_at < len(rows)
    clean_sandbox.control.clear_faults()
    again = spawn(clean_sandbox, sheet, "--quiet")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert contents(clean_sandbox) == sorted(r["content"] for r in rows)
    results = read_results(tmp_path / "batch.results.csv")
    assert [r["result_status"] for r in results] == ["scheduled"] * len(rows)
    from bulkpost.publora import PubloraClient

    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        for r in results[10:]:
            g = client.get_post(r["post_group_ids"])
            assert g.status == "scheduled"
            assert [m.source_file_name for m in g.media] == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]


def test_ctrl_c_finishes_in_flight_and_rerun_completes(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(12)
    sheet = write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(latency=0.2)
    proc = spawn(clean_sandbox, sheet, "--concurrency", "2")
    wait_for(lambda: done_groups(sheet) >= 2 or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert "Stopping: rows in flight finish" in err
    assert "Traceback" not in err
    results = read_results(tmp_path / "batch.results.csv")
    statuses = [r["result_status"] for r in results]
    assert "not_attempted" in statuses and statuses.count("scheduled") >= 2
    assert all(r["error_code"] == "INTERRUPTED" for r in results if r["result_status"] == "not_attempted")
    assert len(groups(clean_sandbox)) == statuses.count("scheduled")  # in-flight rows finished, none half-done
    clean_sandbox.control.clear_faults()
    again = spawn(clean_sandbox, sheet, "--quiet")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert contents(clean_sandbox) == sorted(r["content"] for r in rows)


def test_schedule_cli_summary_results_and_rerun(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(2, platforms=f"{X}; {MASTODON}") + [{"content": "=cmd()", "platforms": BLUESKY, "scheduled_time": "2031-04-05T10:00:00Z"}])
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert "Plan: 3 row(s) -> 3 post group(s), 5 platform post(s)" in res.output
    assert "Done: 3 scheduled (of 3 rows); 3 post group(s) created by this run." in res.output
    results = read_results(tmp_path / "batch.results.csv")
    assert results[2]["content"] == "'=cmd()"
    assert all(len(r["post_group_ids"]) == 24 for r in results)
    # Feeding the results file back: nothing new is sent.
    res2 = invoke(clean_sandbox, "schedule", str(tmp_path / "batch.results.csv"), "--base-url", clean_sandbox.base_url, "--yes", "--report", str(tmp_path / "again.json"))
    assert res2.exit_code == 0, res2.output
    assert "3 already done" in res2.output
    assert len(groups(clean_sandbox)) == 3
    data = json.loads((tmp_path / "again.json").read_text())
    assert data["run"]["created"] == 0
    assert [r["status"] for r in data["rows"]] == ["scheduled"] * 3
    assert data["rows"][2]["values"]["content"] == "=cmd()"


def test_results_file_fed_back_retries_only_failures(clean_sandbox: Any, tmp_path: Path) -> None:
    clean_sandbox.control.configure(plan={"scheduledPosts": 3})
    sheet = write_sheet(tmp_path, text_rows(5))
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--concurrency", "1")
    assert res.exit_code == 3, res.output
    assert "Stopped: the run stopped at row 5 (SCHEDULED_POST_LIMIT_REACHED)" in res.output
    assert "not attempted: row(s) 6; the same command continues with them" in res.output
    results = read_results(tmp_path / "batch.results.csv")
    assert [r["result_status"] for r in results] == ["scheduled"] * 3 + ["failed", "not_attempted"]
    clean_sandbox.control.configure(plan={"scheduledPosts": 100000})
    res2 = invoke(clean_sandbox, "schedule", str(tmp_path / "batch.results.csv"), "--base-url", clean_sandbox.base_url, "--yes")
    assert res2.exit_code == 0, res2.output
    assert "3 already done" in res2.output
    assert [r["result_status"] for r in read_results(tmp_path / "batch.results.csv")] == ["scheduled"] * 5
    assert len(groups(clean_sandbox)) == 5


def test_results_file_without_its_journal_is_not_resent(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(2))
    assert invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes").exit_code == 0
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (tmp_path / "batch.results.csv").rename(moved / "batch.results.csv")
    res = invoke(clean_sandbox, "schedule", str(moved / "batch.results.csv"), "--base-url", clean_sandbox.base_url, "--yes", "--skip-invalid")
    assert "JOURNAL_MISSING" in res.output
    assert res.exit_code == 1
    assert len(groups(clean_sandbox)) == 2


def test_validation_errors_stop_before_sending(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1) + [{"content": "", "platforms": X, "scheduled_time": "2031-04-05T10:00:00Z"}])
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 1
    assert "Nothing was sent: 1 row(s) have errors" in res.output
    assert groups(clean_sandbox) == []
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--skip-invalid")
    assert res.exit_code == 1
    assert [r["result_status"] for r in read_results(tmp_path / "batch.results.csv")] == ["scheduled", "skipped"]


def test_dry_run_sends_nothing(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(2) + [{"content": "pic", "platforms": "mastodon", "scheduled_time": "2031-04-05T10:00:00Z", "media": "media/sync-chart.png"}])
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--dry-run")
    assert res.exit_code == 0, res.output
    assert "Plan: 3 row(s) -> 3 post group(s), 3 platform post(s) (0 draft), 1 upload(s)" in res.output
    assert "Dry run: nothing was sent." in res.output
    assert groups(clean_sandbox) == []


def test_ambiguous_network_name_lists_candidates(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, [{"content": "hi", "platforms": "twitter", "scheduled_time": "2031-04-05T10:00:00Z"}])
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--dry-run")
    assert res.exit_code == 1
    assert "CONNECTION_AMBIGUOUS" in res.output and "@acme_premium" in res.output


def test_missing_api_key_and_non_terminal_without_yes(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1))
    runner = CliRunner()
    res = runner.invoke(cli, ["schedule", str(sheet), "--dry-run"], env={"PUBLORA_API_KEY": ""})
    assert res.exit_code == 2
    assert "Error: PUBLORA_API_KEY is not set" in res.output
    res = runner.invoke(cli, ["schedule", str(sheet)], env={"PUBLORA_API_KEY": "sk_x.y"})
    assert res.exit_code == 2
    assert "Pass --yes" in res.output


def test_connections_status_and_cancel(clean_sandbox: Any, tmp_path: Path) -> None:
    res = invoke(clean_sandbox, "connections", "--base-url", clean_sandbox.base_url, "--json")
    assert res.exit_code == 0
    ids = [c["platformId"] for c in json.loads(res.output)]
    assert X in ids and MASTODON in ids
    sheet = write_sheet(tmp_path, text_rows(2))
    assert invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes").exit_code == 0
    res = invoke(clean_sandbox, "status", str(sheet), "--base-url", clean_sandbox.base_url)
    assert res.exit_code == 0, res.output
    assert res.output.count(": scheduled") + res.output.count(" scheduled") >= 2
    res = invoke(clean_sandbox, "cancel", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert "Deleted 2 post group(s)." in res.output
    assert groups(clean_sandbox) == []
    # Scheduling again after a cancel creates the posts anew (new keys, so no replay of deleted ids).
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert len(groups(clean_sandbox)) == 2


def test_cancelled_rows_read_cancelled_in_the_results_file(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(2))
    results = tmp_path / "batch.results.csv"
    assert invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes").exit_code == 0
    ids = [r["post_group_ids"] for r in read_results(results)]
    res = invoke(clean_sandbox, "cancel", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    # The results file no longer claims the deleted post groups are scheduled, after cancel and after status.
    for command in ("cancel", "status"):
        if command == "status":
            assert invoke(clean_sandbox, "status", str(sheet), "--base-url", clean_sandbox.base_url).exit_code == 0
        rows = read_results(results)
        assert [r["result_status"] for r in rows] == ["cancelled", "cancelled"], command
        assert [r["post_group_ids"] for r in rows] == ids
        assert all(r["error"] == "deleted by bulkpost cancel" for r in rows)
    # Fed back, the cancelled rows are sent again.
    res = invoke(clean_sandbox, "schedule", str(results), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert len(groups(clean_sandbox)) == 2
    assert [r["result_status"] for r in read_results(results)] == ["scheduled", "scheduled"]


@pytest.mark.parametrize("name", ["week.csv", "week.xlsx"])
def test_sample_week_in_the_sandbox(tmp_path: Path, name: str) -> None:
    args = ["schedule", str(ROOT / "samples" / name), "--sandbox", "--yes", "--journal", str(tmp_path / "j.journal.sqlite")]
    args += ["--report", str(tmp_path / f"out{Path(name).suffix}")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "Done: 11 scheduled, 1 draft (of 12 rows); 13 post group(s) created by this run." in res.output
    assert (tmp_path / "j.state.json").exists()  # the trial sandbox keeps its posts for the next run
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "0 new, 0 to resume, 12 already done" in again.output
    assert "0 post group(s) created by this run." in again.output


def test_journal_is_bound_to_its_destination(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1))
    assert invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes").exit_code == 0
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.root_url + "/other/api/v1", "--dry-run")
    assert res.exit_code == 2
    assert "records a batch sent to " + clean_sandbox.base_url in res.output
    # A --sandbox trial of the same sheet uses its own journal, so it never marks real rows done.
    res = CliRunner().invoke(cli, ["schedule", str(sheet), "--sandbox", "--yes"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / ".bulkpost" / "batch.csv.sandbox.journal.sqlite").exists()
    assert "1 new, 0 to resume, 0 already done" in res.output


def test_a_dry_run_does_not_bind_the_journal_to_its_destination(clean_sandbox: Any, tmp_path: Path) -> None:
    """A dry run sends nothing, so trying a sheet against one Publora leaves it free for another."""
    from bulkpost.sandbox import run_sandbox

    sheet = write_sheet(tmp_path, text_rows(1))
    with run_sandbox() as trial:
        res = CliRunner().invoke(
            cli, ["schedule", str(sheet), "--base-url", trial.base_url, "--dry-run"], env={"PUBLORA_API_KEY": trial.api_key}
        )
        assert res.exit_code == 0, res.output
        assert trial.control.state()["groups"] == {}
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    assert len(groups(clean_sandbox)) == 1
    # The real run did bind it: a dry run against another destination is now refused.
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.root_url + "/other/api/v1", "--dry-run")
    assert res.exit_code == 2 and "records a batch sent to " + clean_sandbox.base_url in res.output


def test_validate_online_uses_connections_and_live_limits(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(
        tmp_path,
        [
            {"content": "hi", "platforms": "twitter", "scheduled_time": "2031-04-05T10:00:00Z"},
            {"content": "hi there", "platforms": "pinterest-987654321012", "scheduled_time": "2031-04-05T10:00:00Z"},
            {"content": "fine", "platforms": "mastodon", "scheduled_time": "2031-04-05T11:00:00Z"},
        ],
    )
    offline = CliRunner().invoke(cli, ["validate", str(sheet), "--json"])
    assert "CONNECTION_AMBIGUOUS" not in offline.output
    res = invoke(clean_sandbox, "validate", str(sheet), "--online", "--base-url", clean_sandbox.base_url, "--json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    codes = {(f["row"], f["code"]) for f in data["findings"] if f["severity"] == "error"}
    assert (2, "CONNECTION_AMBIGUOUS") in codes
    assert any(row == 3 for row, _ in codes)  # Pinterest is refused (by the validator and the planner)
    assert not any(row == 4 for row, _ in codes)  # "mastodon" resolves to the one Mastodon account
    assert any("live platform limits" in n for n in data["notes"])


def test_second_ctrl_c_stops_at_the_next_step(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(2) + [
        {"content": f"Carousel {i}", "platforms": INSTAGRAM, "scheduled_time": "2031-04-21T10:00:00Z", "media": "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"}
        for i in range(3)
    ]
    sheet = write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(latency=0.25)
    proc = spawn(clean_sandbox, sheet, "--concurrency", "4")
    wait_for(lambda: done_groups(sheet) >= 1 or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert "Aborting at the next step" in err and "Traceback" not in err
    results = read_results(tmp_path / "batch.results.csv")
    assert any(r["result_status"] == "not_attempted" for r in results)
    clean_sandbox.control.clear_faults()
    again = spawn(clean_sandbox, sheet, "--quiet")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert contents(clean_sandbox) == sorted(r["content"] for r in rows)
    from bulkpost.publora import PubloraClient

    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        for r in read_results(tmp_path / "batch.results.csv")[2:]:
            assert [m.source_file_name for m in client.get_post(r["post_group_ids"]).media] == [
                "carousel-1.jpg",
                "carousel-2.jpg",
                "carousel-3.jpg",
            ]


def test_cli_resolves_names_per_managed_user(clean_sandbox: Any, tmp_path: Path) -> None:
    (user_id,) = clean_sandbox.control.state()["users"].keys()
    sheet = write_sheet(tmp_path, [{"content": "For our client", "platforms": "linkedin; bluesky", "scheduled_time": "2031-04-23T10:00:00Z", "user": user_id}])
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes")
    assert res.exit_code == 0, res.output
    (g,) = groups(clean_sandbox)
    assert g["userId"] == user_id and sorted(g["platforms"]) == ["bluesky-did:plc:client42", "linkedin-Cl13ntPr0f"]


def test_connection_facts_from_client_models(clean_sandbox: Any) -> None:
    """The rules get each connection's facts in Publora's JSON names, from the client's models."""
    from bulkpost import PubloraClient
    from bulkpost.batch import connection_facts, fetch_connections

    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        facts = connection_facts(fetch_connections(client, set()))
    assert facts["twitter-1600000000000000001"]["subscriptionType"] == "Premium"
    assert facts[X]["subscriptionType"] is None
    assert facts["tiktok-7123456789"]["tokenStatus"] == "expiring_soon"
    assert facts["facebook-998877665544"]["tokenStatus"] == "expired"
    assert isinstance(facts["linkedin-Tz9W5i6ZYG"]["accessTokenExpiresAt"], str)


def test_status_shows_posted_ids_and_failures_with_logs(clean_sandbox: Any, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    when = (datetime.now(timezone.utc) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:00Z")
    sheet = write_sheet(
        tmp_path,
        [
            {"content": "Goes out", "platforms": MASTODON, "scheduled_time": when},
            {"content": "Meets an expired token", "platforms": "facebook-998877665544", "scheduled_time": when},
        ],
    )
    assert invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes").exit_code == 0
    clean_sandbox.control.advance_clock(3600)
    res = invoke(clean_sandbox, "status", str(sheet), "--base-url", clean_sandbox.base_url)
    assert res.exit_code == 0, res.output
    posted = [g for g in groups(clean_sandbox) if g["content"] == "Goes out"][0]["posts"][0]["postedId"]
    assert posted and f"[mastodon published {posted}]" in res.output
    assert "facebook failed] facebook: PLATFORM_AUTH_EXPIRED" in res.output and "logs: facebook publish_failed" in res.output
    rows = read_results(tmp_path / "batch.results.csv")
    assert [(r["result_status"], r["error_code"]) for r in rows] == [("published", ""), ("failed", "PUBLISH_FAILED")]


def test_html_report_written_when_validation_blocks(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1) + [{"content": "", "platforms": X, "scheduled_time": "2031-04-05T10:00:00Z"}])
    page = tmp_path / "page.html"
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--report", str(page))
    assert res.exit_code == 1, res.output
    assert "Nothing was sent: 1 row(s) have errors" in res.output
    assert f"HTML report: {page}" in res.output
    html_text = page.read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>")
    assert "CONTENT_MISSING" in html_text and "no text to post" in html_text
    assert text_rows(1)[0]["content"] in html_text
    assert groups(clean_sandbox) == []
    assert not (tmp_path / "batch.results.csv").exists()


def test_html_report_written_on_dry_run(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(2)
    sheet = write_sheet(tmp_path, rows)
    page = tmp_path / "dry.html"
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--dry-run", "--report", str(page))
    assert res.exit_code == 0, res.output
    assert "Dry run: nothing was sent." in res.output
    assert f"HTML report: {page}" in res.output
    html_text = page.read_text(encoding="utf-8")
    assert all(r["content"] in html_text for r in rows)
    assert groups(clean_sandbox) == []


@pytest.mark.parametrize(("args", "expected"), [((), 10.0), (("--rate", "0"), None), (("--rate", "250"), 250.0)])
def test_rate_option_reaches_the_executor(clean_sandbox: Any, tmp_path: Path, args: tuple[str, ...], expected: float | None) -> None:
    sheet = write_sheet(tmp_path, text_rows(2))
    out = tmp_path / "run.json"
    res = invoke(clean_sandbox, "schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--report", str(out), *args)
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["run"]["rate"] == expected
    assert len(groups(clean_sandbox)) == 2


def test_rate_option_rejects_negative(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1))
    res = CliRunner().invoke(cli, ["schedule", str(sheet), "--rate", "-1", "--dry-run"], env={"PUBLORA_API_KEY": "sk_x.y"})
    assert res.exit_code == 2
    assert "--rate" in res.output


def test_sigkill_during_same_run_media_retries_then_rerun(clean_sandbox: Any, tmp_path: Path) -> None:
    """Killed while a get-upload-url keeps failing (the run is reconciling and backing off): the
    next run resumes from the journal, leaves no orphan media record and keeps the carousel order."""
    carousel = "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"
    rows = [{"content": "Killed mid-retry", "platforms": INSTAGRAM, "scheduled_time": "2031-04-21T10:00:00Z", "media": carousel}]
    sheet = write_sheet(tmp_path, rows)
    clean_sandbox.control.set_faults(error_rate=0.5, drop_rate=1.0, paths=["get-upload-url"])
    proc = spawn(clean_sandbox, sheet, "--quiet")
    try:
        wait_for(lambda: clean_sandbox.control.state()["faultsInjected"] >= 3 or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    clean_sandbox.control.clear_faults()
    assert len(groups(clean_sandbox)) == 1
    again = spawn(clean_sandbox, sheet, "--quiet")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert len(groups(clean_sandbox)) == 1
    from bulkpost.publora import PubloraClient

    (result,) = read_results(tmp_path / "batch.results.csv")
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        g = client.get_post(result["post_group_ids"])
    assert g.status == "scheduled"
    assert [m.source_file_name for m in g.media] == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]
    assert len(clean_sandbox.control.state()["media"]) == 3  # every record whose answer was lost was deleted
