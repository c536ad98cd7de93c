"""The Publora client end to end over HTTP against the sandbox (bulkpost.sandbox on 127.0.0.1).

Every public endpoint method is called here at least once against the running emulator,
including a real streamed upload to its presigned URL and a webhook delivery whose signature is
checked with ``verify_webhook_signature``. Faults the sandbox injects (503s, 429s, connections
dropped after the change was committed) exercise the retry loop and idempotency on the wire.
No test sleeps for real except the in-flight one (the sandbox's latency is real time).
"""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from localhttp import serve
from PIL import Image

from bulkpost import errors
from bulkpost.publora import PubloraClient, verify_webhook_signature
from bulkpost.sandbox import SandboxServer

LINKEDIN = "linkedin-Tz9W5i6ZYG"
BLUESKY = "bluesky-did:plc:abc123xyz"
MASTODON = "mastodon-109876543210"
TELEGRAM = "telegram--1001234567890"
INSTAGRAM = "instagram-17841412345678"
YOUTUBE = "youtube-UCx5Yf3Kq9tLm2Pq8Rz1AbCd"


class Sleeps(list[float]):
    """An injected sleep: records each wait; really waits only when asked to."""

    real = False

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.real:
            time.sleep(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(clean_sandbox: SandboxServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture) -> Iterator[PubloraClient]:
    """A client on a fresh sandbox; after the test, no log line may contain the key."""
    caplog.set_level(logging.DEBUG)
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url, sleep=sleeps, random=lambda: 0.0) as c:
        yield c
    assert clean_sandbox.api_key not in caplog.text


