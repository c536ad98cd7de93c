"""The Publora API client: every endpoint, typed, with retries, idempotency and safe uploads.

The only code in bulkpost that talks to Publora. See :class:`PubloraClient`.
"""

from __future__ import annotations

from . import models
from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_UPLOAD_TIMEOUT,
    UPLOAD_CHUNK_SIZE,
    PubloraClient,
)
from ._retry import MAX_RETRY_AFTER, parse_retry_after, retry_delay, should_retry
from .webhooks import SIGNATURE_HEADER, verify_webhook_signature

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_UPLOAD_TIMEOUT",
    "MAX_RETRY_AFTER",
    "SIGNATURE_HEADER",
    "UPLOAD_CHUNK_SIZE",
    "PubloraClient",
    "models",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
    "verify_webhook_signature",
]
