"""The Publora client against httpx.MockTransport: retry arithmetic, errors, endpoints, uploads.

The retry table drives the real retry loop with scripted answers and an injected ``sleep`` that
records the waits; the endpoint tests answer with the example bodies of
``../shared/docs/publora-api.md``. End-to-end tests against the sandbox are in
``test_client_e2e.py``; the upload memory test uses a real socket on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import logging
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from localhttp import serve
from hypothesis import given
from hypothesis import strategies as st

import bulkpost
from bulkpost import errors
from bulkpost.publora import (
    DEFAULT_BASE_URL,
    PubloraClient,
    parse_retry_after,
    retry_delay,
    should_retry,
    verify_webhook_signature,
)
from bulkpost.publora import models as m

API_KEY = "sk_mrmbzomn_1a2b3c4d.964793af0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
BASE = "https://publora.test/api/v1"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
GROUP = "507f1f77bcf86cd799439011"
MEDIA = "65f8a1b2c3d4e5f6a7b8c9d0"
HOOK = "65f8a1b2c3d4e5f6a7b8c9d1"
USER = "65f8a1b2c3d4e5f6a7b8c9d2"
KEY = "row-7-3f2a9c"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that answers from a list and records every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {"success": True}, headers=headers)


def err(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {"error": "failed"}, headers=headers)


class Client:
    """A PubloraClient on a Script, with its recorded sleeps."""

    def __init__(self, script: Script, **kwargs: Any) -> None:
        self.script = script
        self.delays: list[float] = []
        options: dict[str, Any] = {
            "base_url": BASE,
            "transport": httpx.MockTransport(script),
            "sleep": self.delays.append,
            "random": lambda: 0.0,
            "clock": lambda: NOW,
        }
        options.update(kwargs)
        self.client = PubloraClient(API_KEY, **options)


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


@pytest.fixture(autouse=True)
def _no_publora_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBLORA_API_KEY", "PUBLORA_BASE_URL", "PUBLORA_USER_ID"):
        monkeypatch.delenv(name, raising=False)


# --- the retry table ----------------------------------------------------------------------

CREATED = {"success": True, "postGroupId": GROUP, "scheduledTime": None}


def get_post(c: PubloraClient) -> Any:
    return c.platform_connections()


def create_keyed(c: PubloraClient) -> Any:
    return c.create_post(content="hi", platforms=["linkedin-Tz9W5i6ZYG"], idempotency_key=KEY)


def create_bare(c: PubloraClient) -> Any:
    return c.create_post(content="hi", platforms=["linkedin-Tz9W5i6ZYG"])


def update_bare(c: PubloraClient) -> Any:
    return c.update_post(GROUP, status="scheduled", scheduled_time="2026-03-15T10:00:00.000Z")


def upload_url(c: PubloraClient) -> Any:
    return c.get_upload_url(post_group_id=GROUP, file_name="a.jpg", content_type="image/jpeg")


CONNECTIONS = {"success": True, "connections": []}
LATER = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
EARLIER = format_datetime(NOW - timedelta(hours=1), usegmt=True)

RETRY_TABLE = [
    # id, call, answers, recorded sleeps, outcome (None = success)
    ("503 then ok", get_post, [err(503), ok(CONNECTIONS)], [1.0], None),
    ("500 502 504 then ok: doubling", get_post, [err(500), err(502), err(504), ok(CONNECTIONS)], [1.0, 2.0, 4.0], None),
    ("5xx until out of retries", get_post, [err(503)] * 4, [1.0, 2.0, 4.0], errors.ServerError),
    ("429 Retry-After seconds", get_post, [err(429, **{"Retry-After": "7"}), ok(CONNECTIONS)], [7.0], None),
    ("429 Retry-After decimal", get_post, [err(429, **{"Retry-After": "2.5"}), ok(CONNECTIONS)], [2.5], None),
    ("429 Retry-After HTTP date", get_post, [err(429, **{"Retry-After": LATER}), ok(CONNECTIONS)], [30.0], None),
    ("429 Retry-After date in the past", get_post, [err(429, **{"Retry-After": EARLIER}), ok(CONNECTIONS)], [0.0], None),
    ("Retry-After garbage 'soon'", get_post, [err(429, **{"Retry-After": "soon"}), ok(CONNECTIONS)], [1.0], None),
    ("Retry-After garbage '-5'", get_post, [err(429, **{"Retry-After": "-5"}), ok(CONNECTIONS)], [1.0], None),
    ("Retry-After garbage '1e9'", get_post, [err(429, **{"Retry-After": "1e9"}), ok(CONNECTIONS)], [1.0], None),
    ("Retry-After garbage empty", get_post, [err(429, **{"Retry-After": ""}), ok(CONNECTIONS)], [1.0], None),
    ("Retry-After on 503 honoured", get_post, [err(503, **{"Retry-After": "3"}), ok(CONNECTIONS)], [3.0], None),
    ("Retry-After at the cap", get_post, [err(429, **{"Retry-After": "60"}), ok(CONNECTIONS)], [60.0], None),
    ("Retry-After over the cap: raised at once", get_post, [err(429, **{"Retry-After": "3600"})], [], errors.RateLimitError),
    ("Retry-After over the cap on 503: capped", get_post, [err(503, **{"Retry-After": "3600"}), ok(CONNECTIONS)], [60.0], None),
    ("429 retryAfterSec in the body", create_keyed,
     [err(429, {"error": "Media URL ingestion rate limit reached", "code": "MEDIA_URL_RATE_LIMITED", "retryAfterSec": 5}), ok(CREATED)],
     [5.0], None),
    ("429 without Retry-After: backoff", get_post, [err(429), err(429), ok(CONNECTIONS)], [1.0, 2.0], None),
    ("409 IDEMPOTENCY_IN_FLIGHT retried", create_keyed,
     [err(409, {"code": "IDEMPOTENCY_IN_FLIGHT", "error": "A request with this idempotency key is still in flight"}), ok(CREATED)],
     [1.0], None),
    ("409 other codes never", update_bare,
     [err(409, {"code": "POST_PUBLISH_IN_PROGRESS", "error": "Post publishing has already started"})], [], errors.ConflictError),
    ("connect error retried", get_post, [connect_error(), ok(CONNECTIONS)], [1.0], None),
    ("connect error never for a create without key", create_bare, [connect_error()], [], errors.APIConnectionError),
    ("connect error never for an update without key", update_bare, [connect_error()], [], errors.APIConnectionError),
    ("429 never for a create without key", create_bare, [err(429, **{"Retry-After": "1"})], [], errors.RateLimitError),
    ("connect error retried for get-upload-url (never sent)", upload_url,
     [connect_error(), ok({"uploadUrl": "https://s3.test/u", "mediaId": MEDIA})], [1.0], None),
    ("connect timeout retried", get_post, [httpx.ConnectTimeout("connect timed out"), ok(CONNECTIONS)], [1.0], None),
    ("read timeout retried for a read", get_post, [httpx.ReadTimeout("timed out"), ok(CONNECTIONS)], [1.0], None),
    ("read timeout retried for a keyed create", create_keyed, [httpx.ReadTimeout("timed out"), ok(CREATED)], [1.0], None),
    ("read timeout never for a create without key", create_bare, [httpx.ReadTimeout("timed out")], [], errors.APITimeoutError),
    ("connection reset never for a create without key", create_bare,
     [httpx.RemoteProtocolError("Server disconnected")], [], errors.APIConnectionError),
    ("connect errors until out of retries", get_post, [connect_error()] * 4, [1.0, 2.0, 4.0], errors.APIConnectionError),
    ("500 retried for a keyed create", create_keyed, [err(500, {"error": "Failed to create post group"}), ok(CREATED)], [1.0], None),
    ("500 never for a create without key", create_bare, [err(500, {"error": "Failed to create post group"})], [], errors.ServerError),
    ("502 never for a create without key", create_bare, [err(502)], [], errors.ServerError),
    ("503 never for a create without key", create_bare, [err(503)], [], errors.ServerError),
    ("503 never for an update without key", update_bare, [err(503)], [], errors.ServerError),
    ("503 never for get-upload-url (it attaches a record)", upload_url, [err(503)], [], errors.ServerError),
    ("400 never", create_keyed, [err(400, {"error": "Content is required"})], [], errors.BadRequestError),
    ("401 never", get_post, [err(401, {"error": "Invalid API key"})], [], errors.AuthenticationError),
    ("403 never", get_post, [err(403, {"error": "API access is not enabled for this account"})], [], errors.PermissionDeniedError),
    ("404 never", get_post, [err(404, {"error": "Post group not found"})], [], errors.NotFoundError),
    ("422 never", create_keyed,
     [err(422, {"error": "Idempotency key was already used with a different request body", "code": "IDEMPOTENCY_KEY_CONFLICT"})],
     [], errors.IdempotencyConflictError),
]


@pytest.mark.parametrize(
    ("call", "answers", "expected_sleeps", "outcome"),
    [pytest.param(*row[1:], id=row[0]) for row in RETRY_TABLE],
)
def test_retry_table(
    call: Callable[[PubloraClient], Any],
    answers: list[Answer],
    expected_sleeps: list[float],
    outcome: type[Exception] | None,
) -> None:
    script = Script(*answers)
    c = Client(script)
    if outcome is None:
        call(c.client)
    else:
        with pytest.raises(outcome):
            call(c.client)
    assert c.delays == pytest.approx(expected_sleeps)
    assert len(script.requests) == len(expected_sleeps) + 1
    assert not script.answers  # every scripted answer was consumed


def test_jitter_takes_up_to_a_quarter_off_the_backoff() -> None:
    script = Script(err(503), err(503), ok(CONNECTIONS))
    c = Client(script, random=lambda: 0.999)
    c.client.platform_connections()
    assert c.delays == pytest.approx([0.75025, 1.5005])


def test_backoff_stops_growing_at_its_maximum() -> None:
    script = Script(*([err(503)] * 7), ok(CONNECTIONS))
    c = Client(script, max_retries=7)
    c.client.platform_connections()
    assert c.delays == [1.0, 2.0, 4.0, 8.0, 16.0, 16.0, 16.0]


def test_max_retries_zero_means_one_attempt() -> None:
    script = Script(err(503))
    c = Client(script, max_retries=0)
    with pytest.raises(errors.ServerError):
        c.client.platform_connections()
    assert c.delays == [] and len(script.requests) == 1


def test_retry_after_cap_is_configurable() -> None:
    script = Script(err(429, **{"Retry-After": "90"}), ok(CONNECTIONS))
    c = Client(script, max_retry_after=120.0)
    c.client.platform_connections()
    assert c.delays == [90.0]


def test_rate_limit_error_keeps_the_full_retry_after() -> None:
    c = Client(Script(err(429, {"error": "Media URL ingestion rate limit reached", "code": "MEDIA_URL_RATE_LIMITED",
                                "retryAfterSec": 1800}, **{"Retry-After": "1800"})))
    with pytest.raises(errors.RateLimitError) as info:
        create_bare(c.client)
    assert info.value.retry_after == 1800.0
    assert info.value.code == "MEDIA_URL_RATE_LIMITED"
    assert "1800" in str(info.value)


def test_idempotency_key_is_identical_on_every_attempt() -> None:
    script = Script(
        err(503),
        err(409, {"code": "IDEMPOTENCY_IN_FLIGHT", "error": "A request with this idempotency key is still in flight"}),
        httpx.ReadTimeout("timed out"),
        ok({**CREATED, "scheduledTime": "2026-03-15T10:00:00.000Z"}),
    )
    c = Client(script)
    result = c.client.create_post(
        content="Launch day", platforms=["twitter-123456789", "linkedin-Tz9W5i6ZYG"],
        scheduled_time="2026-03-15T10:00:00.000Z", idempotency_key=KEY,
    )
    assert result.post_group_id == GROUP
    assert len(script.requests) == 4
    assert [r.headers["Idempotency-Key"] for r in script.requests] == [KEY] * 4
    assert len({r.content for r in script.requests}) == 1  # the same body every time
    assert c.delays == [1.0, 2.0, 4.0]


def test_update_post_reuses_its_key_and_is_retried_with_it() -> None:
    answer = {"success": True, "scheduledTime": None, "postGroup": {"_id": GROUP, "status": "draft", "content": "x", "platforms": []}}
    script = Script(err(502), err(500), ok(answer))
    c = Client(script)
    c.client.update_post(GROUP, content="x", idempotency_key="upd-1")
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["upd-1"] * 3


def test_requests_without_key_carry_no_idempotency_header() -> None:
    script = Script(ok(CREATED))
    create_bare(Client(script).client)
    assert "Idempotency-Key" not in script.requests[0].headers


# --- the pure functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        ("120", None, 120.0),
        (" 5 ", None, 5.0),
        ("0", None, 0.0),
        ("1.5", None, 1.5),
        ("Sun, 01 Mar 2026 12:00:45 GMT", None, 45.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", None, 0.0),  # in the past: now
        ("soon", None, None),
        ("-5", None, None),
        ("1e9", None, None),
        ("", None, None),
        ("   ", None, None),
        ("Wed, 99 Oct 2026 07:28:00 GMT", None, None),
        (None, None, None),
        (None, {"retryAfterSec": 60}, 60.0),
        (None, {"retryAfter": 12}, 12.0),
        (None, {"retryAfter": -3}, None),
        (None, {"retryAfter": True}, None),
        (None, {"retryAfter": "30"}, None),
        ("soon", {"retryAfterSec": 9}, 9.0),  # an unreadable header falls back to the body
        ("4", {"retryAfterSec": 9}, 4.0),  # the header wins
    ],
)
def test_parse_retry_after(header: str | None, body: Any, expected: float | None) -> None:
    assert parse_retry_after(header, body, now=NOW) == expected


@pytest.mark.parametrize(
    ("attempt", "retry_after", "jitter", "expected"),
    [
        (0, None, 0.0, 1.0),
        (1, None, 0.0, 2.0),
        (2, None, 0.0, 4.0),
        (3, None, 0.0, 8.0),
        (4, None, 0.0, 16.0),
        (9, None, 0.0, 16.0),  # capped at MAX_RETRY_DELAY
        (0, None, 0.5, 0.875),
        (2, None, 1.0, 3.0),  # at most a quarter off
        (0, 7.0, 0.9, 7.0),  # Retry-After is exact: no jitter
        (0, 0.0, 0.0, 0.0),
        (3, 60.0, 0.0, 60.0),
        (3, 61.0, 0.0, 60.0),  # capped at MAX_RETRY_AFTER
        (0, 1e9, 0.0, 60.0),
    ],
)
def test_retry_delay(attempt: int, retry_after: float | None, jitter: float, expected: float) -> None:
    assert retry_delay(attempt, retry_after, jitter=jitter) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"attempt": 3, "status_code": 503, "replay_safe": True}, False),  # out of retries
        ({"status_code": None, "failure": "connect", "replay_safe": False}, True),
        ({"status_code": None, "failure": "timeout", "replay_safe": False}, False),
        ({"status_code": None, "failure": "timeout", "replay_safe": True}, True),
        ({"status_code": None, "failure": "transport", "replay_safe": False}, False),
        ({"status_code": 429, "replay_safe": False}, True),
        ({"status_code": 429, "replay_safe": True, "retry_after": 60.0}, True),
        ({"status_code": 429, "replay_safe": True, "retry_after": 60.5}, False),
        ({"status_code": 409, "code": "IDEMPOTENCY_IN_FLIGHT", "replay_safe": True}, True),
        ({"status_code": 409, "code": "POST_GROUP_VERSION_CONFLICT", "replay_safe": True}, False),
        ({"status_code": 500, "replay_safe": True}, True),
        ({"status_code": 504, "replay_safe": False}, False),
        ({"status_code": 400, "replay_safe": True}, False),
        ({"status_code": 401, "replay_safe": True}, False),
        ({"status_code": 403, "replay_safe": True}, False),
        ({"status_code": 404, "replay_safe": True}, False),
        ({"status_code": 422, "replay_safe": True}, False),
        ({"status_code": 200, "replay_safe": True}, False),
    ],
)
def test_should_retry(kwargs: dict[str, Any], expected: bool) -> None:
    arguments = {"attempt": 0, "max_retries": 3, **kwargs}
    assert should_retry(**arguments) is expected


# --- errors -----------------------------------------------------------------------------------

POST_LIMIT = {
    "error": "Post limit reached", "code": "POST_LIMIT_REACHED", "metric": "posts.platform_monthly",
    "message": "Monthly post limit reached. Your Pro plan allows 100 platform posts per month.",
    "limit": 100, "used": 100, "requested": 2, "remaining": 0,
    "periodStart": "2026-03-01T00:00:00.000Z", "periodEnd": "2026-04-01T00:00:00.000Z", "planName": "Pro",
}
HORIZON = {
    "error": "Schedule horizon reached", "code": "SCHEDULE_HORIZON_REACHED", "metric": "posts.schedule_horizon_days",
    "limit": 7, "used": None, "requested": None, "remaining": None, "scheduledTime": "2026-03-20T10:00:00.000Z",
    "maxScheduledDate": "2026-03-08T12:00:00.000Z", "planName": "Starter",
}
QUEUE = {"error": "Scheduled post limit reached", "code": "SCHEDULED_POST_LIMIT_REACHED",
         "metric": "posts.scheduled_active", "limit": 3, "used": 3, "remaining": 0, "planName": "Starter"}
VALIDATION = {
    "error": "Validation failed",
    "validation": {
        "valid": False,
        "errors": [{"code": "MEDIA_REQUIRED", "message": "Instagram posts require media", "platform": "instagram",
                    "field": "media", "suggestions": ["Attach an image"], "severity": "error"}],
        "warnings": [],
        "summary": {"errorCount": 1, "warningCount": 0, "affectedPlatforms": ["instagram"]},
    },
}


def test_post_limit_reached_is_a_plan_limit_error_with_the_numbers() -> None:
    c = Client(Script(err(403, POST_LIMIT)))
    with pytest.raises(errors.PlanLimitError) as info:
        create_keyed(c.client)
    exc = info.value
    assert (exc.status_code, exc.code, exc.limit, exc.used, exc.remaining, exc.requested) == (
        403, "POST_LIMIT_REACHED", 100, 100, 0, 2)
    assert exc.metric == "posts.platform_monthly" and exc.plan_name == "Pro"
    assert exc.exit_code == 3
    assert "upgrade" in str(exc) and "2026-04-01" in str(exc)


def test_schedule_horizon_carries_max_scheduled_date() -> None:
    c = Client(Script(err(403, HORIZON)))
    with pytest.raises(errors.PlanLimitError) as info:
        update_bare(c.client)
    assert info.value.max_scheduled_date == "2026-03-08T12:00:00.000Z"
    assert info.value.limit == 7 and info.value.remaining is None
    assert "2026-03-08T12:00:00.000Z" in str(info.value)


@pytest.mark.parametrize("body", [POST_LIMIT, HORIZON, QUEUE,
                                  {"error": "Platform not available", "code": "PLATFORM_NOT_AVAILABLE",
                                   "disallowedPlatforms": ["twitter"], "allowedPlatforms": ["linkedin"]},
                                  {"error": "Account over channel limit", "code": "CONNECTIONS_OVER_LIMIT", "overLimitBy": 2}])
def test_every_plan_limit_code_maps_to_plan_limit_error(body: dict[str, Any]) -> None:
    c = Client(Script(err(403, body)))
    with pytest.raises(errors.PlanLimitError) as info:
        create_keyed(c.client)
    assert info.value.code == body["code"]


def test_other_403_is_permission_denied_not_plan_limit() -> None:
    c = Client(Script(err(403, {"error": "User is not managed by key"})))
    with pytest.raises(errors.PermissionDeniedError) as info:
        get_post(c.client)
    assert not isinstance(info.value, errors.PlanLimitError)
    assert "User is not managed by key" in str(info.value)


def test_idempotency_conflict_says_the_row_changed() -> None:
    body = {"error": "Idempotency key was already used with a different request body", "code": "IDEMPOTENCY_KEY_CONFLICT"}
    c = Client(Script(err(422, body)))
    with pytest.raises(errors.IdempotencyConflictError) as info:
        create_keyed(c.client)
    exc = info.value
    assert isinstance(exc, errors.UnprocessableEntityError)
    assert exc.code == "IDEMPOTENCY_KEY_CONFLICT" and exc.status_code == 422
    assert "row changed since it was first sent" in exc.message
    assert KEY in exc.message
    assert exc.hint and "new post" in exc.hint


def test_validation_failure_is_summarised_and_kept() -> None:
    c = Client(Script(err(400, VALIDATION)))
    with pytest.raises(errors.BadRequestError) as info:
        create_keyed(c.client)
    exc = info.value
    assert exc.validation == VALIDATION["validation"]
    assert "instagram MEDIA_REQUIRED: Instagram posts require media" in exc.message
    assert exc.hint and "Fix the row" in exc.hint


def test_field_and_code_are_attributes() -> None:
    body = {"error": "Unknown platformSettings path: youtube.thumbnail.mediaID", "code": "PLATFORM_SETTING_UNKNOWN",
            "field": "youtube.thumbnail.mediaID"}
    c = Client(Script(err(400, body)))
    with pytest.raises(errors.BadRequestError) as info:
        create_keyed(c.client)
    assert info.value.code == "PLATFORM_SETTING_UNKNOWN"
    assert info.value.field == "youtube.thumbnail.mediaID"
    assert info.value.body == body


def test_symbolic_error_text_is_used_as_code() -> None:
    body = {"error": "REACTION_ALREADY_EXISTS", "message": "Already reacted", "requestedReactionType": "LIKE"}
    c = Client(Script(err(409, body)))
    with pytest.raises(errors.ConflictError) as info:
        c.client.linkedin_reactions(posted_id="urn:li:share:1", reaction_type="LIKE", platform_id="linkedin-Tz9W5i6ZYG")
    assert info.value.code == "REACTION_ALREADY_EXISTS"


def test_server_error_on_unkeyed_create_tells_to_check_before_resending() -> None:
    c = Client(Script(err(500, {"error": "Failed to create post group"})))
    with pytest.raises(errors.ServerError) as info:
        create_bare(c.client)
    assert "not retried" in str(info.value) and "get_post" in str(info.value)


def test_non_json_error_body_still_maps() -> None:
    c = Client(Script(httpx.Response(502, text="<html>Bad gateway</html>")), max_retries=0)
    with pytest.raises(errors.ServerError) as info:
        get_post(c.client)
    assert info.value.status_code == 502 and info.value.code is None


def test_a_2xx_body_that_does_not_fit_is_a_response_validation_error() -> None:
    c = Client(Script(ok({"success": True, "scheduledTime": None})))
    with pytest.raises(errors.APIResponseValidationError) as info:
        create_keyed(c.client)
    assert "postGroupId" in str(info.value) or "post_group_id" in str(info.value)


def test_a_2xx_body_that_is_not_json_is_a_response_validation_error() -> None:
    c = Client(Script(httpx.Response(200, text="<html>login</html>")))
    with pytest.raises(errors.APIResponseValidationError) as info:
        get_post(c.client)
    assert "PUBLORA_BASE_URL" in str(info.value)


def test_connection_error_message_says_what_to_do() -> None:
    c = Client(Script(*[connect_error()] * 4))
    with pytest.raises(errors.APIConnectionError) as info:
        get_post(c.client)
    assert not isinstance(info.value, errors.APITimeoutError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert "4 attempts" in str(info.value) and "PUBLORA_BASE_URL" in str(info.value)


def test_timeout_is_an_api_timeout_error_from_the_httpx_one() -> None:
    c = Client(Script(httpx.ReadTimeout("timed out")))
    with pytest.raises(errors.APITimeoutError) as info:
        create_bare(c.client)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert "get_post" in str(info.value)


# --- the key never leaks ----------------------------------------------------------------------


def every_error() -> Iterator[tuple[str, Script, Callable[[PubloraClient], Any]]]:
    echo = {"error": f"Invalid API key {API_KEY}"}  # a hostile server echoing the key
    yield "400", Script(err(400, VALIDATION)), create_keyed
    yield "401", Script(err(401, echo)), get_post
    yield "403", Script(err(403, {"error": "Workspace access is not enabled for this key"})), get_post
    yield "403 plan", Script(err(403, POST_LIMIT)), create_keyed
    yield "404", Script(err(404, {"error": "Post group not found"})), get_post
    yield "409", Script(err(409, {"code": "POST_GROUP_VERSION_CONFLICT", "error": "changed"})), update_bare
    yield "422", Script(err(422, {"code": "IDEMPOTENCY_KEY_CONFLICT", "error": "x"})), create_keyed
    yield "422 other", Script(err(422, {"error": f"bad {API_KEY}"})), create_keyed
    yield "429", Script(err(429, {"error": "slow down"}, **{"Retry-After": "999"})), get_post
    yield "500", Script(err(500, echo)), create_bare
    yield "connect", Script(*[httpx.ConnectError(f"refused {API_KEY}")] * 4), get_post
    yield "timeout", Script(httpx.ReadTimeout("timed out")), create_bare
    yield "bad body", Script(ok({"nope": 1})), create_keyed
    yield "invalid id", Script(), lambda c: c.get_post("nope")


@pytest.mark.parametrize(("name", "script", "call"), list(every_error()), ids=[e[0] for e in every_error()])
def test_no_exception_message_contains_the_key(
    name: str, script: Script, call: Callable[[PubloraClient], Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c = Client(script)
    with pytest.raises(errors.APIError) as info:
        call(c.client)
    exc = info.value
    for text in (str(exc), repr(exc), exc.message, exc.hint or "", repr(exc.args)):
        assert API_KEY not in text
        assert API_KEY[20:] not in text  # not even the secret half
    assert API_KEY not in caplog.text


def test_repr_masks_the_key() -> None:
    client = PubloraClient(API_KEY, base_url=BASE, user_id=USER)
    try:
        text = repr(client) + repr(client.with_options(user_id=None)) + str(client)
        assert API_KEY not in text and API_KEY[20:] not in text
        assert "sk_...2a3b" in repr(client)  # enough to tell two keys apart
        assert USER in repr(client)
    finally:
        client.close()


def test_config_error_for_a_bad_key_does_not_echo_it() -> None:
    bad = API_KEY[:30] + " " + API_KEY[30:]
    with pytest.raises(errors.ConfigError) as info:
        PubloraClient(bad)
    assert API_KEY[30:] not in str(info.value) and API_KEY[:30] not in str(info.value)


def test_logs_at_debug_never_contain_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = Script(err(503), ok(CREATED), ok(CONNECTIONS), err(401, {"error": "Invalid API key"}))
    c = Client(script)
    create_keyed(c.client)
    get_post(c.client)
    with pytest.raises(errors.AuthenticationError):
        get_post(c.client)
    assert "/create-post" in caplog.text and "retry 1 of 3" in caplog.text  # logging did happen
    assert API_KEY not in caplog.text
    assert API_KEY[20:] not in caplog.text


def test_key_is_not_a_default_header_of_the_pool() -> None:
    client = PubloraClient(API_KEY, base_url=BASE)
    try:
        assert "x-publora-key" not in client._http.headers
        assert API_KEY not in repr(client.__dict__.get("_http"))
    finally:
        client.close()


# --- configuration --------------------------------------------------------------------------


def test_missing_key_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(errors.ConfigError) as info:
        PubloraClient()
    assert "PUBLORA_API_KEY" in info.value.message
    assert info.value.exit_code == 2
    with pytest.raises(errors.ConfigError):
        PubloraClient("   ")


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLORA_API_KEY", API_KEY)
    monkeypatch.setenv("PUBLORA_BASE_URL", "http://127.0.0.1:9/api/v1/")
    monkeypatch.setenv("PUBLORA_USER_ID", USER)
    script = Script(ok(CONNECTIONS))
    client = PubloraClient(transport=httpx.MockTransport(script))
    client.platform_connections()
    request = script.requests[0]
    assert str(request.url) == "http://127.0.0.1:9/api/v1/platform-connections"
    assert request.headers["x-publora-key"] == API_KEY
    assert request.headers["x-publora-user-id"] == USER


def test_defaults_without_environment() -> None:
    script = Script(ok(CONNECTIONS))
    client = PubloraClient(API_KEY, transport=httpx.MockTransport(script))
    client.platform_connections()
    assert str(script.requests[0].url) == DEFAULT_BASE_URL + "/platform-connections"
    assert "x-publora-user-id" not in script.requests[0].headers


@pytest.mark.parametrize("base_url", ["ftp://example.com/api", "not a url", "https://", "https://x.test/api?k=1"])
def test_bad_base_url_is_a_config_error(base_url: str) -> None:
    with pytest.raises(errors.ConfigError):
        PubloraClient(API_KEY, base_url=base_url)


def test_bad_user_id_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLORA_USER_ID", "alice")
    with pytest.raises(errors.ConfigError) as info:
        PubloraClient(API_KEY)
    assert "PUBLORA_USER_ID" in info.value.message


def test_user_agent_is_descriptive() -> None:
    script = Script(ok(CONNECTIONS))
    Client(script).client.platform_connections()
    agent = script.requests[0].headers["User-Agent"]
    assert agent.startswith(f"bulkpost/{bulkpost.__version__} (Publora bulk scheduler) httpx/")
    assert "python-httpx" not in agent


def test_with_options_shares_the_pool_and_changes_the_user() -> None:
    script = Script(ok(CONNECTIONS), ok(CONNECTIONS), ok(CONNECTIONS))
    with PubloraClient(API_KEY, base_url=BASE, transport=httpx.MockTransport(script)) as parent:
        child = parent.with_options(user_id=USER, max_retries=0)
        assert child._http is parent._http
        assert (child.user_id, child.max_retries, parent.user_id, parent.max_retries) == (USER, 0, None, 3)
        child.platform_connections()
        parent.platform_connections()
        with child:  # closing a copy leaves the shared pool open
            pass
        parent.with_options(user_id=None).platform_connections()
    assert script.requests[0].headers["x-publora-user-id"] == USER
    assert "x-publora-user-id" not in script.requests[1].headers
    assert "x-publora-user-id" not in script.requests[2].headers
    assert parent._http.is_closed


def test_with_options_refuses_a_malformed_user_id() -> None:
    with PubloraClient(API_KEY, base_url=BASE) as client, pytest.raises(errors.InvalidIdError):
        client.with_options(user_id="12345")


# --- malformed ids are refused locally -------------------------------------------------------

ID_CALLS: list[tuple[str, Callable[[PubloraClient, str], Any]]] = [
    ("get_post", lambda c, i: c.get_post(i)),
    ("update_post", lambda c, i: c.update_post(i, status="draft")),
    ("delete_post", lambda c, i: c.delete_post(i)),
    ("post_logs", lambda c, i: c.post_logs(i)),
    ("get_upload_url", lambda c, i: c.get_upload_url(post_group_id=i, file_name="a.png", content_type="image/png")),
    ("complete_media", lambda c, i: c.complete_media(i)),
    ("delete_media", lambda c, i: c.delete_media(i)),
    ("attach_media", lambda c, i: c.attach_media(i, download_url="https://x.test/a.png", file_id="f1")),
    ("update_webhook", lambda c, i: c.update_webhook(i, name="n")),
    ("delete_webhook", lambda c, i: c.delete_webhook(i)),
    ("regenerate_webhook_secret", lambda c, i: c.regenerate_webhook_secret(i)),
    ("delete_workspace_user", lambda c, i: c.delete_workspace_user(i)),
    ("workspace_user_api_key", lambda c, i: c.workspace_user_api_key(i)),
    ("workspace_user_connection_url", lambda c, i: c.workspace_user_connection_url(i)),
]


@pytest.mark.parametrize("bad", ["123", "507f1f77bcf86cd79943901", "507f1f77bcf86cd7994390111", "507f1f77bcf86cd79943901z",
                                 "../../webhooks", ""])
@pytest.mark.parametrize(("name", "call"), ID_CALLS, ids=[n for n, _ in ID_CALLS])
def test_malformed_ids_are_refused_before_sending(name: str, call: Callable[[PubloraClient, str], Any], bad: str) -> None:
    script = Script()
    c = Client(script)
    with pytest.raises(errors.InvalidIdError) as info:
        call(c.client, bad)
    assert isinstance(info.value, ValueError) and isinstance(info.value, errors.APIError)
    assert "24 hexadecimal" in str(info.value)
    assert script.requests == []


@pytest.mark.parametrize("bad", ["linkedin", "LinkedIn-abc", "linkedin-a/b", "linkedin-a b", "linkedin-a?x", "-abc"])
def test_malformed_platform_ids_are_refused(bad: str) -> None:
    script = Script()
    with pytest.raises(errors.InvalidIdError):
        Client(script).client.test_connection(bad)
    assert script.requests == []


# --- every endpoint, with the contract's example bodies -------------------------------------

CONNECTION = {
    "platformId": "linkedin-Tz9W5i6ZYG", "username": "John Doe", "displayName": "John Doe",
    "profileImageUrl": "https://media.licdn.com/x.jpg", "profileUrl": "https://linkedin.com/in/johndoe",
    "accessTokenExpiresAt": "2026-05-15T10:30:00.000Z", "tokenStatus": "valid", "tokenExpiresIn": "82d 4h",
    "lastSuccessfulPost": "2026-02-22T09:15:00.000Z", "lastError": None,
}
GET_POST = {
    "success": True, "postGroupId": GROUP, "status": "published", "scheduledTime": "2026-02-22T14:30:00.000Z",
    "platforms": ["twitter-123456789", "linkedin-ABC123"], "platformSettings": {"youtube": {"privacy": "public"}},
    "firstComment": {"text": "More in the comments", "platforms": ["linkedin"]},
    "posts": [
        {"_id": "663a1b2c3d4e5f6a7b8c9d01", "platform": "twitter", "platformId": "123456789", "content": "Hello",
         "status": "published", "postedId": "1234567890123456789", "permalink": None, "isThread": True,
         "threadParts": [{"index": 0, "content": "Hello (1/2)", "status": "published", "publishedId": "1"}],
         "firstCommentResult": None},
        {"_id": "663a1b2c3d4e5f6a7b8c9d02", "platform": "linkedin", "platformId": "ABC123", "content": "Hello",
         "status": "failed", "postedId": None, "permalink": None, "isThread": False, "threadParts": [],
         "firstCommentResult": None,
         "error": {"code": "PLATFORM_AUTH_EXPIRED", "message": "Token expired", "platformStatusCode": 401,
                   "platformError": "Invalid access token", "failedAt": "2026-02-22T14:31:00.000Z", "retryable": False}},
    ],
    "media": [{"mediaId": MEDIA, "sourceFileName": "photo.png", "fileName": "images/1-photo.png", "type": "image",
               "mimeType": "image/png", "status": "ready", "failureReason": None, "url": "https://media.publora.com/images/1-photo.png"}],
}
LIMITS = {
    "success": True, "schemaVersion": 1, "source": "@publora/platform-limits", "packageVersion": "1.0.0",
    "limitsLastUpdated": "2026-03-11", "supportedPlatforms": ["twitter", "instagram"],
    "platforms": {"twitter": {"platform": "twitter", "displayName": "Twitter/X",
                              "characters": {"standard": 280, "premium": 25000}}},
}
MANAGED = {"_id": USER, "username": "client@example.com", "displayName": "Client", "role": "managed",
           "dailyPostsLeft": 100, "connectionsPageUrl": None, "connectionsPageTokenExpiresAt": None}


def route(method: str, path: str, body: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    """An answer that first checks the request's method and path."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.method == method
        assert request.url.path == "/api/v1" + path
        return httpx.Response(status, json=body)

    return answer


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def test_platform_connections() -> None:
    script = Script(route("GET", "/platform-connections", {"success": True, "connections": [
        CONNECTION, {**CONNECTION, "platformId": "telegram--1001234567890", "username": None, "subscriptionType": None,
                     "lastError": {"message": "boom", "occurredAt": "2026-02-01T00:00:00.000Z"}, "newField": 1}]}))
    connections = Client(script).client.platform_connections()
    assert [c.platform_id for c in connections] == ["linkedin-Tz9W5i6ZYG", "telegram--1001234567890"]
    assert [c.platform for c in connections] == ["linkedin", "telegram"]
    assert connections[0].token_status == "valid" and connections[0].token_expires_in == "82d 4h"
    assert connections[1].last_error is not None and connections[1].last_error.message == "boom"
    assert connections[1].model_extra == {"newField": 1}  # unknown fields are kept


