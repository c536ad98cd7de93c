"""A reproducible mixed corpus for the benchmarks: ASCII, URLs, emoji, CJK, mixed."""

from __future__ import annotations

import random

_WORDS = "the quick brown fox jumps over lazy dog launch week product update team hiring".split()
_URLS = [
    "https://example.com/blog/2026/launch?utm_source=x",
    "http://t.co/abc123XYZ",
    "example.org",
    "https://www.python.org/downloads/",
    "docs.bulkpost.dev/rules#x",
    "https://sub.domain.co.uk/path/(with)/parens",
]
_EMOJI = ["😀", "🚀", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵", "❤️", "#️⃣", "🏳️‍🌈", "✨", "🎉"]
_CJK = "日本語のテキスト中文内容한국어텍스트こんにちは世界"


def _ascii(r: random.Random) -> str:
    return " ".join(r.choice(_WORDS) for _ in range(r.randint(5, 45))) + "."


def _with_urls(r: random.Random) -> str:
    parts = [_ascii(r)]
    for _ in range(r.randint(1, 3)):
        parts.append(r.choice(_URLS))
        parts.append(_ascii(r))
    return " ".join(parts)


def _with_emoji(r: random.Random) -> str:
    words = [r.choice(_WORDS) for _ in range(r.randint(5, 30))]
    for _ in range(r.randint(1, 6)):
        words.insert(r.randrange(len(words) + 1), r.choice(_EMOJI))
    return " ".join(words)


def _cjk(r: random.Random) -> str:
    return "".join(r.choice(_CJK) for _ in range(r.randint(10, 140))) + "。"


def _mixed(r: random.Random) -> str:
    return " ".join(f(r) for f in r.sample([_ascii, _with_urls, _with_emoji, _cjk], 3))


KINDS = {"ascii": _ascii, "urls": _with_urls, "emoji": _with_emoji, "cjk": _cjk, "mixed": _mixed}


def corpus(n: int = 1000, seed: int = 2026) -> list[str]:
    """``n`` texts, an equal share of each kind, in a fixed order."""
    r = random.Random(seed)
    kinds = list(KINDS.values())
    return [kinds[i % len(kinds)](r) for i in range(n)]
