"""Analytics of a batch's published posts, against the sandbox."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bulkpost.analytics import METRICS, BatchGroup, collect_analytics, row_totals, write_analytics_csv
from bulkpost.publora import PubloraClient
from bulkpost.sandbox import SandboxServer

LINKEDIN = "linkedin-Tz9W5i6ZYG"
MASTODON = "mastodon-109876543210"
BLUESKY = "bluesky-did:plc:abc123xyz"
TWITTER = "twitter-1502345678901234567"


@pytest.fixture()
def client(clean_sandbox: SandboxServer) -> Iterator[PubloraClient]:
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as c:
        yield c


def _published_batch(sandbox: SandboxServer, client: PubloraClient) -> list[BatchGroup]:
    soon = datetime.now(timezone.utc) + timedelta(minutes=10)
    a = client.create_post(content="Launch day", platforms=[LINKEDIN, MASTODON, BLUESKY, TWITTER], scheduled_time=soon)
    b = client.create_post(content="Next week", platforms=[LINKEDIN], scheduled_time=soon + timedelta(days=5))
    sandbox.control.advance_clock(3600)  # publishes the first group, not the second
    return [BatchGroup(2, a.post_group_id), BatchGroup(3, b.post_group_id)]


def test_statistics_of_published_posts(clean_sandbox: SandboxServer, client: PubloraClient) -> None:
    groups = _published_batch(clean_sandbox, client)
    stats = collect_analytics(client, groups)
    by = {(s.row, s.platform): s for s in stats}
    assert set(by) == {(2, "linkedin"), (2, "mastodon"), (2, "bluesky"), (2, "twitter"), (3, "linkedin")}
    linkedin = by[(2, "linkedin")]
    assert linkedin.error is None and linkedin.posted_id and linkedin.posted_id.startswith("urn:li:")
    assert linkedin.platform_id == LINKEDIN
    assert all(isinstance(linkedin.metrics[m], int) for m in ("impressions", "members_reached", "reactions", "comments", "reshares"))
    for network in ("mastodon", "bluesky"):
        s = by[(2, network)]
        assert s.error is None and isinstance(s.metrics["reactions"], int) and isinstance(s.metrics["reshares"], int)
    assert by[(2, "twitter")].error == "no analytics in Publora for this network" and by[(2, "twitter")].metrics == {}
    assert by[(3, "linkedin")].error == "not published (scheduled)"
    # the numbers agree with asking Publora directly
    direct = client.linkedin_post_statistics(posted_id=linkedin.posted_id, platform_id=LINKEDIN, query_type="REACTION")
    assert direct.count == linkedin.metrics["reactions"]

    totals = row_totals(stats)
    assert set(totals) == {2}
    assert totals[2]["reactions"] == sum(by[(2, n)].metrics["reactions"] or 0 for n in ("linkedin", "mastodon", "bluesky"))


def test_plan_without_fediverse_analytics_is_a_result_not_a_crash(clean_sandbox: SandboxServer, client: PubloraClient) -> None:
    groups = _published_batch(clean_sandbox, client)
    clean_sandbox.control.configure(plan="starter")
    stats = collect_analytics(client, groups[:1])
    by = {s.platform: s for s in stats}
    assert by["mastodon"].error and by["mastodon"].metrics == {}
    assert by["bluesky"].error == by["mastodon"].error
    assert by["linkedin"].error is None  # LinkedIn analytics need no paid plan


def test_unknown_group_is_reported(client: PubloraClient) -> None:
    stats = collect_analytics(client, [BatchGroup(5, "0123456789abcdef01234567")])
    assert len(stats) == 1 and stats[0].row == 5 and stats[0].error


def test_analytics_csv(clean_sandbox: SandboxServer, client: PubloraClient, tmp_path: Path) -> None:
    stats = collect_analytics(client, _published_batch(clean_sandbox, client))
    out = write_analytics_csv(stats, tmp_path / "week.analytics.csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert list(rows[0])[:6] == ["row", "post_group_id", "platform", "platform_id", "posted_id", "status"]
    assert all(m in rows[0] for m in METRICS)
    li = next(r for r in rows if r["platform"] == "linkedin" and r["status"] == "published")
    assert int(li["impressions"]) >= 0 and li["error"] == ""


def test_statistics_go_into_the_results_file(clean_sandbox: SandboxServer, client: PubloraClient, tmp_path: Path) -> None:
    import openpyxl

    from bulkpost.analytics import annotate_results

    groups = _published_batch(clean_sandbox, client)
    stats = collect_analytics(client, groups)
    header = ["content", "platforms", "status", "post_group_ids", "scheduled_time_utc", "warnings", "error_code", "error"]
    lines = [
        header,
        ["Launch day", "linkedin; mastodon", "scheduled", groups[0].post_group_id, "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
        ["Next week", "linkedin", "scheduled", groups[1].post_group_id, "", "", "", ""],
        ["=1+1", "x", "skipped", "", "", "", "ROW_INVALID", "bad"],
    ]
    results = tmp_path / "week.results.csv"
    with open(results, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(lines)
    columns = annotate_results(results, stats)
    assert columns[-1] == "analytics_fetched_at" and "impressions" in columns and "reactions" in columns
    with open(results, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))  # the file keeps its delimiter
    expected = row_totals(stats)[2]
    assert int(rows[0]["reactions"]) == expected["reactions"] and int(rows[0]["impressions"]) == expected["impressions"]
    assert rows[0]["analytics_fetched_at"]
    assert rows[2]["reactions"] == "" and rows[3]["reactions"] == ""  # not published yet / never sent
    assert rows[3]["content"] == "=1+1"  # untouched (it was written protected by schedule, not by us)
    # a second run overwrites its own columns instead of adding more
    assert annotate_results(results, stats) == columns
    with open(results, encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh, delimiter=";")) == [*header, *columns]

    wb = openpyxl.Workbook()
    for line in lines:
        wb.active.append(line)
    xlsx = tmp_path / "week.results.xlsx"
    wb.save(xlsx)
    annotate_results(xlsx, stats)
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    head = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=head.index("reactions") + 1).value == expected["reactions"]


def test_analytics_command_on_a_scheduled_batch(clean_sandbox: SandboxServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulkpost.cli import cli

    when = (datetime.now(timezone.utc) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:00Z")
    sheet = tmp_path / "week.csv"
    sheet.write_text(
        "content,platforms,scheduled_time\n"
        f'Launch day,"{LINKEDIN}; {MASTODON}; {TWITTER}",{when}\n'
        f"Bluesky only,{BLUESKY},{when}\n",
        encoding="utf-8",
    )
    env = {"PUBLORA_API_KEY": clean_sandbox.api_key}
    runner = CliRunner()
    assert runner.invoke(cli, ["schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--quiet"], env=env).exit_code == 0
    before = runner.invoke(cli, ["analytics", str(sheet), "--base-url", clean_sandbox.base_url], env=env)
    assert before.exit_code == 0, before.output
    assert "0 of 4 platform posts have statistics" in before.output and "not published (scheduled)" in before.output

    clean_sandbox.control.advance_clock(3600)
    result = runner.invoke(cli, ["analytics", str(sheet), "--base-url", clean_sandbox.base_url], env=env)
    assert result.exit_code == 0, result.output
    assert "3 of 4 platform posts have statistics" in result.output
    assert "no analytics in Publora for this network" in result.output  # X
    out_csv = tmp_path / "week.analytics.csv"
    assert f"CSV: {out_csv}; results: {tmp_path / 'week.results.csv'}" in result.output
    with open(out_csv, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert sorted((r["row"], r["platform"]) for r in lines) == [("2", "linkedin"), ("2", "mastodon"), ("2", "twitter"), ("3", "bluesky")]
    with open(tmp_path / "week.results.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    per_row: dict[str, int] = {}
    for r in lines:
        if r["reactions"]:
            per_row[r["row"]] = per_row.get(r["row"], 0) + int(r["reactions"])
    assert [int(r["reactions"]) for r in rows] == [per_row["2"], per_row["3"]]
    assert rows[0]["status"] == "scheduled" and rows[0]["analytics_fetched_at"]

    as_json = runner.invoke(cli, ["analytics", str(sheet), "--base-url", clean_sandbox.base_url, "--json"], env=env)
    assert {d["platform"] for d in __import__("json").loads(as_json.output)} == {"linkedin", "mastodon", "twitter", "bluesky"}


def test_analytics_without_a_batch_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulkpost.cli import cli

    sheet = tmp_path / "never.csv"
    sheet.write_text("content,platforms,scheduled_time\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["analytics", str(sheet)], env={"PUBLORA_API_KEY": "sk_test.x"})
    assert result.exit_code == 2 and "no journal" in result.output and "Traceback" not in result.output