def test_test_connection() -> None:
    body = {"platform": "linkedin", "platformId": "linkedin-Tz9W5i6ZYG", "username": "John Doe", "status": "ok",
            "message": "Connected as John Doe", "permissions": ["w_member_social"], "tokenExpiresIn": "45d 3h",
            "lastSuccessfulPost": "2026-02-22T09:15:00.000Z", "lastError": None}
    script = Script(route("POST", "/test-connection/linkedin-Tz9W5i6ZYG", body))
    result = Client(script).client.test_connection("linkedin-Tz9W5i6ZYG")
    assert result.ok and result.message == "Connected as John Doe" and result.permissions == ["w_member_social"]


def test_test_connection_quotes_bluesky_and_telegram_ids() -> None:
    script = Script(ok({"status": "error", "message": "Invalid bot connection"}),
                    ok({"status": "ok", "message": "ok"}))
    client = Client(script).client
    assert not client.test_connection("telegram--1001234567890").ok
    assert client.test_connection("bluesky-did:plc:abc123").ok
    assert script.requests[0].url.path == "/api/v1/test-connection/telegram--1001234567890"
    assert script.requests[1].url.raw_path == b"/api/v1/test-connection/bluesky-did%3Aplc%3Aabc123"


def test_platform_limits_returns_the_raw_json() -> None:
    script = Script(route("GET", "/platform-limits", LIMITS))
    assert Client(script).client.platform_limits() == LIMITS


