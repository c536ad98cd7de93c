"""The 11 networks Publora knows, their names and aliases, and the platformSettings allowlist.

Pure data shared by the loader, the validator and the planner. (The sandbox keeps its own
copy of the allowlist on purpose: it is an independent emulator of the contract.)
Source: ``shared/docs/publora-api.md`` sections 1.2 and 3.2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONNECT_ONLY",
    "NETWORKS",
    "SETTINGS",
    "Setting",
    "display_name",
    "normalize_network",
    "parse_connection_id",
]

#: Publora's platform type names, in the order the README lists them.
NETWORKS: tuple[str, ...] = (
    "twitter",
    "linkedin",
    "instagram",
    "threads",
    "tiktok",
    "youtube",
    "facebook",
    "bluesky",
    "mastodon",
    "telegram",
    "pinterest",
)

#: Networks Publora can connect but never publish to.
CONNECT_ONLY: frozenset[str] = frozenset({"pinterest"})

_DISPLAY = {
    "twitter": "X",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "threads": "Threads",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "telegram": "Telegram",
    "pinterest": "Pinterest",
}

_ALIASES = {
    "x": "twitter",
    "xtwitter": "twitter",
    "twitterx": "twitter",
    "tweet": "twitter",
    "ig": "instagram",
    "insta": "instagram",
    "yt": "youtube",
    "fb": "facebook",
    "bsky": "bluesky",
    "tg": "telegram",
    "li": "linkedin",
    "tt": "tiktok",
}

# A connection id: lowercase ASCII prefix, a dash, then an id without whitespace, / ? #.
# Split at the first dash (telegram--100123 has a negative chat id).
_CONNECTION_ID = re.compile(r"^([a-z]+)-([^\s/?#]+)$")


def display_name(network: str) -> str:
    """The name a user knows a network by: ``"twitter"`` -> ``"X"``."""
    return _DISPLAY.get(network, network)


def normalize_network(name: str) -> str | None:
    """Map a network name or alias as a user writes it to Publora's type name, or None."""
    key = re.sub(r"[\s_\-/().]", "", name.strip().lower())
    if key in _DISPLAY:
        return key
    return _ALIASES.get(key)


def parse_connection_id(value: str) -> tuple[str, str] | None:
    """Split ``"twitter-123"`` into ``("twitter", "123")``; None when it is not shaped like one."""
    m = _CONNECTION_ID.match(value.strip())
    if not m:
        return None
    return m.group(1), m.group(2)


@dataclass(frozen=True)
class Setting:
    """One accepted ``platformSettings`` path.

    ``kind`` is one of ``"enum"``, ``"bool"``, ``"str"``, ``"tags"`` (list or comma string),
    ``"object"`` (a nested object given as JSON in the cell). ``update_only`` marks paths
    Publora accepts only on update-post (YouTube thumbnail).
    """

    network: str
    name: str
    kind: str
    choices: tuple[str, ...] = ()
    update_only: bool = False

    @property
    def path(self) -> str:
        return f"{self.network}.{self.name}"


def _s(path: str, kind: str, *choices: str, update_only: bool = False) -> Setting:
    network, name = path.split(".", 1)
    return Setting(network, name, kind, tuple(choices), update_only)


#: The platformSettings allowlist of publora-api.md section 3.2, keyed by ``network.name``.
SETTINGS: dict[str, Setting] = {
    s.path: s
    for s in (
        _s("tiktok.viewerSetting", "enum", "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"),
        _s("tiktok.allowComments", "bool"),
        _s("tiktok.allowDuet", "bool"),
        _s("tiktok.allowStitch", "bool"),
        _s("tiktok.commercialContent", "bool"),
        _s("tiktok.brandOrganic", "bool"),
        _s("tiktok.brandedContent", "bool"),
        _s("instagram.videoType", "enum", "REELS", "STORIES"),
        _s("instagram.shareToFeed", "bool"),
        _s("instagram.coverUrl", "str"),
        _s("youtube.privacy", "enum", "private", "public", "unlisted"),
        _s("youtube.title", "str"),
        _s("youtube.tags", "tags"),
        _s("youtube.categoryId", "str"),
        _s("youtube.madeForKids", "bool"),
        _s("youtube.playlist", "object"),
        _s("youtube.thumbnail", "object", update_only=True),
        _s("threads.replyControl", "enum", "everyone", "accounts_you_follow", "mentioned_only", ""),
        _s("twitter.replyTo", "str"),
        _s("twitter.quoteTweet", "str"),
        _s("telegram.disableNotification", "bool"),
        _s("telegram.disableWebPagePreview", "bool"),
        _s("telegram.protectContent", "bool"),
        _s("linkedin.repostEnabled", "bool"),
        _s("linkedin.repostParentUrn", "str"),
        _s("linkedin.repostVisibility", "enum", "PUBLIC", "CONNECTIONS", ""),
    )
}

_TRUE = {"true", "1", "yes", "on", "y"}
_FALSE = {"false", "0", "no", "off", "n", ""}


def coerce_bool(value: Any) -> bool | None:
    """A spreadsheet boolean (TRUE, yes, 1, ...) as a bool; None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
