"""The sandbox over real HTTP on 127.0.0.1, with plain httpx (not the bulkpost client).

The ``EXAMPLE_*`` dicts are the example bodies of ``shared/docs/publora-api.md``, copied as
printed (the doc's ``…`` placeholders become strings); ``assert_shape`` checks that a sandbox
answer has every key of the example, with the same JSON type, recursively.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from localhttp import serve
from click.testing import CliRunner

from bulkpost.cli import cli
from bulkpost.sandbox import SandboxServer, run_sandbox

ROOT = Path(__file__).resolve().parents[1]
LINKEDIN = "linkedin-Tz9W5i6ZYG"
X_STANDARD = "twitter-1502345678901234567"
X_PREMIUM = "twitter-1600000000000000001"
INSTAGRAM = "instagram-17841412345678"
YOUTUBE = "youtube-UCx5Yf3Kq9tLm2Pq8Rz1AbCd"
BLUESKY = "bluesky-did:plc:abc123xyz"
PINTEREST = "pinterest-987654321012"
EXPIRED_FB = "facebook-998877665544"
MANAGED_LINKEDIN = "linkedin-Cl13ntPr0f"

# --- the contract's example bodies ----------------------------------------------------------

EXAMPLE_CREATE = {"success": True, "postGroupId": "507f1f77bcf86cd799439011", "scheduledTime": "2026-03-01T14:00:00.000Z"}
EXAMPLE_UPDATE = {
    "success": True,
    "message": "Post updated successfully",
    "scheduledTime": "2026-03-15T10:00:00.000Z",
    "postGroup": {"_id": "507f…", "status": "scheduled", "content": "…", "platforms": ["linkedin-ABC123"],
                  "scheduledTime": "2026-03-15T10:00:00.000Z"},
}
EXAMPLE_GET_POST = {
    "success": True,
    "postGroupId": "507f1f77bcf86cd799439011",
    "status": "published",
    "scheduledTime": "2026-02-22T14:30:00.000Z",
    "platforms": ["twitter-123456789", "linkedin-ABC123"],
    "platformSettings": {},
    "firstComment": None,
    "posts": [{"_id": "663a1b2c3d4e5f6a7b8c9d01", "platform": "twitter", "platformId": "123456789", "content": "…",
               "status": "published", "postedId": "1234567890123456789", "permalink": None, "isThread": False,
               "threadParts": [], "firstCommentResult": None}],
    "media": [{"mediaId": "…", "sourceFileName": "…", "fileName": "images/…", "type": "image", "mimeType": "image/png",
               "status": "ready", "failureReason": None, "url": "https://media.publora.com/images/…"}],
}
EXAMPLE_LIST = {
    "success": True,
    "posts": [{"postGroupId": "…", "content": "…", "status": "scheduled", "scheduledTime": "…", "createdAt": "…",
               "updatedAt": "…", "platforms": [{"platformId": "twitter-123456789", "platform": "twitter",
                                                "status": "scheduled"}], "mediaUrls": ["https://…"]}],
    "pagination": {"page": 1, "limit": 20, "totalItems": 47, "totalPages": 3, "hasNextPage": True, "hasPrevPage": False},
}
EXAMPLE_LOG = {"_id": "…", "postGroupId": "…", "postId": "…", "platform": "threads", "event": "publish_failed",
               "error": "Error validating access token", "httpStatus": 401, "retryCount": 1,
               "metadata": {"errorCode": "PLATFORM_AUTH_EXPIRED", "retryable": False},
               "createdAt": "…", "updatedAt": "…", "__v": 0}
EXAMPLE_CONNECTION = {"platformId": "linkedin-Tz9W5i6ZYG", "username": "John Doe", "displayName": "John Doe",
                      "profileImageUrl": "https://…", "profileUrl": "https://linkedin.com/in/johndoe",
                      "accessTokenExpiresAt": "2026-05-15T10:30:00.000Z", "tokenStatus": "valid",
                      "tokenExpiresIn": "82d 4h", "lastSuccessfulPost": "2026-02-22T09:15:00.000Z", "lastError": None}
EXAMPLE_TEST_CONNECTION = {"platform": "linkedin", "platformId": "linkedin-Tz9W5i6ZYG", "username": "John Doe",
                           "status": "ok", "message": "Connected as John Doe", "permissions": ["w_member_social", "…"],
                           "tokenExpiresIn": "45d 3h", "lastSuccessfulPost": "2026-02-22T09:15:00.000Z",
                           "lastError": None}
EXAMPLE_TWITTER_LIMITS = {
    "platform": "twitter", "displayName": "Twitter/X",
    "characters": {"standard": 280, "premium": 25000},
    "images": {"supported": True, "maxSizeBytes": 5242880, "maxCount": 4,
               "formats": ["image/jpeg", "image/png", "image/gif", "image/webp"]},
    "videos": {"supported": True, "maxDurationSeconds": 140, "minDurationSeconds": 0.5, "maxSizeBytes": 536870912,
               "maxCount": 1, "formats": ["video/mp4", "video/quicktime"],
               "aspectRatioRange": {"min": 0.3333333333333333, "max": 3}},
    "requirements": {"requiresMedia": False, "requiresVideo": False, "supportsTextOnly": True,
                     "supportsThreading": True},
    "documents": None, "gifs": None, "thumbnails": None}
EXAMPLE_LIMITS_TOP = {"success": True, "schemaVersion": 1, "source": "@publora/platform-limits",
                      "packageVersion": "1.0.0", "limitsLastUpdated": "2026-03-11",
                      "supportedPlatforms": ["twitter", "instagram", "threads", "tiktok", "linkedin", "youtube",
                                             "facebook", "mastodon", "bluesky", "telegram", "pinterest"],
                      "platforms": {"twitter": EXAMPLE_TWITTER_LIMITS}}
EXAMPLE_UPLOAD = {"success": True, "uploadUrl": "https://brandcraft-media.s3.amazonaws.com/images/...",
                  "fileUrl": "https://brandcraft-media.s3.amazonaws.com/images/1710500000000-product-photo.jpg",
                  "mediaId": "65f8a1b2c3d4e5f6a7b8c9d0"}
EXAMPLE_VALIDATION = {
    "error": "Validation failed",
    "validation": {
        "valid": False,
        "errors": [{"code": "MEDIA_REQUIRED", "message": "Instagram posts require media", "platform": "instagram",
                    "field": "media", "suggestions": ["…"], "severity": "error"}],
        "warnings": [],
        "summary": {"errorCount": 1, "warningCount": 0, "affectedPlatforms": ["instagram"]},
    },
}
EXAMPLE_POST_LIMIT = {"error": "Post limit reached", "code": "POST_LIMIT_REACHED", "metric": "posts.platform_monthly",
                      "message": "Monthly post limit reached. Your Pro plan allows 100 platform posts per month.",
                      "limit": 100, "used": 100, "requested": 2, "remaining": 0,
                      "periodStart": "2026-03-01T00:00:00.000Z", "periodEnd": "2026-04-01T00:00:00.000Z",
                      "planName": "Pro"}
EXAMPLE_SETTING_UNKNOWN = {"error": "Unknown platformSettings path: youtube.thumbnail.mediaID",
                           "code": "PLATFORM_SETTING_UNKNOWN", "field": "youtube.thumbnail.mediaID"}
EXAMPLE_ENVELOPE = {"version": "1", "event": "post.published", "timestamp": "2026-02-22T14:30:00.000Z", "data": {}}
EXAMPLE_IDEM_CONFLICT = {"error": "Idempotency key was already used with a different request body",
                         "code": "IDEMPOTENCY_KEY_CONFLICT"}
EXAMPLE_PLATFORMS_REQUIRED = {"error": "PLATFORMS_REQUIRED", "code": "PLATFORMS_REQUIRED",
                              "message": "At least one platform is required to schedule a post. Add a platform or "
                                         "keep the post as a draft."}

_JSON_TYPES: tuple[tuple[type, ...], ...] = ((bool,), (int, float), (str,), (list,), (dict,))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for types in _JSON_TYPES:
        if isinstance(value, types) and not (types == (int, float) and isinstance(value, bool)):
            return types[0].__name__
    return type(value).__name__


def assert_shape(actual: Any, example: Any, path: str = "$") -> None:
    """Every key of ``example`` is in ``actual`` with the same JSON type (``None`` in the
    example accepts null or anything; list items are checked against the example's first)."""
    if example is None:
        return
    assert _kind(actual) == _kind(example), f"{path}: {_kind(actual)} {actual!r}, example has {_kind(example)}"
    if isinstance(example, dict):
        missing = set(example) - set(actual)
        assert not missing, f"{path}: missing keys {sorted(missing)} (has {sorted(actual)})"
        for key, value in example.items():
            assert_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(example, list) and example:
        assert actual, f"{path}: empty list, example has items"
        for i, item in enumerate(actual):
            assert_shape(item, example[0], f"{path}[{i}]")


# --- helpers ------------------------------------------------------------------------------------

def png(width: int = 1080, height: int = 1080) -> bytes:
    """A real (tiny, solid) PNG."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def at(minutes: float, base: datetime | None = None) -> str:
    moment = (base or datetime.now(timezone.utc)) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sandbox_now(sb: SandboxServer) -> datetime:
    return datetime.fromisoformat(sb.control.state()["now"].replace("Z", "+00:00"))


def client_for(sb: SandboxServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, headers={"x-publora-key": sb.api_key, **headers}, timeout=10.0,
                         trust_env=False)


@pytest.fixture()
def api(clean_sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with client_for(clean_sandbox) as client:
        yield client


def create(api: httpx.Client, *, platforms: list[str] | None = None, content: str = "Hello from the sandbox",
           when: str | None = None, **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"content": content, "platforms": platforms or [LINKEDIN], **extra}
    if when is not None:
        body["scheduledTime"] = when
    return api.post("/create-post", json=body)


def upload(api: httpx.Client, gid: str, data: bytes = b"", content_type: str = "image/png",
           name: str = "photo.png", put: bool = True) -> dict[str, Any]:
    answer = api.post("/get-upload-url", json={"fileName": name, "contentType": content_type, "postGroupId": gid})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    if put:
        done = httpx.put(body["uploadUrl"], content=data or png(), headers={"Content-Type": content_type})
        assert done.status_code == 200, done.text
    return body


class HookReceiver:
    """A tiny local HTTP server that records webhook deliveries."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._serving = serve(Handler)
        self.url = f"{self._serving.__enter__()}/hook"

    def events(self) -> list[str]:
        return [headers["x-publora-event"] for headers, _ in self.received]

    def close(self) -> None:
        self._serving.__exit__(None, None, None)


@pytest.fixture()
def receiver() -> Iterator[HookReceiver]:
    hook = HookReceiver()
    yield hook
    hook.close()


# --- auth and ids -------------------------------------------------------------------------------

def test_auth_errors(clean_sandbox: SandboxServer) -> None:
    url = f"{clean_sandbox.base_url}/list-posts"
    assert httpx.get(url).json() == {"error": "API key is required"}
    assert httpx.get(url).status_code == 401
    wrong = httpx.get(url, headers={"x-publora-key": "sk_abc_12345678.deadbeef"})
    assert (wrong.status_code, wrong.json()) == (401, {"error": "Invalid API key"})
    assert clean_sandbox.api_key.startswith("sk_") and "." in clean_sandbox.api_key
    assert 20 <= len(clean_sandbox.api_key) <= 200
    assert "sk_" not in repr(clean_sandbox).replace("api_key='sk_…'", "")


def test_managed_user_header(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    bad = api.get("/platform-connections", headers={"x-publora-user-id": "not-an-id"})
    assert (bad.status_code, bad.json()) == (400, {"error": "Invalid x-publora-user-id"})
    stranger = api.get("/platform-connections", headers={"x-publora-user-id": "0" * 24})
    assert (stranger.status_code, stranger.json()) == (403, {"error": "User is not managed by key"})
    own = api.get("/platform-connections", headers={"x-publora-user-id": clean_sandbox.owner_id})
    assert LINKEDIN in [c["platformId"] for c in own.json()["connections"]]  # own id: a no-op
    users = api.get("/workspace/users").json()["users"]
    managed = users[0]["_id"]
    theirs = api.get("/platform-connections", headers={"x-publora-user-id": managed}).json()["connections"]
    assert [c["platformId"] for c in theirs] == [MANAGED_LINKEDIN, "bluesky-did:plc:client42"]
    # the owner's connection is not the managed user's
    refused = create(api, platforms=[LINKEDIN], headers=None) if False else api.post(
        "/create-post", json={"content": "x", "platforms": [LINKEDIN]}, headers={"x-publora-user-id": managed})
    assert refused.status_code == 400 and refused.json()["code"] == "INVALID_PLATFORM_CONNECTION"
    mine = api.post("/create-post", json={"content": "x", "platforms": [MANAGED_LINKEDIN]},
                    headers={"x-publora-user-id": managed})
    assert mine.status_code == 200
    # the group belongs to the managed user: invisible to the owner
    assert api.get(f"/get-post/{mine.json()['postGroupId']}").status_code == 404


@pytest.mark.parametrize(("method", "path", "error"), [
    ("GET", "/get-post/123", "Failed to fetch post group"),
    ("PUT", "/update-post/xyz", "Failed to update post"),
    ("DELETE", "/delete-post/nope", "Failed to delete post group"),
    ("GET", "/post-logs/12345", "Failed to get post logs"),
])
def test_malformed_object_ids_are_500(api: httpx.Client, method: str, path: str, error: str) -> None:
    answer = api.request(method, path, json={"status": "draft"} if method == "PUT" else None)
    assert (answer.status_code, answer.json()) == (500, {"error": error})


def test_unknown_group_is_404(api: httpx.Client) -> None:
    for method, path in (("GET", "/get-post/"), ("DELETE", "/delete-post/"), ("GET", "/post-logs/")):
        answer = api.request(method, path + "5" * 24)
        assert (answer.status_code, answer.json()) == (404, {"error": "Post group not found"})


# --- shapes against the contract's examples ------------------------------------------------------

def test_create_and_update_match_examples(api: httpx.Client) -> None:
    created = create(api, when=at(30))
    assert created.status_code == 200
    assert_shape(created.json(), EXAMPLE_CREATE)
    assert "warnings" not in created.json()  # omitted when empty
    gid = created.json()["postGroupId"]
    updated = api.put(f"/update-post/{gid}", json={"scheduledTime": at(60), "content": "New text"})
    assert updated.status_code == 200
    assert_shape(updated.json(), EXAMPLE_UPDATE)
    assert updated.json()["message"] == "Post updated successfully"
    assert updated.json()["postGroup"]["content"] == "New text"
    draft = create(api).json()
    assert draft["scheduledTime"] is None
    assert_shape(draft, {"success": True, "postGroupId": "…", "scheduledTime": None})
    as_draft = api.put(f"/update-post/{draft['postGroupId']}", json={"content": "still a draft"}).json()
    assert "scheduledTime" not in as_draft["postGroup"] and as_draft["scheduledTime"] is None


def test_get_post_list_and_logs_match_examples(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    gid = create(api, platforms=[X_STANDARD, LINKEDIN]).json()["postGroupId"]
    upload(api, gid)
    assert api.put(f"/update-post/{gid}", json={"status": "scheduled", "scheduledTime": at(5)}).status_code == 200
    listed = api.get("/list-posts").json()
    assert_shape(listed, EXAMPLE_LIST)
    assert listed["posts"][0]["platforms"][0]["platformId"] == X_STANDARD  # compound here
    clean_sandbox.control.advance_clock(6 * 60)
    post = api.get(f"/get-post/{gid}").json()
    assert_shape(post, EXAMPLE_GET_POST)
    assert post["status"] == "published"
    assert post["posts"][0]["platformId"] == "1502345678901234567"  # raw here
    assert post["posts"][0]["postedId"].isdigit()
    fb = create(api, platforms=[EXPIRED_FB], when=at(5)).json()["postGroupId"]
    clean_sandbox.control.advance_clock(6 * 60)
    logs = api.get(f"/post-logs/{fb}").json()
    failed = [entry for entry in logs["logs"] if entry["event"] == "publish_failed"]
    assert_shape(failed[0], EXAMPLE_LOG)
    assert failed[0]["metadata"] == {"errorCode": "PLATFORM_AUTH_EXPIRED", "retryable": False}
    assert api.get(f"/get-post/{fb}").json()["posts"][0]["error"]["code"] == "PLATFORM_AUTH_EXPIRED"


def test_connections_test_connection_and_limits(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    create(api, when=at(1))
    clean_sandbox.control.advance_clock(120)  # a published post sets lastSuccessfulPost
    connections = api.get("/platform-connections").json()
    assert connections["success"] is True
    by_id = {c["platformId"]: c for c in connections["connections"]}
    for conn in connections["connections"]:
        nullable = ("accessTokenExpiresAt", "tokenExpiresIn", "lastSuccessfulPost")  # string|null per §9
        assert_shape(conn, {k: (None if k in nullable else v) for k, v in EXAMPLE_CONNECTION.items()})
    assert_shape(by_id[LINKEDIN], EXAMPLE_CONNECTION)
    networks = {pid.split("-", 1)[0] for pid in by_id}
    assert len(networks) == 11
    assert by_id[X_PREMIUM]["subscriptionType"] == "Premium"
    assert by_id["tiktok-7123456789"]["tokenStatus"] == "expiring_soon"
    assert by_id[EXPIRED_FB]["tokenStatus"] == "expired"
    assert by_id[EXPIRED_FB]["tokenExpiresIn"] == "expired"
    tested = api.post(f"/test-connection/{LINKEDIN}")
    assert tested.status_code == 200 and "success" not in tested.json()
    assert_shape(tested.json(), EXAMPLE_TEST_CONNECTION)
    assert tested.json()["message"] == "Connected as John Doe"
    pin = api.post(f"/test-connection/{PINTEREST}").json()
    assert (pin["status"], pin["message"]) == ("error", "Unknown platform: pinterest")
    assert api.post("/test-connection/linkedin-nothere").json() == {"error": "Connection not found"}
    assert api.post("/test-connection/NOPE").json() == {"error": "Invalid platformId format"}
    assert api.post(f"/test-connection/{BLUESKY}").json()["platformId"] == BLUESKY  # colons in ids
    limits = api.get("/platform-limits").json()
    assert_shape(limits, EXAMPLE_LIMITS_TOP)
    assert limits["platforms"]["twitter"] == EXAMPLE_TWITTER_LIMITS  # documented verbatim
    for name, entry in limits["platforms"].items():
        # same schema as the twitter object (§11: other platforms INFERRED to follow it)
        assert_shape(entry, {k: v for k, v in EXAMPLE_TWITTER_LIMITS.items()
                             if k not in ("documents", "videos", "characters", "images")})
        assert_shape(entry["images"], {"supported": True, "maxSizeBytes": 1, "maxCount": 1, "formats": []})
        assert isinstance(entry["characters"]["standard"], int)
        assert entry["platform"] == name


# --- create/update rules -----------------------------------------------------------------------

@pytest.mark.parametrize(("body", "error"), [
    ({"platforms": [LINKEDIN]}, "Content is required"),
    ({"content": "   ", "platforms": [LINKEDIN]}, "Content is required"),
    ({"content": "x"}, "Platforms are required"),
    ({"content": "x", "platforms": []}, "At least one platform is required"),
    ({"content": "x", "platforms": "nope"}, "Invalid platforms JSON format"),
    ({"content": "x", "platforms": {"a": 1}}, "Platforms must be an array"),
    ({"content": "x", "platforms": ["LinkedIn ABC"]}, "Invalid platform ID format: LinkedIn ABC"),
    ({"content": "x", "platforms": [LINKEDIN, LINKEDIN]}, "Platforms must not contain duplicates"),
    ({"content": "x", "platforms": [LINKEDIN], "scheduledTime": "2026-03-15 10:00:00"}, "Invalid scheduled time format"),
    ({"content": "x", "platforms": [LINKEDIN], "scheduledTime": "2026-03-15"}, "Invalid scheduled time format"),
    ({"content": "x", "platforms": [LINKEDIN], "platformSettings": "{bad"}, "Invalid platformSettings JSON"),
    ({"content": "x", "platforms": [LINKEDIN], "platformSettings": [1]}, "platformSettings must be an object"),
])
def test_create_post_errors(api: httpx.Client, body: dict[str, Any], error: str) -> None:
    answer = api.post("/create-post", json=body)
    assert (answer.status_code, answer.json()["error"]) == (400, error)
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 0


def test_platform_settings_allowlist(api: httpx.Client) -> None:
    unknown = create(api, platformSettings={"facebook": {"x": 1}})
    assert unknown.json() == {"error": "Unknown platformSettings path: facebook", "code": "PLATFORM_SETTING_UNKNOWN",
                              "field": "facebook"}
    nested = create(api, platformSettings={"tiktok": {"disableDuet": True}})
    assert nested.json()["field"] == "tiktok.disableDuet"
    # thumbnail is update-post only
    assert create(api, platformSettings={"youtube": {"thumbnail": {"url": ""}}}).json()["field"] == "youtube.thumbnail"
    legacy = create(api, platformSettings={"youtube": {"playlistId": "PL1"}})
    assert legacy.json() == {"error": "platformSettings.youtube.playlistId is not supported; use "
                                      "platformSettings.youtube.playlist."}
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 0  # nothing persisted
    ok = create(api, platforms=["tiktok-7123456789"], platformSettings={
        "tiktok": {"viewerSetting": "SELF_ONLY", "allowComments": "false"}, "twitter": {"replyTo": "https://x.com/a/status/123"}})
    assert ok.status_code == 200, ok.text
    stored = api.get(f"/get-post/{ok.json()['postGroupId']}").json()["platformSettings"]
    assert stored["tiktok"]["viewerSetting"] == "SELF_ONLY" and stored["tiktok"]["allowComments"] is False
    assert stored["tiktok"]["allowDuet"] is False  # server default merged in
    assert stored["twitter"]["replyTo"] == "123"  # normalised to the id
    gid = ok.json()["postGroupId"]
    answer = api.put(f"/update-post/{gid}", json={"platformSettings": {"youtube": {"thumbnail": {"mediaID": "x"}}}})
    assert (answer.status_code, answer.json()) == (400, EXAMPLE_SETTING_UNKNOWN)


def test_past_times(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    coerced = create(api, when=at(-2))
    assert coerced.status_code == 200
    warning = coerced.json()["warnings"][0]
    assert_shape(warning, {"code": "…", "message": "…", "requested": "…", "effective": "…"})
    assert warning["code"] == "SCHEDULED_TIME_COERCED"
    assert coerced.json()["scheduledTime"] == warning["effective"] != warning["requested"]
    rejected = create(api, when=at(-10))
    assert rejected.status_code == 400
    body = rejected.json()
    assert body["code"] == "SCHEDULED_TIME_IN_PAST"
    assert body["error"] == f"Scheduled time is in the past. Server time is {body['serverTime']} UTC."
    clean_sandbox.control.configure(strict=False)
    lenient = create(api, when=at(-600))
    assert lenient.status_code == 200 and lenient.json()["warnings"][0]["code"] == "SCHEDULED_TIME_COERCED"
    offset = create(api, when=(datetime.now(timezone.utc) + timedelta(hours=3)).astimezone(
        timezone(timedelta(hours=2))).strftime("%Y-%m-%dT%H:%M:%S+02:00"))
    assert offset.json()["scheduledTime"].endswith("Z")  # stored and returned as UTC


def test_update_rules(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    gid = create(api, when=at(30)).json()["postGroupId"]
    empty = api.put(f"/update-post/{gid}", json={})
    assert empty.json() == {"error": "At least one of status, scheduledTime, content, platforms, platformSettings, "
                                     "or mediaUrls must be provided"}
    assert api.put(f"/update-post/{gid}", json={"status": "published"}).json() == {
        "error": "Status must be either 'draft' or 'scheduled'"}
    assert api.put(f"/update-post/{gid}", json={"content": 5}).json()["code"] == "INVALID_CONTENT"
    none = api.put(f"/update-post/{gid}", json={"platforms": []})
    assert (none.status_code, none.json()) == (400, EXAMPLE_PLATFORMS_REQUIRED)
    foreign = api.put(f"/update-post/{gid}", json={"platforms": ["linkedin-someoneelse"]}).json()
    assert foreign["code"] == "INVALID_PLATFORM_CONNECTION" and foreign["invalidPlatforms"] == ["linkedin-someoneelse"]
    replaced = api.put(f"/update-post/{gid}", json={"platforms": [X_STANDARD, BLUESKY]})
    assert replaced.json()["postGroup"]["platforms"] == [X_STANDARD, BLUESKY]
    assert [p["platform"] for p in api.get(f"/get-post/{gid}").json()["posts"]] == ["twitter", "bluesky"]
    to_draft = api.put(f"/update-post/{gid}", json={"status": "draft", "platforms": []})
    assert to_draft.json()["postGroup"]["status"] == "draft"
    clean_sandbox.control.advance_clock(3600)
    published = create(api, when=at(1, sandbox_now(clean_sandbox))).json()["postGroupId"]
    clean_sandbox.control.advance_clock(120)
    locked = api.put(f"/update-post/{published}", json={"content": "late"})
    assert locked.json() == {"error": "Cannot update post: post is currently in published status",
                             "code": "POST_NOT_EDITABLE"}


def test_delete_post(api: httpx.Client) -> None:
    gid = create(api).json()["postGroupId"]
    assert api.delete(f"/delete-post/{gid}").json() == {"success": True}
    assert api.delete(f"/delete-post/{gid}").json() == {"error": "Post group not found"}


def test_list_posts_filters_sorting_pagination(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    ids = [create(api, platforms=[BLUESKY if i % 2 else LINKEDIN], when=at(60 + i)).json()["postGroupId"]
           for i in range(5)]
    create(api)  # a draft
    page = api.get("/list-posts", params={"limit": 2, "page": 2, "status": "scheduled", "sortBy": "scheduledTime",
                                          "sortOrder": "asc"}).json()
    assert [p["postGroupId"] for p in page["posts"]] == ids[2:4]
    assert page["pagination"] == {"page": 2, "limit": 2, "totalItems": 5, "totalPages": 3, "hasNextPage": True,
                                  "hasPrevPage": True}
    assert api.get("/list-posts", params={"platform": "bluesky"}).json()["pagination"]["totalItems"] == 2
    assert api.get("/list-posts", params={"platform": BLUESKY}).json()["pagination"]["totalItems"] == 0
    assert api.get("/list-posts", params={"status": "draft"}).json()["pagination"]["totalItems"] == 1
    windowed = api.get("/list-posts", params={"fromDate": at(60.5), "toDate": at(62.5)}).json()
    assert {p["postGroupId"] for p in windowed["posts"]} == set(ids[1:3])
    assert api.get("/list-posts", params={"limit": 1000}).json()["pagination"]["limit"] == 100
    assert api.get("/list-posts", params={"status": "live"}).json() == {
        "error": "Invalid status. Must be one of: draft, scheduled, published, failed, partially_published"}
    assert api.get("/list-posts", params={"sortBy": "name"}).json() == {
        "error": "Invalid sortBy. Must be one of: createdAt, updatedAt, scheduledTime"}
    assert api.get("/list-posts", params={"fromDate": "soon"}).json() == {"error": "Invalid fromDate format"}


# --- the scheduling gate -----------------------------------------------------------------------

def test_validation_gate(api: httpx.Client) -> None:
    insta = create(api, platforms=[INSTAGRAM], when=at(30))
    assert insta.status_code == 400
    assert_shape(insta.json(), EXAMPLE_VALIDATION)
    assert insta.json()["validation"]["errors"][0]["message"] == "Instagram posts require media"
    assert create(api, platforms=[INSTAGRAM]).status_code == 200  # drafts skip validation
    emoji = "\U0001F600"  # 2 UTF-16 units
    assert create(api, platforms=[BLUESKY], content=emoji * 150, when=at(30)).status_code == 200
    long = create(api, platforms=[BLUESKY], content=emoji * 150 + "a", when=at(30)).json()
    error = long["validation"]["errors"][0]
    assert (error["code"], error["currentValue"], error["maxValue"]) == ("CONTENT_TOO_LONG", 301, 300)
    # X auto-threads instead of rejecting
    assert create(api, platforms=[X_STANDARD], content="word " * 200, when=at(30)).status_code == 200


def test_media_gate_and_video_rules(api: httpx.Client) -> None:
    gid = create(api, platforms=[YOUTUBE]).json()["postGroupId"]
    upload(api, gid)
    video = api.put(f"/update-post/{gid}", json={"status": "scheduled", "scheduledTime": at(30)}).json()
    assert {e["code"] for e in video["validation"]["errors"]} == {"IMAGES_NOT_SUPPORTED", "VIDEO_REQUIRED"}
    pending = create(api, platforms=[INSTAGRAM]).json()["postGroupId"]
    upload(api, pending, put=False)
    not_ready = api.put(f"/update-post/{pending}", json={"status": "scheduled", "scheduledTime": at(30)})
    assert (not_ready.status_code, not_ready.json()["code"]) == (400, "MEDIA_NOT_READY")
    good = create(api, platforms=[YOUTUBE]).json()["postGroupId"]
    upload(api, good, MP4, "video/mp4", "clip.mp4")
    assert api.put(f"/update-post/{good}", json={"status": "scheduled", "scheduledTime": at(30)}).status_code == 200


def test_pinterest_is_connect_only(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    assert create(api, platforms=[PINTEREST], when=at(5)).json()["validation"]["errors"][0]["code"] == "MEDIA_REQUIRED"
    gid = create(api, platforms=[PINTEREST, LINKEDIN]).json()["postGroupId"]
    upload(api, gid)
    assert api.put(f"/update-post/{gid}", json={"status": "scheduled", "scheduledTime": at(5)}).status_code == 200
    clean_sandbox.control.advance_clock(600)
    post = api.get(f"/get-post/{gid}").json()
    statuses = {p["platform"]: p["status"] for p in post["posts"]}
    assert statuses == {"pinterest": "pending", "linkedin": "published"}
    assert post["status"] == "published"
    only_pin = create(api, platforms=[PINTEREST]).json()["postGroupId"]
    upload(api, only_pin)
    api.put(f"/update-post/{only_pin}", json={"status": "scheduled", "scheduledTime": at(1, sandbox_now(clean_sandbox))})
    clean_sandbox.control.advance_clock(600)
    assert api.get(f"/get-post/{only_pin}").json()["status"] == "scheduled"  # never publishes
    added = api.put(f"/update-post/{only_pin}", json={"platforms": [PINTEREST, LINKEDIN],
                                                      "scheduledTime": at(1, sandbox_now(clean_sandbox))})
    assert added.status_code == 200, added.text
    clean_sandbox.control.advance_clock(120)
    assert api.get(f"/get-post/{only_pin}").json()["status"] == "published"  # the LinkedIn target went out


def test_threads_and_premium(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    text = "A sentence that goes on. " * 30  # 750 units
    standard = create(api, platforms=[X_STANDARD], content=text, when=at(5)).json()["postGroupId"]
    premium = create(api, platforms=[X_PREMIUM], content=text, when=at(5)).json()["postGroupId"]
    manual = create(api, platforms=[X_PREMIUM], content="one\n---\ntwo", when=at(5)).json()["postGroupId"]
    clean_sandbox.control.advance_clock(600)
    thread = api.get(f"/get-post/{standard}").json()["posts"][0]
    assert thread["isThread"] is True and len(thread["threadParts"]) == 3
    assert thread["threadParts"][0]["content"].endswith("(1/3)")
    assert all(len(p["content"].encode("utf-16-le")) // 2 <= 280 for p in thread["threadParts"])
    assert thread["postedId"] == thread["threadParts"][0]["publishedId"]
    assert api.get(f"/get-post/{premium}").json()["posts"][0]["isThread"] is False
    assert [p["content"] for p in api.get(f"/get-post/{manual}").json()["posts"][0]["threadParts"]] == ["one", "two"]


# --- plan limits ------------------------------------------------------------------------------

def test_plan_limits(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.configure(plan="starter")
    assert create(api, platforms=[LINKEDIN, BLUESKY], when=at(30)).status_code == 200
    assert create(api, platforms=[LINKEDIN], when=at(30)).status_code == 200
    queue = create(api, platforms=[LINKEDIN], when=at(30))
    assert queue.status_code == 403
    assert_shape(queue.json(), {k: v for k, v in EXAMPLE_POST_LIMIT.items() if k not in ("periodStart", "periodEnd")})
    assert (queue.json()["code"], queue.json()["used"], queue.json()["limit"]) == ("SCHEDULED_POST_LIMIT_REACHED", 3, 3)
    assert create(api, platforms=[LINKEDIN]).status_code == 200  # drafts are not limited
    clean_sandbox.control.configure(plan={"preset": "starter", "scheduledPosts": 100})
    horizon = create(api, when=at(8 * 24 * 60)).json()
    assert horizon["code"] == "SCHEDULE_HORIZON_REACHED" and horizon["metric"] == "posts.schedule_horizon_days"
    assert horizon["maxScheduledDate"] < horizon["scheduledTime"] and horizon["used"] is None
    monthly = create(api, platforms=[LINKEDIN, BLUESKY], when=at(30))
    monthly = create(api, platforms=[LINKEDIN], when=at(30)) if monthly.status_code == 200 else monthly
    clean_sandbox.control.configure(plan={"preset": "pro", "monthlyPosts": 100})
    clean_sandbox.control.reset()
    clean_sandbox.control.configure(plan={"preset": "pro", "monthlyPosts": 1})
    assert create(api, platforms=[LINKEDIN, BLUESKY], when=at(30)).status_code == 200
    over = create(api, platforms=[LINKEDIN, X_STANDARD], when=at(30))
    assert over.status_code == 403
    body = over.json()
    assert_shape(body, {k: v for k, v in EXAMPLE_POST_LIMIT.items() if k not in ("used", "remaining")})
    assert body["message"] == "Monthly post limit reached. Your Pro plan allows 1 platform posts per month."
    assert body["limitScope"] == "connection" and [b["platformSelection"] for b in body["blockedPlatforms"]] == [LINKEDIN]
    clean_sandbox.control.configure(plan={"preset": "starter", "monthlyPosts": 2, "scheduledPosts": 100})
    account = create(api, platforms=[X_STANDARD], when=at(30)).json()
    assert_shape(account, EXAMPLE_POST_LIMIT)
    assert (account["used"], account["requested"], account["remaining"]) == (2, 1, 0)


# --- idempotency -----------------------------------------------------------------------------------

def test_idempotency_replay_and_conflict(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    body = {"content": "once", "platforms": [LINKEDIN], "scheduledTime": at(30)}
    first = api.post("/create-post", json=body, headers={"Idempotency-Key": "k-1"})
    reordered = json.dumps(dict(reversed(list(body.items()))))
    again = api.post("/create-post", content=reordered, headers={"Idempotency-Key": "k-1",
                                                                 "Content-Type": "application/json"})
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 1
    conflict = api.post("/create-post", json={**body, "content": "twice"}, headers={"Idempotency-Key": "k-1"})
    assert (conflict.status_code, conflict.json()) == (422, EXAMPLE_IDEM_CONFLICT)
    # scoped per acting user
    managed = api.get("/workspace/users").json()["users"][0]["_id"]
    theirs = api.post("/create-post", json={**body, "platforms": [MANAGED_LINKEDIN]},
                      headers={"Idempotency-Key": "k-1", "x-publora-user-id": managed})
    assert theirs.status_code == 200 and theirs.json()["postGroupId"] != first.json()["postGroupId"]
    # update-post: bound to the postGroupId
    other = create(api).json()["postGroupId"]
    gid = first.json()["postGroupId"]
    patch = {"content": "edited"}
    assert api.put(f"/update-post/{gid}", json=patch, headers={"Idempotency-Key": "u-1"}).status_code == 200
    assert api.put(f"/update-post/{other}", json=patch, headers={"Idempotency-Key": "u-1"}).status_code == 422
    # 24 h expiry
    clean_sandbox.control.advance_clock(25 * 3600)
    late = {"content": "once", "platforms": [LINKEDIN], "scheduledTime": at(30, sandbox_now(clean_sandbox))}
    fresh = api.post("/create-post", json=late, headers={"Idempotency-Key": "k-1"})
    assert fresh.status_code == 200 and fresh.json()["postGroupId"] != gid


def test_idempotency_in_flight(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.set_faults(latency=0.8, paths=["create-post"])
    body = {"content": "slow", "platforms": [LINKEDIN]}
    results: list[httpx.Response] = []

    def first() -> None:
        with client_for(clean_sandbox) as other:
            results.append(other.post("/create-post", json=body, headers={"Idempotency-Key": "slow-1"}))

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 5
    while not clean_sandbox.control.state()["idempotency"] and time.monotonic() < deadline:
        time.sleep(0.02)
    second = api.post("/create-post", json=body, headers={"Idempotency-Key": "slow-1"})
    thread.join()
    assert (second.status_code, second.json()) == (409, {
        "code": "IDEMPOTENCY_IN_FLIGHT", "error": "A request with this idempotency key is still in flight"})
    assert results[0].status_code == 200
    replay = api.post("/create-post", json=body, headers={"Idempotency-Key": "slow-1"})
    assert replay.json() == results[0].json()


# --- media ------------------------------------------------------------------------------------------

def test_upload_flow_and_s3_rules(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    gid = create(api).json()["postGroupId"]
    answer = upload(api, gid, put=False, name="my photo!.png")
    assert_shape(answer, EXAMPLE_UPLOAD)
    assert "postGroupDemoted" not in answer
    wrong = httpx.put(answer["uploadUrl"], content=png(), headers={"Content-Type": "image/jpeg"})
    assert wrong.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in wrong.text
    tampered = httpx.put(answer["uploadUrl"].replace("X-Amz-Signature=", "X-Amz-Signature=0"), content=png(),
                         headers={"Content-Type": "image/png"})
    assert tampered.status_code == 403
    data = png(640, 400)
    assert httpx.put(answer["uploadUrl"], content=data, headers={"Content-Type": "image/png"}).status_code == 200
    stored = Path(clean_sandbox.media_dir) / answer["mediaId"]
    assert stored.read_bytes() == data
    assert httpx.get(answer["fileUrl"]).content == data
    media = api.get(f"/get-post/{gid}").json()["media"][0]
    assert (media["sourceFileName"], media["status"]) == ("my_photo.png", "uploading")
    done = api.post(f"/complete-media/{answer['mediaId']}").json()
    assert_shape(done, {"success": True, "mediaFile": {"_id": "…", "type": "image", "mimeType": "…", "fileName": "…",
                                                        "url": "…", "status": "ready", "metadata": {}}})
    assert done["mediaFile"]["metadata"]["width"] == 640 and done["mediaFile"]["metadata"]["height"] == 400
    late = upload(api, gid, put=False)
    clean_sandbox.control.advance_clock(3601)
    expired = httpx.put(late["uploadUrl"], content=png(), headers={"Content-Type": "image/png"})
    assert expired.status_code == 403 and "Request has expired" in expired.text


def test_upload_errors_and_complete_media(api: httpx.Client) -> None:
    gid = create(api).json()["postGroupId"]
    assert api.post("/get-upload-url", json={"fileName": "a.png"}).json() == {
        "error": "fileName, contentType, and postGroupId are required"}
    assert api.post("/get-upload-url", json={"fileName": "a.txt", "contentType": "text/plain",
                                             "postGroupId": gid}).json() == {
        "error": "Only video, image, and PDF files are allowed"}
    assert api.post("/get-upload-url", json={"fileName": "a.png", "contentType": "image/png",
                                             "postGroupId": "6" * 24}).json() == {"error": "Invalid postGroupId"}
    waiting = upload(api, gid, put=False)
    assert api.post(f"/complete-media/{waiting['mediaId']}").json()["code"] == "PROBE_DOWNLOAD_FAILED"
    junk = upload(api, gid, b"this is not an image", name="junk.png")
    failed = api.post(f"/complete-media/{junk['mediaId']}")
    assert (failed.status_code, failed.json()["code"]) == (400, "PROBE_FAILED")
    assert api.post("/complete-media/bad").json()["code"] == "INVALID_MEDIA_FILE_ID"
    assert api.post(f"/complete-media/{'7' * 24}").json()["code"] == "MEDIA_FILE_NOT_FOUND"
    assert api.delete("/media/bad").json() == {"error": "Invalid mediaId"}
    assert api.delete(f"/media/{'7' * 24}").json() == {"error": "Media file not found"}


def test_media_order_is_call_order(api: httpx.Client) -> None:
    gid = create(api).json()["postGroupId"]
    urls = [upload(api, gid, put=False, name=f"{i}.png") for i in range(3)]
    for answer in reversed(urls):  # PUTs complete in the opposite order
        httpx.put(answer["uploadUrl"], content=png(), headers={"Content-Type": "image/png"})
    media = api.get(f"/get-post/{gid}").json()["media"]
    assert [m["mediaId"] for m in media] == [u["mediaId"] for u in urls]


def test_demotion_on_attach_and_detach(clean_sandbox: SandboxServer, api: httpx.Client,
                                       receiver: HookReceiver) -> None:
    api.post("/webhooks", json={"name": "t", "url": receiver.url, "events": ["post.demoted"]})
    gid = create(api, when=at(30)).json()["postGroupId"]
    answer = upload(api, gid)
    assert answer["postGroupDemoted"] is True and answer["message"]
    assert api.get(f"/get-post/{gid}").json()["status"] == "draft"
    assert api.put(f"/update-post/{gid}", json={"status": "scheduled", "scheduledTime": at(30)}).status_code == 200
    removed = api.delete(f"/media/{answer['mediaId']}").json()
    assert removed["success"] is True and removed["postGroupDemoted"] is True
    assert api.get(f"/get-post/{gid}").json()["media"] == []
    clean_sandbox.control.advance_clock(0)  # waits for deliveries
    payloads = [json.loads(raw)["data"] for _, raw in receiver.received]
    assert [(p["changeType"], p["reason"]) for p in payloads] == [("attach", "media_changed"),
                                                                   ("detach", "media_changed")]
    assert payloads[0]["mediaFileId"] == answer["mediaId"]


def test_media_urls_and_attach_media(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    ingested = create(api, platforms=[INSTAGRAM], when=at(30), mediaUrls=["https://cdn.example.com/a.jpg"])
    assert ingested.status_code == 200 and ingested.json()["media"][0]["ok"] is True
    media = api.get(f"/get-post/{ingested.json()['postGroupId']}").json()["media"]
    assert (media[0]["type"], media[0]["status"]) == ("image", "ready")
    refused = create(api, mediaUrls=["http://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"]).json()
    assert refused["error"] == "Media ingestion failed"
    assert [r["code"] for r in refused["mediaResults"]] == ["MEDIA_URL_PROTOCOL", "MEDIA_URL_SKIPPED"]
    assert create(api, mediaUrls=["https://127.0.0.1/a.jpg"]).json()["mediaResults"][0]["code"] == "MEDIA_URL_BLOCKED_HOST"
    assert create(api, mediaUrls=[]).json() == {"error": "mediaUrls must contain at least one URL when provided"}
    gid = create(api, when=at(30)).json()["postGroupId"]
    body = {"file": {"download_url": "https://files.example.com/x", "file_id": "file-1", "mime_type": "image/png"}}
    attached = api.post(f"/attach-media/{gid}", json=body, headers={"Idempotency-Key": "att-1"})
    assert attached.status_code == 200
    assert_shape(attached.json(), {k: v for k, v in EXAMPLE_UPDATE.items() if k != "scheduledTime"})
    assert attached.json()["postGroup"]["status"] == "draft"  # always a draft
    again = api.post(f"/attach-media/{gid}", json=body, headers={"Idempotency-Key": "att-1"})
    assert again.json() == attached.json() and len(api.get(f"/get-post/{gid}").json()["media"]) == 1
    assert api.post(f"/attach-media/{gid}", json={"url": "x"}).json()["code"] == "INVALID_MEDIA_FILE"
    for _ in range(5):
        create(api, mediaUrls=[f"https://cdn.example.com/{i}.png" for i in range(10)])
    limited = create(api, mediaUrls=[f"https://cdn.example.com/{i}.png" for i in range(10)])
    assert limited.status_code == 429 and limited.json()["code"] == "MEDIA_URL_RATE_LIMITED"
    assert limited.json()["error"] == ("Media URL ingestion rate limit reached (60 URLs/hour). Retry later or use "
                                       "the presigned get-upload-url flow.")
    assert int(limited.headers["Retry-After"]) == limited.json()["retryAfterSec"] > 0


def test_side_uploads(api: httpx.Client) -> None:
    gid = create(api, platforms=[YOUTUBE]).json()["postGroupId"]
    thumb = api.post("/upload-youtube-thumbnail", data={"postGroupId": gid},
                     files={"thumbnail": ("t.png", png(1280, 720), "image/png")})
    assert thumb.status_code == 200 and set(thumb.json()["thumbnail"]) == {"mediaId", "url"}
    small = api.post("/upload-youtube-thumbnail", data={"postGroupId": gid},
                     files={"thumbnail": ("t.png", png(100, 100), "image/png")})
    assert small.json() == {"error": "YouTube thumbnails must be at least 640x360 pixels"}
    cover = api.post("/upload-instagram-cover", data={"postGroupId": gid},
                     files={"cover": ("c.png", png(100, 100), "image/png")})
    assert cover.status_code == 200 and cover.json()["cover"]["url"].endswith("-reel-cover.jpg")
    assert api.post("/upload-instagram-cover", data={"postGroupId": gid}).json() == {"error": "cover file is required"}


# --- publishing and webhooks ------------------------------------------------------------------

def test_signed_webhooks_and_publishing(clean_sandbox: SandboxServer, api: httpx.Client,
                                        receiver: HookReceiver) -> None:
    created = api.post("/webhooks", json={"name": "all", "url": receiver.url,
                                          "events": ["post.scheduled", "post.published", "post.failed"]})
    assert created.status_code == 201
    secret = created.json()["webhook"]["secret"]
    clean_sandbox.control.configure(fail_platforms=["bluesky"])
    gid = create(api, platforms=[LINKEDIN, BLUESKY], when=at(3)).json()["postGroupId"]
    result = clean_sandbox.control.advance_clock(240)
    assert result["processed"] == [gid]
    assert api.get(f"/get-post/{gid}").json()["status"] == "partially_published"
    # one attempt per event, no ordering guarantee (contract §13.2)
    assert sorted(receiver.events()) == ["post.failed", "post.published", "post.scheduled"]
    for headers, raw in receiver.received:
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-publora-signature"], expected)
        assert headers["content-type"] == "application/json"
        envelope = json.loads(raw)
        assert_shape(envelope, EXAMPLE_ENVELOPE)
        assert envelope["event"] == headers["x-publora-event"]
    by_event = {headers["x-publora-event"]: json.loads(raw)["data"] for headers, raw in receiver.received}
    scheduled, published, failed = by_event["post.scheduled"], by_event["post.published"], by_event["post.failed"]
    assert scheduled == {"postGroupId": gid, "scheduledTime": scheduled["scheduledTime"],
                         "platforms": [LINKEDIN, BLUESKY]}
    assert set(published) == {"postId", "postGroupId", "platform", "platformId", "postedId", "permalink",
                              "publishedAt"}
    assert (published["platformId"], published["permalink"]) == ("Tz9W5i6ZYG", None)
    assert set(failed) == {"postId", "postGroupId", "platform", "error", "failedAt"}
    assert set(failed["error"]) == {"code", "message"}
    rotated = api.post(f"/webhooks/{created.json()['webhook']['_id']}/regenerate-secret").json()["secret"]
    assert rotated != secret


def test_failure_rate_and_expired_token(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.configure(failure_rate=1.0)
    gid = create(api, platforms=[LINKEDIN, X_STANDARD], when=at(2)).json()["postGroupId"]
    clean_sandbox.control.advance_clock(180)
    post = api.get(f"/get-post/{gid}").json()
    assert post["status"] == "failed"
    for item in post["posts"]:
        assert_shape(item["error"], {"code": "…", "message": "…", "platformError": None, "failedAt": "…",
                                     "retryable": True})
        assert item["error"]["code"] in {"RATE_LIMITED", "PLATFORM_SERVER_ERROR", "NETWORK_ERROR", "TIMEOUT_ERROR",
                                         "INVALID_CONTENT"}


def test_accelerated_clock_publishes() -> None:
    with run_sandbox(speed=3600, seed=3) as fast, client_for(fast) as api:
        now = sandbox_now(fast)
        gid = create(api, when=at(30, now)).json()["postGroupId"]  # 30 sandbox minutes = 0.5 s
        deadline = time.monotonic() + 20
        status = "scheduled"
        while status == "scheduled" and time.monotonic() < deadline:
            time.sleep(0.1)
            status = api.get(f"/get-post/{gid}").json()["status"]
        assert status == "published"


def test_webhook_crud(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    created = api.post("/webhooks", json={"name": "n", "url": "https://example.com/h", "events": ["post.failed"]})
    assert_shape(created.json(), {"success": True, "webhook": {"_id": "…", "name": "…", "url": "…", "events": ["…"],
                                                               "secret": "…", "isActive": True, "createdAt": "…"}})
    hid = created.json()["webhook"]["_id"]
    listed = api.get("/webhooks").json()["webhooks"][0]
    assert set(listed) == {"_id", "name", "url", "events", "isActive", "failureCount", "lastTriggeredAt", "createdAt",
                           "updatedAt", "__v"}
    patched = api.patch(f"/webhooks/{hid}", json={"isActive": False, "name": ""}).json()["webhook"]
    assert (patched["isActive"], patched["name"]) == (False, "n")
    assert api.patch(f"/webhooks/{hid}", json={"isActive": "yes"}).status_code == 400
    assert api.post("/webhooks", json={"name": "n"}).json() == {"error": "Name, URL, and at least one event are required"}
    assert api.post("/webhooks", json={"name": "n", "url": "ftp://x", "events": ["post.failed"]}).json() == {
        "error": "Invalid URL format"}
    assert api.post("/webhooks", json={"name": "n", "url": "https://x.io", "events": ["post.liked"]}).json() == {
        "error": "Invalid events"}
    for i in range(9):
        api.post("/webhooks", json={"name": f"n{i}", "url": "https://example.com/h", "events": ["post.failed"]})
    assert api.post("/webhooks", json={"name": "x", "url": "https://example.com/h", "events": ["post.failed"]}).json() == {
        "error": "Maximum of 10 webhooks per user"}
    assert api.delete(f"/webhooks/{hid}").json() == {"success": True}
    assert api.delete(f"/webhooks/{hid}").json() == {"error": "Webhook not found"}
    clean_sandbox.control.configure(allow_loopback_webhooks=False)
    assert api.post("/webhooks", json={"name": "n", "url": "http://localhost:9/h", "events": ["post.failed"]}).json() == {
        "error": "Localhost URLs are not allowed"}


# --- workspace and analytics --------------------------------------------------------------------------

def test_workspace_users(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    user_shape = {"_id": "…", "username": "…", "displayName": "…", "role": "managed", "dailyPostsLeft": 100,
                  "connectionsPageUrl": None, "connectionsPageTokenExpiresAt": None}
    made = api.post("/workspace/users", json={"username": "new@example.com", "displayName": "New"})
    assert made.status_code == 201
    assert_shape(made.json()["user"], user_shape)
    uid = made.json()["user"]["_id"]
    dup = api.post("/workspace/users", json={"username": "new@example.com"})
    assert dup.status_code == 409 and dup.json()["code"] == "email_exists" and dup.json()["userId"] == uid
    assert api.post("/workspace/users", json={}).json() == {"error": "Email is required"}
    assert uid in [u["_id"] for u in api.get("/workspace/users").json()["users"]]
    link = api.post(f"/workspace/users/{uid}/connection-url", json={"expiresInDays": 5}).json()
    assert link["url"].startswith("https://app.publora.com/connect/") and link["tokenExpiresAt"].endswith("Z")
    key = api.post(f"/workspace/users/{uid}/api-key").json()
    assert set(key) == {"message", "apiKey", "userId"} and key["apiKey"].startswith("sk_")
    own = httpx.get(f"{clean_sandbox.base_url}/list-posts", headers={"x-publora-key": key["apiKey"]})
    assert own.status_code == 200
    assert api.post("/workspace/users/attach", json={"email": "new@example.com"}).json()["alreadyInWorkspace"] is True
    assert api.post("/workspace/users/attach", json={}).json()["code"] == "missing_identifier"
    assert api.delete(f"/workspace/users/{uid}").json() == {"success": True}
    assert api.delete(f"/workspace/users/{uid}").json() == {"error": "User not found or not managed by this key"}


def test_linkedin_and_network_analytics(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    single = api.post("/linkedin-post-statistics", json={"postedId": "urn:li:share:1", "platformId": LINKEDIN,
                                                         "queryType": "IMPRESSION"}).json()
    assert set(single) == {"success", "count", "cached"} and single["count"] > 0
    again = api.post("/linkedin-post-statistics", json={"postedId": "urn:li:share:1", "platformId": LINKEDIN,
                                                        "queryType": "IMPRESSION"}).json()
    assert again["count"] == single["count"]  # plausible and repeatable
    multi = api.post("/linkedin-post-statistics", json={"postedId": "urn:li:share:1", "platformId": LINKEDIN,
                                                        "queryTypes": "ALL"}).json()
    assert set(multi["metrics"]) == {"IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT"}
    assert api.post("/linkedin-post-statistics", json={"platformId": LINKEDIN}).json() == {
        "error": "postedId and platformId are required"}
    assert api.post("/linkedin-post-statistics", json={"postedId": "u", "platformId": BLUESKY,
                                                       "queryType": "COMMENT"}).json() == {
        "error": "LinkedIn connection not found"}
    daily = api.post("/linkedin-account-statistics", json={
        "platformId": LINKEDIN, "queryType": "IMPRESSION", "aggregation": "DAILY",
        "dateRange": {"start": {"year": 2026, "month": 1, "day": 1}, "end": {"year": 2026, "month": 1, "day": 4}}}).json()
    assert daily["aggregation"] == "DAILY" and len(daily["data"]) == 3
    assert set(daily["data"][0]) == {"count", "dateRange"}
    assert api.post("/linkedin-account-statistics", json={"platformId": LINKEDIN, "queryType": "MEMBERS_REACHED",
                                                          "aggregation": "DAILY"}).json() == {
        "error": "MEMBERS_REACHED with DAILY aggregation is not supported by LinkedIn API"}
    followers = api.post("/linkedin-followers", json={"platformId": LINKEDIN}).json()
    assert set(followers) == {"success", "followersCount", "cached"}
    summary = api.post("/linkedin-profile-summary", json={"platformId": LINKEDIN}).json()
    assert set(summary["profile"]["posts"]) == {"totalImpressions", "totalReactions", "totalComments", "totalReshares",
                                                "totalMembersReached"}
    reaction = api.post("/linkedin-reactions", json={"postedId": "urn:li:share:9", "reactionType": "LIKE",
                                                     "platformId": LINKEDIN})
    assert reaction.status_code == 201 and set(reaction.json()["reaction"]) == {"reactionType", "actor", "object"}
    twice = api.post("/linkedin-reactions", json={"postedId": "urn:li:share:9", "reactionType": "LIKE",
                                                  "platformId": LINKEDIN})
    assert twice.status_code == 409 and twice.json()["error"] == "REACTION_ALREADY_EXISTS"
    assert api.request("DELETE", "/linkedin-reactions", params={"postedId": "urn:li:share:9",
                                                                "platformId": LINKEDIN}).status_code == 200
    comment = api.post("/linkedin-comments", json={"postedId": "urn:li:share:9", "message": "Nice",
                                                   "platformId": LINKEDIN})
    assert comment.status_code == 201 and set(comment.json()["comment"]) == {"id", "message", "actor", "object"}
    reshare = api.post("/linkedin-reshare", json={"platformId": LINKEDIN, "parent": "urn:li:share:9"})
    assert reshare.status_code == 201 and reshare.json()["reshare"]["lifecycleState"] == "PUBLISHED"
    assert api.get("/linkedin-mentionables", params={"q": "ada"}).json()["people"][0]["name"] == "Ada Lovelace"
    stats = api.post("/post-statistics", json={"posts": [
        {"platform": "bluesky", "platformId": BLUESKY, "postedId": "at://did:plc:abc123xyz/app.bsky.feed.post/x"},
        {"platform": "mastodon", "platformId": "999", "postedId": "1"}]}).json()
    assert set(stats["stats"]["at://did:plc:abc123xyz/app.bsky.feed.post/x"]) == {
        "reactions", "comments", "reposts", "quotes", "saves", "impressions", "reach", "clicks"}
    assert stats["issues"] == {"mastodon-999": "CONNECTION_NOT_FOUND"} and stats["stats"]["1"] is None
    profile = api.post("/profile-statistics", json={"platform": "mastodon", "platformId": "109876543210"}).json()
    assert set(profile["profile"]) == {"followers", "following", "posts"}
    assert api.post("/profile-statistics", json={"platform": "x", "platformId": "1"}).json() == {
        "error": "Unsupported platform \"x\". Supported: mastodon, bluesky"}
    clean_sandbox.control.configure(plan="starter")
    assert api.post("/profile-statistics", json={"platform": "mastodon", "platformId": "109876543210"}).json()[
        "code"] == "ANALYTICS_PLAN_REQUIRED"


# --- faults -----------------------------------------------------------------------------------------

def test_fault_error_rate_and_budget(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.set_faults(error_rate=1.0, max_faults=2, paths=["create-post"])
    assert [create(api).status_code for _ in range(3)] == [503, 503, 200]
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 1  # nothing committed by the 503s
    clean_sandbox.control.set_faults(error_rate=1.0, error_status=502)
    bad_gateway = api.get("/list-posts")
    assert bad_gateway.status_code == 502 and bad_gateway.headers["content-type"].startswith("text/html")
    assert clean_sandbox.control.state()["faultsInjected"] == 1  # set_faults restarts the count


def test_fault_rate_limit(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.set_faults(rate_limit_rate=1.0, retry_after=7)
    limited = create(api)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    clean_sandbox.control.clear_faults()
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 0


def test_fault_drop_after_commit(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.set_faults(drop_rate=1.0, max_faults=1, paths=["create-post"])
    body = {"content": "committed, never answered", "platforms": [LINKEDIN], "scheduledTime": at(30)}
    with pytest.raises(httpx.TransportError):
        api.post("/create-post", json=body, headers={"Idempotency-Key": "drop-1"})
    listed = api.get("/list-posts").json()
    assert listed["pagination"]["totalItems"] == 1  # the post exists although the client saw an error
    retried = api.post("/create-post", json=body, headers={"Idempotency-Key": "drop-1"})
    assert retried.status_code == 200
    assert retried.json()["postGroupId"] == listed["posts"][0]["postGroupId"]
    assert retried.headers["X-Sandbox-Idempotent-Replay"] == "true"
    assert api.get("/list-posts").json()["pagination"]["totalItems"] == 1


def test_fault_latency_and_slow_upload(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    clean_sandbox.control.set_faults(latency=1.0, paths=["list-posts"])
    with pytest.raises(httpx.ReadTimeout):
        api.get("/list-posts", timeout=0.3)
    assert api.get("/platform-limits", timeout=1.0).status_code == 200  # other paths unaffected
    clean_sandbox.control.set_faults(slow_upload_bps=10_000)
    gid = create(api).json()["postGroupId"]
    target = upload(api, gid, put=False)
    data = png(100, 100) + b"\x00" * 40_000  # ~4 s at 10 kB/s
    with pytest.raises(httpx.ReadTimeout):
        httpx.put(target["uploadUrl"], content=data, headers={"Content-Type": "image/png"}, timeout=0.5)
    clean_sandbox.control.clear_faults()
    assert httpx.put(target["uploadUrl"], content=data, headers={"Content-Type": "image/png"},
                     timeout=5).status_code == 200


def test_seed_makes_faults_repeatable() -> None:
    runs = []
    for _ in range(2):
        with run_sandbox(seed=42, error_rate=0.5) as sb, client_for(sb) as api:
            runs.append([api.get("/platform-limits").status_code for _ in range(12)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}


def test_control_needs_the_key(clean_sandbox: SandboxServer) -> None:
    root = clean_sandbox.base_url.removesuffix("/api/v1")
    assert httpx.post(f"{root}/__sandbox/reset").status_code == 401
    assert httpx.get(f"{root}/__sandbox/state", headers={"x-publora-key": "sk_x.y" * 4}).status_code == 401
    refused = httpx.post(f"{root}/__sandbox/faults", json={"bogus": 1},
                         headers={"x-publora-key": clean_sandbox.api_key})
    assert refused.status_code == 400 and "unknown fault" in refused.json()["error"]
    state = clean_sandbox.control.state()
    assert clean_sandbox.api_key not in json.dumps(state)


# --- persistence and the CLI ---------------------------------------------------------------------

def test_state_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    with run_sandbox(state=path, seed=5) as first, client_for(first) as api:
        key = first.api_key
        gid = create(api, when=at(60)).json()["postGroupId"]
        media = upload(api, gid, png(10, 10))["mediaId"]
    assert path.exists()
    with run_sandbox(state=path) as second, client_for(second) as api:
        assert second.api_key == key
        post = api.get(f"/get-post/{gid}").json()
        assert post["status"] == "draft"  # demoted by the upload, kept across the restart
        assert [m["mediaId"] for m in post["media"]] == [media]
        assert (Path(second.media_dir) / media).read_bytes() == png(10, 10)


def test_cli_refuses_remote_host() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0" in result.output


def test_cli_help_lists_fault_flags() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--help"])
    assert result.exit_code == 0
    for flag in ("--state", "--speed", "--seed", "--latency", "--error-rate", "--rate-limit-rate", "--drop-rate",
                 "--slow-upload-bps", "--allow-remote", "--plan", "--strict"):
        assert flag in result.output


def test_cli_serve_runs_and_stops(tmp_path: Path) -> None:
    import os
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "bulkpost", "sandbox", "serve", "--port", "0", "--state", str(tmp_path / "s.json")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Publora sandbox on http://127.0.0.1:")
        base = first.split(" on ", 1)[1].strip()
        process.stdout.readline()
        key = process.stdout.readline().split("=", 1)[1].strip()
        answer = httpx.get(f"{base}/platform-connections", headers={"x-publora-key": key})
        assert answer.status_code == 200 and answer.json()["success"] is True
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err


def test_accounts_file_replaces_the_builtin_set(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"connections": [
        {"platformId": "mastodon-42", "username": "@me@mastodon.social", "displayName": "Me"},
        {"platformId": "twitter-7", "username": "@me", "subscriptionType": "PremiumPlus"}]}))
    with run_sandbox(accounts=accounts) as sb, client_for(sb) as api:
        connections = api.get("/platform-connections").json()["connections"]
        assert [c["platformId"] for c in connections] == ["mastodon-42", "twitter-7"]
        assert connections[1]["subscriptionType"] == "PremiumPlus"
        assert_shape(connections[0], {k: (v if isinstance(v, str) and k in ("platformId", "tokenStatus") else None)
                                      for k, v in EXAMPLE_CONNECTION.items()})
        assert create(api, platforms=[LINKEDIN]).json()["code"] == "INVALID_PLATFORM_CONNECTION"


def test_access_switches_and_per_user_keys(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    assert api.get("/list-posts", headers={"x-publora-client": "mcp"}).status_code == 200
    clean_sandbox.control.configure(mcp_access=False)
    mcp = api.get("/list-posts", headers={"x-publora-client": "mcp"})
    assert (mcp.status_code, mcp.json()) == (403, {"error": "MCP access is not enabled for this account"})
    clean_sandbox.control.configure(api_access=False)
    assert api.get("/list-posts").json() == {"error": "API access is not enabled for this account"}
    clean_sandbox.control.configure(api_access=True)
    managed = api.get("/workspace/users").json()["users"][0]["_id"]
    user_key = api.post(f"/workspace/users/{managed}/api-key").json()["apiKey"]
    with httpx.Client(base_url=clean_sandbox.base_url, headers={"x-publora-key": user_key}) as theirs:
        assert [c["platformId"] for c in theirs.get("/platform-connections").json()["connections"]][0] == MANAGED_LINKEDIN
        assert theirs.get("/workspace/users").json() == {"error": "Workspace access is not enabled for this key"}
        acting = theirs.get("/list-posts", headers={"x-publora-user-id": clean_sandbox.owner_id})
        assert acting.json() == {"error": "Workspace access is not enabled for this key"}
    replaced = api.post(f"/workspace/users/{managed}/api-key").json()["apiKey"]
    assert replaced != user_key
    assert httpx.get(f"{clean_sandbox.base_url}/list-posts", headers={"x-publora-key": user_key}).status_code == 401


def test_sandbox_imports_nothing_of_bulkpost_outside_itself() -> None:
    """STYLE.md: the sandbox is an independent emulator (only stdlib, starlette, uvicorn, httpx)."""
    import ast

    allowed = set(sys.stdlib_module_names) | {"starlette", "uvicorn", "httpx"}
    for path in sorted((ROOT / "bulkpost" / "sandbox").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level in (0, 1), f"{path.name} imports from outside bulkpost.sandbox"
                if node.level == 0:
                    assert node.module and node.module.split(".")[0] in allowed, f"{path.name}: {node.module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, f"{path.name}: {alias.name}"
