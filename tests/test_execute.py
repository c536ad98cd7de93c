"""The batch run against the sandbox on 127.0.0.1: nothing lost, nothing doubled."""

from __future__ import annotations

import csv
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from bulkpost.batch import fetch_connections
from bulkpost.execute import ProgressEvent, Results, execute_plan
from bulkpost.journal import Journal, default_journal_path
from bulkpost.load import load_sheet
from bulkpost.plan import Plan, build_plan, sheet_identity
from bulkpost.publora import PubloraClient
from bulkpost.validate import validate

ROOT = Path(__file__).resolve().parents[1]
X = "twitter-1502345678901234567"
MASTODON = "mastodon-109876543210"
LINKEDIN = "linkedin-Tz9W5i6ZYG"
INSTAGRAM = "instagram-17841412345678"
BLUESKY = "bluesky-did:plc:abc123xyz"
INJECTED: list[int] = []
"""Faults the sandbox injected during each faulty run (read before they are cleared)."""
HEADER = ["content", "platforms", "scheduled_time", "status", "media", "content_linkedin", "user"]


def write_sheet(folder: Path, rows: list[dict[str, str]], name: str = "batch.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    media = folder / "media"
    if not media.exists():
        shutil.copytree(ROOT / "samples" / "media", media)
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, HEADER)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in HEADER})
    return path


def text_rows(n: int, *, prefix: str = "Post", platforms: str = X) -> list[dict[str, str]]:
    return [
        {"content": f"{prefix} number {i}", "platforms": platforms, "scheduled_time": f"2031-04-{1 + i % 28:02d}T{8 + i % 10:02d}:{i % 60:02d}:00Z"}
        for i in range(n)
    ]


def plan_for(sheet_path: Path, client: PubloraClient) -> Plan:
    sheet = load_sheet(sheet_path)
    report = validate(sheet)
    assert report.ok, [f.message for f in report.errors]
    users = {p.user for p in report.posts if p.user}
    return build_plan(
        report.valid_posts(),
        sheet_identity=sheet_identity(sheet_path),
        connections=fetch_connections(client, users),
        base_dir=sheet.base_dir,
    )


def run(
    sandbox: Any, sheet_path: Path, *, max_retries: int = 2, faults: dict[str, Any] | None = None, **kw: Any
) -> tuple[Results, Plan]:
    """Plan (no faults), then execute with ``faults`` switched on in the sandbox."""
    with PubloraClient(sandbox.api_key, base_url=sandbox.base_url, max_retries=max_retries, sleep=lambda s: None) as client:
        plan = plan_for(sheet_path, client)
        with Journal(default_journal_path(sheet_path), identity=plan.identity) as journal:
            kw.setdefault("rate", None)
            if faults:
                sandbox.control.set_faults(**faults)
            try:
                return execute_plan(plan, client, journal, **kw), plan
            finally:
                if faults:
                    INJECTED.append(sandbox.control.state()["faultsInjected"])
                    sandbox.control.clear_faults()


def groups(sandbox: Any) -> list[dict[str, Any]]:
    return list(sandbox.control.state()["groups"].values())


def contents(sandbox: Any) -> list[str]:
    return sorted(g["content"] for g in groups(sandbox))


def test_text_rows_are_scheduled(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(3, platforms=f"{X}; {MASTODON}"))
    events: list[ProgressEvent] = []
    results, plan = run(clean_sandbox, sheet, progress=events.append)
    assert [r.status for r in results.rows] == ["scheduled"] * 3
    assert results.created == 3
    gs = groups(clean_sandbox)
    assert len(gs) == 3
    assert all(g["status"] == "scheduled" and sorted(g["platforms"]) == sorted([X, MASTODON]) for g in gs)
    by_id = {g["_id"] if "_id" in g else g.get("postGroupId"): g for g in gs}
    for r in results.rows:
        (pid,) = r.post_group_ids
        assert pid in by_id
        assert r.scheduled_time_utc == plan.rows[r.row - 2].groups[0].scheduled_time
    assert [e.kind for e in events].count("row") == 3 and events[0].kind == "start"


