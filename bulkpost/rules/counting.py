"""Text length the way each network counts it (``shared/docs/platform-rules.md``).

| network | unit |
|---|---|
| X | twitter-text v3 weighted length (:mod:`bulkpost.rules.twitter`) |
| Bluesky | grapheme clusters (and, checked separately, UTF-8 bytes) |
| Mastodon | grapheme clusters after URLs with a scheme -> 23 and ``@user@domain`` -> ``@user`` |
| Threads | emoji by their UTF-8 bytes, everything else UTF-16 units |
| Telegram | code points (markup is counted too, which over-counts: safe) |
| YouTube | description: UTF-8 bytes (the title is counted in UTF-16 units) |
| others | UTF-16 code units (JavaScript ``String.length``), never less than what they count |

Every function here takes text whose line endings are already ``\\n``;
:func:`count_characters` normalises them itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

from . import twitter

__all__ = [
    "bluesky_length",
    "count_characters",
    "count_hashtags",
    "count_mentions",
    "grapheme_count",
    "mastodon_length",
    "normalize_newlines",
    "threads_length",
    "unique_links",
    "utf8_length",
    "utf16_length",
]

_GRAPHEME = regex.compile(r"\X")
_NEWLINES = regex.compile(r"\r\n|\r")


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n`` (what bulkpost sends, and what it counts)."""
    return _NEWLINES.sub("\n", text) if "\r" in text else text


def utf16_length(text: str) -> int:
    """UTF-16 code units: JavaScript's ``String.length`` (an emoji outside the BMP is 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    """UTF-8 bytes."""
    return len(text.encode("utf-8"))


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters (UAX #29) as the ``regex`` module's ``\\X`` finds them."""
    if text.isascii() and "\r" not in text:
        return len(text)
    return len(_GRAPHEME.findall(text))


def bluesky_length(text: str) -> tuple[int, int]:
    """``(graphemes, utf8 bytes)``: Bluesky allows 300 and 3,000, and checks both."""
    return grapheme_count(text), utf8_length(text)


# Mastodon: app/models/account.rb USERNAME_RE / MENTION_RE (case-insensitive).
_MASTODON_MENTION = regex.compile(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[[:word:]]+(?:[.-]+[[:word:]]+)*)?)",
    regex.IGNORECASE,
)


def mastodon_length(text: str, spoiler: str = "", url_length: int = 23) -> int:
    """Mastodon's ``StatusLengthValidator``: graphemes of spoiler + text after rewriting.

    Each URL with a scheme counts ``url_length`` (23); a bare ``example.com`` counts as
    written; ``@user@domain`` counts as ``@user``. (Mastodon's regex also accepts a few
    exotic schemes such as ``gemini:``; those count as written here, which over-counts.)
    """
    if not text.strip():
        countable = ""
    else:
        entities: list[tuple[int, int, str]] = []
        for url, s, e in twitter._extract(text, without_protocol=False):
            entities.append((s, e, "x" * url_length))
        for m in _MASTODON_MENTION.finditer(text):
            entities.append((m.start(), m.end(), "@" + m.group(2)))
        entities.sort(key=lambda x: (x[0], -x[1]))
        out: list[str] = []
        pos = 0
        for s, e, repl in entities:
            if s < pos:
                continue  # overlapping: the earlier-starting entity wins
            out.append(text[pos:s])
            out.append(repl)
            pos = e
        out.append(text[pos:])
        countable = "".join(out)
    return grapheme_count(spoiler + countable)


@lru_cache(maxsize=1)
def _emoji_runs() -> re.Pattern[str]:
    """Runs of code points that can occur in emoji (BMP ones from the ``emoji`` package's
    data, any astral one), with the ASCII base a keycap starts with. Emoji never span
    anything else, so tokenising only these runs finds the same emoji as tokenising the
    whole text, far faster on prose. (Stdlib ``re`` tests a BMP class with a bitmap.)"""
    import emoji

    cps = sorted({ord(c) for e in emoji.EMOJI_DATA for c in e if not c.isascii() and ord(c) <= 0xFFFF})
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    cls = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return re.compile(f"[#*0-9]?[{cls}\\U00010000-\\U0010ffff]+")


def threads_length(text: str) -> int:
    """Threads: "emojis are counted as the number of UTF-8 bytes"; the rest in UTF-16 units.

    Meta does not say which unit the rest uses: UTF-16 units are never fewer than code
    points, so this never passes a post Threads would refuse.
    """
    if text.isascii():
        return len(text)
    import emoji

    n = utf16_length(text)
    for run in _emoji_runs().finditer(text):
        for e in emoji.emoji_list(run.group(0)):
            n += utf8_length(e["emoji"]) - utf16_length(e["emoji"])
    return n


def unique_links(text: str) -> list[str]:
    """Distinct links in the text (with or without a scheme), in order of appearance."""
    seen: dict[str, None] = {}
    for url in twitter.extract_urls(text):
        key = url.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        seen.setdefault(key, None)
    return list(seen)


_HASHTAG = regex.compile(r"(?:^|(?<=[^\w&]))[#＃](\w*\p{L}\w*)")
_MENTION = regex.compile(r"(?:^|(?<=[^\w@.]))@([A-Za-z0-9._]{1,30})")


def count_hashtags(text: str) -> int:
    """Hashtags (``#word`` with at least one letter), as Instagram counts them."""
    return len(_HASHTAG.findall(text))


def count_mentions(text: str) -> int:
    """``@handle`` tags (Instagram allows 20 per caption)."""
    return len(_MENTION.findall(text))


def count_characters(text: str, platform: str, *, spoiler: str = "") -> int:
    """The length of ``text`` as ``platform`` counts it (line endings normalised to ``\\n``).

    ``platform`` is Publora's type name (``twitter``, ``bluesky``, ...). For Bluesky this is
    the grapheme count (the byte count is :func:`utf8_length`); for YouTube it is the
    description's unit, UTF-8 bytes. Unknown platforms count UTF-16 code units.
    """
    text = normalize_newlines(text)
    if platform == "twitter":
        return twitter.weighted_length(text)
    if platform == "bluesky":
        return grapheme_count(text)
    if platform == "mastodon":
        return mastodon_length(text, normalize_newlines(spoiler))
    if platform == "threads":
        return threads_length(text)
    if platform == "telegram":
        return len(text)
    if platform == "youtube":
        return utf8_length(text)
    return utf16_length(text)
