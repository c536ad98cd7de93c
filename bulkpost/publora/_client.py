"""The Publora client: one method per endpoint, one retry loop, safe uploads.

::

    from bulkpost import PubloraClient

    with PubloraClient() as client:             # PUBLORA_API_KEY from the environment
        for connection in client.platform_connections():
            print(connection.platform_id, connection.token_status)
        draft = client.create_post(content="Hello", platforms=["linkedin-Tz9W5i6ZYG"],
                                   idempotency_key="row-7-3f2a...")

Every request goes through :meth:`PubloraClient._send`, the only retry loop: it asks
:func:`~bulkpost.publora._retry.should_retry` after each failed attempt and sleeps
:func:`~bulkpost.publora._retry.retry_delay`. A create or update is resent only when it carries the
caller's ``Idempotency-Key``, and the very same request object (so the very same key) is sent on
every attempt.

The API key is only ever added to requests for the API's base URL (never to an upload URL), and it
is masked in ``repr`` and scrubbed from every exception message; request and response bodies and
headers are never logged.
"""

from __future__ import annotations

import logging
import os
import platform as _platform
import random as _random
import re
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from ..errors import (
    APIResponseValidationError,
    ConfigError,
    InputError,
    InvalidIdError,
)
from . import models as m
from ._errors import connection_error, error_code, status_error
from ._retry import MAX_RETRY_AFTER, Failure, parse_retry_after, retry_delay, should_retry

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_UPLOAD_TIMEOUT",
    "UPLOAD_CHUNK_SIZE",
    "PubloraClient",
    "thread_retry_count",
]

DEFAULT_BASE_URL = "https://api.publora.com/api/v1"
"""Used when neither ``base_url`` nor ``PUBLORA_BASE_URL`` is given."""

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=30.0)
"""API calls: create-post with ``mediaUrls`` downloads the files before it answers, and analytics
may take up to 90 s, hence the generous read timeout."""

DEFAULT_UPLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=300.0, pool=30.0)
"""Uploads to the storage host: a slow link or a busy storage host gets minutes per write/read."""

DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt (so at most four attempts)."""

UPLOAD_CHUNK_SIZE = 1024 * 1024
"""Bytes read from disk and sent per write while uploading; the only file data held in memory."""

"""Named in the User-Agent so Publora can tell who is calling (Cloudflare rejects bare agents)."""

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_PLATFORM_ID = re.compile(r"[a-z]+-[^\s/?#]+")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")

_log = logging.getLogger("bulkpost.publora")

_ModelT = TypeVar("_ModelT", bound=BaseModel)


_retries = threading.local()


def thread_retry_count() -> int:
    """How many requests the calling thread has sent again (every client, since the thread began).

    The executor reads it before and after a row to tell which rows needed retries.
    """
    return int(getattr(_retries, "count", 0))


def _count_retry() -> None:
    _retries.count = thread_retry_count() + 1


class _Unset:
    """Marks a keyword argument that was not given (``None`` is a meaningful value)."""

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


def _user_agent() -> str:
    from .. import __version__  # at call time: bulkpost/__init__ imports this module

    return (
        f"bulkpost/{__version__} (Publora bulk scheduler) httpx/{httpx.__version__} "
        f"Python/{_platform.python_version()}"
    )


def _check_id(value: str, what: str) -> str:
    """``value`` if it is a 24-hex ObjectId, else :class:`InvalidIdError` (Publora would 500)."""
    if not isinstance(value, str) or not _OBJECT_ID.fullmatch(value):
        raise InvalidIdError(
            f"{what} {value!r} is not a Publora id (24 hexadecimal characters); nothing was sent.",
            hint=f"Pass the {what} exactly as Publora returned it.",
        )
    return value


def _check_platform_id(value: str) -> str:
    """``value`` if it looks like a connection id (``linkedin-Tz9W5i6ZYG``), else InvalidIdError."""
    if not isinstance(value, str) or not _PLATFORM_ID.fullmatch(value):
        raise InvalidIdError(
            f"platform id {value!r} is not a Publora connection id (like 'linkedin-Tz9W5i6ZYG'); "
            "nothing was sent.",
            hint="Copy the platformId from platform_connections() verbatim.",
        )
    return value


def _iso(value: datetime | date | str | None, what: str = "scheduled_time") -> str | None:
    """A time as Publora wants it: ISO 8601 UTC with milliseconds and ``Z``; strings pass as-is."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{what} must be timezone-aware (a naive datetime has no defined UTC time)")
        utc = value.astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{what} must be a datetime or an ISO 8601 string, not {type(value).__name__}")


def _date_range(value: Any) -> Any:
    """``(date, date)`` -> ``{"start": {year, month, day}, "end": {...}}``; a dict passes as-is."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, date) for v in value):
        start, end = value
        return {
            "start": {"year": start.year, "month": start.month, "day": start.day},
            "end": {"year": end.year, "month": end.month, "day": end.day},
        }
    return value


def _query_types(value: Sequence[str] | str | None) -> list[str] | str | None:
    """``"ALL"`` stays a string; any other sequence becomes a list."""
    return value if value is None or isinstance(value, str) else list(value)


def _display_url(url: httpx.URL | str) -> str:
    """``scheme://host/path`` without the query: a presigned URL's query is a credential."""
    parsed = httpx.URL(str(url))
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}{parsed.path}"


