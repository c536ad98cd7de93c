"""The sandbox's ASGI app: routing, authentication, idempotency, faults, presigned uploads,
the publishing loop and the test-only control endpoints.

Layout of the URL space::

    /api/v1/...                 the emulated Publora REST API (contract §2)
    /__uploads/{mediaId}        presigned PUT target (S3 stand-in), 1 hour, Content-Type bound
    /__media/{fileName}         GET the uploaded bytes (the ``fileUrl``)
    /__sandbox/...              control: state, reset, faults, config, clock (sandbox key only)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import extras, posts
from .core import ApiError, Ctx, fail
from .publisher import Webhooks, publish_due
from .state import Faults, SandboxState
from .util import OBJECT_ID_RE, canonical_json, iso, json_depth, parse_iso

__all__ = ["SandboxApp", "TRANSPORT", "create_app"]

API = "/api/v1"
UPLOAD_LIFETIME = timedelta(hours=1)
IDEMPOTENCY_TTL = timedelta(hours=24)
STUCK_CLAIM = timedelta(minutes=3)
MAX_IDEMPOTENT_DEPTH = 200
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The asyncio transport of the connection serving the current request, set by the server's
#: protocol class (see ``server.py``) so a fault can drop the connection without a response.
TRANSPORT: contextvars.ContextVar[asyncio.BaseTransport | None] = contextvars.ContextVar(
    "bulkpost_sandbox_transport", default=None)

Handler = Callable[[SandboxState, Webhooks, Ctx], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    """One API route: the handler and how idempotency binds to it."""

    handler: Handler
    idempotent: str | None = None  # "body" (create), "group+body" (update), "attach"
    mutating: bool = False


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


class SandboxApp:
    """Build with :func:`create_app`; ``app.asgi`` is the ASGI callable."""

    def __init__(self, state: SandboxState, *, tick_interval: float = 0.25) -> None:
        self.state = state
        self.webhooks = Webhooks(state)
        self.tick_interval = tick_interval
        routes = [
            Route(f"{API}/{path}", self._endpoint(ep), methods=[method])
            for method, path, ep in self._api_routes()
        ]
        routes += [
            Route("/__uploads/{mediaId}", self.upload_put, methods=["PUT"]),
            Route("/__media/{fileName:path}", self.media_get, methods=["GET"]),
            Route("/__sandbox/state", self._control(self.control_state), methods=["GET"]),
            Route("/__sandbox/reset", self._control(self.control_reset), methods=["POST"]),
            Route("/__sandbox/faults", self._control(self.control_faults), methods=["GET", "POST"]),
            Route("/__sandbox/config", self._control(self.control_config), methods=["GET", "POST"]),
            Route("/__sandbox/clock/advance", self._control(self.control_advance), methods=["POST"]),
        ]
        starlette = Starlette(routes=routes, lifespan=self._lifespan)
        starlette.add_exception_handler(404, self._not_found)
        starlette.add_exception_handler(405, self._not_allowed)
        self.starlette = starlette
        self.asgi: ASGIApp = FaultMiddleware(starlette, state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    # --- routes -------------------------------------------------------------------------

    def _api_routes(self) -> list[tuple[str, str, Endpoint]]:
        upload = self._get_upload_url
        return [
            ("POST", "create-post", Endpoint(posts.create_post, "body", True)),
            ("PUT", "update-post/{postGroupId}", Endpoint(posts.update_post, "group+body", True)),
            ("GET", "get-post/{postGroupId}", Endpoint(posts.get_post)),
            ("GET", "list-posts", Endpoint(posts.list_posts)),
            ("DELETE", "delete-post/{postGroupId}", Endpoint(posts.delete_post, None, True)),
            ("GET", "post-logs/{postGroupId}", Endpoint(posts.post_logs)),
            ("POST", "get-upload-url", Endpoint(upload, None, True)),
            ("POST", "complete-media/{mediaFileId}", Endpoint(posts.complete_media, None, True)),
            ("DELETE", "media/{mediaId}", Endpoint(posts.delete_media, None, True)),
            ("POST", "attach-media/{postGroupId}", Endpoint(posts.attach_media, "attach", True)),
            ("POST", "upload-instagram-cover", Endpoint(posts.upload_instagram_cover, None, True)),
            ("POST", "upload-youtube-thumbnail", Endpoint(posts.upload_youtube_thumbnail, None, True)),
            *[(m, p, Endpoint(h, None, m in MUTATING)) for m, p, h in extras.ROUTES],
        ]

    def _get_upload_url(self, state: SandboxState, hooks: Webhooks, ctx: Ctx) -> tuple[int, dict[str, Any]]:
        return posts.get_upload_url(state, hooks, ctx, self._sign_upload)

    # --- the API wrapper: auth, idempotency, latency, persistence -----------------------------

    def _endpoint(self, ep: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await self._handle(ep, request)
            except ApiError as exc:
                self.webhooks.discard()
                return _json(exc.status, exc.body, exc.headers)

        return endpoint

    def _authenticate(self, request: Request) -> tuple[str, str]:
        state = self.state
        key = request.headers.get("x-publora-key")
        if not key:
            fail(401, "API key is required")
        if hmac.compare_digest(key, state.api_key):
            key_user = state.owner_id
        elif key in state.data["apiKeys"]:
            key_user = state.data["apiKeys"][key]
            if key_user not in state.data["users"]:
                fail(401, "Invalid API key owner")
        else:
            fail(401, "Invalid API key")
        if not state.config.api_access:
            fail(403, "API access is not enabled for this account")
        if request.headers.get("x-publora-client", "").strip().lower() == "mcp" and not state.config.mcp_access:
            fail(403, "MCP access is not enabled for this account")
        acting = key_user
        wanted = request.headers.get("x-publora-user-id")
        if wanted is not None:
            if not OBJECT_ID_RE.match(wanted):
                fail(400, "Invalid x-publora-user-id")
            if wanted != key_user:
                if not state.config.workspace_access or key_user != state.owner_id:
                    fail(403, "Workspace access is not enabled for this key")
                user = state.data["users"].get(wanted)
                if user is None or user.get("parentUser") != key_user:
                    fail(403, "User is not managed by key")
                acting = wanted
        return key_user, acting

    async def _handle(self, ep: Endpoint, request: Request) -> Response:
        state = self.state
        key_user, acting = self._authenticate(request)
        raw = await request.body()
        body: Any = None
        content_type = request.headers.get("content-type", "")
        if raw and "application/x-www-form-urlencoded" in content_type:
            body = dict(parse_qsl(raw.decode("utf-8", "replace")))
        elif raw and "multipart/form-data" not in content_type:
            try:
                body = json.loads(raw)
            except ValueError:
                fail(400, "Invalid JSON body")
        base = str(request.base_url).rstrip("/")
        ctx = Ctx(user_id=acting, key_user_id=key_user, body=body, params=dict(request.path_params),
                  query=request.query_params, base_url=base, headers=dict(request.headers), raw_body=raw,
                  method=request.method)
        record_key: str | None = None
        idem_key = request.headers.get("idempotency-key")
        if ep.idempotent and idem_key:
            record_key, replay = self._claim(ep, ctx, idem_key)
            if replay is not None:
                return replay
        try:
            faults = state.faults
            if faults.latency and (not faults.paths or any(p in request.url.path for p in faults.paths)):
                await asyncio.sleep(faults.latency)
            status, answer = ep.handler(state, self.webhooks, ctx)
        except ApiError as exc:
            status, answer, headers = exc.status, exc.body, exc.headers
        except Exception:
            if record_key:
                state.data["idempotency"].pop(record_key, None)
            self.webhooks.discard()
            raise
        else:
            headers = {}
        if record_key:
            if status >= 500:
                state.data["idempotency"].pop(record_key, None)
            else:
                state.data["idempotency"][record_key].update(state="done", status=status, body=answer,
                                                              headers=headers)
        if status < 400:
            self.webhooks.flush()
        else:
            self.webhooks.discard()
        if ep.mutating or record_key:
            state.save()
        return _json(status, answer, headers)

    def _claim(self, ep: Endpoint, ctx: Ctx, key: str) -> tuple[str, Response | None]:
        """Idempotency (contract §3.6): replay, 422 conflict, 409 in flight, or a new claim."""
        state = self.state
        if json_depth(ctx.body, MAX_IDEMPOTENT_DEPTH) > MAX_IDEMPOTENT_DEPTH:
            fail(400, "Request body is too deeply nested for idempotency", "IDEMPOTENCY_BODY_TOO_COMPLEX")
        if ep.idempotent == "attach":
            fingerprint = posts.attach_fingerprint(ctx)
        elif ep.idempotent == "group+body":
            fingerprint = canonical_json(["update-post", ctx.params.get("postGroupId"), ctx.body])
        else:
            fingerprint = canonical_json(["create-post", ctx.body])
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        record_key = f"{ctx.user_id}:{key}"
        now = state.clock.now()
        record = state.data["idempotency"].get(record_key)
        if record is not None and parse_iso(record["createdAt"]) + IDEMPOTENCY_TTL <= now:
            record = None  # expired after 24 h
        if record is not None:
            if record["fingerprint"] != digest:
                fail(422, "Idempotency key was already used with a different request body", "IDEMPOTENCY_KEY_CONFLICT")
            if record["state"] == "in_flight":
                if parse_iso(record["claimedAt"]) + STUCK_CLAIM > now:
                    raise ApiError(409, {"code": "IDEMPOTENCY_IN_FLIGHT",
                                         "error": "A request with this idempotency key is still in flight"})
            else:
                headers = dict(record.get("headers") or {})
                headers["X-Sandbox-Idempotent-Replay"] = "true"
                return record_key, _json(record["status"], record["body"], headers)
        state.data["idempotency"][record_key] = {"fingerprint": digest, "state": "in_flight",
                                                 "createdAt": iso(now), "claimedAt": iso(now)}
        return record_key, None

    # --- presigned uploads -------------------------------------------------------------------

    def _upload_signature(self, media_id: str, expires: int) -> str:
        secret = self.state.data["uploadSecret"].encode()
        return hmac.new(secret, f"{media_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def _sign_upload(self, ctx: Ctx, record: dict[str, Any]) -> str:
        expires = int((self.state.clock.now() + UPLOAD_LIFETIME).timestamp())
        signature = self._upload_signature(record["_id"], expires)
        return (f"{ctx.base_url}/__uploads/{record['_id']}?X-Amz-Expires=3600&X-Sandbox-Expires-At={expires}"
                f"&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature={signature}"
                f"&file={quote(record['sourceFileName'])}")

    async def upload_put(self, request: Request) -> Response:
        """The S3 stand-in: 403 (S3's XML body) when expired, tampered, or Content-Type differs."""
        state = self.state
        media_id = request.path_params["mediaId"]
        try:
            expires = int(request.query_params.get("X-Sandbox-Expires-At", ""))
        except ValueError:
            expires = 0
        signature = request.query_params.get("X-Amz-Signature", "")
        if not hmac.compare_digest(signature, self._upload_signature(media_id, expires)):
            return _s3_error("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                                      "signature you provided. Check your key and signing method.")
        if state.clock.now().timestamp() > expires:
            return _s3_error("AccessDenied", "Request has expired")
        media = state.data["media"].get(media_id)
        content_type = request.headers.get("content-type", "")
        if media is not None and content_type != media["mimeType"]:
            return _s3_error("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                                      "signature you provided. Check your key and signing method.")
        bps = state.faults.slow_upload_bps
        path = state.media_dir / f"{media_id}.part"
        size = 0
        digest = hashlib.md5()  # noqa: S324 - S3's ETag, hashed while streaming so memory stays flat
        with path.open("wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if bps and chunk:
                    await asyncio.sleep(len(chunk) / bps)
        media = state.data["media"].get(media_id)
        if media is None:  # deleted meanwhile: S3 would keep an orphan object; we drop it
            path.unlink(missing_ok=True)
        else:
            path.replace(state.media_dir / media_id)
            media["uploaded"] = True
            media["size"] = size
            media["status"] = "uploading"  # until complete-media or the scheduling gate probes it
            media["metadata"] = {}
            state.save()
        etag = digest.hexdigest() if media else hashlib.md5(b"").hexdigest()  # noqa: S324
        return Response(b"", status_code=200, headers={"ETag": f'"{etag}"'})

    async def media_get(self, request: Request) -> Response:
        """Serve uploaded bytes at the ``fileUrl``."""
        name = request.path_params["fileName"]
        for media in self.state.data["media"].values():
            path = self.state.media_dir / media["_id"]
            if media["fileName"] == name and path.exists():
                return Response(path.read_bytes(), media_type=media["mimeType"])
        return _s3_error("NoSuchKey", "The specified key does not exist.", status=404)

    # --- control endpoints ---------------------------------------------------------------------

    def _control(self, handler: Callable[[Request, Any], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            key = request.headers.get("x-publora-key", "")
            if not key or not hmac.compare_digest(key, self.state.api_key):
                return _json(401, {"error": "Invalid API key"})
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return _json(400, {"error": "Invalid JSON body"})
            try:
                result = await handler(request, body)
            except (ValueError, TypeError) as exc:
                return _json(400, {"error": str(exc)})
            return _json(200, result)

        return endpoint

    async def control_state(self, request: Request, body: Any) -> Any:
        return self.state.snapshot()

    async def control_reset(self, request: Request, body: Any) -> Any:
        await self.webhooks.drain()
        self.state.reset()
        return {"success": True, "now": iso(self.state.clock.now())}

    async def control_faults(self, request: Request, body: Any) -> Any:
        if request.method == "POST":
            if not isinstance(body, dict):
                raise ValueError("faults must be a JSON object")
            values = dict(body)
            if values.pop("clear", False):
                self.state.faults = Faults()
                self.state.faults_injected = 0
            self.state.faults.update(values)
        return {"success": True, "faults": self.state.faults.to_dict(), "faultsInjected": self.state.faults_injected}

    async def control_config(self, request: Request, body: Any) -> Any:
        if request.method == "POST":
            if not isinstance(body, dict):
                raise ValueError("config must be a JSON object")
            self.state.config.update(body)
            self.state.save()
        return {"success": True, "config": self.state.config.to_dict()}

    async def control_advance(self, request: Request, body: Any) -> Any:
        seconds = float(body.get("seconds", 0)) if isinstance(body, dict) else 0.0
        self.state.clock.advance(seconds)
        published = publish_due(self.state, self.webhooks)
        await self.webhooks.drain()
        return {"success": True, "now": iso(self.state.clock.now()), "processed": published,
                "webhooksDelivered": self.webhooks.delivered}

    # --- errors and lifespan ----------------------------------------------------------------------

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return _json(404, {"error": f"Cannot {request.method} {request.url.path}"})

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return _json(404, {"error": f"Cannot {request.method} {request.url.path}"})

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(self._clock_loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.webhooks.aclose()
            self.state.save()

    async def _clock_loop(self) -> None:
        """The publishing clock: every ``tick_interval`` real seconds, publish what is due."""
        while True:
            await asyncio.sleep(self.tick_interval)
            publish_due(self.state, self.webhooks)
            self.webhooks.flush()


def _s3_error(code: str, message: str, status: int = 403) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>SANDBOX</RequestId></Error>")
    return Response(body, status_code=status, media_type="application/xml")


class FaultMiddleware:
    """Injects the configured faults into ``/api/v1`` requests.

    Order per request: a 429 (with ``Retry-After``) or a 5xx answer before anything is
    committed; otherwise the request runs, and a mutating request may then be committed and its
    connection aborted without any response (``drop_rate``). Every request draws the same
    number of random numbers, so a ``--seed`` gives the same fault sequence every run.
    """

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    def _budget_left(self) -> bool:
        limit = self.state.faults.max_faults
        return limit is None or self.state.faults_injected < limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API + "/"):
            await self.app(scope, receive, send)
            return
        faults = self.state.faults
        rng = self.state.fault_rng
        draws = (rng.random(), rng.random(), rng.random())
        if faults.paths and not any(p in scope["path"] for p in faults.paths):
            await self.app(scope, receive, send)
            return
        if draws[0] < faults.rate_limit_rate and self._budget_left():
            self.state.faults_injected += 1
            response = _json(429, {"error": "Too many requests, please retry later.", "code": "RATE_LIMITED",
                                   "retryAfterSec": faults.retry_after},
                             {"Retry-After": str(faults.retry_after)})
            await response(scope, receive, send)
            return
        if draws[1] < faults.error_rate and self._budget_left():
            self.state.faults_injected += 1
            await _server_error(faults.error_status)(scope, receive, send)
            return
        drop = scope["method"] in MUTATING and draws[2] < faults.drop_rate and self._budget_left()
        if not drop:
            await self.app(scope, receive, send)
            return
        self.state.faults_injected += 1

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)  # the change is committed here...
        transport = TRANSPORT.get()
        if isinstance(transport, asyncio.WriteTransport):
            transport.abort()  # ...and the client never hears about it
            with contextlib.suppress(Exception):
                await asyncio.wait_for(receive(), timeout=1.0)  # let the server see the disconnect


def _server_error(status: int) -> Response:
    if status == 502:  # what a proxy in front of Publora answers: not JSON
        return Response("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                        "</center></body></html>", status_code=502, media_type="text/html")
    if status == 503:
        return _json(503, {"error": "Service temporarily unavailable"})
    if status == 504:
        return _json(504, {"error": "Gateway timeout"})
    return _json(status, {"error": "Internal server error"})


def create_app(state: SandboxState | None = None, **kwargs: Any) -> SandboxApp:
    """The sandbox ASGI app over ``state`` (a fresh in-memory state when omitted)."""
    return SandboxApp(state or SandboxState(**kwargs))

