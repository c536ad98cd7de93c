"""Small helpers of the sandbox: time strings, ObjectIds, keys, the simple text counter.

Independent of the rest of bulkpost on purpose (see STYLE.md: the sandbox never imports the
rules, the validator, the planner or the client).
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "OBJECT_ID_RE",
    "canonical_json",
    "format_duration",
    "iso",
    "json_depth",
    "new_api_key",
    "new_object_id",
    "parse_client_time",
    "parse_iso",
    "utf16_len",
]

OBJECT_ID_RE = re.compile(r"^[0-9a-fA-F]{24}$")

# The three accepted forms of scheduledTime (contract §3.1): a full date-time with seconds,
# optional fraction, and an explicit UTC designator or offset. Anything else is rejected.
_CLIENT_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
)


def iso(moment: datetime) -> str:
    """Format a moment the way Publora returns times: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse a time this sandbox wrote itself (or any ISO 8601 string with an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def parse_client_time(value: Any) -> datetime | None:
    """Parse a client's ``scheduledTime``; ``None`` when it is not one of the accepted forms."""
    if not isinstance(value, str):
        return None
    match = _CLIENT_TIME_RE.match(value.strip())
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc)


def parse_loose_date(value: str) -> datetime | None:
    """Parse a list-posts ``fromDate``/``toDate``: a date or a date-time, UTC when no offset."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def new_object_id(rng: random.Random, moment: datetime) -> str:
    """A MongoDB-shaped ObjectId: 4 bytes of seconds, then 8 random bytes, as 24 hex digits."""
    seconds = int(moment.timestamp()) & 0xFFFFFFFF
    return f"{seconds:08x}" + "".join(f"{rng.randrange(256):02x}" for _ in range(8))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def new_api_key(rng: random.Random, moment: datetime, *, dashboard: bool = True) -> str:
    """A key shaped like a real one (contract §1.1).

    Dashboard key: ``sk_<timestamp_base36>_<8_hex>.<52_hex>``; per-user key:
    ``sk_<timestamp_base36>.<52_hex>``.
    """
    stamp = _base36(int(moment.timestamp() * 1000))
    secret = "".join(rng.choice("0123456789abcdef") for _ in range(52))
    if dashboard:
        prefix = "".join(rng.choice("0123456789abcdef") for _ in range(8))
        return f"sk_{stamp}_{prefix}.{secret}"
    return f"sk_{stamp}.{secret}"


def utf16_len(text: str) -> int:
    """The sandbox's simple counter: JavaScript ``String.length`` (UTF-16 code units).

    The contract's §16.1 INFERRED rule. Deliberately not the validator's counter.
    """
    return len(text.encode("utf-16-le")) // 2


def canonical_json(value: Any) -> str:
    """Key-order-independent JSON text, used to compare idempotent request bodies."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting stops once ``limit`` is exceeded."""
    depth = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            depth = max(depth, level)
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return depth


def format_duration(delta: timedelta) -> str:
    """``tokenExpiresIn`` text: ``"7d 3h"``, ``"5h"``, ``"< 1h"`` or ``"expired"``."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86400)
    hours = rest // 3600
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h"
    return "< 1h"