def soon(minutes: int = 10) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def png(path: Path, size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> Path:
    Image.new("RGB", size, (200, 30, 30)).save(path, fmt)
    return path


def published(client: PubloraClient, sandbox: SandboxServer, platforms: list[str]) -> dict[str, str]:
    """Schedule a post on ``platforms``, let the sandbox publish it; {platform: postedId}."""
    result = client.create_post(content="Published for analytics", platforms=platforms,
                                scheduled_time=soon(2), idempotency_key=f"pub-{time.monotonic_ns()}")
    sandbox.control.advance_clock(600)
    group = client.get_post(result.post_group_id)
    assert group.status == "published"
    return {p.platform or "": p.posted_id or "" for p in group.posts}


# --- connections and limits ---------------------------------------------------------------------


def test_platform_connections_and_test_connection(client: PubloraClient) -> None:
    connections = {c.platform_id: c for c in client.platform_connections()}
    assert {LINKEDIN, BLUESKY, TELEGRAM, "pinterest-987654321012"} <= set(connections)
    assert connections[TELEGRAM].platform == "telegram"
    assert {c.token_status for c in connections.values()} <= {"valid", "expiring_soon", "expired", "unknown"}
    linkedin = client.test_connection(LINKEDIN)
    assert linkedin.ok and linkedin.platform_id == LINKEDIN
    assert client.test_connection(BLUESKY).platform_id == BLUESKY  # ':' in the id survives the path
    assert client.test_connection(TELEGRAM).platform_id == TELEGRAM  # so does the double dash
    pinterest = client.test_connection("pinterest-987654321012")
    assert not pinterest.ok and pinterest.message == "Unknown platform: pinterest"
    with pytest.raises(errors.NotFoundError):
        client.test_connection("linkedin-doesnotexist")


def test_platform_limits(client: PubloraClient) -> None:
    limits = client.platform_limits()
    assert limits["platforms"]["twitter"]["characters"]["standard"] == 280
    assert set(limits["supportedPlatforms"]) >= {"twitter", "linkedin", "instagram", "bluesky", "pinterest"}


# --- posts -----------------------------------------------------------------------------------


def test_post_lifecycle_with_a_real_upload(client: PubloraClient, clean_sandbox: SandboxServer, tmp_path: Path) -> None:
    draft = client.create_post(content="Launch day", platforms=[LINKEDIN, BLUESKY], idempotency_key="row-2")
    assert draft.scheduled_time is None and draft.warnings == []
    image = png(tmp_path / "launch photo.png")
    target = client.get_upload_url(post_group_id=draft.post_group_id, file_name="launch photo.png", content_type="image/png")
    assert target.upload_url.startswith(clean_sandbox.root_url) and target.post_group_demoted is False
    sent: list[int] = []
    client.upload(target.upload_url, image, "image/png", progress=sent.append)
    assert sum(sent) == image.stat().st_size
    assert target.file_url is not None
    assert httpx.get(target.file_url).content == image.read_bytes()  # stored byte for byte
    probed = client.complete_media(target.media_id)
    assert probed["mediaFile"]["status"] == "ready"
    assert (probed["mediaFile"]["metadata"]["width"], probed["mediaFile"]["metadata"]["height"]) == (64, 48)

    scheduled = client.update_post(draft.post_group_id, status="scheduled", scheduled_time=soon(30), idempotency_key="row-2/s")
    assert scheduled.post_group is not None and scheduled.post_group.status == "scheduled"
    group = client.get_post(draft.post_group_id)
    assert group.status == "scheduled" and group.platforms == [LINKEDIN, BLUESKY]
    assert [(m.media_id, m.source_file_name, m.status) for m in group.media] == [(target.media_id, "launch_photo.png", "ready")]
    assert [p.post_group_id for p in client.list_posts(status="scheduled", platform="bluesky")] == [draft.post_group_id]
    assert list(client.list_posts(status="draft")) == []

    clean_sandbox.control.advance_clock(3600)
    group = client.get_post(draft.post_group_id)
    assert group.status == "published" and all(p.posted_id for p in group.posts)
    events = [log.event for log in client.post_logs(draft.post_group_id)]
    assert "scheduled" in events and "publish_succeeded" in events

    client.delete_post(draft.post_group_id)
    with pytest.raises(errors.NotFoundError):
        client.get_post(draft.post_group_id)


def test_update_post_patches_a_draft(client: PubloraClient) -> None:
    draft = client.create_post(content="v1", platforms=[LINKEDIN], first_comment={"text": "first!", "platforms": ["linkedin"]})
    updated = client.update_post(draft.post_group_id, content="v2", platforms=[LINKEDIN, MASTODON])
    assert updated.post_group is not None
    assert (updated.post_group.content, updated.post_group.platforms) == ("v2", [LINKEDIN, MASTODON])
    assert client.get_post(draft.post_group_id).first_comment == {"text": "first!", "platforms": ["linkedin"]}
    client.update_post(draft.post_group_id, first_comment=None)
    assert client.get_post(draft.post_group_id).first_comment is None


def test_idempotent_create_replays_and_conflicts(client: PubloraClient) -> None:
    first = client.create_post(content="Once", platforms=[LINKEDIN], idempotency_key="row-9")
    again = client.create_post(content="Once", platforms=[LINKEDIN], idempotency_key="row-9")
    assert again.post_group_id == first.post_group_id
    with pytest.raises(errors.IdempotencyConflictError) as info:
        client.create_post(content="Once, edited", platforms=[LINKEDIN], idempotency_key="row-9")
    assert "row changed since it was first sent" in str(info.value)
    assert len(list(client.list_posts())) == 1


def test_list_posts_walks_pages(client: PubloraClient) -> None:
    made = {client.create_post(content=f"post {n}", platforms=[LINKEDIN], scheduled_time=soon(10 + n)).post_group_id
            for n in range(7)}
    walked = [p.post_group_id for p in client.list_posts(page_size=3, sort_by="scheduledTime", sort_order="asc")]
    assert len(walked) == 7 and set(walked) == made
    times = [p.scheduled_time for p in client.list_posts(page_size=2, sort_by="scheduledTime", sort_order="asc")]
    assert times == sorted(times)  # type: ignore[type-var]


def test_past_time_strict_and_coerced(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.create_post(content="late", platforms=[LINKEDIN], scheduled_time=soon(-30))
    assert info.value.code == "SCHEDULED_TIME_IN_PAST" and "Publora's clock" in str(info.value)
    clean_sandbox.control.configure(strict=False)
    result = client.create_post(content="late", platforms=[LINKEDIN], scheduled_time=soon(-30))
    (warning,) = result.warnings
    assert warning.code == "SCHEDULED_TIME_COERCED" and warning.model_extra and "effective" in warning.model_extra


def test_validation_failure(client: PubloraClient) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.create_post(content="no picture", platforms=[INSTAGRAM], scheduled_time=soon())
    assert info.value.validation is not None
    assert "MEDIA_REQUIRED" in [e["code"] for e in info.value.validation["errors"]]
    assert "instagram MEDIA_REQUIRED" in str(info.value)


def test_plan_limits(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    clean_sandbox.control.configure(plan="starter")
    with pytest.raises(errors.PlanLimitError) as info:
        client.create_post(content="far", platforms=[LINKEDIN], scheduled_time=soon(60 * 24 * 30))
    assert info.value.code == "SCHEDULE_HORIZON_REACHED" and info.value.max_scheduled_date
    for n in range(3):
        client.create_post(content=f"q{n}", platforms=[LINKEDIN], scheduled_time=soon(10 + n))
    with pytest.raises(errors.PlanLimitError) as info:
        client.create_post(content="q3", platforms=[LINKEDIN], scheduled_time=soon(20))
    assert info.value.code == "SCHEDULED_POST_LIMIT_REACHED"
    assert (info.value.limit, info.value.used) == (3, 3) and info.value.exit_code == 3


def test_wrong_key_and_malformed_ids(clean_sandbox: SandboxServer) -> None:
    with PubloraClient("sk_wrong." + "0" * 52, base_url=clean_sandbox.base_url) as wrong:
        with pytest.raises(errors.AuthenticationError) as info:
            wrong.platform_connections()
    assert "PUBLORA_API_KEY" in str(info.value)
    raw = httpx.get(f"{clean_sandbox.base_url}/get-post/not-an-id", headers={"x-publora-key": clean_sandbox.api_key})
    assert raw.status_code == 500  # what the client's local check saves the caller from
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as c, pytest.raises(errors.InvalidIdError):
        c.get_post("not-an-id")


# --- media ------------------------------------------------------------------------------------


def test_upload_with_the_wrong_content_type_is_refused_by_storage(client: PubloraClient, tmp_path: Path) -> None:
    draft = client.create_post(content="x", platforms=[LINKEDIN])
    target = client.get_upload_url(post_group_id=draft.post_group_id, file_name="a.png", content_type="image/png")
    with pytest.raises(errors.PermissionDeniedError) as info:
        client.upload(target.upload_url, png(tmp_path / "a.png"), "image/jpeg")
    assert "SignatureDoesNotMatch" in str(info.value) and "Content-Type" in str(info.value)
    assert "X-Amz-Signature" not in str(info.value)
    tampered = target.upload_url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    with pytest.raises(errors.PermissionDeniedError):
        client.upload(tampered, tmp_path / "a.png", "image/png")


def test_a_bigger_upload_is_stored_intact(client: PubloraClient, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    payload = bytes(range(256)) * (20 * 4096)  # 20 MiB, not a multiple of the chunk pattern's period
    path.write_bytes(payload + b"tail")
    draft = client.create_post(content="video", platforms=[LINKEDIN])
    target = client.get_upload_url(post_group_id=draft.post_group_id, file_name="clip.mp4", content_type="video/mp4")
    progress: list[int] = []
    client.upload(target.upload_url, path, "video/mp4", progress=progress.append)
    assert sum(progress) == len(payload) + 4 and len(progress) == 21
    assert target.file_url is not None and httpx.get(target.file_url).content == payload + b"tail"


def test_delete_media_and_demotion(client: PubloraClient, tmp_path: Path) -> None:
    post = client.create_post(content="x", platforms=[LINKEDIN], scheduled_time=soon())
    target = client.get_upload_url(post_group_id=post.post_group_id, file_name="a.png", content_type="image/png")
    assert target.post_group_demoted is True  # attaching to a scheduled group makes it a draft
    client.upload(target.upload_url, png(tmp_path / "a.png"), "image/png")
    assert client.delete_media(target.media_id)["success"] is True
    assert client.get_post(post.post_group_id).media == []
    with pytest.raises(errors.NotFoundError):
        client.delete_media(target.media_id)


def test_attach_media(client: PubloraClient) -> None:
    draft = client.create_post(content="x", platforms=[LINKEDIN], scheduled_time=soon())
    result = client.attach_media(draft.post_group_id, download_url="https://files.example.com/photo.jpg",
                                 file_id="file_1", mime_type="image/jpeg", idempotency_key="att-1")
    assert result.post_group is not None and result.post_group.status == "draft"
    again = client.attach_media(draft.post_group_id, download_url="https://files.example.com/photo.jpg",
                                file_id="file_1", mime_type="image/jpeg", idempotency_key="att-1")
    assert again.post_group is not None and again.post_group.id == result.post_group.id
    assert len(client.get_post(draft.post_group_id).media) == 1  # the replay attached nothing more


def test_cover_and_thumbnail(client: PubloraClient, tmp_path: Path) -> None:
    reel = client.create_post(content="reel", platforms=[INSTAGRAM])
    cover = client.upload_instagram_cover(reel.post_group_id, png(tmp_path / "cover.jpg", (1080, 1920), "JPEG"))
    assert cover["cover"]["url"]
    video = client.create_post(content="video", platforms=[YOUTUBE])
    thumb = client.upload_youtube_thumbnail(video.post_group_id, png(tmp_path / "thumb.png", (1280, 720)), "image/png")
    assert thumb["thumbnail"]["mediaId"]
    with pytest.raises(errors.BadRequestError) as info:
        client.upload_youtube_thumbnail(video.post_group_id, png(tmp_path / "small.png", (320, 180)), "image/png")
    assert "640x360" in str(info.value)


# --- retries and idempotency on the wire -----------------------------------------------------------


def test_503s_are_retried(client: PubloraClient, clean_sandbox: SandboxServer, sleeps: Sleeps) -> None:
    clean_sandbox.control.set_faults(error_rate=1.0, error_status=503, max_faults=2, paths=["platform-connections"])
    assert client.platform_connections()
    assert sleeps == [1.0, 2.0]


def test_429_retry_after_is_honoured(client: PubloraClient, clean_sandbox: SandboxServer, sleeps: Sleeps) -> None:
    clean_sandbox.control.set_faults(rate_limit_rate=1.0, retry_after=7, max_faults=1, paths=["list-posts"])
    assert list(client.list_posts()) == []
    assert sleeps == [7.0]


def test_a_dropped_keyed_create_is_retried_and_replayed(client: PubloraClient, clean_sandbox: SandboxServer,
                                                        sleeps: Sleeps) -> None:
    """The sandbox commits the post, then drops the connection: only the key prevents a double."""
    clean_sandbox.control.set_faults(drop_rate=1.0, max_faults=1, paths=["create-post"])
    result = client.create_post(content="exactly once", platforms=[LINKEDIN], scheduled_time=soon(), idempotency_key="row-4")
    assert sleeps == [1.0]
    assert [p.post_group_id for p in client.list_posts()] == [result.post_group_id]


def test_a_dropped_create_without_key_is_not_retried(client: PubloraClient, clean_sandbox: SandboxServer,
                                                     sleeps: Sleeps) -> None:
    clean_sandbox.control.set_faults(drop_rate=1.0, max_faults=1, paths=["create-post"])
    with pytest.raises(errors.APIConnectionError) as info:
        client.create_post(content="maybe once", platforms=[LINKEDIN], scheduled_time=soon())
    assert sleeps == [] and "get_post" in str(info.value)
    assert len(list(client.list_posts())) == 1  # it was created: a blind resend would have doubled it


def test_in_flight_is_waited_out_and_replayed(clean_sandbox: SandboxServer, sleeps: Sleeps) -> None:
    clean_sandbox.control.set_faults(latency=1.5, paths=["create-post"])
    sleeps.real = True
    results: list[str] = []

    def create() -> None:
        with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url, sleep=sleeps,
                           random=lambda: 0.0) as c:
            results.append(c.create_post(content="twice at once", platforms=[LINKEDIN], idempotency_key="row-5").post_group_id)

    first = threading.Thread(target=create)
    first.start()
    time.sleep(0.5)  # let the first claim the key
    create()
    first.join()
    assert len(results) == 2 and results[0] == results[1]
    assert sleeps and sleeps[0] == 1.0  # the second waited (409 IDEMPOTENCY_IN_FLIGHT), then replayed
    clean_sandbox.control.clear_faults()
    with PubloraClient(clean_sandbox.api_key, base_url=clean_sandbox.base_url) as c:
        assert len(list(c.list_posts())) == 1


def test_a_retried_delete_of_a_committed_delete_is_done(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    post = client.create_post(content="x", platforms=[LINKEDIN])
    clean_sandbox.control.set_faults(drop_rate=1.0, max_faults=1, paths=["delete-post"])
    client.delete_post(post.post_group_id)  # dropped after the delete, retried, 404 = done
    with pytest.raises(errors.NotFoundError):
        client.get_post(post.post_group_id)


# --- webhooks ----------------------------------------------------------------------------------


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((raw, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    _Hook.received = []
    with serve(_Hook) as root:
        yield f"{root}/publora"


def test_webhooks_and_a_signed_delivery(client: PubloraClient, clean_sandbox: SandboxServer, hook_url: str) -> None:
    created = client.create_webhook(name="ops", url=hook_url, events=["post.published"])
    assert created.secret is not None and created.is_active
    (listed,) = client.list_webhooks()
    assert listed.id == created.id and listed.secret is None
    updated = client.update_webhook(created.id, events=["post.published", "post.failed"], name="ops2")
    assert updated.events == ["post.published", "post.failed"] and updated.name == "ops2"
    secret = client.regenerate_webhook_secret(created.id)
    assert secret != created.secret.get_secret_value()

    published(client, clean_sandbox, [LINKEDIN])
    (raw, headers), *_ = _Hook.received
    assert headers["X-Publora-Event"] == "post.published"
    assert verify_webhook_signature(secret, raw, headers["X-Publora-Signature"])
    assert not verify_webhook_signature(created.secret.get_secret_value(), raw, headers["X-Publora-Signature"])
    assert not verify_webhook_signature(secret, raw + b" ", headers["X-Publora-Signature"])

    client.delete_webhook(created.id)
    assert client.list_webhooks() == []


# --- workspace --------------------------------------------------------------------------------------


def test_workspace_users(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    (managed,) = client.list_workspace_users()
    as_user = client.with_options(user_id=managed.id)
    theirs = {c.platform_id for c in as_user.platform_connections()}
    assert theirs and theirs.isdisjoint({c.platform_id for c in client.platform_connections()})
    key = client.workspace_user_api_key(managed.id)
    assert key.user_id == managed.id
    with PubloraClient(key.api_key.get_secret_value(), base_url=clean_sandbox.base_url) as own:
        assert {c.platform_id for c in own.platform_connections()} == theirs
    link = client.workspace_user_connection_url(managed.id, expires_in_days=7)
    assert link.url.startswith("https://") and link.token_expires_at

    new = client.create_workspace_user(username="new.client@example.com", display_name="New Client")
    assert new.role == "managed" and new.display_name == "New Client"
    with pytest.raises(errors.ConflictError) as info:
        client.create_workspace_user(username="new.client@example.com")
    assert info.value.code == "email_exists" and "attach_workspace_user" in str(info.value)
    with pytest.raises(errors.NotFoundError):
        client.attach_workspace_user(email="nobody@example.com")
    client.delete_workspace_user(new.id)
    assert [u.id for u in client.list_workspace_users()] == [managed.id]


# --- analytics and engagement ------------------------------------------------------------------------


def test_linkedin_analytics_and_engagement(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    posted = published(client, clean_sandbox, [LINKEDIN])["linkedin"]
    single = client.linkedin_post_statistics(posted_id=posted, platform_id=LINKEDIN, query_type="IMPRESSION")
    assert isinstance(single.count, int)
    multi = client.linkedin_post_statistics(posted_id=posted, platform_id=LINKEDIN, query_types="ALL")
    assert multi.metrics is not None and set(multi.metrics) == {"IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"}
    daily = client.linkedin_account_statistics(platform_id=LINKEDIN, query_types=["IMPRESSION"], aggregation="DAILY",
                                               date_range=(date(2026, 11, 1), date(2026, 11, 4)))
    assert daily.metrics is not None and len(daily.metrics["IMPRESSION"]) == 3
    assert isinstance(client.linkedin_account_statistics(platform_id=LINKEDIN, query_type="REACTION").data, int)
    assert isinstance(client.linkedin_followers(platform_id=LINKEDIN).followers_count, int)
    growth = client.linkedin_followers(platform_id=LINKEDIN, period="daily", date_range=(date(2026, 11, 1), date(2026, 11, 3)))
    assert growth.data is not None and growth.total_growth == sum(d["count"] for d in growth.data)
    assert client.linkedin_profile_summary(platform_id=LINKEDIN).profile is not None

    reaction = client.linkedin_reactions(posted_id=posted, reaction_type="LIKE", platform_id=LINKEDIN)
    assert reaction.reaction is not None and reaction.reaction["reactionType"] == "LIKE"
    with pytest.raises(errors.ConflictError) as info:
        client.linkedin_reactions(posted_id=posted, reaction_type="LIKE", platform_id=LINKEDIN)
    assert info.value.code == "REACTION_ALREADY_EXISTS"
    client.delete_linkedin_reaction(posted_id=posted, platform_id=LINKEDIN)
    comment = client.linkedin_comments(posted_id=posted, message="Thanks all", platform_id=LINKEDIN)
    assert comment.comment is not None
    deleted = client.delete_linkedin_comment(posted_id=posted, comment_id=comment.comment["id"], platform_id=LINKEDIN)
    assert deleted.deleted
    reshare = client.linkedin_reshare(platform_id=LINKEDIN, parent=posted, commentary="Worth a read", visibility="PUBLIC")
    assert reshare.reshare is not None and reshare.reshare["id"].startswith("urn:li:share:")
    people = client.linkedin_mentionables(q="ada", limit=5)
    assert people and all("ada" in (p.name or "").lower() for p in people)


def test_mastodon_bluesky_statistics(client: PubloraClient, clean_sandbox: SandboxServer) -> None:
    posted = published(client, clean_sandbox, [BLUESKY, MASTODON])
    stats = client.post_statistics([
        {"platform": "bluesky", "platform_id": BLUESKY, "posted_id": posted["bluesky"]},
        {"platform": "mastodon", "platformId": MASTODON, "postedId": posted["mastodon"]},
    ])
    assert set(stats.stats) == {posted["bluesky"], posted["mastodon"]}
    assert all(s is not None and "reactions" in s for s in stats.stats.values())
    profile = client.profile_statistics(platform="mastodon", platform_id=MASTODON)
    assert profile.profile is not None and set(profile.profile) >= {"followers", "following", "posts"}
    clean_sandbox.control.configure(plan="starter")
    with pytest.raises(errors.PermissionDeniedError) as info:
        client.profile_statistics(platform="bluesky", platform_id=BLUESKY)
    assert info.value.code == "ANALYTICS_PLAN_REQUIRED" and not isinstance(info.value, errors.PlanLimitError)


def test_every_endpoint_method_is_exercised_end_to_end() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    methods = [n for n in vars(PubloraClient) if not n.startswith("_") and callable(getattr(PubloraClient, n))]
    assert [n for n in methods if f".{n}(" not in source and n != "close"] == []

