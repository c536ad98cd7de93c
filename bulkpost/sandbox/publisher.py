"""The sandbox's publishing clock and webhook delivery.

``publish_due()`` moves every due ``scheduled`` group to ``published``, ``failed`` or
``partially_published`` (per platform: a configurable failure rate, a list of platforms that
always fail, expired connections fail with ``PLATFORM_AUTH_EXPIRED``; Pinterest is
connect-only, so its targets stay ``pending`` forever), writes post-logs and queues webhooks.
:class:`Webhooks` delivers them signed (``X-Publora-Signature``: hex HMAC-SHA256 of the raw
body with the webhook's secret), one attempt each, like Publora since Aug 2026.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from . import data
from .state import SandboxState
from .util import iso, parse_iso, utf16_len

__all__ = ["Webhooks", "connection_token_status", "publish_due", "sign", "split_thread", "write_log"]

# (code, message, platform HTTP status, retryable) drawn for the configurable failure rate.
FAILURES: tuple[tuple[str, str, int | None, bool], ...] = (
    ("RATE_LIMITED", "Rate limit exceeded. Please try again later.", 429, True),
    ("PLATFORM_SERVER_ERROR", "The platform returned an internal error.", 503, True),
    ("NETWORK_ERROR", "socket hang up", None, True),
    ("TIMEOUT_ERROR", "The request to the platform timed out.", None, True),
    ("INVALID_CONTENT", "The platform rejected the post content.", 400, False),
)
FIRST_COMMENT_PLATFORMS = frozenset({"linkedin", "twitter", "threads", "bluesky", "mastodon"})


def sign(secret: str, raw_body: bytes) -> str:
    """The ``X-Publora-Signature`` value: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def connection_token_status(conn: dict[str, Any], now: datetime) -> str:
    """``tokenStatus`` of a connection at ``now`` (an explicit stored status wins)."""
    if conn.get("tokenStatus") in {"expired", "unknown"}:
        return str(conn["tokenStatus"])
    expires = conn.get("accessTokenExpiresAt")
    if not expires:
        return str(conn.get("tokenStatus") or "valid")
    left = parse_iso(expires) - now
    if left <= timedelta(0):
        return "expired"
    soon = timedelta(days=30 if conn["platformId"].startswith("tiktok-") else 7)
    return "expiring_soon" if left < soon else str(conn.get("tokenStatus") or "valid")


def write_log(state: SandboxState, group: dict[str, Any], event: str, **fields: Any) -> None:
    """Append a post-log entry (the contract's §8 shape)."""
    now = iso(state.clock.now())
    entry: dict[str, Any] = {"_id": state.new_id(), "postGroupId": group["_id"]}
    for key in ("postId", "platform"):
        if fields.get(key) is not None:
            entry[key] = fields[key]
    entry["event"] = event
    for key in ("error", "httpStatus", "retryCount", "metadata"):
        if key in fields and (fields[key] is not None or key == "httpStatus"):
            entry[key] = fields[key]
    entry.update({"createdAt": now, "updatedAt": now, "__v": 0})
    state.data["logs"].append(entry)


def split_thread(content: str, limit: int) -> list[str]:
    """Split a post into a thread like Publora: on standalone ``---`` lines, else (when over
    ``limit``) greedily at word boundaries with a ``" (i/N)"`` suffix (10 units reserved)."""
    parts = [p.strip() for p in re.split(r"(?m)^\s*---\s*$", content)]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        return parts
    if utf16_len(content) <= limit:
        return [content]
    budget = limit - 10
    chunks: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", content):
        if utf16_len(current + word) <= budget:
            current += word
            continue
        if current.strip():
            chunks.append(current.strip())
        current = word.lstrip()
        while utf16_len(current) > budget:  # one huge "word": cut it
            chunks.append(current[:budget])
            current = current[budget:]
    if current.strip():
        chunks.append(current.strip())
    total = len(chunks)
    return [f"{chunk} ({i}/{total})" for i, chunk in enumerate(chunks, 1)]


