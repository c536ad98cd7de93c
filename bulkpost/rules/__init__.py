"""Per-network rules: limits as data, exact text counting, media inspection.

The validator calls :func:`check_posts` once with every parsed post of the sheet; it yields
findings (never raises for bad data). Filled in by the rules work (issue 3); until then it
checks nothing, and ``bulkpost validate`` reports only the network-independent checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from ..findings import Finding
from ..model import Post

__all__ = ["RuleContext", "check_posts"]


@dataclass
class RuleContext:
    """What the rules need beyond the posts themselves."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    strict: bool = False
    """Over-length X text without thread parts is an error instead of a warning."""
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Connection facts by connection id when online (``subscriptionType``, ``tokenStatus``)."""
    options: dict[str, Any] = field(default_factory=dict)


def check_posts(posts: list[Post], ctx: RuleContext) -> Iterator[Finding]:
    """Yield every per-network finding for ``posts``."""
    return iter(())
