"""When to retry a request to Publora, and how long to wait first: pure functions.

The client's single retry loop (``PubloraClient._send``) asks :func:`should_retry` after every
failed attempt and sleeps :func:`retry_delay` seconds before the next one. Both are pure (no
clock, no randomness of their own, no I/O) so a parametrized table can pin their arithmetic.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal

__all__ = [
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "Failure",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
]

INITIAL_RETRY_DELAY = 1.0
"""Seconds before the first retry when the server gives no ``Retry-After``; doubles per attempt."""

MAX_RETRY_DELAY = 16.0
"""The exponential backoff never waits longer than this (seconds)."""

MAX_RETRY_AFTER = 60.0
"""The longest ``Retry-After`` the client waits out itself (seconds). A longer one is not
retried: the error is raised at once with ``retry_after`` so the caller can pause the run
(Publora's media-URL limit, for one, is a fixed one-hour window)."""

Failure = Literal["connect", "timeout", "transport"]
"""Why an attempt got no HTTP answer: ``connect`` (the request never left: refused, DNS,
connect or pool timeout), ``timeout`` (sent, no answer in time), ``transport`` (sent, then the
connection broke). Only ``connect`` proves the server did nothing."""

IDEMPOTENCY_IN_FLIGHT = "IDEMPOTENCY_IN_FLIGHT"

# RFC 9110 delay-seconds is 1*DIGIT; a decimal fraction is tolerated, anything else
# (signs, exponents, words) is not a number of seconds.
_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def should_retry(
    *,
    attempt: int,
    max_retries: int,
    status_code: int | None = None,
    code: str | None = None,
    failure: Failure | None = None,
    replay_safe: bool,
    retry_after: float | None = None,
    max_retry_after: float = MAX_RETRY_AFTER,
) -> bool:
    """Whether to send the request once more.

    ``attempt`` counts the retries already made (0 after the first try). ``replay_safe`` is
    true when sending the request twice cannot do the thing twice: reads, deletes, uploads to a
    presigned URL, and creates/updates that carry an ``Idempotency-Key``. ``status_code`` is
    ``None`` when no HTTP answer arrived; ``failure`` then says why.
    """
    if attempt >= max_retries:
        # Out of retries: the caller gets the last error.
        return False
    if status_code is None:
        if failure == "connect":
            # Nothing reached the server, so even a create without a key is safe to resend.
            return True
        # The server may have acted on the request before the answer was lost (read timeout,
        # reset): only resend what cannot take effect twice.
        return replay_safe
    if status_code == 429:
        # Refused before any work was done, so safe for every request; but a wait longer than
        # the cap is the caller's decision (pause the run), not ours to sit through.
        return retry_after is None or retry_after <= max_retry_after
    if status_code == 409 and code == IDEMPOTENCY_IN_FLIGHT:
        # The first request with this Idempotency-Key is still running; the same request with
        # the same key replays its outcome once it is done.
        return True
    if status_code >= 500:
        # Publora failed, possibly after acting (a 500 on create can follow a stored post):
        # resend only what is replay-safe; a create/update without a key is never resent.
        return replay_safe
    # 2xx/3xx need nothing; 400/401/403/404/422 and the other 409s will fail the same way again.
    return False


def retry_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    jitter: float = 0.0,
    initial: float = INITIAL_RETRY_DELAY,
    maximum: float = MAX_RETRY_DELAY,
    max_retry_after: float = MAX_RETRY_AFTER,
) -> float:
    """Seconds to wait before retry number ``attempt + 1``.

    ``retry_after`` is the server's parsed ``Retry-After`` (see :func:`parse_retry_after`);
    ``jitter`` is a number in [0, 1) drawn by the caller (``random.random()``).
    """
    if retry_after is not None and retry_after >= 0:
        # The server said when: wait exactly that, never longer than the cap.
        return min(retry_after, max_retry_after)
    # No usable Retry-After: exponential backoff (initial, 2x, 4x ... up to maximum) minus up
    # to 25 % jitter, so that many clients failing together do not come back together.
    backoff = min(initial * 2.0**attempt, maximum)
    return backoff * (1.0 - 0.25 * min(max(jitter, 0.0), 1.0))


def parse_retry_after(
    header: str | None,
    body: Any = None,
    *,
    now: datetime,
) -> float | None:
    """The wait the server asked for, in seconds, or ``None`` when it asked for none we can read.

    ``Retry-After`` is either delay-seconds (``"120"``) or an HTTP date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``, relative to ``now``; a date in the past means 0).
    Garbage (``"soon"``, ``"-5"``, ``"1e9"``, ``""``) is ignored, as if absent. Without a
    header, Publora's body fields ``retryAfterSec`` (media-URL limit) and ``retryAfter``
    (LinkedIn analytics) are used.
    """
    if header is not None:
        value = header.strip()
        if _SECONDS.fullmatch(value):
            seconds = float(value)
            return seconds if math.isfinite(seconds) else None
        if value:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError, OverflowError):
                when = None
            if when is not None:
                if when.tzinfo is None:  # an HTTP date is always GMT
                    when = when.replace(tzinfo=timezone.utc)
                return max(0.0, (when - now).total_seconds())
    if isinstance(body, dict):
        for key in ("retryAfterSec", "retryAfter"):
            value_in_body = body.get(key)
            if (
                isinstance(value_in_body, (int, float))
                and not isinstance(value_in_body, bool)
                and math.isfinite(value_in_body)
                and value_in_body >= 0
            ):
                return float(value_in_body)
    return None