def test_create_post_sends_camel_case_and_returns_warnings() -> None:
    body = {"success": True, "postGroupId": GROUP, "scheduledTime": "2026-03-01T12:00:00.000Z",
            "warnings": [{"code": "SCHEDULED_TIME_COERCED", "message": "Scheduled time was in the past",
                          "requested": "2026-03-01T11:58:00.000Z", "effective": "2026-03-01T12:00:00.000Z"}]}
    script = Script(route("POST", "/create-post", body))
    result = Client(script).client.create_post(
        content="Hello 👋", platforms=["twitter-123456789", "linkedin-Tz9W5i6ZYG"],
        scheduled_time=datetime(2026, 3, 1, 12, 58, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        platform_settings={"linkedin": {"repostVisibility": ""}},
        media_urls=["https://example.com/a.jpg"],
        first_comment={"text": "Link in comments", "platforms": ["linkedin"]},
        idempotency_key=KEY,
    )
    assert sent_json(script.requests[0]) == {
        "content": "Hello 👋", "platforms": ["twitter-123456789", "linkedin-Tz9W5i6ZYG"],
        "scheduledTime": "2026-03-01T11:58:00.123Z", "platformSettings": {"linkedin": {"repostVisibility": ""}},
        "mediaUrls": ["https://example.com/a.jpg"], "firstComment": {"text": "Link in comments", "platforms": ["linkedin"]},
    }
    assert script.requests[0].headers["Content-Type"] == "application/json"
    assert result.post_group_id == GROUP and result.scheduled_time == "2026-03-01T12:00:00.000Z"
    (warning,) = result.warnings
    assert warning.code == "SCHEDULED_TIME_COERCED"
    assert warning.model_extra == {"requested": "2026-03-01T11:58:00.000Z", "effective": "2026-03-01T12:00:00.000Z"}


def test_create_post_draft_sends_no_time_and_has_no_warnings() -> None:
    script = Script(ok({"success": True, "postGroupId": GROUP, "scheduledTime": None}))
    result = Client(script).client.create_post(content="Draft", platforms=["instagram-17841412345678"])
    assert sent_json(script.requests[0]) == {"content": "Draft", "platforms": ["instagram-17841412345678"]}
    assert result.scheduled_time is None and result.warnings == []


def test_create_post_refuses_a_naive_datetime() -> None:
    script = Script()
    with pytest.raises(ValueError, match="timezone-aware"):
        Client(script).client.create_post(content="x", platforms=["x-1"], scheduled_time=datetime(2026, 3, 1, 12))
    assert script.requests == []


def test_update_post_is_a_patch_and_returns_warnings() -> None:
    body = {"success": True, "message": "Post updated successfully", "scheduledTime": "2026-03-15T10:00:00.000Z",
            "postGroup": {"_id": GROUP, "status": "scheduled", "content": "…", "platforms": ["linkedin-ABC123"],
                          "scheduledTime": "2026-03-15T10:00:00.000Z"},
            "warnings": [{"code": "MEDIA_VALIDATION_PENDING", "message": "Media still probing", "mediaFileId": MEDIA,
                          "mediaStatus": "uploading", "pendingCode": "PROBE_PENDING", "attempts": 1}],
            "mediaValidationStatus": "pending"}
    script = Script(route("PUT", f"/update-post/{GROUP}", body), ok(body))
    client = Client(script).client
    result = client.update_post(GROUP, status="scheduled", scheduled_time="2026-03-15T10:00:00.000Z", idempotency_key="u1")
    assert sent_json(script.requests[0]) == {"status": "scheduled", "scheduledTime": "2026-03-15T10:00:00.000Z"}
    assert result.post_group is not None and result.post_group.id == GROUP and result.post_group.status == "scheduled"
    assert result.media_validation_status == "pending"
    assert result.warnings[0].code == "MEDIA_VALIDATION_PENDING" and result.warnings[0].model_extra["mediaFileId"] == MEDIA
    client.update_post(GROUP, content="", first_comment=None)  # "" is a value; None removes the comment
    assert sent_json(script.requests[1]) == {"content": "", "firstComment": None}


def test_update_post_needs_a_field() -> None:
    with pytest.raises(ValueError):
        Client(Script()).client.update_post(GROUP)


def test_get_post() -> None:
    script = Script(route("GET", f"/get-post/{GROUP}", GET_POST))
    group = Client(script).client.get_post(GROUP)
    assert group.status == "published" and group.platforms == ["twitter-123456789", "linkedin-ABC123"]
    twitter, linkedin = group.posts
    assert twitter.posted_id == "1234567890123456789" and twitter.is_thread
    assert twitter.thread_parts[0].published_id == "1"
    assert linkedin.error is not None and linkedin.error.code == "PLATFORM_AUTH_EXPIRED" and linkedin.error.retryable is False
    assert linkedin.error.platform_status_code == 401
    assert group.media[0].media_id == MEDIA and group.media[0].source_file_name == "photo.png"
    assert group.first_comment == {"text": "More in the comments", "platforms": ["linkedin"]}


def page(items: list[str], number: int, pages: int, *, size: int = 2) -> dict[str, Any]:
    return {
        "success": True,
        "posts": [{"postGroupId": i, "content": f"post {i}", "status": "scheduled", "scheduledTime": "2026-03-01T10:00:00.000Z",
                   "createdAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-02-01T00:00:00.000Z",
                   "platforms": [{"platformId": "twitter-123456789", "platform": "twitter", "status": "scheduled"}],
                   "mediaUrls": []} for i in items],
        "pagination": {"page": number, "limit": size, "totalItems": 5, "totalPages": pages,
                       "hasNextPage": number < pages, "hasPrevPage": number > 1},
    }


def test_list_posts_walks_every_page_lazily() -> None:
    ids = [f"{n:024x}" for n in range(1, 6)]
    script = Script(ok(page(ids[0:2], 1, 3)), ok(page(ids[2:4], 2, 3)), ok(page(ids[4:5], 3, 3)))
    posts = Client(script).client.list_posts(status="scheduled", platform="twitter", sort_by="scheduledTime",
                                              sort_order="asc", from_date=date(2026, 3, 1),
                                              to_date=datetime(2026, 3, 31, tzinfo=timezone.utc), page_size=2)
    first = next(posts)
    assert first.post_group_id == ids[0] and len(script.requests) == 1  # a generator: one page at a time
    rest = list(posts)
    assert [p.post_group_id for p in [first, *rest]] == ids
    assert [r.url.params["page"] for r in script.requests] == ["1", "2", "3"]
    params = script.requests[0].url.params
    assert (params["status"], params["platform"], params["sortBy"], params["sortOrder"], params["limit"]) == (
        "scheduled", "twitter", "scheduledTime", "asc", "2")
    assert (params["fromDate"], params["toDate"]) == ("2026-03-01", "2026-03-31T00:00:00.000Z")
    assert first.platforms[0].platform_id == "twitter-123456789"


def test_list_posts_yields_a_shifted_group_once() -> None:
    a, b, c = (f"{n:024x}" for n in range(1, 4))
    script = Script(ok(page([a, b], 1, 2)), ok(page([b, c], 2, 2)))
    assert [p.post_group_id for p in Client(script).client.list_posts(page_size=2)] == [a, b, c]


def test_list_posts_without_pagination_stops_on_a_short_page() -> None:
    ids = [f"{n:024x}" for n in range(1, 4)]
    script = Script(ok({"success": True, "posts": page(ids[:2], 1, 1)["posts"]}),
                    ok({"success": True, "posts": page(ids[2:], 1, 1)["posts"]}))
    assert len(list(Client(script).client.list_posts(page_size=2))) == 3
    assert len(script.requests) == 2


def test_list_posts_accepts_bare_platform_ids() -> None:
    body = page([GROUP], 1, 1)
    body["posts"][0]["platforms"] = ["twitter-123456789"]
    (post,) = Client(Script(ok(body))).client.list_posts()
    assert post.platforms[0].platform_id == "twitter-123456789" and post.platforms[0].platform == "twitter"


def test_list_posts_clamps_page_size() -> None:
    script = Script(ok({"success": True, "posts": [], "pagination": {"page": 1, "limit": 100, "hasNextPage": False}}))
    assert list(Client(script).client.list_posts(page_size=500)) == []
    assert script.requests[0].url.params["limit"] == "100"


def test_delete_post_and_post_logs() -> None:
    logs = {"success": True, "logs": [
        {"_id": "663a1b2c3d4e5f6a7b8c9d09", "postGroupId": GROUP, "postId": "663a1b2c3d4e5f6a7b8c9d01", "platform": "threads",
         "event": "publish_failed", "error": "Error validating access token", "httpStatus": 401, "retryCount": 1,
         "metadata": {"errorCode": "PLATFORM_AUTH_EXPIRED", "retryable": False},
         "createdAt": "2026-02-22T14:31:00.000Z", "updatedAt": "2026-02-22T14:31:00.000Z", "__v": 0},
        {"_id": "663a1b2c3d4e5f6a7b8c9d0a", "postGroupId": GROUP, "event": "scheduled", "createdAt": "2026-02-22T14:00:00.000Z"}]}
    script = Script(route("DELETE", f"/delete-post/{GROUP}", {"success": True}), route("GET", f"/post-logs/{GROUP}", logs))
    client = Client(script).client
    assert client.delete_post(GROUP) is None
    entries = client.post_logs(GROUP)
    assert entries[0].event == "publish_failed" and entries[0].http_status == 401 and entries[0].retry_count == 1
    assert entries[0].metadata == {"errorCode": "PLATFORM_AUTH_EXPIRED", "retryable": False}
    assert entries[1].post_id is None and entries[1].retry_count is None  # absent stays absent, not 0


def test_get_upload_url_complete_and_delete_media() -> None:
    upload = {"success": True, "uploadUrl": "https://brandcraft-media.s3.amazonaws.com/images/x?X-Amz-Signature=abc",
              "fileUrl": "https://brandcraft-media.s3.amazonaws.com/images/1710500000000-product-photo.jpg",
              "mediaId": MEDIA, "postGroupDemoted": True, "message": "Post moved to draft"}
    complete = {"success": True, "mediaFile": {"_id": MEDIA, "type": "image", "mimeType": "image/jpeg", "fileName": "x.jpg",
                                                "url": "https://x", "status": "ready", "metadata": {"width": 10, "height": 10}}}
    script = Script(route("POST", "/get-upload-url", upload), route("POST", f"/complete-media/{MEDIA}", complete),
                    route("DELETE", f"/media/{MEDIA}", {"success": True, "postGroupDemoted": False}))
    client = Client(script).client
    target = client.get_upload_url(post_group_id=GROUP, file_name="product photo.jpg", content_type="image/jpeg", type="image")
    assert sent_json(script.requests[0]) == {"fileName": "product photo.jpg", "contentType": "image/jpeg",
                                             "postGroupId": GROUP, "type": "image"}
    assert target.media_id == MEDIA and target.post_group_demoted is True and target.upload_url.startswith("https://")
    assert client.complete_media(MEDIA)["mediaFile"]["status"] == "ready"
    assert client.delete_media(MEDIA) == {"success": True, "postGroupDemoted": False}


def test_upload_url_without_demotion_defaults_to_false() -> None:
    body = {"success": True, "uploadUrl": "https://s3.test/u", "fileUrl": "https://s3.test/f", "mediaId": MEDIA}
    assert Client(Script(ok(body))).client.get_upload_url(
        post_group_id=GROUP, file_name="a.mp4", content_type="video/mp4").post_group_demoted is False


def test_attach_media() -> None:
    body = {"success": True, "message": "Media attached", "scheduledTime": None,
            "postGroup": {"_id": GROUP, "status": "draft", "content": "x", "platforms": []}}
    script = Script(route("POST", f"/attach-media/{GROUP}", body))
    result = Client(script).client.attach_media(GROUP, download_url="https://files.test/a.png", file_id="file_1",
                                                mime_type="image/png", file_name="a.png", idempotency_key="att-1")
    assert sent_json(script.requests[0]) == {"file": {"download_url": "https://files.test/a.png", "file_id": "file_1",
                                                      "mime_type": "image/png"}, "fileName": "a.png"}
    assert script.requests[0].headers["Idempotency-Key"] == "att-1"
    assert result.post_group is not None and result.post_group.status == "draft"


def test_multipart_cover_and_thumbnail(tmp_path: Path) -> None:
    image = tmp_path / "cover.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0fake-jpeg")
    cover = {"success": True, "cover": {"mediaId": MEDIA, "url": "https://media.publora.com/images/x-reel-cover.jpg"}, "message": "ok"}
    thumb = {"success": True, "thumbnail": {"mediaId": MEDIA, "url": "https://media.publora.com/images/x-thumb.jpg"}}
    script = Script(route("POST", "/upload-instagram-cover", cover), route("POST", "/upload-youtube-thumbnail", thumb))
    client = Client(script).client
    assert client.upload_instagram_cover(GROUP, image)["cover"]["mediaId"] == MEDIA
    assert client.upload_youtube_thumbnail(GROUP, image, "image/jpeg")["thumbnail"]["mediaId"] == MEDIA
    for request, field in zip(script.requests, ("cover", "thumbnail")):
        assert request.headers["Content-Type"].startswith("multipart/form-data")
        assert f'name="{field}"; filename="cover.jpg"'.encode() in request.content
        assert b'name="postGroupId"' in request.content and GROUP.encode() in request.content
        assert b"fake-jpeg" in request.content