def _posted_id(state: SandboxState, platform: str, raw_id: str) -> str:
    rng = state.publish_rng

    def digits(n: int) -> str:
        return str(rng.randrange(10 ** (n - 1), 10**n))

    if platform == "linkedin":
        return f"urn:li:share:{digits(19)}"
    if platform == "bluesky":
        tid = "".join(rng.choice("234567abcdefghijklmnopqrstuvwxyz") for _ in range(13))
        return f"at://{raw_id}/app.bsky.feed.post/{tid}"
    if platform == "youtube":
        return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(11))
    if platform == "facebook":
        return f"{raw_id}_{digits(16)}"
    if platform == "telegram":
        return digits(4)
    if platform == "mastodon":
        return digits(18)
    return digits(19)


def publish_due(state: SandboxState, webhooks: Webhooks) -> list[str]:
    """Publish every scheduled group whose time has come; return their ids."""
    now = state.clock.now()
    done: list[str] = []
    for group in state.data["groups"].values():
        if group["status"] != "scheduled" or group.get("dispatched") or not group.get("scheduledTime"):
            continue
        if parse_iso(group["scheduledTime"]) > now:
            continue
        _publish_group(state, webhooks, group, now)
        done.append(group["_id"])
    if done:
        state.save()
    return done


def _publish_group(state: SandboxState, webhooks: Webhooks, group: dict[str, Any], now: datetime) -> None:
    group["dispatched"] = True
    outcomes: list[str] = []
    for post in group["posts"]:
        platform = post["platform"]
        if platform in data.CONNECT_ONLY:
            post["status"] = "pending"  # Publora has no Pinterest dispatch: it never publishes
            continue
        conn = state.connection(group["userId"], post["compoundId"])
        write_log(state, group, "publish_attempted", postId=post["_id"], platform=platform)
        failure: tuple[str, str, int | None, bool] | None = None
        platform_error: str | None = None
        draw = state.publish_rng.random()
        if conn is None or connection_token_status(conn, now) == "expired":
            failure = ("PLATFORM_AUTH_EXPIRED", "The connection's access token has expired. Reconnect the account.",
                       401, False)
            platform_error = "Error validating access token: Session has expired"
        elif platform in state.config.fail_platforms or draw < state.config.failure_rate:
            failure = FAILURES[state.publish_rng.randrange(len(FAILURES))]
            platform_error = failure[1]
        if failure:
            code, message, http_status, retryable = failure
            post["status"] = "failed"
            post["error"] = {"code": code, "message": message, "platformStatusCode": http_status,
                             "platformError": platform_error, "failedAt": iso(now), "retryable": retryable}
            if http_status is None:
                del post["error"]["platformStatusCode"]
            write_log(state, group, "publish_failed", postId=post["_id"], platform=platform,
                      error=platform_error or message, httpStatus=http_status, retryCount=1,
                      metadata={"errorCode": code, "retryable": retryable})
            if conn is not None:
                conn["lastError"] = {"message": message, "occurredAt": iso(now)}
            webhooks.emit(group["userId"], "post.failed", {
                "postId": post["_id"], "postGroupId": group["_id"], "platform": platform,
                "error": {"code": code, "message": message}, "failedAt": iso(now)})
            outcomes.append("failed")
            continue
        raw_id = post["compoundId"].split("-", 1)[1]
        limit = data.THREAD_LIMITS.get(platform)
        if platform == "twitter" and conn and conn.get("subscriptionType") in {"Premium", "PremiumPlus"}:
            limit = data.TWITTER_PREMIUM_LIMIT
        parts = split_thread(post["content"], limit) if limit else [post["content"]]
        ids = [_posted_id(state, platform, raw_id) for _ in parts]
        post["status"] = "published"
        post["postedId"] = ids[0]
        post["isThread"] = len(parts) > 1
        post["threadParts"] = (
            [{"index": i, "content": text, "status": "published", "publishedId": pid}
             for i, (text, pid) in enumerate(zip(parts, ids))]
            if len(parts) > 1 else []
        )
        post["publishedAt"] = iso(now)
        first = group.get("firstComment")
        if first:
            wanted = first.get("platforms") or sorted(FIRST_COMMENT_PLATFORMS)
            if platform in FIRST_COMMENT_PLATFORMS and platform in wanted:
                post["firstCommentResult"] = {"status": "posted", "commentId": _posted_id(state, platform, raw_id),
                                              "skipReason": None, "attemptedAt": iso(now), "postedAt": iso(now),
                                              "error": None}
            else:
                post["firstCommentResult"] = {"status": "skipped", "commentId": None,
                                              "skipReason": "PLATFORM_NOT_SUPPORTED", "attemptedAt": None,
                                              "postedAt": None, "error": None}
        write_log(state, group, "publish_succeeded", postId=post["_id"], platform=platform,
                  metadata={"postedId": ids[0]})
        if conn is not None:
            conn["lastSuccessfulPost"] = iso(now)
        webhooks.emit(group["userId"], "post.published", {
            "postId": post["_id"], "postGroupId": group["_id"], "platform": platform, "platformId": raw_id,
            "postedId": ids[0], "permalink": None, "publishedAt": iso(now)})
        outcomes.append("published")
    if not outcomes:
        return  # only connect-only targets: the group stays scheduled, its posts pending
    if all(o == "published" for o in outcomes):
        status = "published"
    elif all(o == "failed" for o in outcomes):
        status = "failed"
    else:
        status = "partially_published"
    write_log(state, group, "status_changed", metadata={"from": "scheduled", "to": status})
    group["status"] = status
    group["updatedAt"] = iso(now)