def test_media_rows_keep_carousel_order(clean_sandbox: Any, tmp_path: Path) -> None:
    order = ["media/carousel-3.jpg", "media/carousel-1.jpg", "media/carousel-2.jpg"]
    sheet = write_sheet(
        tmp_path,
        [{"content": "Swipe through", "platforms": INSTAGRAM, "scheduled_time": "2031-04-02T10:00:00Z", "media": "; ".join(order)}],
    )
    uploaded: list[int] = []
    results, plan = run(clean_sandbox, sheet, progress=lambda e: uploaded.append(e.nbytes) if e.kind == "bytes" else None)
    (row,) = results.rows
    assert row.status == "scheduled", row.error
    assert sum(uploaded) == plan.summary().upload_bytes > 0
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        g = client.get_post(row.post_group_ids[0])
    assert g.status == "scheduled"
    assert [m.source_file_name for m in g.media] == [Path(p).name for p in order]
    assert all(m.status == "ready" for m in g.media)


def test_variants_become_separate_groups(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(
        tmp_path,
        [
            {
                "content": "Short text for X and Bluesky",
                "content_linkedin": "A longer text, for LinkedIn only.",
                "platforms": f"{X}; {LINKEDIN}; {BLUESKY}",
                "scheduled_time": "2031-04-03T10:00:00Z",
            }
        ],
    )
    results, _ = run(clean_sandbox, sheet)
    (row,) = results.rows
    assert row.status == "scheduled" and len(row.post_group_ids) == 2
    by_content = {g["content"]: sorted(g["platforms"]) for g in groups(clean_sandbox)}
    assert by_content == {"Short text for X and Bluesky": sorted([X, BLUESKY]), "A longer text, for LinkedIn only.": [LINKEDIN]}


def test_drafts_stay_drafts_with_media(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(
        tmp_path,
        [
            {"content": "Draft with a picture", "platforms": LINKEDIN, "status": "draft", "media": "media/sync-chart.png"},
            {"content": "Text draft", "platforms": LINKEDIN, "status": "draft"},
        ],
    )
    results, _ = run(clean_sandbox, sheet)
    assert [r.status for r in results.rows] == ["draft", "draft"]
    gs = {g["content"]: g for g in groups(clean_sandbox)}
    assert {g["status"] for g in gs.values()} == {"draft"}
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        media = client.get_post(results.rows[0].post_group_ids[0]).media
    assert [m.source_file_name for m in media] == ["sync-chart.png"]


def test_rerun_creates_nothing_new(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(4) + [{"content": "With media", "platforms": X, "scheduled_time": "2031-04-09T10:00:00Z", "media": "media/sync-chart.png"}]
    sheet = write_sheet(tmp_path, rows)
    first, _ = run(clean_sandbox, sheet)
    assert {r.status for r in first.rows} == {"scheduled"}
    before = clean_sandbox.control.state()
    second, _ = run(clean_sandbox, sheet)
    after = clean_sandbox.control.state()
    assert second.created == 0
    assert [r.status for r in second.rows] == ["scheduled"] * 5
    assert [r.decision for r in second.rows] == ["done"] * 5
    assert [r.post_group_ids for r in second.rows] == [r.post_group_ids for r in first.rows]
    assert after["groups"] == before["groups"] and after["media"] == before["media"]


@pytest.mark.parametrize(
    "faults",
    [
        {"error_rate": 0.4, "error_status": 503},
        {"rate_limit_rate": 0.4, "retry_after": 0},
        {"drop_rate": 0.4},
    ],
    ids=["5xx", "429", "dropped-after-commit"],
)
def test_faults_end_each_row_exactly_once(clean_sandbox: Any, tmp_path: Path, faults: dict[str, Any]) -> None:
    rows = text_rows(8) + [
        {"content": f"Picture {i}", "platforms": X, "scheduled_time": "2031-04-20T10:00:00Z", "media": "media/carousel-1.jpg; media/carousel-2.jpg"}
        for i in range(3)
    ]
    sheet = write_sheet(tmp_path, rows)
    first, plan = run(clean_sandbox, sheet, max_retries=1, concurrency=3, faults={**faults, "max_faults": 10})
    assert INJECTED[-1] > 0
    # Whatever the faults did, one clean re-run finishes the batch.
    results, _ = run(clean_sandbox, sheet, max_retries=1, concurrency=3)
    assert all(r.status == "scheduled" for r in results.rows), [(r.row, r.error) for r in results.rows if r.error]
    expected = sorted(r["content"] for r in rows)
    assert contents(clean_sandbox) == expected  # every row once: nothing lost, nothing doubled
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        for r in results.rows[8:]:
            media = client.get_post(r.post_group_ids[0]).media
            assert [m.source_file_name for m in media] == ["carousel-1.jpg", "carousel-2.jpg"]


def test_lost_create_is_reconciled_in_the_same_run(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1))
    first, _ = run(clean_sandbox, sheet, max_retries=0, faults={"drop_rate": 1.0, "max_faults": 1, "paths": ["create-post"]})
    assert first.rows[0].status == "scheduled"
    assert first.rows[0].retries == 1
    assert len(groups(clean_sandbox)) == 1  # committed, answer lost, found again: not created twice
    assert first.rows[0].post_group_ids == [groups(clean_sandbox)[0].get("_id") or groups(clean_sandbox)[0].get("postGroupId")]
    with Journal(default_journal_path(sheet)) as j:
        steps = [s["outcome"] for s in j.steps()]
    assert steps == ["unknown", "adopted"]  # found with list-posts, never sent again


def test_lost_create_is_reconciled_not_recreated(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(1))
    first, _ = run(clean_sandbox, sheet, max_retries=0, same_run_retries=0, faults={"drop_rate": 1.0, "max_faults": 1, "paths": ["create-post"]})
    assert first.rows[0].status == "failed"
    assert "outcome is unknown" in (first.rows[0].error or "")
    assert len(groups(clean_sandbox)) == 1  # committed, answer lost
    second, _ = run(clean_sandbox, sheet, max_retries=0)
    assert second.rows[0].status == "scheduled"
    assert len(groups(clean_sandbox)) == 1
    assert second.rows[0].post_group_ids == [groups(clean_sandbox)[0].get("_id") or groups(clean_sandbox)[0].get("postGroupId")]
    with Journal(default_journal_path(sheet)) as j:
        steps = [s["outcome"] for s in j.steps()]
    assert steps == ["unknown", "adopted"]  # found with list-posts, never sent again


def test_plan_limit_stops_the_run_cleanly(clean_sandbox: Any, tmp_path: Path) -> None:
    clean_sandbox.control.configure(plan={"scheduledPosts": 3})  # 3 scheduled posts at most
    sheet = write_sheet(tmp_path, text_rows(6, platforms=X))
    results, _ = run(clean_sandbox, sheet, concurrency=1)
    statuses = [r.status for r in results.rows]
    assert statuses[:3] == ["scheduled"] * 3
    assert statuses[3] == "failed" and results.rows[3].error_code in ("SCHEDULED_POST_LIMIT_REACHED", "POST_LIMIT_REACHED")
    assert statuses[4:] == ["not_attempted", "not_attempted"]
    assert results.stopped is not None and results.stopped.row == 5
    assert "not attempted: the run stopped at row 5" in (results.rows[4].error or "")
    assert results.stopped.details.get("limit") is not None
    assert len(groups(clean_sandbox)) == 3
    # After an upgrade the same command finishes the batch, without duplicates.
    clean_sandbox.control.configure(plan={"scheduledPosts": 100000})
    again, _ = run(clean_sandbox, sheet, concurrency=1)
    assert [r.status for r in again.rows] == ["scheduled"] * 6
    assert len(groups(clean_sandbox)) == 6


def test_changed_row_is_reported_then_updated(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(2)
    sheet = write_sheet(tmp_path, rows)
    first, _ = run(clean_sandbox, sheet)
    rows[1]["content"] = "Post number 1, with a typo fixed"
    write_sheet(tmp_path, rows)
    second, _ = run(clean_sandbox, sheet)
    assert [r.status for r in second.rows] == ["scheduled", "skipped"]
    assert second.rows[1].error_code == "ROW_CHANGED"
    assert first.rows[1].post_group_ids[0] in (second.rows[1].error or "")
    assert len(groups(clean_sandbox)) == 2
    third, _ = run(clean_sandbox, sheet, update_changed=True)
    assert [r.status for r in third.rows] == ["scheduled", "scheduled"]
    assert third.rows[1].post_group_ids == first.rows[1].post_group_ids
    assert contents(clean_sandbox) == sorted(["Post number 0", "Post number 1, with a typo fixed"])
    fourth, _ = run(clean_sandbox, sheet)
    assert [r.decision for r in fourth.rows] == ["done", "done"]


def test_stop_event_leaves_rest_not_attempted_and_rerun_finishes(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, text_rows(10))
    stop = threading.Event()
    done = 0

    def progress(e: ProgressEvent) -> None:
        nonlocal done
        if e.kind == "row":
            done += 1
            if done == 3:
                stop.set()

    results, _ = run(clean_sandbox, sheet, concurrency=1, progress=progress, stop_event=stop)
    assert results.interrupted
    statuses = [r.status for r in results.rows]
    assert statuses[:3] == ["scheduled"] * 3 and set(statuses[3:]) == {"not_attempted"}
    assert results.rows[5].error_code == "INTERRUPTED"
    again, _ = run(clean_sandbox, sheet)
    assert [r.status for r in again.rows] == ["scheduled"] * 10
    assert contents(clean_sandbox) == sorted(r["content"] for r in text_rows(10))


CAROUSEL = "media/carousel-1.jpg; media/carousel-2.jpg; media/carousel-3.jpg"


def media_names(sandbox: Any, post_group_id: str) -> list[str | None]:
    with PubloraClient(sandbox.api_key, base_url=sandbox.base_url) as client:
        return [m.source_file_name for m in client.get_post(post_group_id).media]


def test_resume_after_two_of_three_uploads(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, [{"content": "Three pictures", "platforms": INSTAGRAM, "scheduled_time": "2031-04-22T10:00:00Z", "media": CAROUSEL}])
    sizes = [(tmp_path / "media" / f"carousel-{i}.jpg").stat().st_size for i in (1, 2, 3)]
    abort = threading.Event()
    sent = 0

    def progress(e: ProgressEvent) -> None:
        nonlocal sent
        if e.kind == "bytes":
            sent += e.nbytes
            if sent >= sizes[0] + sizes[1]:
                abort.set()  # a second Ctrl-C while the third file is about to go

    first, _ = run(clean_sandbox, sheet, progress=progress, abort_event=abort)
    assert first.rows[0].status == "not_attempted" and first.rows[0].error_code == "INTERRUPTED"
    with Journal(default_journal_path(sheet)) as j:
        (e,) = j.entries()
        assert e.state == "uploading" and e.post_group_id
        assert [u.state for u in e.uploads][:2] == ["done", "done"]
    (g,) = groups(clean_sandbox)
    assert g["status"] == "draft"
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].status == "scheduled"
    assert second.rows[0].post_group_ids == [e.post_group_id]
    assert media_names(clean_sandbox, e.post_group_id) == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]
    assert len(groups(clean_sandbox)) == 1


def test_lost_upload_url_answer_leaves_no_orphan(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, [{"content": "Three pictures", "platforms": INSTAGRAM, "scheduled_time": "2031-04-22T10:00:00Z", "media": CAROUSEL}])
    faults = {"drop_rate": 1.0, "max_faults": 1, "paths": ["get-upload-url"]}
    first, _ = run(clean_sandbox, sheet, max_retries=0, same_run_retries=0, faults=faults)
    assert first.rows[0].status == "failed"
    (pid,) = first.rows[0].post_group_ids
    assert len(media_names(clean_sandbox, pid)) == 1  # Publora attached a record whose answer was lost
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].status == "scheduled"
    assert media_names(clean_sandbox, pid) == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]
    with Journal(default_journal_path(sheet)) as j:
        assert any(s["step"] == "delete-media:orphan" and s["outcome"] == "ok" for s in j.steps())


