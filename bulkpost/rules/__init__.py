"""Per-network rules: limits as data, exact text counting, media inspection.

The validator calls :func:`check_posts` once with every parsed post of the sheet; it yields
findings (never raises for bad data). The modules:

- :mod:`.limits` the limits table (``limits_snapshot.json``, shaped like Publora's
  ``GET /platform-limits``), :func:`load_limits`, :meth:`Limits.from_response`, :func:`diff_limits`;
- :mod:`.counting` text length per network (:func:`count_characters`);
- :mod:`.twitter` the twitter-text v3 weighted counter and URL extractor;
- :mod:`.media` media inspection (:func:`inspect_media`, :class:`MediaCache`, URL rules);
- :mod:`.checks` the checks themselves and the list of finding ``CODES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ..findings import Finding
from ..model import Post
from .checks import CODES, check_post, check_schedule
from .counting import count_characters
from .limits import LimitChange, Limits, NetworkLimits, diff_limits, load_limits
from .media import MediaCache, MediaInfo, UrlProbe, check_url_syntax, inspect_media, probe_url

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CODES",
    "LimitChange",
    "Limits",
    "MediaCache",
    "MediaInfo",
    "NetworkLimits",
    "RuleContext",
    "UrlProbe",
    "check_posts",
    "check_url_syntax",
    "connection_facts",
    "count_characters",
    "diff_limits",
    "inspect_media",
    "load_limits",
    "probe_url",
]


@dataclass
class RuleContext:
    """What the rules need beyond the posts themselves (one per run: it holds the media cache)."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    strict: bool = False
    """Over-length X/Threads text without thread parts, and Publora's UTF-16 count, become errors."""
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Connection facts by connection id when online (``subscriptionType``, ``tokenStatus``,
    ``accessTokenExpiresAt``, ``tokenExpiresIn``), as ``GET /platform-connections`` returns them."""
    options: dict[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=load_limits)
    """The limits table: the shipped snapshot, or the live one (``Limits.from_response``)."""
    hashtag_cap: int = 5
    """Instagram hashtags per post (5 since Dec 2025; the API documentation says 30)."""
    mastodon_limit: int = 500
    """Characters per Mastodon post (the instance's ``configuration.statuses.max_characters``)."""
    daily_cap: int | None = 10
    """Posts per account per UTC day before a DAILY_CAP_EXCEEDED warning; None turns it off."""
    duplicate_window: timedelta = timedelta(hours=48)
    check_urls: bool = False
    """Probe media URLs over HTTP (needs ``http_client``)."""
    http_client: httpx.Client | None = None
    media_cache: MediaCache = field(default_factory=MediaCache)
    url_probes: dict[str, UrlProbe] = field(default_factory=dict)


def check_posts(posts: list[Post], ctx: RuleContext) -> Iterator[Finding]:
    """Yield every per-network finding for ``posts``: per post (text and media for each
    network it targets), then across posts (duplicates, caps, same minute, connections)."""
    for post in posts:
        yield from check_post(post, ctx)
    yield from check_schedule(posts, ctx)


def connection_facts(response: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``RuleContext.connections`` from a ``GET /platform-connections`` body: each connection's
    fields (``subscriptionType``, ``tokenStatus``, ``accessTokenExpiresAt`` ...) by ``platformId``."""
    out: dict[str, dict[str, Any]] = {}
    for c in response.get("connections") or ():
        if isinstance(c, Mapping) and isinstance(c.get("platformId"), str):
            out[c["platformId"]] = dict(c)
    return out