def test_webhooks() -> None:
    listed = {"success": True, "webhooks": [{"_id": HOOK, "name": "ops", "url": "https://hooks.example.com/publora",
                                             "events": ["post.published"], "isActive": True, "failureCount": 0,
                                             "lastTriggeredAt": None, "createdAt": "2026-02-01T00:00:00.000Z",
                                             "updatedAt": "2026-02-01T00:00:00.000Z", "__v": 0}]}
    created = {"success": True, "webhook": {"_id": HOOK, "name": "ops", "url": "https://hooks.example.com/publora",
                                            "events": ["post.published", "post.failed"], "secret": "whsec_0123456789abcdef",
                                            "isActive": True, "createdAt": "2026-02-01T00:00:00.000Z"}}
    updated = {"success": True, "webhook": {"_id": HOOK, "name": "ops", "url": "https://hooks.example.com/publora",
                                            "events": ["post.failed"], "isActive": False, "updatedAt": "2026-02-02T00:00:00.000Z"}}
    script = Script(route("GET", "/webhooks", listed), route("POST", "/webhooks", created, 201),
                    route("PATCH", f"/webhooks/{HOOK}", updated), route("POST", f"/webhooks/{HOOK}/regenerate-secret",
                                                                         {"success": True, "secret": "whsec_new"}),
                    route("DELETE", f"/webhooks/{HOOK}", {"success": True}))
    client = Client(script).client
    (hook,) = client.list_webhooks()
    assert hook.id == HOOK and hook.is_active and hook.failure_count == 0 and hook.secret is None
    new = client.create_webhook(name="ops", url="https://hooks.example.com/publora", events=["post.published", "post.failed"])
    assert sent_json(script.requests[1]) == {"name": "ops", "url": "https://hooks.example.com/publora",
                                             "events": ["post.published", "post.failed"]}
    assert new.secret is not None and new.secret.get_secret_value() == "whsec_0123456789abcdef"
    assert "whsec_0123456789abcdef" not in repr(new)  # the secret is masked in reprs
    changed = client.update_webhook(HOOK, events=["post.failed"], is_active=False)
    assert sent_json(script.requests[2]) == {"events": ["post.failed"], "isActive": False}
    assert changed.is_active is False
    assert client.regenerate_webhook_secret(HOOK) == "whsec_new"
    assert client.delete_webhook(HOOK) is None