class Webhooks:
    """Queues webhook events and delivers them on the event loop; ``drain()`` waits for all."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._queue: list[tuple[str, str, dict[str, Any]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self.delivered = 0

    def emit(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        """Queue an event for the user's active webhooks subscribed to it (sent by ``flush``)."""
        self._queue.append((user_id, event, payload))

    def discard(self) -> None:
        """Forget queued events (the request that produced them did not commit)."""
        self._queue.clear()

    def flush(self) -> None:
        """Start delivering every queued event (needs a running event loop)."""
        queue, self._queue = self._queue, []
        for user_id, event, payload in queue:
            envelope = {"version": "1", "event": event, "timestamp": iso(self.state.clock.now()), "data": payload}
            raw = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            for hook in list(self.state.data["webhooks"].values()):
                if hook["userId"] != user_id or not hook["isActive"] or event not in hook["events"]:
                    continue
                task = asyncio.get_running_loop().create_task(self._deliver(hook["_id"], event, raw))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every started delivery has finished."""
        self.flush()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Finish deliveries and close the HTTP client."""
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self, hook_id: str, event: str, raw: bytes) -> None:
        hook = self.state.data["webhooks"].get(hook_id)
        if hook is None:
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0, trust_env=False)
        headers = {"Content-Type": "application/json", "X-Publora-Signature": sign(hook["secret"], raw),
                   "X-Publora-Event": event, "User-Agent": "Publora-Webhooks/1.0 (sandbox)"}
        try:
            response = await self._client.post(hook["url"], content=raw, headers=headers)
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError:
            ok = False
        hook = self.state.data["webhooks"].get(hook_id)
        if hook is None:
            return
        hook["lastTriggeredAt"] = iso(self.state.clock.now())
        if ok:
            hook["failureCount"] = 0
            self.delivered += 1
        else:
            hook["failureCount"] = int(hook.get("failureCount", 0)) + 1
            if hook["failureCount"] >= 5:
                hook["isActive"] = False  # auto-disabled after 5 consecutive failures
        self.state.save()
