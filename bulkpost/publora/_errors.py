"""Turn what Publora (or the network) said into the exceptions of :mod:`bulkpost.errors`.

Two functions, each the only place its kind of failure is translated:

- :func:`status_error` maps an HTTP status plus Publora's ``code`` to a class and writes a
  message that says what happened and a hint that says what to do;
- :func:`connection_error` maps an ``httpx`` transport exception (the caller raises the result
  ``from`` the original, so the chain is kept for ``--debug``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from ..errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IdempotencyConflictError,
    NotFoundError,
    PermissionDeniedError,
    PlanLimitError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

__all__ = ["PLAN_LIMIT_CODES", "connection_error", "error_code", "status_error"]

PLAN_LIMIT_CODES = frozenset(
    {
        "POST_LIMIT_REACHED",
        "SCHEDULED_POST_LIMIT_REACHED",
        "SCHEDULE_HORIZON_REACHED",
        "PLATFORM_NOT_AVAILABLE",
        "CONNECTIONS_OVER_LIMIT",
        "CHANNEL_LIMIT_REACHED",
    }
)
"""403 codes of Publora's LimitExceededError: the plan, not the request, is the problem."""

_SYMBOLIC = re.compile(r"[A-Z][A-Z0-9_]{2,}")


def error_code(body: Any) -> str | None:
    """Publora's machine code of an error body, or ``None``.

    Newer paths send ``code``; a few put the symbol in ``error`` instead
    (``REACTION_ALREADY_EXISTS``, ``LINKEDIN_RATE_LIMITED``), which is accepted when it looks
    like one (UPPER_SNAKE).
    """
    if not isinstance(body, dict):
        return None
    code = body.get("code")
    if isinstance(code, str) and code:
        return code
    error = body.get("error")
    if isinstance(error, str) and _SYMBOLIC.fullmatch(error):
        return error
    return None