def test_workspace_users() -> None:
    script = Script(
        route("GET", "/workspace/users", {"users": [MANAGED]}),
        route("POST", "/workspace/users", {"user": MANAGED}, 201),
        route("POST", "/workspace/users/attach", {"user": {**MANAGED, "isActive": True}, "alreadyInWorkspace": False}),
        route("POST", f"/workspace/users/{USER}/api-key", {"message": "API key generated", "apiKey": "sk_mngd.123", "userId": USER}),
        route("POST", f"/workspace/users/{USER}/connection-url",
              {"url": "https://app.publora.com/connect/abc", "tokenExpiresAt": "2026-06-01T00:00:00.000Z"}),
        route("DELETE", f"/workspace/users/{USER}", {"success": True}),
    )
    client = Client(script).client
    (user,) = client.list_workspace_users()
    assert user.id == USER and user.username == "client@example.com" and user.daily_posts_left == 100
    assert client.create_workspace_user(username="client@example.com", display_name="Client").id == USER
    assert sent_json(script.requests[1]) == {"username": "client@example.com", "displayName": "Client"}
    attached = client.attach_workspace_user(email="client@example.com", user_access_token="tok")
    assert attached.user.is_active and attached.already_in_workspace is False
    key = client.workspace_user_api_key(USER)
    assert key.api_key.get_secret_value() == "sk_mngd.123" and "sk_mngd.123" not in repr(key)
    link = client.workspace_user_connection_url(USER, expires_in_days=30, rotate=True)
    assert sent_json(script.requests[4]) == {"expiresInDays": 30, "rotate": True}
    assert link.url.startswith("https://app.publora.com/connect/")
    assert client.delete_workspace_user(USER) is None