def _failure_kind(exc: httpx.RequestError) -> Failure:
    """Classify a request that got no answer: did it certainly not reach the server?"""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "transport"


def _decode(response: httpx.Response) -> Any:
    """The body as JSON if it is JSON, else its text (``None`` when empty)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _body_summary(errors: ValidationError) -> str:
    parts = []
    for error in errors.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "body"
        parts.append(f"{where}: {error.get('msg')}")
    return "; ".join(parts)


class PubloraClient:
    """A client for the Publora REST API (https://api.publora.com/api/v1).

    ``api_key`` defaults to ``PUBLORA_API_KEY``, ``base_url`` to ``PUBLORA_BASE_URL`` or
    :data:`DEFAULT_BASE_URL`, ``user_id`` (act as a workspace-managed user, sent as
    ``x-publora-user-id``) to ``PUBLORA_USER_ID``. ``transport`` replaces the network (tests pass
    ``httpx.MockTransport``); ``sleep``, ``random`` and ``clock`` make the retry loop's waits
    observable. One pooled ``httpx.Client`` lives inside; use the client as a context manager or
    call :meth:`close`.

    Raises :class:`~bulkpost.errors.ConfigError` when there is no key or the base URL or user
    id is malformed.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        user_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        upload_timeout: float | httpx.Timeout = DEFAULT_UPLOAD_TIMEOUT,
        max_retry_after: float = MAX_RETRY_AFTER,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("PUBLORA_API_KEY", "")
        key = key.strip()
        if not key:
            raise ConfigError(
                "No Publora API key: set the environment variable PUBLORA_API_KEY "
                "(or pass api_key=...).",
                hint="Create a key in the Publora dashboard (API section); it starts with 'sk_'.",
            )
        if not _HEADER_SAFE.fullmatch(key):
            # Not echoed: even a malformed key may be most of a real one.
            raise ConfigError(
                "The Publora API key contains spaces or characters that cannot be sent in a header.",
                hint="Copy the key again from the Publora dashboard (it looks like sk_...).",
            )
        raw_base = base_url if base_url is not None else os.environ.get("PUBLORA_BASE_URL") or DEFAULT_BASE_URL
        try:
            parsed = httpx.URL(raw_base.strip())
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"PUBLORA_BASE_URL {raw_base!r} is not a URL.") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host or parsed.query:
            raise ConfigError(
                f"PUBLORA_BASE_URL {raw_base!r} is not an http(s) base URL.",
                hint=f"Use {DEFAULT_BASE_URL} (or the sandbox's URL).",
            )
        uid = user_id if user_id is not None else os.environ.get("PUBLORA_USER_ID") or None
        if uid is not None and not _OBJECT_ID.fullmatch(uid):
            raise ConfigError(
                f"PUBLORA_USER_ID {uid!r} is not a Publora user id (24 hexadecimal characters).",
                hint="Use the _id of a managed user from list_workspace_users(), or unset it.",
            )
        if max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, not {max_retries}.")
        self._api_key = key
        self.base_url = str(parsed).rstrip("/")
        self.user_id = uid
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.upload_timeout = upload_timeout
        self._sleep = sleep
        self._random = random
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": _user_agent(), "Accept": "application/json"},
            follow_redirects=False,  # a redirect must never carry the key to another host
        )
        self._owns_http = True

    # --- lifecycle ------------------------------------------------------------------------

    def __repr__(self) -> str:
        key = self._api_key
        masked = f"{key[:3]}...{key[-4:]}" if len(key) >= 20 else "***"
        return f"PubloraClient(base_url={self.base_url!r}, api_key={masked!r}, user_id={self.user_id!r})"

    def __enter__(self) -> PubloraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (a copy from :meth:`with_options` leaves it to its parent)."""
        if self._owns_http:
            self._http.close()

    def with_options(
        self,
        *,
        user_id: str | None | types.EllipsisType = ...,
        max_retries: int | None = None,
    ) -> PubloraClient:
        """A copy with another ``user_id`` (``None``: act as the key's owner) or ``max_retries``.

        The copy shares this client's connection pool, so making one per managed user is cheap;
        closing the copy does not close the pool.
        """
        clone = object.__new__(PubloraClient)
        clone.__dict__.update(self.__dict__)
        clone._owns_http = False
        if user_id is not ...:
            if user_id is not None and not _OBJECT_ID.fullmatch(user_id):
                raise InvalidIdError(
                    f"user id {user_id!r} is not a Publora id (24 hexadecimal characters); nothing was sent.",
                    hint="Use the _id of a managed user from list_workspace_users().",
                )
            clone.user_id = user_id
        if max_retries is not None:
            clone.max_retries = max_retries
        return clone

    # --- the one request path ---------------------------------------------------------------

    def _redact(self, value: Any) -> Any:
        """``value`` (text, or decoded JSON) with every occurrence of the API key replaced.

        Publora does not echo keys; this is the guarantee that an exception, its ``body`` and
        anything printed from them never carry it, whatever a server or proxy answers.
        """
        if isinstance(value, str):
            return value.replace(self._api_key, "[REDACTED]") if self._api_key in value else value
        if isinstance(value, dict):
            return {self._redact(k): self._redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact(v) for v in value]
        return value

    def _api_headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {"x-publora-key": self._api_key}
        if self.user_id:
            headers["x-publora-user-id"] = self.user_id
        if idempotency_key is not None:
            if not idempotency_key or not _HEADER_SAFE.fullmatch(idempotency_key):
                raise ValueError("idempotency_key must be a non-empty printable ASCII string without spaces")
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def _send(
        self,
        make_request: Callable[[], httpx.Request],
        *,
        replay_safe: bool,
        idempotency_key: str | None = None,
        storage: bool = False,
        gone_ok_on_retry: bool = False,
        needs_key: bool = False,
    ) -> httpx.Response:
        """Send until success or a final failure; the only retry loop of the client.

        ``make_request`` is called before each attempt; API calls return the same request object
        every time (same headers, same Idempotency-Key), uploads a fresh one over a re-opened
        file. Returns a 2xx response (or, with ``gone_ok_on_retry``, the 404 of a retried
        delete); raises an :class:`~bulkpost.errors.APIError`. ``needs_key`` marks a create or
        update: without an Idempotency-Key it gets no retry at all, whatever the failure.
        """
        max_retries = 0 if needs_key and idempotency_key is None else self.max_retries
        attempt = 0
        while True:
            request = make_request()
            where = f"{request.method} {_display_url(request.url)}"
            try:
                response = self._http.send(request)
            except httpx.RequestError as exc:
                failure = _failure_kind(exc)
                if should_retry(
                    attempt=attempt, max_retries=max_retries, failure=failure, replay_safe=replay_safe
                ):
                    delay = retry_delay(attempt, None, jitter=self._random())
                    _log.info(
                        "%s: %s; retry %d of %d in %.2f s", where, type(exc).__name__, attempt + 1,
                        max_retries, delay,
                    )
                    self._sleep(delay)
                    _count_retry()
                    attempt += 1
                    continue
                error = connection_error(exc, where=where, attempts=attempt + 1)
                error.message = self._redact(error.message)
                error.args = (error.message,)
                raise error from exc
            _log.debug("%s -> %d (attempt %d)", where, response.status_code, attempt + 1)
            if response.is_success:
                return response
            if gone_ok_on_retry and attempt > 0 and response.status_code == 404:
                # A delete retried after an ambiguous failure: the first attempt did the work.
                return response
            body = self._redact(_decode(response))
            code = error_code(body)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), body, now=self._clock())
            if should_retry(
                attempt=attempt,
                max_retries=max_retries,
                status_code=response.status_code,
                code=code,
                replay_safe=replay_safe,
                retry_after=retry_after,
                max_retry_after=self.max_retry_after,
            ):
                delay = retry_delay(
                    attempt, retry_after, jitter=self._random(), max_retry_after=self.max_retry_after
                )
                _log.info(
                    "%s: %d %s; retry %d of %d in %.2f s", where, response.status_code, code or "",
                    attempt + 1, max_retries, delay,
                )
                self._sleep(delay)
                _count_retry()
                attempt += 1
                continue
            status_exc = status_error(
                response,
                body,
                retry_after=retry_after,
                replay_safe=replay_safe,
                idempotency_key=idempotency_key,
                storage=storage,
            )
            raise status_exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        replay_safe: bool | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        needs_key: bool = False,
    ) -> Any:
        """Call ``method path`` on the API and return the decoded 2xx JSON body.

        ``replay_safe`` defaults to true for GET/DELETE and, for anything else, to whether an
        ``idempotency_key`` was given. ``needs_key`` (create, update, attach-media): never
        retried without an ``idempotency_key``.
        """
        if replay_safe is None:
            replay_safe = method in ("GET", "DELETE") or idempotency_key is not None
        request = self._http.build_request(
            method,
            self.base_url + path,
            json=json,
            params={k: v for k, v in (params or {}).items() if v is not None} or None,
            headers=self._api_headers(idempotency_key),
            files=files,
            data=data,
        )
        response = self._send(
            lambda: request,
            replay_safe=replay_safe,
            idempotency_key=idempotency_key,
            gone_ok_on_retry=method == "DELETE",
            needs_key=needs_key,
        )
        if response.status_code == 404:  # only a retried delete gets here
            return {"success": True, "alreadyDeleted": True}
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise APIResponseValidationError(
                f"Publora answered {response.status_code} to {method} {path} with a body that is not JSON.",
                body=response.text[:500],
                hint="Check PUBLORA_BASE_URL: it should end in /api/v1.",
            ) from exc

    def _parse(self, model: type[_ModelT], data: Any, where: str) -> _ModelT:
        """``data`` as ``model``, or :class:`APIResponseValidationError` (never a pydantic dump)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"Publora's answer to {where} does not have the expected shape ({_body_summary(exc)}).",
                body=data,
                hint="Publora may have changed its API; update bulkpost or report this.",
            ) from exc

    def _parse_list(self, model: type[_ModelT], data: Any, key: str, where: str) -> list[_ModelT]:
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise APIResponseValidationError(
                f"Publora's answer to {where} has no '{key}' list.",
                body=data,
                hint="Publora may have changed its API; update bulkpost or report this.",
            )
        return [self._parse(model, item, where) for item in items]

    # --- connections and limits -------------------------------------------------------------

    def platform_connections(self) -> list[m.Connection]:
        """``GET /platform-connections``: every connected account (use ``platform_id`` in posts)."""
        data = self._request("GET", "/platform-connections")
        return self._parse_list(m.Connection, data, "connections", "platform-connections")

    def test_connection(self, platform_id: str) -> m.ConnectionTest:
        """``POST /test-connection/:platformId``: check one connection (read ``.status``/``.ok``)."""
        _check_platform_id(platform_id)
        data = self._request("POST", f"/test-connection/{quote(platform_id, safe='')}", replay_safe=True)
        return self._parse(m.ConnectionTest, data, "test-connection")

    def platform_limits(self) -> dict[str, Any]:
        """``GET /platform-limits``: the raw limits JSON (the rules module parses it)."""
        data = self._request("GET", "/platform-limits")
        if not isinstance(data, dict):
            raise APIResponseValidationError(
                "Publora's answer to platform-limits is not a JSON object.", body=data
            )
        return data

    # --- posts -----------------------------------------------------------------------------

    def create_post(
        self,
        *,
        content: str,
        platforms: Sequence[str],
        scheduled_time: datetime | str | None = None,
        platform_settings: Mapping[str, Any] | None = None,
        media_urls: Sequence[str] | None = None,
        first_comment: m.FirstComment | Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> m.CreatePostResult:
        """``POST /create-post``: a draft (no ``scheduled_time``) or a scheduled post group.

        Retried on failures only when ``idempotency_key`` is given: pass one per logical post (for
        bulkpost, derived from the row) and the same one when running again, so a post is never
        created twice. ``warnings`` in the result carry e.g. ``SCHEDULED_TIME_COERCED``.
        """
        fields: dict[str, Any] = {"content": content, "platforms": list(platforms)}
        if scheduled_time is not None:
            fields["scheduled_time"] = _iso(scheduled_time)
        if platform_settings is not None:
            fields["platform_settings"] = dict(platform_settings)
        if media_urls is not None:
            fields["media_urls"] = list(media_urls)
        if first_comment is not None:
            fields["first_comment"] = first_comment
        body = m.CreatePostRequest(**fields).model_dump(by_alias=True, exclude_unset=True, mode="json")
        data = self._request("POST", "/create-post", json=body, idempotency_key=idempotency_key, needs_key=True)
        return self._parse(m.CreatePostResult, data, "create-post")

    def update_post(
        self,
        post_group_id: str,
        *,
        status: str | None = None,
        scheduled_time: datetime | str | None = None,
        content: str | None = None,
        platforms: Sequence[str] | None = None,
        platform_settings: Mapping[str, Any] | None = None,
        media_urls: Sequence[str] | None = None,
        first_comment: Any = _UNSET,
        idempotency_key: str | None = None,
    ) -> m.UpdatePostResult:
        """``PUT /update-post/:id``: patch a draft or scheduled group; only given fields are sent.

        ``first_comment=None`` removes the first comment. To schedule a draft send
        ``status="scheduled"`` together with a fresh ``scheduled_time``. ``media_urls`` append,
        so retries happen only with an ``idempotency_key``.
        """
        _check_id(post_group_id, "post group id")
        fields: dict[str, Any] = {}
        if status is not None:
            fields["status"] = status
        if scheduled_time is not None:
            fields["scheduled_time"] = _iso(scheduled_time)
        if content is not None:
            fields["content"] = content
        if platforms is not None:
            fields["platforms"] = list(platforms)
        if platform_settings is not None:
            fields["platform_settings"] = dict(platform_settings)
        if media_urls is not None:
            fields["media_urls"] = list(media_urls)
        if first_comment is not _UNSET:
            fields["first_comment"] = first_comment
        if not fields:
            raise ValueError("update_post needs at least one field to change")
        body = m.UpdatePostRequest(**fields).model_dump(by_alias=True, exclude_unset=True, mode="json")
        data = self._request(
            "PUT", f"/update-post/{post_group_id}", json=body, idempotency_key=idempotency_key, needs_key=True
        )
        return self._parse(m.UpdatePostResult, data, "update-post")

    def get_post(self, post_group_id: str) -> m.PostGroup:
        """``GET /get-post/:id``: the group's status and each platform post's result."""
        _check_id(post_group_id, "post group id")
        data = self._request("GET", f"/get-post/{post_group_id}")
        return self._parse(m.PostGroup, data, "get-post")

    def list_posts(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        from_date: datetime | date | str | None = None,
        to_date: datetime | date | str | None = None,
        page_size: int = 100,
    ) -> Iterator[m.PostSummary]:
        """``GET /list-posts``, every page: a generator that fetches the next page when needed.

        ``platform`` is a bare platform name (``twitter``), not a connection id. A group that
        shifts to the next page while paging (pages are offsets) is yielded only once.
        """
        limit = min(max(int(page_size), 1), 100)
        params: dict[str, Any] = {
            "limit": limit,
            "status": status,
            "platform": platform,
            "sortBy": sort_by,
            "sortOrder": sort_order,
            "fromDate": _iso(from_date, "from_date"),
            "toDate": _iso(to_date, "to_date"),
        }
        seen: set[str] = set()
        page = 1
        while True:
            data = self._request("GET", "/list-posts", params={**params, "page": page})
            posts = self._parse_list(m.PostSummary, data, "posts", "list-posts")
            for post in posts:
                if post.post_group_id not in seen:
                    seen.add(post.post_group_id)
                    yield post
            pagination = self._parse(m.Pagination, data.get("pagination") or {}, "list-posts pagination")
            if not posts:
                return
            if pagination.has_next_page is not None:
                more = pagination.has_next_page
            elif pagination.total_pages is not None:
                more = page < pagination.total_pages
            else:
                more = len(posts) >= limit
            if not more:
                return
            page += 1

    def delete_post(self, post_group_id: str) -> None:
        """``DELETE /delete-post/:id``: the group, its platform posts and media (any status)."""
        _check_id(post_group_id, "post group id")
        self._request("DELETE", f"/delete-post/{post_group_id}")

    def post_logs(self, post_group_id: str) -> list[m.PostLog]:
        """``GET /post-logs/:id``: up to 100 publish-attempt log entries, oldest first."""
        _check_id(post_group_id, "post group id")
        data = self._request("GET", f"/post-logs/{post_group_id}")
        return self._parse_list(m.PostLog, data, "logs", "post-logs")

    # --- media -----------------------------------------------------------------------------

    def get_upload_url(
        self,
        *,
        post_group_id: str,
        file_name: str,
        content_type: str,
        type: str | None = None,  # noqa: A002  (the API's field name)
    ) -> m.UploadTarget:
        """``POST /get-upload-url``: a presigned URL (one hour) for one file of a post group.

        Attaches a media record at once, so it is not retried after an ambiguous failure (a
        second record would block scheduling until deleted). Call it once per file, in the order
        the files should appear (carousel order).
        """
        _check_id(post_group_id, "post group id")
        body: dict[str, Any] = {"fileName": file_name, "contentType": content_type, "postGroupId": post_group_id}
        if type is not None:
            body["type"] = type
        data = self._request("POST", "/get-upload-url", json=body)
        return self._parse(m.UploadTarget, data, "get-upload-url")

    def upload(
        self,
        upload_url: str,
        path: str | os.PathLike[str],
        content_type: str,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """PUT the file at ``path`` to a presigned ``upload_url``, streamed from disk.

        Sends ``Content-Length`` and exactly ``content_type`` (the one given to
        :meth:`get_upload_url`; the storage host refuses anything else), and no API key: the
        URL's signature is the credential. At most :data:`UPLOAD_CHUNK_SIZE` bytes of the file
        are in memory at a time. ``progress(n)`` is called with the number of bytes just sent; if
        the upload is retried from the start, the bytes already reported are first taken back
        with one negative call. Uses the longer ``upload_timeout``.
        """
        file_path = Path(path)
        try:
            size = file_path.stat().st_size
        except OSError as exc:
            raise InputError(
                f"Cannot read the media file {str(file_path)!r}: {exc.strerror or exc}.",
                hint="Check the path in the sheet (relative paths are relative to the sheet).",
                file=str(file_path),
            ) from exc
        if not content_type or not _HEADER_SAFE.fullmatch(content_type.replace(" ", "")):
            raise ValueError("content_type must be the MIME type given to get_upload_url, e.g. 'video/mp4'")
        target = httpx.URL(upload_url)
        if target.scheme not in ("http", "https") or not target.host:
            raise ValueError("upload_url must be the http(s) uploadUrl returned by get_upload_url")
        reported = 0

        def chunks() -> Iterator[bytes]:
            nonlocal reported
            with file_path.open("rb") as handle:
                remaining = size
                while remaining > 0:
                    chunk = handle.read(min(UPLOAD_CHUNK_SIZE, remaining))
                    if not chunk:  # the file shrank: the transport reports the short body
                        return
                    remaining -= len(chunk)
                    yield chunk
                    reported += len(chunk)
                    if progress is not None:
                        progress(len(chunk))

        def make_request() -> httpx.Request:
            nonlocal reported
            if reported and progress is not None:
                progress(-reported)
            reported = 0
            # Only these two headers (plus the pool's User-Agent/Accept): never the API key.
            return self._http.build_request(
                "PUT",
                target,
                content=chunks(),
                headers={"Content-Type": content_type, "Content-Length": str(size)},
                timeout=self.upload_timeout,
            )

        self._send(make_request, replay_safe=True, storage=True)

    def complete_media(self, media_id: str) -> dict[str, Any]:
        """``POST /complete-media/:id``: optional; probes the uploaded bytes (``mediaFile``)."""
        _check_id(media_id, "media id")
        data = self._request("POST", f"/complete-media/{media_id}", replay_safe=True)
        return data if isinstance(data, dict) else {}

    def delete_media(self, media_id: str) -> dict[str, Any]:
        """``DELETE /media/:id``: remove one attached file (a scheduled group becomes a draft)."""
        _check_id(media_id, "media id")
        data = self._request("DELETE", f"/media/{media_id}")
        return data if isinstance(data, dict) else {}

    def attach_media(
        self,
        post_group_id: str,
        *,
        download_url: str,
        file_id: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.AttachMediaResult:
        """``POST /attach-media/:id``: Publora downloads ``download_url`` and attaches it.

        The group always becomes a draft. Retried only with an ``idempotency_key``.
        """
        _check_id(post_group_id, "post group id")
        file: dict[str, Any] = {"download_url": download_url, "file_id": file_id}
        if mime_type is not None:
            file["mime_type"] = mime_type
        body: dict[str, Any] = {"file": file}
        if file_name is not None:
            body["fileName"] = file_name
        data = self._request(
            "POST", f"/attach-media/{post_group_id}", json=body, idempotency_key=idempotency_key, needs_key=True
        )
        return self._parse(m.UpdatePostResult, data, "attach-media")

    def _multipart(self, path_: str, field: str, post_group_id: str, file: str | os.PathLike[str], mime: str) -> Any:
        _check_id(post_group_id, "post group id")
        file_path = Path(file)
        try:
            content = file_path.read_bytes()  # small images (<= 8 MB), sent as multipart
        except OSError as exc:
            raise InputError(
                f"Cannot read {str(file_path)!r}: {exc.strerror or exc}.", file=str(file_path)
            ) from exc
        return self._request(
            "POST",
            path_,
            files={field: (file_path.name, content, mime)},
            data={"postGroupId": post_group_id},
        )

    def upload_instagram_cover(
        self, post_group_id: str, path: str | os.PathLike[str], content_type: str = "image/jpeg"
    ) -> dict[str, Any]:
        """``POST /upload-instagram-cover`` (multipart): returns ``cover: {mediaId, url}``."""
        data = self._multipart("/upload-instagram-cover", "cover", post_group_id, path, content_type)
        return data if isinstance(data, dict) else {}

    def upload_youtube_thumbnail(
        self, post_group_id: str, path: str | os.PathLike[str], content_type: str = "image/jpeg"
    ) -> dict[str, Any]:
        """``POST /upload-youtube-thumbnail`` (multipart): returns ``thumbnail: {mediaId, url}``."""
        data = self._multipart("/upload-youtube-thumbnail", "thumbnail", post_group_id, path, content_type)
        return data if isinstance(data, dict) else {}

    # --- webhooks --------------------------------------------------------------------------

    def list_webhooks(self) -> list[m.Webhook]:
        """``GET /webhooks`` (secrets are not listed)."""
        return self._parse_list(m.Webhook, self._request("GET", "/webhooks"), "webhooks", "webhooks")

    def create_webhook(self, *, name: str, url: str, events: Sequence[str]) -> m.Webhook:
        """``POST /webhooks``; the answer's ``secret`` is shown only this once (keep it)."""
        body = m.CreateWebhookRequest(name=name, url=url, events=list(events)).model_dump(by_alias=True)
        data = self._request("POST", "/webhooks", json=body)
        return self._parse(m.Webhook, (data or {}).get("webhook"), "create webhook")

    def update_webhook(
        self,
        webhook_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        events: Sequence[str] | None = None,
        is_active: bool | None = None,
    ) -> m.Webhook:
        """``PATCH /webhooks/:id``: change any of name, url, events, is_active."""
        _check_id(webhook_id, "webhook id")
        fields: dict[str, Any] = {}
        if name is not None:
            fields["name"] = name
        if url is not None:
            fields["url"] = url
        if events is not None:
            fields["events"] = list(events)
        if is_active is not None:
            fields["is_active"] = is_active
        if not fields:
            raise ValueError("update_webhook needs at least one field to change")
        body = m.UpdateWebhookRequest(**fields).model_dump(by_alias=True, exclude_unset=True)
        data = self._request("PATCH", f"/webhooks/{webhook_id}", json=body, replay_safe=True)
        return self._parse(m.Webhook, (data or {}).get("webhook"), "update webhook")

    def delete_webhook(self, webhook_id: str) -> None:
        """``DELETE /webhooks/:id``."""
        _check_id(webhook_id, "webhook id")
        self._request("DELETE", f"/webhooks/{webhook_id}")

    def regenerate_webhook_secret(self, webhook_id: str) -> str:
        """``POST /webhooks/:id/regenerate-secret``: the new secret (the old one stops working)."""
        _check_id(webhook_id, "webhook id")
        # Replay-safe: a second rotation only makes the answer of the last one the current secret.
        data = self._request("POST", f"/webhooks/{webhook_id}/regenerate-secret", replay_safe=True)
        secret = data.get("secret") if isinstance(data, dict) else None
        if not isinstance(secret, str):
            raise APIResponseValidationError("Publora's answer to regenerate-secret has no secret.", body=None)
        return secret

    # --- workspace -------------------------------------------------------------------------

    def list_workspace_users(self) -> list[m.ManagedUser]:
        """``GET /workspace/users``: the users this key manages."""
        data = self._request("GET", "/workspace/users")
        return self._parse_list(m.ManagedUser, data, "users", "workspace users")

    def create_workspace_user(self, *, username: str, display_name: str | None = None) -> m.ManagedUser:
        """``POST /workspace/users``: a new managed user (``username`` is an email address)."""
        body: dict[str, Any] = {"username": username}
        if display_name is not None:
            body["displayName"] = display_name
        data = self._request("POST", "/workspace/users", json=body)
        return self._parse(m.ManagedUser, (data or {}).get("user"), "create workspace user")

    def attach_workspace_user(
        self,
        *,
        email: str | None = None,
        user_id: str | None = None,
        user_access_token: str | None = None,
    ) -> m.AttachUserResult:
        """``POST /workspace/users/attach``: attach an existing user (with their consent token)."""
        body: dict[str, Any] = {}
        if email is not None:
            body["email"] = email
        if user_id is not None:
            body["userId"] = _check_id(user_id, "user id")
        if user_access_token is not None:
            body["userAccessToken"] = user_access_token
        data = self._request("POST", "/workspace/users/attach", json=body)
        return self._parse(m.AttachUserResult, data, "attach workspace user")

    def delete_workspace_user(self, user_id: str) -> None:
        """``DELETE /workspace/users/:id``: detach the user (the account itself is kept)."""
        _check_id(user_id, "user id")
        self._request("DELETE", f"/workspace/users/{user_id}")

    def workspace_user_api_key(self, user_id: str) -> m.WorkspaceUserApiKey:
        """``POST /workspace/users/:id/api-key``: a new key for the user (replaces theirs)."""
        _check_id(user_id, "user id")
        # Replay-safe: a repeated call replaces the key again and returns the current one.
        data = self._request("POST", f"/workspace/users/{user_id}/api-key", replay_safe=True)
        return self._parse(m.WorkspaceUserApiKey, data, "workspace user api-key")

    def workspace_user_connection_url(
        self, user_id: str, *, expires_in_days: int | None = None, rotate: bool | None = None
    ) -> m.ConnectionUrl:
        """``POST /workspace/users/:id/connection-url``: a link where the user connects accounts."""
        _check_id(user_id, "user id")
        body: dict[str, Any] = {}
        if expires_in_days is not None:
            body["expiresInDays"] = expires_in_days
        if rotate is not None:
            body["rotate"] = rotate
        data = self._request(
            "POST", f"/workspace/users/{user_id}/connection-url", json=body, replay_safe=not rotate
        )
        return self._parse(m.ConnectionUrl, data, "workspace user connection-url")

    # --- analytics and LinkedIn engagement --------------------------------------------------

    def _stats(self, path: str, body: dict[str, Any]) -> Any:
        # Statistics are reads sent as POST: safe to resend.
        return self._request("POST", path, json={k: v for k, v in body.items() if v is not None}, replay_safe=True)

    def linkedin_post_statistics(
        self,
        *,
        posted_id: str,
        platform_id: str,
        query_type: str | None = None,
        query_types: Sequence[str] | str | None = None,
    ) -> m.LinkedInPostStatistics:
        """``POST /linkedin-post-statistics``: one metric (``query_type``, upper case) or several
        (``query_types``: a list, or ``"ALL"``)."""
        if query_type is None and query_types is None:
            raise ValueError("give query_type or query_types")
        body = {
            "postedId": posted_id,
            "platformId": platform_id,
            "queryType": query_type,
            "queryTypes": _query_types(query_types),
        }
        data = self._stats("/linkedin-post-statistics", body)
        return self._parse(m.LinkedInPostStatistics, data, "linkedin-post-statistics")

    def linkedin_account_statistics(
        self,
        *,
        platform_id: str,
        query_type: str | None = None,
        query_types: Sequence[str] | str | None = None,
        aggregation: str | None = None,
        date_range: Any = None,
    ) -> m.LinkedInAccountStatistics:
        """``POST /linkedin-account-statistics``; ``date_range`` is ``(date, date)`` or the API's dict."""
        if query_type is None and query_types is None:
            raise ValueError("give query_type or query_types")
        body = {
            "platformId": platform_id,
            "queryType": query_type,
            "queryTypes": _query_types(query_types),
            "aggregation": aggregation,
            "dateRange": _date_range(date_range),
        }
        return self._parse(
            m.LinkedInAccountStatistics, self._stats("/linkedin-account-statistics", body), "linkedin-account-statistics"
        )

    def linkedin_followers(
        self, *, platform_id: str, period: str | None = None, date_range: Any = None
    ) -> m.LinkedInFollowers:
        """``POST /linkedin-followers``: lifetime count, or daily growth (``period="daily"`` + ``date_range``)."""
        body = {"platformId": platform_id, "period": period, "dateRange": _date_range(date_range)}
        return self._parse(m.LinkedInFollowers, self._stats("/linkedin-followers", body), "linkedin-followers")

    def linkedin_profile_summary(self, *, platform_id: str, date_range: Any = None) -> m.LinkedInProfileSummary:
        """``POST /linkedin-profile-summary``: followers and post totals."""
        body = {"platformId": platform_id, "dateRange": _date_range(date_range)}
        return self._parse(
            m.LinkedInProfileSummary, self._stats("/linkedin-profile-summary", body), "linkedin-profile-summary"
        )

    def linkedin_reactions(self, *, posted_id: str, reaction_type: str, platform_id: str) -> m.LinkedInReaction:
        """``POST /linkedin-reactions``: react to a post (LIKE, PRAISE, EMPATHY, INTEREST, ...)."""
        body = {"postedId": posted_id, "reactionType": reaction_type, "platformId": platform_id}
        data = self._request("POST", "/linkedin-reactions", json=body)
        return self._parse(m.LinkedInReaction, data, "linkedin-reactions")

    def delete_linkedin_reaction(self, *, posted_id: str, platform_id: str) -> m.LinkedInReaction:
        """``DELETE /linkedin-reactions``: remove the account's reaction."""
        data = self._request(
            "DELETE", "/linkedin-reactions", params={"postedId": posted_id, "platformId": platform_id}
        )
        return self._parse(m.LinkedInReaction, data, "delete linkedin-reactions")

    def linkedin_comments(
        self,
        *,
        posted_id: str,
        message: str,
        platform_id: str,
        parent_comment: str | None = None,
        image_url: str | None = None,
    ) -> m.LinkedInComment:
        """``POST /linkedin-comments``: comment (or reply to ``parent_comment``). Not retried."""
        body = {
            "postedId": posted_id,
            "message": message,
            "platformId": platform_id,
            "parentComment": parent_comment,
            "imageUrl": image_url,
        }
        data = self._request("POST", "/linkedin-comments", json={k: v for k, v in body.items() if v is not None})
        return self._parse(m.LinkedInComment, data, "linkedin-comments")

    def delete_linkedin_comment(self, *, posted_id: str, comment_id: str, platform_id: str) -> m.LinkedInCommentDeleted:
        """``DELETE /linkedin-comments``."""
        data = self._request(
            "DELETE",
            "/linkedin-comments",
            params={"postedId": posted_id, "commentId": comment_id, "platformId": platform_id},
        )
        return self._parse(m.LinkedInCommentDeleted, data, "delete linkedin-comments")

    def linkedin_reshare(
        self,
        *,
        platform_id: str,
        parent: str,
        commentary: str | None = None,
        visibility: str | None = None,
    ) -> m.LinkedInReshare:
        """``POST /linkedin-reshare``: repost ``parent`` (``urn:li:share:…``) now. Not retried."""
        body = {"platformId": platform_id, "parent": parent, "commentary": commentary, "visibility": visibility}
        data = self._request("POST", "/linkedin-reshare", json={k: v for k, v in body.items() if v is not None})
        return self._parse(m.LinkedInReshare, data, "linkedin-reshare")

    def linkedin_mentionables(self, *, q: str | None = None, limit: int | None = None) -> list[m.Mentionable]:
        """``GET /linkedin-mentionables``: members who can be @-mentioned (paid plans)."""
        data = self._request("GET", "/linkedin-mentionables", params={"q": q, "limit": limit})
        return self._parse_list(m.Mentionable, data, "people", "linkedin-mentionables")

    def post_statistics(self, posts: Iterable[Mapping[str, str]]) -> m.PostStatistics:
        """``POST /post-statistics`` (Mastodon/Bluesky): ``posts`` are ``{platform, platform_id, posted_id}``.

        camelCase keys (``platformId``, ``postedId``) are accepted too.
        """
        items = []
        for post in posts:
            items.append(
                {
                    "platform": post["platform"],
                    "platformId": post.get("platform_id", post.get("platformId")),
                    "postedId": post.get("posted_id", post.get("postedId")),
                }
            )
        return self._parse(m.PostStatistics, self._stats("/post-statistics", {"posts": items}), "post-statistics")

    def profile_statistics(self, *, platform: str, platform_id: str) -> m.ProfileStatistics:
        """``POST /profile-statistics`` (Mastodon/Bluesky): followers, following, posts."""
        body = {"platform": platform, "platformId": platform_id}
        return self._parse(m.ProfileStatistics, self._stats("/profile-statistics", body), "profile-statistics")