@pytest.mark.parametrize(
    ("faults", "orphans"),
    [
        ({"drop_rate": 1.0, "max_faults": 1, "paths": ["get-upload-url"]}, 1),  # record made, answer lost
        ({"error_rate": 1.0, "error_status": 503, "max_faults": 1, "paths": ["get-upload-url"]}, 0),  # nothing made
        ({"error_rate": 1.0, "error_status": 500, "max_faults": 3, "paths": ["get-upload-url"]}, 0),  # three in a row
        ({"drop_rate": 1.0, "max_faults": 1, "paths": ["update-post"]}, 0),  # scheduled, answer lost
    ],
    ids=["upload-url-dropped", "upload-url-503", "upload-url-500-x3", "update-post-dropped"],
)
def test_media_step_failure_recovers_in_the_same_run(clean_sandbox: Any, tmp_path: Path, faults: dict[str, Any], orphans: int) -> None:
    sheet = write_sheet(tmp_path, [{"content": "Three pictures", "platforms": INSTAGRAM, "scheduled_time": "2031-04-22T10:00:00Z", "media": CAROUSEL}])
    first, _ = run(clean_sandbox, sheet, max_retries=0, faults=faults)
    assert INJECTED[-1] == faults["max_faults"]
    assert first.rows[0].status == "scheduled", first.rows[0].error
    assert first.rows[0].retries == faults["max_faults"]  # each fault cost one retry, in this run
    (pid,) = first.rows[0].post_group_ids
    assert len(groups(clean_sandbox)) == 1
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        remote = client.get_post(pid)
    assert remote.status == "scheduled"
    assert [m.source_file_name for m in remote.media] == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]
    assert {m.status for m in remote.media} <= {"ready", "uploading"}
    assert len(clean_sandbox.control.state()["media"]) == 3  # the orphan record was deleted, not left behind
    with Journal(default_journal_path(sheet)) as j:
        steps = j.steps()
    assert sum(1 for s in steps if s["step"] == "delete-media:orphan" and s["outcome"] == "ok") == orphans
    assert [s["outcome"] for s in steps].count("unknown") == faults["max_faults"]
    assert all(s["outcome"] is not None for s in steps)  # every step journaled before has its after
    # The journal says done: a re-run sends nothing.
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].decision == "done" and second.created == 0