def test_create_workspace_user_conflict_keeps_the_details() -> None:
    body = {"error": "User with this email already exists", "code": "email_exists", "userId": USER,
            "alreadyInWorkspace": False, "managedByAnotherWorkspace": False, "reason": "standalone_user_exists",
            "attachable": True, "requiresConsent": True}
    with pytest.raises(errors.ConflictError) as info:
        Client(Script(err(409, body))).client.create_workspace_user(username="client@example.com")
    assert info.value.code == "email_exists" and info.value.body["attachable"] is True


def test_linkedin_statistics() -> None:
    li = "linkedin-Tz9W5i6ZYG"
    script = Script(
        route("POST", "/linkedin-post-statistics", {"success": True, "count": 1542, "cached": False}),
        route("POST", "/linkedin-post-statistics", {"success": False, "metrics": {"IMPRESSION": 10, "REACTION": None},
                                                     "cached": False, "errors": [{"metric": "REACTION", "error": "Failed to fetch metric from LinkedIn"}]}),
        route("POST", "/linkedin-account-statistics", {"success": True, "data": [{"count": 3, "dateRange": {}}],
                                                        "aggregation": "DAILY", "cached": True}),
        route("POST", "/linkedin-followers", {"success": True, "followersCount": 1200, "cached": False}),
        route("POST", "/linkedin-profile-summary", {"success": True, "profile": {"followers": {"total": 1200},
                                                     "posts": {"totalImpressions": 10, "totalReactions": None}}}),
    )
    client = Client(script).client
    assert client.linkedin_post_statistics(posted_id="urn:li:share:1", platform_id=li, query_type="IMPRESSION").count == 1542
    assert sent_json(script.requests[0]) == {"postedId": "urn:li:share:1", "platformId": li, "queryType": "IMPRESSION"}
    multi = client.linkedin_post_statistics(posted_id="urn:li:share:1", platform_id=li, query_types=["IMPRESSION", "REACTION"])
    assert multi.success is False and multi.metrics == {"IMPRESSION": 10, "REACTION": None} and multi.errors
    daily = client.linkedin_account_statistics(platform_id=li, query_type="IMPRESSION", aggregation="DAILY",
                                               date_range=(date(2026, 1, 1), date(2026, 1, 31)))
    assert sent_json(script.requests[2])["dateRange"] == {"start": {"year": 2026, "month": 1, "day": 1},
                                                           "end": {"year": 2026, "month": 1, "day": 31}}
    assert daily.aggregation == "DAILY" and daily.data[0]["count"] == 3
    assert client.linkedin_followers(platform_id=li).followers_count == 1200
    assert sent_json(script.requests[3]) == {"platformId": li}
    assert client.linkedin_profile_summary(platform_id=li).profile["followers"]["total"] == 1200


