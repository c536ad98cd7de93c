"""The exceptions of bulkpost: only what stops a run is an exception.

A bad row is not an exception: validation returns findings (see ``bulkpost.report``),
and a post that fails to schedule is a result. What is left here is what makes every
further step pointless: input that cannot be read, missing configuration, and the API
answering in a way that no retry will fix.

```
BulkpostError                  the CLI catches this once (exit code on the class)
├── InputError                 unreadable file, missing sheet or columns, bad encoding   (exit 2)
├── ConfigError                missing PUBLORA_API_KEY, bad base URL, bad option          (exit 2)
└── APIError                   anything from talking to Publora                           (exit 1)
    ├── InvalidIdError         an id that is not 24 hex characters, refused before sending (also a ValueError)
    ├── APIConnectionError     no answer: DNS, refused, reset, TLS
    │   └── APITimeoutError    no answer in time
    ├── APIResponseValidationError   a 2xx body that does not fit our model
    └── APIStatusError(status_code, code, body)
        ├── BadRequestError            400
        ├── AuthenticationError        401                                            (exit 3)
        ├── PermissionDeniedError      403
        │   └── PlanLimitError         403 with a Publora plan-limit code              (exit 3)
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── UnprocessableEntityError   422
        │   └── IdempotencyConflictError   422 IDEMPOTENCY_KEY_CONFLICT
        ├── RateLimitError             429
        └── ServerError                >= 500
```

Every class carries ``exit_code`` so the CLI maps an exception to its exit code in one
place, and ``hint``: one sentence that says what to do next.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BulkpostError",
    "ConfigError",
    "ConflictError",
    "IdempotencyConflictError",
    "InputError",
    "InvalidIdError",
    "NotFoundError",
    "PermissionDeniedError",
    "PlanLimitError",
    "RateLimitError",
    "ServerError",
    "UnprocessableEntityError",
]


class BulkpostError(Exception):
    """Base of every error bulkpost raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(BulkpostError):
    """The input cannot be used at all: unreadable file, missing sheet or columns."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column


class ConfigError(BulkpostError):
    """Configuration or usage is wrong: missing API key, bad base URL, bad option value."""

    exit_code = 2


class APIError(BulkpostError):
    """Base of every error that comes from talking to Publora.

    ``str(exc)`` is the message followed by the hint, so a library user who only prints the
    exception still learns what to do; the CLI prints ``message`` and ``hint`` on two lines.
    """

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class InvalidIdError(APIError, ValueError):
    """An id that cannot be a Publora id, refused locally before any request is sent.

    Post group, media, webhook and managed-user ids are MongoDB ObjectIds (24 hexadecimal
    characters). Publora answers a malformed one with a 500, which would look like an outage
    and be retried; refusing it here turns it into the caller's error it is.
    """


class APIConnectionError(APIError):
    """No HTTP answer arrived (DNS, connection refused or reset, TLS)."""


class APITimeoutError(APIConnectionError):
    """No HTTP answer arrived in time."""


class APIResponseValidationError(APIError):
    """A 2xx body that does not fit the model we expect."""

    def __init__(self, message: str, *, body: Any = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.body = body


class APIStatusError(APIError):
    """Publora answered with a 4xx or 5xx status.

    ``code`` is Publora's stable machine code when the body has one (``"POST_NOT_EDITABLE"``),
    ``field`` and ``validation`` carry the details Publora sends with some codes, and
    ``body`` is the whole decoded body (never containing our API key: Publora does not echo it).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        body: Any = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.code = code
        self.body = body
        self.retry_after = retry_after
        data = body if isinstance(body, dict) else {}
        self.field: str | None = data.get("field")
        self.validation: dict[str, Any] | None = data.get("validation")
        self.warnings: list[dict[str, Any]] = list(data.get("warnings") or [])


class BadRequestError(APIStatusError):
    """400: the request was refused as invalid; retrying it unchanged will not help."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""

    exit_code = 3


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (API access, workspace access, managed user)."""


class PlanLimitError(PermissionDeniedError):
    """403 with a plan-limit code (POST_LIMIT_REACHED, SCHEDULED_POST_LIMIT_REACHED, ...).

    The numbers Publora sends are attributes: ``limit``, ``used``, ``remaining``,
    ``max_scheduled_date``, ``metric``, ``plan_name``.
    """

    exit_code = 3

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        data = self.body if isinstance(self.body, dict) else {}
        self.metric: str | None = data.get("metric")
        self.limit: int | None = data.get("limit")
        self.used: int | None = data.get("used")
        self.requested: int | None = data.get("requested")
        self.remaining: int | None = data.get("remaining")
        self.max_scheduled_date: str | None = data.get("maxScheduledDate")
        self.plan_name: str | None = data.get("planName")


class NotFoundError(APIStatusError):
    """404: no such post group, media, webhook or user (or it belongs to someone else)."""


class ConflictError(APIStatusError):
    """409: in flight, publishing in progress, concurrent change, or already exists."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class IdempotencyConflictError(UnprocessableEntityError):
    """422 IDEMPOTENCY_KEY_CONFLICT: the same key was first used with a different body.

    For bulkpost this means the row changed since it was first sent.
    """


class RateLimitError(APIStatusError):
    """429: too many requests (or media URLs); ``retry_after`` is in seconds when known."""


class ServerError(APIStatusError):
    """5xx: Publora failed; retried automatically before this is raised."""