def test_same_run_retries_are_bounded(clean_sandbox: Any, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path, [{"content": "Three pictures", "platforms": INSTAGRAM, "scheduled_time": "2031-04-22T10:00:00Z", "media": CAROUSEL}])
    first, _ = run(clean_sandbox, sheet, max_retries=0, same_run_retries=2, faults={"error_rate": 1.0, "paths": ["get-upload-url"]})
    assert INJECTED[-1] == 3  # the first try and two retries, then the row is left for the next run
    assert first.rows[0].status == "failed" and first.rows[0].retries == 2
    assert "outcome is unknown" in (first.rows[0].error or "")
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].status == "scheduled"
    assert media_names(clean_sandbox, second.rows[0].post_group_ids[0]) == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]


def test_edited_row_after_a_lost_create_is_not_posted_twice(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(1)
    sheet = write_sheet(tmp_path, rows)
    first, _ = run(clean_sandbox, sheet, max_retries=0, same_run_retries=0, faults={"drop_rate": 1.0, "max_faults": 1, "paths": ["create-post"]})
    assert first.rows[0].status == "failed" and len(groups(clean_sandbox)) == 1  # committed, answer lost
    rows[0]["content"] = "Post number 0, edited after the crash"
    write_sheet(tmp_path, rows)
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].status == "skipped" and second.rows[0].error_code == "ROW_CHANGED"
    assert len(groups(clean_sandbox)) == 1  # the lost post was found and adopted, not doubled
    third, _ = run(clean_sandbox, sheet, update_changed=True)
    assert third.rows[0].status == "scheduled"
    assert contents(clean_sandbox) == ["Post number 0, edited after the crash"]