def test_linkedin_statistics_are_retried_as_reads() -> None:
    script = Script(err(429, {"error": "LINKEDIN_RATE_LIMITED", "retryAfter": 9}), ok({"success": True, "count": 1}))
    c = Client(script)
    c.client.linkedin_post_statistics(posted_id="urn:li:share:1", platform_id="linkedin-x", query_type="COMMENT")
    assert c.delays == [9.0]


def test_linkedin_engagement() -> None:
    li = "linkedin-Tz9W5i6ZYG"
    script = Script(
        route("POST", "/linkedin-reactions", {"success": True, "reaction": {"reactionType": "LIKE", "actor": "urn:li:person:1",
                                                                             "object": "urn:li:share:1"}}, 201),
        route("DELETE", "/linkedin-reactions", {"success": True, "reaction": {"reactionType": "LIKE"}}),
        route("POST", "/linkedin-comments", {"success": True, "comment": {"id": "c1", "message": "Nice", "actor": "a", "object": "o"}}, 201),
        route("DELETE", "/linkedin-comments", {"success": True, "deleted": True}),
        route("POST", "/linkedin-reshare", {"success": True, "reshare": {"id": "urn:li:share:2", "lifecycleState": "PUBLISHED"}}, 201),
        route("GET", "/linkedin-mentionables", {"success": True, "people": [
            {"personId": "Dk968RHxiO", "name": "Ann Lee", "profileUrl": "https://linkedin.com/in/ann", "profilePicture": None,
             "source": "comment", "lastSeenAt": "2026-02-01T00:00:00.000Z", "mention": "@{urn:li:person:Dk968RHxiO|Ann Lee}"}]}),
    )
    client = Client(script).client
    assert client.linkedin_reactions(posted_id="urn:li:share:1", reaction_type="LIKE", platform_id=li).reaction["reactionType"] == "LIKE"
    assert sent_json(script.requests[0]) == {"postedId": "urn:li:share:1", "reactionType": "LIKE", "platformId": li}
    client.delete_linkedin_reaction(posted_id="urn:li:share:1", platform_id=li)
    assert dict(script.requests[1].url.params) == {"postedId": "urn:li:share:1", "platformId": li}
    assert client.linkedin_comments(posted_id="urn:li:share:1", message="Nice", platform_id=li).comment["id"] == "c1"
    assert sent_json(script.requests[2]) == {"postedId": "urn:li:share:1", "message": "Nice", "platformId": li}
    assert client.delete_linkedin_comment(posted_id="urn:li:share:1", comment_id="c1", platform_id=li).deleted is True
    assert client.linkedin_reshare(platform_id=li, parent="urn:li:share:1", visibility="PUBLIC").reshare["id"] == "urn:li:share:2"
    (person,) = client.linkedin_mentionables(q="ann", limit=5)
    assert person.person_id == "Dk968RHxiO" and person.mention == "@{urn:li:person:Dk968RHxiO|Ann Lee}"
    assert dict(script.requests[5].url.params) == {"q": "ann", "limit": "5"}


def test_linkedin_comment_is_not_retried_after_a_server_error() -> None:
    script = Script(err(500))
    with pytest.raises(errors.ServerError):
        Client(script).client.linkedin_comments(posted_id="urn:li:share:1", message="hi", platform_id="linkedin-x")
    assert len(script.requests) == 1


def test_mastodon_bluesky_statistics() -> None:
    uri = "at://did:plc:abc/app.bsky.feed.post/3k"
    stats = {"success": True, "stats": {uri: {"reactions": 3, "comments": 1, "reposts": 0, "quotes": 0, "saves": None,
                                               "impressions": None, "reach": None, "clicks": None}, "109": None},
             "issues": {"mastodon-109876543210": "RATE_LIMITED"}}
    profile = {"success": True, "profile": {"followers": 10, "following": 2, "posts": 30}, "cached": False,
               "fetchedAt": "2026-03-01T12:00:00.000Z"}
    script = Script(route("POST", "/post-statistics", stats), route("POST", "/profile-statistics", profile))
    client = Client(script).client
    result = client.post_statistics([{"platform": "bluesky", "platform_id": "bluesky-did:plc:abc", "posted_id": uri},
                                     {"platform": "mastodon", "platformId": "109876543210", "postedId": "109"}])
    assert sent_json(script.requests[0]) == {"posts": [
        {"platform": "bluesky", "platformId": "bluesky-did:plc:abc", "postedId": uri},
        {"platform": "mastodon", "platformId": "109876543210", "postedId": "109"}]}
    assert result.stats[uri] is not None and result.stats[uri]["reactions"] == 3 and result.stats["109"] is None
    assert result.issues == {"mastodon-109876543210": "RATE_LIMITED"}
    prof = client.profile_statistics(platform="mastodon", platform_id="mastodon-109876543210")
    assert prof.profile == {"followers": 10, "following": 2, "posts": 30} and prof.fetched_at == "2026-03-01T12:00:00.000Z"


def test_analytics_plan_required_is_permission_denied() -> None:
    body = {"error": "Analytics requires a Pro or Premium plan", "code": "ANALYTICS_PLAN_REQUIRED"}
    with pytest.raises(errors.PermissionDeniedError) as info:
        Client(Script(err(403, body))).client.profile_statistics(platform="bluesky", platform_id="bluesky-did:plc:a")
    assert info.value.code == "ANALYTICS_PLAN_REQUIRED"


def test_every_public_endpoint_method_is_covered_here() -> None:
    """A new endpoint method without a test in this file fails this test."""
    source = Path(__file__).read_text(encoding="utf-8")
    methods = [name for name in vars(PubloraClient) if not name.startswith("_") and callable(getattr(PubloraClient, name))]
    missing = [name for name in methods if f".{name}(" not in source]
    assert missing == []
    assert len(methods) >= 40


# --- uploads -------------------------------------------------------------------------------

S3_URL = "https://brandcraft-media.s3.amazonaws.com/videos/clip.mp4?X-Amz-Algorithm=AWS4&X-Amz-Signature=deadbeefsig"


