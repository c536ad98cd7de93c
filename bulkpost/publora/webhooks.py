"""Verify that a webhook delivery really comes from Publora.

Publora signs each delivery with ``X-Publora-Signature: hex(HMAC-SHA256(secret, raw body))``
(no prefix, no timestamp header). Verify the raw bytes exactly as received, before any JSON
parsing: a parsed-and-reserialised body would not match.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "verify_webhook_signature"]

SIGNATURE_HEADER = "X-Publora-Signature"
"""The header that carries the signature."""


def verify_webhook_signature(secret: str | bytes, raw_body: bytes, signature_header: str | None) -> bool:
    """True when ``signature_header`` is the HMAC-SHA256 of ``raw_body`` under ``secret``.

    ``secret`` is the webhook's secret (shown once by ``create_webhook`` or
    ``regenerate_webhook_secret``). ``raw_body`` must be the request body's bytes as received;
    passing decoded text raises ``TypeError`` because re-encoding can change the bytes. A missing,
    empty or malformed header is ``False``, never an exception. The comparison takes constant
    time (``hmac.compare_digest``), so the answer leaks nothing about the expected value.
    """
    if not isinstance(raw_body, (bytes, bytearray, memoryview)):
        raise TypeError("raw_body must be the raw request body as bytes, exactly as received")
    if not signature_header:
        return False
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    expected = hmac.new(key, bytes(raw_body), hashlib.sha256).hexdigest()
    given = signature_header.strip()
    if given[:7].lower() == "sha256=":  # not documented, but harmless to accept
        given = given[7:]
    if not given.isascii():
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.lower().encode("ascii"))
