"""Webhooks: management commands, the receiver, and real deliveries from the sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bulkpost.cli import cli
from bulkpost.errors import ConfigError
from bulkpost.publora import PubloraClient
from bulkpost.sandbox import SandboxServer
from bulkpost.webhooks import WebhookEvent, WebhookReceiver, event_key, parse_events, serve_webhooks

SECRET = "whsec-test-0123456789"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(event: str = "post.published", **data: Any) -> bytes:
    payload = {"postId": "p1", "postGroupId": "a" * 24, "platform": "linkedin", **data}
    return json.dumps({"version": "1", "event": event, "timestamp": "2031-03-03T09:00:01.000Z", "data": payload}).encode()


# --- events option --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["post.published"], ["post.published"]),
        (["published,failed", "post.failed"], ["post.published", "post.failed"]),
        (["all"], ["post.scheduled", "post.published", "post.failed", "post.demoted", "token.expiring"]),
        (["demoted; scheduled"], ["post.demoted", "post.scheduled"]),
    ],
)
def test_parse_events(given: list[str], expected: list[str]) -> None:
    assert parse_events(given) == expected


def test_parse_events_refuses_unknown() -> None:
    with pytest.raises(ConfigError, match='unknown webhook event "post.deleted"'):
        parse_events(["post.deleted"])


# --- the receiver without HTTP -----------------------------------------------------------


def test_receiver_verifies_the_raw_body() -> None:
    seen: list[WebhookEvent] = []
    receiver = WebhookReceiver(SECRET, seen.append)
    body = envelope()
    assert receiver.handle(body, None).status == 401
    assert receiver.handle(body, "").status == 401
    assert receiver.handle(body, sign(body, "another secret")).status == 401
    # the same JSON re-serialised is not the signed body
    reserialised = json.dumps(json.loads(body), indent=1).encode()
    assert receiver.handle(reserialised, sign(body)).status == 401
    ok = receiver.handle(body, sign(body))
    assert (ok.status, ok.body) == (200, {"ok": True, "duplicate": False})
    assert [e.event for e in seen] == ["post.published"] and seen[0].post_group_id == "a" * 24
    assert (receiver.received, receiver.rejected) == (1, 4)
    assert SECRET not in repr(receiver)


def test_receiver_dedupes_repeated_deliveries() -> None:
    seen: list[WebhookEvent] = []
    receiver = WebhookReceiver(SECRET, seen.append)
    body = envelope()
    assert receiver.handle(body, sign(body)).body["duplicate"] is False
    assert receiver.handle(body, sign(body)).body == {"ok": True, "duplicate": True}
    other_platform = envelope(postId="p2", platform="twitter")
    assert receiver.handle(other_platform, sign(other_platform)).body["duplicate"] is False
    failed = envelope("post.failed")
    assert receiver.handle(failed, sign(failed)).body["duplicate"] is False
    assert len(seen) == 3 and receiver.duplicates == 1
    assert event_key(seen[0]) == ("post.published", "p1", "2031-03-03T09:00:01.000Z")


def test_receiver_forgets_an_event_it_could_not_record() -> None:
    calls = 0

    def flaky(event: WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")

    receiver = WebhookReceiver(SECRET, flaky)
    body = envelope()
    assert receiver.handle(body, sign(body)).status == 500
    assert receiver.handle(body, sign(body)).status == 200  # not taken for a duplicate
    assert calls == 2


def test_receiver_rejects_garbage_after_a_valid_signature() -> None:
    receiver = WebhookReceiver(SECRET)
    for body in (b"not json", b"[1,2]", b'{"data": {}}'):
        assert receiver.handle(body, sign(body)).status == 400


def test_receiver_accepts_old_and_new_secret_during_rotation() -> None:
    receiver = WebhookReceiver(["old-secret", "new-secret"])
    body = envelope()
    assert receiver.handle(body, sign(body, "old-secret")).status == 200
    body2 = envelope(postId="p9")
    assert receiver.handle(body2, sign(body2, "new-secret")).status == 200


def test_receiver_needs_a_secret() -> None:
    with pytest.raises(ConfigError, match="webhook secret is required"):
        WebhookReceiver("")


# --- the receiver over HTTP, fed by the sandbox ------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Listening:
    """serve_webhooks in a thread, stopped when the test ends."""

    def __init__(self, receiver: WebhookReceiver, port: int) -> None:
        self.stop = threading.Event()
        ready = threading.Event()
        self.url = ""

        def on_ready(url: str) -> None:
            self.url = url
            ready.set()

        self.thread = threading.Thread(
            target=serve_webhooks, args=(receiver,), kwargs={"port": port, "on_ready": on_ready, "stop": self.stop},
            daemon=True,
        )
        self.thread.start()
        assert ready.wait(10), "the receiver did not start"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture()
def client(clean_sandbox: SandboxServer) -> Iterator[PubloraClient]:
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as c:
        yield c


def test_http_receiver_answers_401_and_200(tmp_path: Any) -> None:
    receiver = WebhookReceiver(SECRET)
    server = Listening(receiver, 0)
    try:
        body = envelope()
        with httpx.Client(trust_env=False) as http:
            assert http.get(server.url).json()["receiver"] == "bulkpost"
            assert http.post(server.url, content=body).status_code == 401
            bad = http.post(server.url + "hooks/publora", content=body, headers={"X-Publora-Signature": "00" * 32})
            assert bad.status_code == 401
            good = http.post(server.url + "hooks/publora", content=body, headers={"X-Publora-Signature": sign(body)})
            assert good.status_code == 200 and good.json() == {"ok": True, "duplicate": False}
    finally:
        server.close()


def test_sandbox_deliveries_reach_the_receiver(clean_sandbox: SandboxServer, client: PubloraClient) -> None:
    port = free_port()
    hook = client.create_webhook(name="bulkpost test", url=f"http://127.0.0.1:{port}/publora",
                                 events=["post.published", "post.failed"])
    assert hook.secret is not None
    seen: list[WebhookEvent] = []
    receiver = WebhookReceiver(hook.secret.get_secret_value(), seen.append)
    server = Listening(receiver, port)
    try:
        when = datetime.now(timezone.utc) + timedelta(minutes=10)
        made = client.create_post(content="Webhook test", platforms=["linkedin-Tz9W5i6ZYG", "mastodon-109876543210"],
                                  scheduled_time=when)
        answer = clean_sandbox.control.advance_clock(3600)
        assert made.post_group_id in answer["processed"]
    finally:
        server.close()
    assert sorted((e.event, e.platform) for e in seen) == [("post.published", "linkedin"), ("post.published", "mastodon")]
    assert {e.post_group_id for e in seen} == {made.post_group_id}
    assert all(e.data.get("postedId") for e in seen)
    assert receiver.rejected == 0


# --- management commands -----------------------------------------------------------------


def test_webhook_commands_against_the_sandbox(clean_sandbox: SandboxServer) -> None:
    runner = CliRunner()
    env = {"PUBLORA_API_KEY": clean_sandbox.api_key, "PUBLORA_BASE_URL": clean_sandbox.base_url}
    empty = runner.invoke(cli, ["webhooks", "list"], env=env)
    assert empty.exit_code == 0 and empty.output.startswith("No webhooks.")

    made = runner.invoke(cli, ["webhooks", "create", "--name", "results", "--url", "https://hooks.example.com/publora",
                               "--event", "published,failed"], env=env)
    assert made.exit_code == 0, made.output
    hook_id = made.output.split()[2]
    assert made.output.splitlines()[1] == "Events: post.published, post.failed"
    secret = made.output.splitlines()[2].rsplit(" ", 1)[1]
    assert len(secret) >= 32

    listed = runner.invoke(cli, ["webhooks", "list"], env=env)
    assert listed.exit_code == 0 and hook_id in listed.output and "post.published,post.failed" in listed.output
    assert secret not in listed.output

    updated = runner.invoke(cli, ["webhooks", "update", hook_id, "--disable", "--event", "all"], env=env)
    assert updated.exit_code == 0, updated.output
    data = json.loads(runner.invoke(cli, ["webhooks", "list", "--json"], env=env).output)
    assert data[0]["is_active"] is False and len(data[0]["events"]) == 5

    rotated = runner.invoke(cli, ["webhooks", "rotate-secret", hook_id], env=env)
    assert rotated.exit_code == 0
    new_secret = rotated.output.rsplit(" ", 1)[1].strip()
    assert new_secret and new_secret != secret

    nothing = runner.invoke(cli, ["webhooks", "update", hook_id], env=env)
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output

    bad_event = runner.invoke(cli, ["webhooks", "create", "--name", "x", "--url", "https://h.example", "--event", "nope"], env=env)
    assert bad_event.exit_code == 2 and 'unknown webhook event "nope"' in bad_event.output

    deleted = runner.invoke(cli, ["webhooks", "delete", hook_id], env=env)
    assert deleted.exit_code == 0 and f"Deleted webhook {hook_id}" in deleted.output
    assert runner.invoke(cli, ["webhooks", "list"], env=env).output.startswith("No webhooks.")
    gone = runner.invoke(cli, ["webhooks", "delete", hook_id], env=env)
    assert gone.exit_code == 1 and "Traceback" not in gone.output and "Webhook not found" in gone.output


# --- listen: the batch's journal and results follow Publora's events ----------------------

import csv  # noqa: E402
import re  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _sheet(folder: Path) -> Path:
    when = (datetime.now(timezone.utc) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:00Z")
    path = folder / "week.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["content", "platforms", "scheduled_time", "status"])
        w.writerow(["Launch day on two networks", "linkedin-Tz9W5i6ZYG; mastodon-109876543210", when, ""])
        w.writerow(["Launch day on X", "twitter-1502345678901234567", when, ""])
        w.writerow(["Still a draft", "linkedin-Tz9W5i6ZYG", "", "draft"])
        w.writerow(["Will get a file later", "bluesky-did:plc:abc123xyz", when, ""])
    return path


def test_listen_updates_the_batch_journal_and_results(clean_sandbox: SandboxServer, client: PubloraClient, tmp_path: Path) -> None:
    from bulkpost.journal import Journal, default_journal_path

    sheet = _sheet(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLORA_", "BULKPOST_"))}
    env.update(PUBLORA_API_KEY=clean_sandbox.api_key, PYTHONPATH=str(ROOT))
    scheduled = CliRunner().invoke(cli, ["schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--quiet"],
                                   env={"PUBLORA_API_KEY": clean_sandbox.api_key})
    assert scheduled.exit_code == 0, scheduled.output
    results = tmp_path / "week.results.csv"
    assert [r["result_status"] for r in csv.DictReader(results.read_text(encoding="utf-8").splitlines())] == ["scheduled", "scheduled", "draft", "scheduled"]

    port = free_port()
    hook = client.create_webhook(name="listen", url=f"http://127.0.0.1:{port}/publora",
                                 events=["post.published", "post.failed", "post.demoted"])
    assert hook.secret is not None
    env["BULKPOST_WEBHOOK_SECRET"] = hook.secret.get_secret_value()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "webhooks", "listen", str(sheet), "--port", str(port)],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"Listening on http://127.0.0.1:{port}/"), first + proc.stderr.read()  # type: ignore[union-attr]
        # an unsigned request is refused, and changes nothing
        with httpx.Client(trust_env=False) as http:
            forged = envelope("post.failed", postGroupId="b" * 24)
            assert http.post(f"http://127.0.0.1:{port}/publora", content=forged).status_code == 401
        # attaching a file to a scheduled post demotes it to draft (post.demoted)
        with Journal(default_journal_path(sheet)) as journal:
            row5 = next(e for e in journal.entries() if e.row_number == 5)
        client.get_upload_url(post_group_id=row5.post_group_id or "", file_name="late.jpg", content_type="image/jpeg")
        clean_sandbox.control.configure(fail_platforms=["twitter"])
        answer = clean_sandbox.control.advance_clock(3600)
        assert len(answer["processed"]) == 2
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Stopped. 4 event(s) received, 0 repeated, 1 rejected." in out
    assert f"twitter: row 3 of {sheet}: failed (1 failed of 1 networks)" in out
    assert f"row 2 of {sheet}: published (2 published of 2 networks)" in out  # after the second network
    assert f"post.demoted {row5.post_group_id}: row 5 of {sheet}: draft" in out
    assert "Results:" not in out

    rows = list(csv.DictReader(results.read_text(encoding="utf-8").splitlines()))
    assert [r["result_status"] for r in rows] == ["published", "failed", "draft", "draft"]
    assert "twitter" in rows[1]["error"] and rows[1]["error_code"] == "PUBLISH_FAILED"
    assert rows[3]["error_code"] == "POST_DEMOTED" and "demoted to draft: media_changed (attach)" in rows[3]["error"]
    with Journal(default_journal_path(sheet)) as journal:
        by_row = {e.row_number: e for e in journal.entries()}
    assert by_row[2].remote_status == "published" and by_row[3].remote_status == "failed"
    platforms = {p["platform"]: p for p in (by_row[2].remote_detail or {})["platforms"]}
    assert platforms["linkedin"]["posted_id"].startswith("urn:li:") and platforms["mastodon"]["status"] == "published"
    # the events agree with what get-post says
    live = client.get_post(by_row[2].post_group_id or "")
    assert {p.platform: p.posted_id for p in live.posts} == {k: v["posted_id"] for k, v in platforms.items()}


def test_listen_updates_a_results_file_written_with_report(clean_sandbox: SandboxServer, client: PubloraClient, tmp_path: Path) -> None:
    """`schedule --report custom.csv` writes no SHEET.results.csv: `listen --results` follows the custom file."""
    sheet = _sheet(tmp_path)
    custom = tmp_path / "out" / "custom.csv"
    custom.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLORA_", "BULKPOST_"))}
    env.update(PUBLORA_API_KEY=clean_sandbox.api_key, PYTHONPATH=str(ROOT))
    scheduled = CliRunner().invoke(
        cli, ["schedule", str(sheet), "--base-url", clean_sandbox.base_url, "--yes", "--quiet", "--report", str(custom)],
        env={"PUBLORA_API_KEY": clean_sandbox.api_key},
    )
    assert scheduled.exit_code == 0, scheduled.output
    assert not (tmp_path / "week.results.csv").exists()
    assert [r["result_status"] for r in csv.DictReader(custom.read_text(encoding="utf-8").splitlines())] == ["scheduled", "scheduled", "draft", "scheduled"]

    port = free_port()
    hook = client.create_webhook(name="listen-results", url=f"http://127.0.0.1:{port}/publora", events=["post.published", "post.failed"])
    assert hook.secret is not None
    env["BULKPOST_WEBHOOK_SECRET"] = hook.secret.get_secret_value()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "webhooks", "listen", str(sheet), "--results", str(custom), "--port", str(port)],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"Listening on http://127.0.0.1:{port}/"), first + proc.stderr.read()  # type: ignore[union-attr]
        second = proc.stdout.readline()
        assert second.rstrip("\n").endswith(f"results {custom}"), second
        clean_sandbox.control.configure(fail_platforms=["twitter"])
        answer = clean_sandbox.control.advance_clock(3600)
        assert len(answer["processed"]) == 3
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"twitter: row 3 of {sheet}: failed (1 failed of 1 networks)" in out
    rows = list(csv.DictReader(custom.read_text(encoding="utf-8").splitlines()))
    assert [r["result_status"] for r in rows] == ["published", "failed", "draft", "published"]
    assert rows[1]["error_code"] == "PUBLISH_FAILED"
    assert not (tmp_path / "week.results.csv").exists()  # nothing written beside the sheet instead


def test_listen_results_misuse(tmp_path: Path) -> None:
    from bulkpost.journal import Journal, default_journal_path

    sheet = tmp_path / "week.csv"
    sheet.write_text("content\n")
    default_journal_path(sheet).parent.mkdir(parents=True, exist_ok=True)
    Journal(default_journal_path(sheet)).close()
    runner = CliRunner()
    two = runner.invoke(cli, ["webhooks", "listen", str(sheet), "--secret", "s", "--results", "a.csv", "--results", "b.csv"])
    assert two.exit_code == 2 and "give one --results per SHEET" in two.output
    missing = runner.invoke(cli, ["webhooks", "listen", str(sheet), "--secret", "s", "--results", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and f"no results file at {tmp_path / 'none.csv'}" in missing.output


def test_listen_misuse_is_one_clear_line(tmp_path: Path) -> None:
    runner = CliRunner()
    no_secret = runner.invoke(cli, ["webhooks", "listen", "--port", "0"], env={"BULKPOST_WEBHOOK_SECRET": ""})
    assert no_secret.exit_code == 2 and "a webhook secret is required" in no_secret.output
    sheet = tmp_path / "never.csv"
    sheet.write_text("content\n")
    no_batch = runner.invoke(cli, ["webhooks", "listen", str(sheet), "--secret", "s"])
    assert no_batch.exit_code == 2 and "no journal at" in no_batch.output and "Traceback" not in no_batch.output
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        taken = runner.invoke(cli, ["webhooks", "listen", "--secret", "s", "--port", str(busy.getsockname()[1])])
    finally:
        busy.close()
    assert taken.exit_code == 2 and "cannot listen on 127.0.0.1" in taken.output


ISSUE8_COMMANDS = [
    ["webhooks", "list"], ["webhooks", "create"], ["webhooks", "update"], ["webhooks", "delete"],
    ["webhooks", "rotate-secret"], ["webhooks", "listen"],
    ["workspace", "import"], ["workspace", "users", "list"], ["workspace", "users", "create"],
    ["workspace", "users", "remove"], ["workspace", "users", "api-key"], ["workspace", "users", "connection-url"],
    ["workspace", "users", "attach"],
    ["analytics"],
]


@pytest.mark.parametrize("command", ISSUE8_COMMANDS, ids=" ".join)
def test_issue8_commands_have_help_and_are_documented(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert " ".join(command[1:] if command[0] != "analytics" else ["analytics"]) in readme
    for option in re.findall(r"(--[a-z][a-z-]+)", result.output):
        if option != "--help":
            assert option in readme, (command, option)