def test_edited_row_after_an_uncommitted_create_is_sent_once(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = text_rows(1)
    sheet = write_sheet(tmp_path, rows)
    first, _ = run(clean_sandbox, sheet, max_retries=0, same_run_retries=0, faults={"error_rate": 1.0, "max_faults": 1, "paths": ["create-post"]})
    assert first.rows[0].status == "failed" and groups(clean_sandbox) == []  # a 503: outcome unknown, nothing made
    rows[0]["content"] = "Post number 0, edited"
    write_sheet(tmp_path, rows)
    second, _ = run(clean_sandbox, sheet)
    assert second.rows[0].status == "scheduled"
    assert contents(clean_sandbox) == ["Post number 0, edited"]
    with Journal(default_journal_path(sheet)) as j:
        assert sorted(e.state for e in j.entries()) == ["done", "superseded"]


def test_rows_of_a_managed_user_use_its_connections(clean_sandbox: Any, tmp_path: Path) -> None:
    (user_id,) = clean_sandbox.control.state()["users"].keys()
    sheet = write_sheet(
        tmp_path,
        [
            {"content": "For our client", "platforms": "linkedin", "scheduled_time": "2031-04-23T10:00:00Z", "user": user_id},
            {"content": "For us", "platforms": MASTODON, "scheduled_time": "2031-04-23T11:00:00Z"},
        ],
    )
    results, plan = run(clean_sandbox, sheet)
    assert [r.status for r in results.rows] == ["scheduled", "scheduled"]
    # "linkedin" is ambiguous for the key's owner (two accounts) but the managed user has one.
    assert plan.groups[0].targets == ["linkedin-Cl13ntPr0f"]
    owners = {g["content"]: g["userId"] for g in groups(clean_sandbox)}
    assert owners["For our client"] == user_id
    assert owners["For us"] == clean_sandbox.owner_id
    again, _ = run(clean_sandbox, sheet)
    assert [r.decision for r in again.rows] == ["done", "done"] and len(groups(clean_sandbox)) == 2


def test_update_changed_replaces_media_in_order(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = [{"content": "Pictures", "platforms": INSTAGRAM, "scheduled_time": "2031-04-24T10:00:00Z", "media": CAROUSEL}]
    sheet = write_sheet(tmp_path, rows)
    first, _ = run(clean_sandbox, sheet)
    (pid,) = first.rows[0].post_group_ids
    rows[0]["media"] = "media/carousel-3.jpg; media/launch-cover.jpg"
    rows[0]["content"] = "Pictures, new selection"
    write_sheet(tmp_path, rows)
    skipped, _ = run(clean_sandbox, sheet)
    assert skipped.rows[0].error_code == "ROW_CHANGED"
    assert media_names(clean_sandbox, pid) == ["carousel-1.jpg", "carousel-2.jpg", "carousel-3.jpg"]
    updated, _ = run(clean_sandbox, sheet, update_changed=True)
    assert updated.rows[0].status == "scheduled", updated.rows[0].error
    assert updated.rows[0].post_group_ids == [pid]
    assert media_names(clean_sandbox, pid) == ["carousel-3.jpg", "launch-cover.jpg"]
    (g,) = groups(clean_sandbox)
    assert (g["content"], g["status"]) == ("Pictures, new selection", "scheduled")
    assert len(clean_sandbox.control.state()["media"]) == 2  # the old files are gone
    with Journal(default_journal_path(sheet)) as journal:
        (entry,) = journal.entries()
    assert (entry.content, entry.media_count) == ("Pictures, new selection", 2)
    again, _ = run(clean_sandbox, sheet)
    assert again.rows[0].decision == "done"


def test_media_url_rate_limit_falls_back_to_download_and_upload(clean_sandbox: Any, tmp_path: Path) -> None:
    """Publora's 60 URLs/hour are already used up (429 MEDIA_URL_RATE_LIMITED): the row's URLs
    are downloaded and uploaded instead, in sheet order."""
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as client:
        for batch in range(6):  # at most 10 URLs per request
            urls = [f"https://cdn.example.com/{batch}-{i}.jpg" for i in range(10)]
            client.create_post(content=f"Used up the window {batch}", platforms=[LINKEDIN], media_urls=urls)
    rows = [{"content": "Pictures by URL", "platforms": LINKEDIN, "scheduled_time": "2031-04-24T10:00:00Z",
             "media": "https://cdn.example.com/b.jpg; https://cdn.example.com/a.jpg"}]
    sheet = write_sheet(tmp_path, rows)
    fetched: list[str] = []

    def fetch(url: str, dest: Path) -> str | None:
        fetched.append(url)
        shutil.copyfile(ROOT / "samples" / "media" / "carousel-1.jpg", dest)
        return "image/jpeg"

    results, plan = run(clean_sandbox, sheet, fetch=fetch)
    assert plan.rows[0].groups[0].media_mode == "urls"  # within this run's own budget
    assert results.rows[0].status == "scheduled", results.rows[0].error
    assert fetched == ["https://cdn.example.com/b.jpg", "https://cdn.example.com/a.jpg"]
    (pid,) = results.rows[0].post_group_ids
    assert media_names(clean_sandbox, pid) == ["b.jpg", "a.jpg"]
    assert len([g for g in groups(clean_sandbox) if g["content"] == "Pictures by URL"]) == 1


def test_update_changed_refuses_a_different_split(clean_sandbox: Any, tmp_path: Path) -> None:
    rows = [{"content": "Same for all", "platforms": f"{X}; {LINKEDIN}", "scheduled_time": "2031-04-24T10:00:00Z"}]
    sheet = write_sheet(tmp_path, rows)
    run(clean_sandbox, sheet)
    rows[0]["content_linkedin"] = "Now LinkedIn gets its own text"
    write_sheet(tmp_path, rows)
    res, _ = run(clean_sandbox, sheet, update_changed=True)
    assert res.rows[0].status == "failed" and res.rows[0].error_code == "ROW_CHANGED_CANNOT_UPDATE"
    assert "splits into 2 post group(s) instead of 1" in (res.rows[0].error or "")
    assert len(groups(clean_sandbox)) == 1
