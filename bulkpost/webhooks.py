"""Webhooks: manage Publora's webhooks, and receive them to keep a batch's results current.

Publora POSTs one signed JSON envelope per event to each registered URL::

    {"version": "1", "event": "post.published", "timestamp": "...", "data": {...}}

with ``X-Publora-Signature: hex(HMAC-SHA256(secret, raw body))``. Deliveries are attempted once
and carry no replay protection, so :class:`WebhookReceiver`

- verifies the signature on the raw bytes before parsing anything (401 when it is missing or
  wrong; several secrets may be accepted while one is being rotated),
- drops repeated deliveries of the same event (same event, post and timestamp),
- hands each new event to a callback (``bulkpost webhooks listen`` updates the journal and the
  results file of the batch the post belongs to).

:func:`serve_webhooks` runs the receiver with uvicorn. Pure library: no click, no printing.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

__all__ = [
    "EVENTS",
    "RECEIVED_EVENTS",
    "WebhookEvent",
    "WebhookReceiver",
    "apply_event",
    "event_key",
    "group_status",
    "parse_events",
    "serve_webhooks",
]

#: Every event a webhook can subscribe to (``token.expiring`` is accepted but never sent).
EVENTS = ("post.scheduled", "post.published", "post.failed", "post.demoted", "token.expiring")

#: The events the batch updater acts on.
RECEIVED_EVENTS = ("post.published", "post.failed", "post.demoted")

_DEFAULT_SEEN = 10_000


def parse_events(values: Iterable[str]) -> list[str]:
    """Event names from options (``post.published,post.failed`` or repeated), checked and in order.

    ``all`` means every event. An unknown name raises :class:`~bulkpost.errors.ConfigError`.
    """
    out: list[str] = []
    for value in values:
        for name in str(value).replace(";", ",").split(","):
            name = name.strip().lower()
            if not name:
                continue
            names = list(EVENTS) if name == "all" else [name if name.startswith("post.") or name.startswith("token.") else f"post.{name}"]
            for n in names:
                if n not in EVENTS:
                    raise ConfigError(
                        f'unknown webhook event "{name}"', hint=f"Use one or more of: {', '.join(EVENTS)} (or all)."
                    )
                if n not in out:
                    out.append(n)
    return out


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One verified delivery."""

    event: str
    timestamp: str | None
    data: dict[str, Any]
    raw: bytes = field(repr=False, default=b"")

    @property
    def post_group_id(self) -> str | None:
        value = self.data.get("postGroupId")
        return str(value) if value else None

    @property
    def post_id(self) -> str | None:
        value = self.data.get("postId")
        return str(value) if value else None

    @property
    def platform(self) -> str | None:
        value = self.data.get("platform")
        return str(value) if value else None


def event_key(event: WebhookEvent) -> tuple[str, str, str]:
    """What makes two deliveries the same event: the event, the post (or group), the timestamp."""
    return (event.event, event.post_id or event.post_group_id or "", event.timestamp or "")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the receiver answers a delivery with."""

    status: int
    body: dict[str, Any]


class WebhookReceiver:
    """Verify, dedupe and dispatch Publora webhook deliveries.

    ``secrets``: the webhook secret(s) to accept (every webhook registered to this receiver has
    its own; during a rotation both the old and the new one). ``on_event`` is called once per
    new event, from a worker thread; an exception in it answers 500, and the event is then not
    remembered as seen (Publora does not retry, but a test or a replay can).
    """

    def __init__(
        self,
        secrets: str | Iterable[str],
        on_event: Callable[[WebhookEvent], Any] | None = None,
        *,
        remember: int = _DEFAULT_SEEN,
    ) -> None:
        keys = [secrets] if isinstance(secrets, str) else list(secrets)
        keys = [k for k in keys if k]
        if not keys:
            raise ConfigError(
                "a webhook secret is required to verify deliveries",
                hint="Pass --secret (shown once by `bulkpost webhooks create` or `rotate-secret`) "
                "or set BULKPOST_WEBHOOK_SECRET.",
            )
        self._secrets = keys
        self._on_event = on_event
        self._remember = remember
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self._lock = threading.Lock()
        self.received = 0
        self.rejected = 0
        self.duplicates = 0

    def __repr__(self) -> str:  # never show the secrets
        return f"<WebhookReceiver secrets=*** received={self.received} rejected={self.rejected}>"

    def verify(self, raw_body: bytes, signature: str | None) -> bool:
        """True when ``signature`` is valid for ``raw_body`` under one of the secrets."""
        from .publora import verify_webhook_signature

        return any(verify_webhook_signature(secret, raw_body, signature) for secret in self._secrets)

    def handle(self, raw_body: bytes, signature: str | None) -> Answer:
        """Process one delivery: the whole receiver without HTTP (the ASGI app calls this)."""
        if not self.verify(raw_body, signature):
            with self._lock:
                self.rejected += 1
            return Answer(401, {"error": "invalid or missing X-Publora-Signature"})
        try:
            envelope = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            return Answer(400, {"error": "body is not JSON"})
        if not isinstance(envelope, dict) or not isinstance(envelope.get("event"), str):
            return Answer(400, {"error": "not a Publora webhook envelope"})
        data = envelope.get("data")
        event = WebhookEvent(
            event=envelope["event"],
            timestamp=str(envelope["timestamp"]) if envelope.get("timestamp") is not None else None,
            data=data if isinstance(data, dict) else {},
            raw=raw_body,
        )
        key = event_key(event)
        with self._lock:
            if key in self._seen:
                self.duplicates += 1
                return Answer(200, {"ok": True, "duplicate": True})
            self._seen[key] = None  # claimed now, so a concurrent duplicate is dropped too
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        try:
            result = self._on_event(event) if self._on_event is not None else None
        except Exception as exc:
            with self._lock:
                self._seen.pop(key, None)
            return Answer(500, {"error": f"could not record the event: {type(exc).__name__}"})
        with self._lock:
            self.received += 1
        body: dict[str, Any] = {"ok": True, "duplicate": False}
        if isinstance(result, dict):
            body.update(result)
        return Answer(200, body)

    def app(self) -> Any:
        """A Starlette app: POST any path is a delivery; GET answers a health check."""
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def deliver(request: Request) -> JSONResponse:
            raw = await request.body()
            answer = await run_in_threadpool(self.handle, raw, request.headers.get("x-publora-signature"))
            return JSONResponse(answer.body, status_code=answer.status)

        async def health(request: Request) -> JSONResponse:
            return JSONResponse({"ok": True, "receiver": "bulkpost", "received": self.received})

        routes = [
            Route("/", deliver, methods=["POST"]),
            Route("/{path:path}", deliver, methods=["POST"]),
            Route("/", health, methods=["GET"]),
            Route("/{path:path}", health, methods=["GET"]),
        ]
        return Starlette(routes=routes)


def serve_webhooks(
    receiver: WebhookReceiver,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the receiver with uvicorn until interrupted (or until ``stop`` is set).

    ``on_ready(url)`` is called once the socket listens (``port=0`` picks a free port; the
    URL says which).
    """
    import asyncio
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint="Pick another --port.") from exc
    bound = sock.getsockname()[1]
    config = uvicorn.Config(receiver.app(), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.02)
        if on_ready is not None:
            on_ready(f"http://{shown}:{bound}/")
        while not task.done():
            if stop is not None and stop.is_set():
                server.should_exit = True
            await asyncio.sleep(0.1)
        await task

    try:
        asyncio.run(main())
    finally:
        sock.close()