def _server_text(body: Any) -> str:
    """The human text of an error body (``error`` or ``message``), or ``""``."""
    if isinstance(body, dict):
        parts = []
        for key in ("error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
        if len(parts) == 2 and _SYMBOLIC.fullmatch(parts[0]):
            del parts[0]  # {"error": "REACTION_ALREADY_EXISTS", "message": ...}: the code is shown anyway
        return ": ".join(parts)
    if isinstance(body, str):
        return body.strip()[:300]
    return ""


def _validation_summary(validation: Any) -> str:
    """``instagram MEDIA_REQUIRED: Instagram posts require media; ...`` from a validation object."""
    if not isinstance(validation, dict):
        return ""
    items = []
    for error in validation.get("errors") or []:
        if isinstance(error, dict):
            platform = error.get("platform") or ""
            label = " ".join(str(p) for p in (platform, error.get("code")) if p)
            items.append(f"{label}: {error.get('message', '')}".strip(": "))
    return "; ".join(items)


def _plan_hint(code: str | None, body: dict[str, Any]) -> str:
    if code == "POST_LIMIT_REACHED":
        return (
            f"The plan's monthly post limit is used up (used {body.get('used')} of "
            f"{body.get('limit')}, {body.get('remaining')} remaining; each platform target counts "
            f"as one post). Wait for the next period ({body.get('periodEnd') or 'next month'}) or "
            "upgrade the plan; every further row would fail the same way."
        )
    if code == "SCHEDULED_POST_LIMIT_REACHED":
        return (
            f"The plan's queue of scheduled posts is full ({body.get('used')} of {body.get('limit')}). "
            "Wait until some are published, delete scheduled posts, or upgrade the plan."
        )
    if code == "SCHEDULE_HORIZON_REACHED":
        return (
            f"The plan only allows scheduling up to {body.get('maxScheduledDate')}. Move this row's "
            "time earlier, schedule it later, or upgrade the plan."
        )
    if code == "PLATFORM_NOT_AVAILABLE":
        return (
            f"The plan does not include {body.get('disallowedPlatforms')}; remove those targets "
            "or upgrade the plan."
        )
    return "Disconnect accounts in the Publora dashboard or upgrade the plan."


def _hint(status: int, code: str | None, body: dict[str, Any], replay_safe: bool) -> str:
    """One sentence (or two) that says what to do about this answer."""
    if status == 400:
        if code == "MEDIA_NOT_READY":
            return (
                "Upload the file's bytes to its upload URL first, or delete the media "
                "(delete_media) and request a new upload URL."
            )
        if body.get("validation"):
            return "Fix the row so every target platform accepts it, then send it again."
        if code == "SCHEDULED_TIME_IN_PAST":
            return f"Pick a time in the future (Publora's clock says {body.get('serverTime')})."
        return "Fix the request as the message says; sending it unchanged will fail again."
    if status == 401:
        return (
            "Check PUBLORA_API_KEY: the key is missing, mistyped or revoked. Create a key in "
            "the Publora dashboard (API section)."
        )
    if status == 403:
        if code in PLAN_LIMIT_CODES:
            return _plan_hint(code, body)
        return (
            "This key may not do that: check that API (or workspace) access is enabled for the "
            "account, and that PUBLORA_USER_ID names a user managed by this key."
        )
    if status == 404:
        return (
            "Check the id: it does not exist, was deleted, or belongs to another user "
            "(or another managed user, see PUBLORA_USER_ID)."
        )
    if status == 409:
        if code == "IDEMPOTENCY_IN_FLIGHT":
            return (
                "The first request with this Idempotency-Key is still running; send the same "
                "request with the same key again in a minute."
            )
        if code == "POST_PUBLISH_IN_PROGRESS":
            return "Publishing has started; re-read the post with get_post instead of editing it."
        if code == "POST_GROUP_VERSION_CONFLICT":
            return "The post changed at the same time; re-read it with get_post and try again."
        if code == "REACTION_ALREADY_EXISTS":
            return "The account has already reacted; delete the reaction first to change it."
        if code == "email_exists":
            return (
                "A user with this email exists; attach them with attach_workspace_user "
                "(with their consent token) instead."
            )
        return "The request conflicts with the current state; re-read it and retry only if still needed."
    if status == 422:
        return "Check the request body against the Publora API documentation."
    if status == 429:
        return "Too many requests; wait for the time Publora names (retry_after) and run again."
    if status >= 500:
        if not replay_safe:
            return (
                "Publora failed. This request was not retried because it carried no "
                "Idempotency-Key: check with get_post/list_posts whether it took effect before "
                "sending it again."
            )
        return "Publora failed even after retries; try again later, and contact Publora if it persists."
    return "Check the request against the Publora API documentation."


def _storage_hint(status: int) -> str:
    if status == 403:
        return (
            "The upload URL expired (it lives one hour) or the Content-Type differs from the one "
            "given to get_upload_url: request a fresh URL and upload with the same content type."
        )
    if status >= 500:
        return "The storage host failed even after retries; request a fresh upload URL and try again later."
    return "Request a fresh upload URL with get_upload_url and upload again."


def status_error(
    response: httpx.Response,
    body: Any,
    *,
    retry_after: float | None = None,
    replay_safe: bool = True,
    idempotency_key: str | None = None,
    storage: bool = False,
) -> APIStatusError:
    """The exception for a non-2xx answer: class from status and ``code``, message and hint.

    The message names the status, Publora's code and text; the hint says what to do.
    ``storage`` marks an answer of the storage host to an upload (not Publora's API).
    """
    status = response.status_code
    code = error_code(body)
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    text = _server_text(body) or response.reason_phrase or "no message"
    summary = _validation_summary(data.get("validation"))
    if summary:
        text = f"{text} ({summary})"
    label = f"{status} {code}" if code else str(status)
    if storage:
        # Only the XML's <Code>/<Message>: an S3 error body can echo the URL's signature.
        if isinstance(body, str):
            found = re.findall(r"<(Code|Message)>([^<]{0,200})</\1>", body)
            text = ": ".join(value for _, value in found) or response.reason_phrase or "no message"
        request = response.request
        where = f"{request.method} {request.url.scheme}://{request.url.host}{request.url.path}"
        message = f"The storage host answered {label} to the upload ({where}): {text}."
        hint = _storage_hint(status)
    else:
        where = f"{response.request.method} {response.request.url.path}"
        message = f"Publora answered {label} to {where}: {text}."
        hint = _hint(status, code, data, replay_safe)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "body": body,
        "hint": hint,
        "retry_after": retry_after,
    }
    cls: type[APIStatusError]
    if status == 400:
        cls = BadRequestError
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PlanLimitError if code in PLAN_LIMIT_CODES else PermissionDeniedError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status == 422 and code == "IDEMPOTENCY_KEY_CONFLICT":
        message = (
            "The row changed since it was first sent: Publora already received a request with "
            f"Idempotency-Key {idempotency_key!r} and a different body "
            f"({label} to {where}: {text})."
        )
        hint = (
            "Restore the row as it was sent, or, if the change is wanted, delete the first "
            "post and send the row as a new post (a new key)."
        )
        kwargs["hint"] = hint
        cls = IdempotencyConflictError
    elif status == 422:
        cls = UnprocessableEntityError
    elif status == 429:
        cls = RateLimitError
        if retry_after is not None:
            kwargs["hint"] = (
                f"Too many requests; Publora asks to wait {retry_after:g} s. Wait, then run again "
                "(already scheduled rows are kept)."
            )
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    return cls(message, **kwargs)


def connection_error(exc: httpx.RequestError, *, where: str, attempts: int) -> APIConnectionError:
    """The exception for a request that got no HTTP answer (``raise ... from exc``).

    ``where`` is ``"METHOD scheme://host/path"`` with any query string dropped (a presigned
    upload URL's query is a credential).
    """
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    reason = (str(exc) or type(exc).__name__).rstrip(".")
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            hint = "Check the network and PUBLORA_BASE_URL, or raise the timeout."
        else:
            hint = (
                "Check the network, or raise the timeout. The request may still have been "
                "processed: check with get_post/list_posts before sending it again without "
                "its idempotency key."
            )
        return APITimeoutError(f"No answer in time from {where}{tries}: {type(exc).__name__}.", hint=hint)
    if isinstance(exc, httpx.ConnectError):
        hint = "Check the network connection and PUBLORA_BASE_URL (or the upload URL)."
    else:
        hint = (
            "The connection broke after the request was sent, so it may have been processed: "
            "check with get_post/list_posts before sending it again without its idempotency key."
        )
    return APIConnectionError(f"Could not talk to {where}{tries}: {reason}.", hint=hint)