def test_upload_streams_with_exact_headers_and_no_key(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2.3 MB: three chunks
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    script = Script(httpx.Response(200))
    c = Client(script, user_id=USER)
    sent: list[int] = []
    c.client.upload(S3_URL, path, "video/mp4", progress=sent.append)
    (request,) = script.requests
    assert request.method == "PUT" and str(request.url) == S3_URL
    assert request.headers["Content-Type"] == "video/mp4"
    assert request.headers["Content-Length"] == str(len(data))
    assert "Transfer-Encoding" not in request.headers
    for header in ("x-publora-key", "x-publora-user-id", "Authorization", "Idempotency-Key"):
        assert header not in request.headers
    assert API_KEY.encode() not in b"".join(f"{k}: {v}".encode() for k, v in request.headers.items())
    assert request.content == data
    assert sent == [1024 * 1024, 1024 * 1024, len(data) - 2 * 1024 * 1024]
    assert request.extensions["timeout"]["write"] == 300.0  # the longer upload timeout


def test_upload_sends_the_content_type_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4")
    script = Script(httpx.Response(200))
    Client(script).client.upload("https://s3.test/u", path, "application/pdf")
    assert script.requests[0].headers.get_list("Content-Type") == ["application/pdf"]


def test_upload_of_an_empty_file_sends_length_zero(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    script = Script(httpx.Response(200))
    Client(script).client.upload("https://s3.test/u", path, "image/png")
    assert script.requests[0].headers["Content-Length"] == "0" and script.requests[0].content == b""


def test_upload_retry_resends_the_whole_file_and_takes_progress_back(tmp_path: Path) -> None:
    data = b"x" * (UPLOAD := 1024 * 1024 + 10)
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    script = Script(httpx.Response(503), httpx.Response(200))
    c = Client(script)
    sent: list[int] = []
    c.client.upload("https://s3.test/u?sig=1", path, "video/mp4", progress=sent.append)
    assert [r.content for r in script.requests] == [data, data]
    assert sent == [1024 * 1024, 10, -UPLOAD, 1024 * 1024, 10]
    assert sum(sent) == UPLOAD and c.delays == [1.0]


def test_upload_403_says_expired_or_content_type(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(b"jpg")
    body = ("<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
            "does not match</Message><SignatureProvided>deadbeefsig</SignatureProvided></Error>")
    script = Script(httpx.Response(403, text=body))
    with pytest.raises(errors.PermissionDeniedError) as info:
        Client(script).client.upload(S3_URL, path, "image/jpeg")
    text = str(info.value)
    assert "SignatureDoesNotMatch" in text and "expired" in text and "Content-Type" in text
    assert "deadbeefsig" not in text  # neither the URL's signature nor the echoed one
    assert len(script.requests) == 1


def test_upload_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    script = Script()
    with pytest.raises(errors.InputError) as info:
        Client(script).client.upload("https://s3.test/u", tmp_path / "nope.mp4", "video/mp4")
    assert "nope.mp4" in str(info.value) and script.requests == []


class _Sink(http.server.BaseHTTPRequestHandler):
    """Reads a PUT body in 64 KiB pieces, keeps only its length and headers."""

    protocol_version = "HTTP/1.1"
    received: list[tuple[int, dict[str, str]]] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        remaining = int(self.headers["Content-Length"])
        total = 0
        while remaining:
            chunk = self.rfile.read(min(65536, remaining))
            if not chunk:
                break
            total += len(chunk)
            remaining -= len(chunk)
        type(self).received.append((total, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def sink() -> Iterator[str]:
    _Sink.received = []
    with serve(_Sink) as root:
        yield f"{root}/bucket/video.mp4?X-Amz-Signature=abc"


def _vm(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def test_upload_of_a_big_file_keeps_memory_flat(tmp_path: Path, sink: str, caplog: pytest.LogCaptureFixture) -> None:
    """150 MB through a real socket: Python's peak allocation and the RSS high-water mark stay
    under 50 MB above the baseline (a whole-file read would add 150 MB to both)."""
    caplog.set_level(logging.DEBUG)
    size = 150 * 1024 * 1024
    path = tmp_path / "big.mp4"
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: no disk space, reads as zeros
    client = PubloraClient(API_KEY, base_url=BASE)
    progress: list[int] = []
    rss_reset = False
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        rss_reset = True
    except OSError:
        pass
    rss_before = _vm("VmRSS")
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        client.upload(sink, path, "video/mp4", progress=progress.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    hwm = _vm("VmHWM")
    ((received, headers),) = _Sink.received
    assert received == size and sum(progress) == size
    assert headers["Content-Length"] == str(size) and headers["Content-Type"] == "video/mp4"
    assert not {"x-publora-key", "X-Publora-Key", "Authorization"} & set(headers)
    assert peak - baseline < 50 * 1024 * 1024, f"python peak {(peak - baseline) / 2**20:.1f} MB above baseline"
    if rss_reset and rss_before is not None and hwm is not None:
        assert hwm - rss_before < 50 * 1024 * 1024, f"RSS high-water mark {(hwm - rss_before) / 2**20:.1f} MB above baseline"
    assert API_KEY not in caplog.text and "X-Amz-Signature" not in caplog.text.replace("X-Amz-Signature=abc", "")


def test_the_memory_measurement_would_see_a_whole_file_read(tmp_path: Path) -> None:
    """The method of the test above is sensitive: reading the file at once shows up in full."""
    size = 60 * 1024 * 1024
    path = tmp_path / "big.bin"
    with path.open("wb") as handle:
        handle.truncate(size)
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        data = path.read_bytes()
        _, peak = tracemalloc.get_traced_memory()
        del data
    finally:
        tracemalloc.stop()
    assert peak - baseline >= size


# --- webhook signatures ------------------------------------------------------------------------

# RFC 4231 test case 2: HMAC-SHA256(key="Jefe", data="what do ya want for nothing?")
RFC_KEY, RFC_DATA = "Jefe", b"what do ya want for nothing?"
RFC_MAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_webhook_signature_known_vector() -> None:
    assert verify_webhook_signature(RFC_KEY, RFC_DATA, RFC_MAC)
    assert verify_webhook_signature(RFC_KEY.encode(), RFC_DATA, RFC_MAC.upper())
    assert verify_webhook_signature(RFC_KEY, bytearray(RFC_DATA), f" sha256={RFC_MAC} ")


@pytest.mark.parametrize("header", [None, "", "0" * 64, RFC_MAC[:-1], RFC_MAC + "0", "zz", "é" * 64, RFC_MAC[1:] + "g"])
def test_webhook_signature_rejects(header: str | None) -> None:
    assert verify_webhook_signature(RFC_KEY, RFC_DATA, header) is False


def test_webhook_signature_is_over_the_raw_bytes() -> None:
    secret = "whsec_0123456789abcdef"
    raw = b'{"version":"1","event":"post.published","timestamp":"2026-02-22T14:30:00.000Z","data":{"postId":"1"}}'
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    assert verify_webhook_signature(secret, raw, signature)
    reserialised = json.dumps(json.loads(raw)).encode()  # same JSON, different bytes
    assert reserialised != raw and not verify_webhook_signature(secret, reserialised, signature)
    assert not verify_webhook_signature("whsec_other", raw, signature)
    with pytest.raises(TypeError):
        verify_webhook_signature(secret, raw.decode(), signature)  # type: ignore[arg-type]


def test_webhook_signature_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify_webhook_signature(RFC_KEY, RFC_DATA, RFC_MAC)
    assert calls == [(RFC_MAC.encode(), RFC_MAC.encode())]


# --- the public surface ------------------------------------------------------------------------


def test_public_names() -> None:
    assert bulkpost.PubloraClient is PubloraClient
    assert bulkpost.verify_webhook_signature is verify_webhook_signature
    assert bulkpost.__all__ == sorted(bulkpost.__all__)
    assert issubclass(errors.InvalidIdError, errors.APIError) and issubclass(errors.InvalidIdError, ValueError)
    assert m.Warning is m.PostWarning


def test_a_delete_retried_after_a_lost_answer_accepts_404_as_done() -> None:
    script = Script(httpx.ReadTimeout("timed out"), err(404, {"error": "Media file not found"}))
    c = Client(script)
    assert c.client.delete_media(MEDIA) == {"success": True, "alreadyDeleted": True}
    assert len(script.requests) == 2


def test_a_first_404_on_delete_is_still_not_found() -> None:
    with pytest.raises(errors.NotFoundError):
        Client(Script(err(404, {"error": "Post group not found"}))).client.delete_post(GROUP)


class _Api(http.server.BaseHTTPRequestHandler):
    """A two-route stand-in for Publora on a real socket: it records the headers it gets."""

    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]] = []

    def _answer(self, status: int, body: Any) -> None:
        type(self).seen.append(dict(self.headers.items()))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(200, {"success": True, "connections": [CONNECTION]})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer(401, {"error": "Invalid API key"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_over_a_real_socket_the_key_is_sent_but_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    """httpx and httpcore log at DEBUG too; none of it, nor our own log, carries the key."""
    caplog.set_level(logging.DEBUG)
    _Api.seen = []
    with serve(_Api) as root, PubloraClient(API_KEY, base_url=f"{root}/api/v1", user_id=USER) as client:
        assert client.platform_connections()[0].platform_id == "linkedin-Tz9W5i6ZYG"
        with pytest.raises(errors.AuthenticationError) as info:
            create_keyed(client)
    assert [h["x-publora-key"] for h in _Api.seen] == [API_KEY, API_KEY]
    assert _Api.seen[1]["Idempotency-Key"] == KEY and _Api.seen[1]["x-publora-user-id"] == USER
    assert {r.name for r in caplog.records} >= {"httpcore.http11", "httpx", "bulkpost.publora"}
    assert API_KEY not in caplog.text and API_KEY[20:] not in caplog.text
    assert API_KEY not in str(info.value)


# --- invariants of the pure functions (hypothesis) ----------------------------------------------

@given(st.text(max_size=60), st.one_of(st.none(), st.dictionaries(st.sampled_from(["retryAfterSec", "retryAfter", "x"]),
                                                                  st.one_of(st.integers(), st.floats(), st.text(), st.booleans()))))
def test_parse_retry_after_never_raises_and_is_a_usable_wait(header: str, body: Any) -> None:
    value = parse_retry_after(header, body, now=NOW)
    assert value is None or (value >= 0 and value == value and value != float("inf"))


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=0, max_value=1, exclude_max=True))
def test_backoff_stays_within_three_quarters_and_all_of_the_doubling(attempt: int, jitter: float) -> None:
    full = min(2.0**attempt, 16.0)
    assert 0.75 * full <= retry_delay(attempt, None, jitter=jitter) <= full


@given(st.integers(min_value=0, max_value=10), st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_a_server_wait_is_used_exactly_up_to_the_cap(attempt: int, retry_after: float) -> None:
    assert retry_delay(attempt, retry_after, jitter=0.9) == min(retry_after, 60.0)