# --- applying events to a batch's journal -------------------------------------------------

_FINAL_PLATFORM = frozenset({"published", "failed"})


def _platform_items(entry: Any) -> list[dict[str, Any]]:
    """The entry's per-platform states as ``refresh_status`` records them, seeded from its targets."""
    detail = entry.remote_detail or {}
    items = [dict(p) for p in (detail.get("platforms") or []) if isinstance(p, dict)]
    if not items:
        for target in entry.targets:
            network, _, raw = str(target).partition("-")
            items.append({"platform": network, "platform_id": raw or None, "status": entry.result_status or "scheduled",
                          "posted_id": None, "error_code": None, "error": None})
    return items


def _match(items: list[dict[str, Any]], platform: str | None, platform_id: str | None) -> dict[str, Any] | None:
    same = [i for i in items if i.get("platform") == platform]
    if platform_id:
        for i in same:
            pid = str(i.get("platform_id") or "")
            if pid == platform_id or pid == f"{platform}-{platform_id}" or f"{platform}-{pid}" == platform_id:
                return i
    return same[0] if len(same) == 1 else None


def group_status(items: list[dict[str, Any]], current: str | None) -> str | None:
    """A group's status from its platform posts, the way Publora derives it."""
    states = [i.get("status") for i in items]
    if not states or not all(s in _FINAL_PLATFORM for s in states):
        return current
    if all(s == "published" for s in states):
        return "published"
    if all(s == "failed" for s in states):
        return "failed"
    return "partially_published"


def apply_event(journal: Any, event: WebhookEvent) -> dict[str, Any] | None:
    """Record a ``post.published`` / ``post.failed`` / ``post.demoted`` event in ``journal``.

    Finds the journal's post group by ``postGroupId``; updates that platform's state (posted id,
    error) and the group's ``remote_status`` as :func:`bulkpost.batch.refresh_status` would.
    Returns ``{"row": n, "post_group_id": ..., "status": ..., "platforms": {state: count}}``, or None when the post group is
    not part of this batch (or the event is not one the batch tracks).
    """
    if event.event not in RECEIVED_EVENTS or not event.post_group_id:
        return None
    entry = next((e for e in journal.entries() if e.post_group_id == event.post_group_id), None)
    if entry is None:
        return None
    items = _platform_items(entry)
    errors = [str(x) for x in ((entry.remote_detail or {}).get("errors") or [])]
    status = entry.remote_status
    data = event.data
    if event.event == "post.demoted":
        status = "draft"
        note = f"demoted to draft: {data.get('reason') or 'media changed'} ({data.get('changeType') or 'change'})"
        if note not in errors:
            errors.append(note)
    else:
        item = _match(items, event.platform, str(data["platformId"]) if data.get("platformId") else None)
        if item is None:
            item = {"platform": event.platform, "platform_id": data.get("platformId")}
            items.append(item)
        if event.event == "post.published":
            item.update(status="published", posted_id=data.get("postedId"), error_code=None, error=None,
                        published_at=data.get("publishedAt"))
        else:
            raw_err = data.get("error")
            err: dict[str, Any] = raw_err if isinstance(raw_err, dict) else {}
            item.update(status="failed", error_code=err.get("code"), error=err.get("message"), failed_at=data.get("failedAt"))
            note = f"{event.platform}: {err.get('code') or ''} {err.get('message') or ''}".strip()
            if note not in errors:
                errors.append(note)
        status = group_status(items, status if status not in (None, "draft") else "scheduled")
    journal.update(entry.id, remote_status=status, remote_detail={"platforms": items, "errors": errors})
    counts: dict[str, int] = {}
    for i in items:
        key = str(i.get("status") or "unknown")
        counts[key] = counts.get(key, 0) + 1
    return {"row": entry.row_number, "post_group_id": entry.post_group_id, "status": status, "platforms": counts}
