"""X (Twitter) text: the twitter-text v3 weighted length and the twitter-text URL extractor.

Reimplements ``parseTweet`` and ``extractUrlsWithIndices`` of twitter/twitter-text (as ported
by twitter-text-parser 3.0.0) so that it gives the same answers, only faster:

- the URL regex is the reference's, character for character, but it only runs on the
  whitespace-free chunks of the text that contain a ``.`` (a URL can never span a space
  character, and every URL has a dot), instead of being tried at every position of the text;
- emoji are found with a dictionary of sequences keyed by their first code point (longest
  first, which is what the reference's length-sorted alternation amounts to) instead of one
  regex alternation of ~2,600 sequences tried at every position;
- the weight of plain text between entities is computed per chunk (length, plus one extra
  unit for every code point outside the light ranges), not character by character.

Data (``data/x_tlds.txt``, ``data/x_emoji.txt``) is generated from the reference package by
``_gen_x_data.py``; see ``data/NOTICE.md`` for origins and licences. Known, deliberate
agreements with the reference (``shared/docs/platform-rules.md`` section 1.4): ``\\r\\n`` is
one line break; bare (c)/(R) weigh 2; emoji newer than Emoji 12.0 count piecewise. All of
these over-count, never under-count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from math import floor
from typing import Any, Mapping

__all__ = [
    "V1",
    "V2",
    "V3",
    "ParsedTweet",
    "XConfig",
    "extract_urls",
    "extract_urls_with_indices",
    "parse_tweet",
    "weighted_length",
]


@dataclass(frozen=True)
class XConfig:
    """A twitter-text length configuration (``config/v3.json`` and friends)."""

    version: int = 3
    max_weighted_tweet_length: int = 280
    scale: int = 100
    default_weight: int = 200
    transformed_url_length: int = 23
    emoji_parsing_enabled: bool = True
    ranges: tuple[tuple[int, int, int], ...] = (
        (0, 4351, 100),
        (8192, 8205, 100),
        (8208, 8223, 100),
        (8242, 8247, 100),
    )
    _light: tuple[re.Pattern[str], int] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weights = {w for _, _, w in self.ranges}
        if len(weights) > 1:
            raise ValueError("XConfig supports ranges that all share one weight (as v2 and v3 do)")
        if self.ranges:
            cls = "".join(f"{_cp_escape(a)}-{_cp_escape(b)}" for a, b, _ in self.ranges)
            object.__setattr__(self, "_light", (re.compile(f"[^{cls}]"), self.ranges[0][2]))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> XConfig:
        """Build a config from twitter-text's JSON form (``maxWeightedTweetLength`` ...)."""
        return cls(
            version=int(data.get("version", 3)),
            max_weighted_tweet_length=int(data["maxWeightedTweetLength"]),
            scale=int(data.get("scale", 1)),
            default_weight=int(data.get("defaultWeight", 1)),
            transformed_url_length=int(data.get("transformedURLLength", 23)),
            emoji_parsing_enabled=bool(data.get("emojiParsingEnabled", False)),
            ranges=tuple((int(r["start"]), int(r["end"]), int(r["weight"])) for r in data.get("ranges", [])),
        )

    def with_max(self, max_weighted_tweet_length: int) -> XConfig:
        """The same weights with another maximum (X Premium: 25,000)."""
        return XConfig(
            self.version,
            max_weighted_tweet_length,
            self.scale,
            self.default_weight,
            self.transformed_url_length,
            self.emoji_parsing_enabled,
            self.ranges,
        )


def _cp_escape(cp: int) -> str:
    return f"\\U{cp:08x}"


#: Legacy: 140, every code point weighs 1 (URLs still 23).
V1 = XConfig(version=1, max_weighted_tweet_length=140, scale=1, default_weight=1, emoji_parsing_enabled=False, ranges=())
#: Weighted ranges, no emoji parsing.
V2 = XConfig(version=2, emoji_parsing_enabled=False)
#: The current default: weighted ranges and emoji sequences weigh 2.
V3 = XConfig()


# --- URL extraction: the twitter-text regexes -----------------------------------------------

_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
_DIRECTIONAL = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
_INVALID = r"\uFFFE\uFEFF\uFFFF"
_PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$/"
_LATIN_ACCENT = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268"
    r"\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_CYRILLIC = r"\u0400-\u04FF"
_PRECEDING = rf"(?:[^A-Za-z0-9@＠$#＃{_INVALID}]|[{_DIRECTIONAL}]|^)"
_DOMAIN_CHAR = rf"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_PORT = r"[0-9]+"
_PATH_CHAR = rf"[a-z{_CYRILLIC}0-9!\*';:=\+,\.\$\/%#\[\]\-\u2013_~@\|&{_LATIN_ACCENT}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = rf"[\+\-a-z{_CYRILLIC}0-9=_#\/{_LATIN_ACCENT}]|(?:{_PARENS})"
_PATH = rf"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY_CHAR = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-z0-9\-_&=#/]"

_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40


def _read_data(name: str) -> str:
    return resources.files("bulkpost.rules").joinpath("data", name).read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = out.setdefault(line[1:-1], [])
        else:
            current.append(line)
    return out


@dataclass(frozen=True)
class _UrlRegexes:
    extract: re.Pattern[str]
    ascii_domain: re.Pattern[str]
    tco: re.Pattern[str]


@lru_cache(maxsize=1)
def _url_regexes() -> _UrlRegexes:
    tlds = _sections(_read_data("x_tlds.txt"))
    lookahead = "(?=[^0-9a-zA-Z@+-]|$)"
    gtld = "(?:(?:" + "|".join(tlds["gtld"]) + ")" + lookahead + ")"
    cctld = "(?:(?:" + "|".join(tlds["cctld"]) + ")" + lookahead + ")"
    domain = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{gtld}|{cctld}|{_PUNYCODE}))"
    extract = (
        rf"(({_PRECEDING})((https?:\/\/)?({domain})(?::({_PORT}))?(\/{_PATH}*)?"
        rf"(\?{_QUERY_CHAR}*{_QUERY_END})?))"
    )
    ascii_domain = rf"(?:(?:[\-a-z0-9{_LATIN_ACCENT}]+)\.)+(?:{gtld}|{cctld}|{_PUNYCODE})"
    tco = rf"^https?:\/\/t\.co\/([a-z0-9]+)(?:\?{_QUERY_CHAR}*{_QUERY_END})?"
    return _UrlRegexes(
        re.compile(extract, re.IGNORECASE),
        re.compile(ascii_domain, re.IGNORECASE),
        re.compile(tco, re.IGNORECASE),
    )


# A space-free run with a dot followed by something that could start a TLD (every URL has
# a domain "name." directly followed by its TLD).
_CHUNK = re.compile(rf"[^{_SPACES}]*\.[^{_SPACES}.][^{_SPACES}]*")
_INVALID_WITHOUT_PROTOCOL_BEFORE = re.compile(r"[-_./]$")


def _idna_ok(domain: str) -> str | None:
    try:
        return domain.encode("idna").decode("ascii")
    except Exception:  # the codec raises UnicodeError and, on odd input, others
        return None


def _extract_chunk(text: str, offset: int, without_protocol: bool, out: list[tuple[str, int, int]]) -> None:
    rx = _url_regexes()
    for m in rx.extract.finditer(text):
        _, before, url, protocol, domain, _, path, _ = m.groups()
        end = m.end()
        start = end - len(url)
        puny = _idna_ok(domain)
        if not puny or len(protocol or "https://") + len(url) + len(puny) - len(domain) > _MAX_URL_LENGTH:
            continue
        if protocol is None:
            if not without_protocol or _INVALID_WITHOUT_PROTOCOL_BEFORE.match(before):
                continue
            last: list[Any] | None = None
            for am in rx.ascii_domain.finditer(domain):
                last = [am.group(0), start + am.start(), start + am.end()]
                out.append((last[0], offset + last[1], offset + last[2]))
            if last is None:
                continue
            if path:
                out[-1] = (url.replace(domain, last[0]), offset + last[1], offset + end)
        else:
            tm = rx.tco.search(url)
            if tm:
                slug = tm.group(1)
                if slug and len(slug) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url = tm.group(0)
                end = start + len(url)
            out.append((url, offset + start, offset + end))


def _extract(text: str, without_protocol: bool = True) -> list[tuple[str, int, int]]:
    if not text or ("." not in text if without_protocol else ":" not in text):
        return []
    out: list[tuple[str, int, int]] = []
    # A URL never contains a space character and always contains a dot followed by its
    # TLD. So running the regex on each space-free chunk holding such a dot, together with the one space before it
    # (the regex may take that space as the URL's "preceding character"; without it, it
    # would take the chunk's first character instead), finds exactly what running it on
    # the whole text finds.
    for chunk in _CHUNK.finditer(text):
        start = chunk.start() - 1 if chunk.start() > 0 else 0
        _extract_chunk(text[start : chunk.end()], start, without_protocol, out)
    return out


def extract_urls_with_indices(text: str, extract_urls_without_protocol: bool = True) -> list[dict[str, Any]]:
    """URLs in ``text`` with code point ``indices`` [start, end], like twitter-text's extractor."""
    return [{"url": u, "indices": [s, e]} for u, s, e in _extract(text, extract_urls_without_protocol)]


def extract_urls(text: str, extract_urls_without_protocol: bool = True) -> list[str]:
    """URLs in ``text`` (with and, by default, without a scheme), like twitter-text's extractor."""
    return [u for u, _, _ in _extract(text, extract_urls_without_protocol)]


# --- emoji ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EmojiTable:
    starts: re.Pattern[str]
    """Any code point an emoji sequence can start with."""
    singles: frozenset[str]
    multi: dict[str, tuple[int, ...]]
    """First code point -> lengths of sequences starting with it, longest first."""
    sequences: frozenset[str]


@lru_cache(maxsize=1)
def _emoji_table() -> _EmojiTable:
    data = _sections(_read_data("x_emoji.txt"))
    singles: set[str] = set()
    for line in data["single"]:
        lo, _, hi = line.partition("..")
        for cp in range(int(lo, 16), int(hi or lo, 16) + 1):
            singles.add(chr(cp))
    sequences = {"".join(chr(int(c, 16)) for c in line.split()) for line in data["multi"]}
    lengths: dict[str, set[int]] = {}
    for s in sequences:
        lengths.setdefault(s[0], set()).add(len(s))
    multi = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}
    # Keycaps start with an ASCII character: look for those only before U+FE0F/U+20E3, so
    # ASCII text is not searched character by character. ``re`` tests a class of BMP code
    # points with a bitmap but walks a list for astral ranges; so the BMP starts form one
    # class and any astral code point is a candidate, filtered in Python (astral code
    # points in posts are nearly always emoji anyway).
    firsts = sorted(ord(c) for c in set(multi) | singles if not c.isascii() and ord(c) <= 0xFFFF)
    ranges: list[list[int]] = []
    for cp in firsts:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    cls = "".join(_cp_escape(a) if a == b else f"{_cp_escape(a)}-{_cp_escape(b)}" for a, b in ranges)
    ascii_firsts = "".join(re.escape(c) for c in sorted(multi) if c.isascii())
    starts = re.compile(f"[{cls}\U00010000-\U0010ffff]|[{ascii_firsts}](?=[\ufe0f\u20e3])")
    return _EmojiTable(starts, frozenset(singles), multi, frozenset(sequences))


def _emoji_spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping emoji spans, left to right, as the reference's regex finds them."""
    table = _emoji_table()
    spans: list[tuple[int, int]] = []
    pos = 0
    search = table.starts.search
    multi, sequences, singles = table.multi, table.sequences, table.singles
    while True:
        m = search(text, pos)
        if m is None:
            return spans
        i = m.start()
        ch = text[i]
        found = 0
        for n in multi.get(ch, ()):
            if text[i : i + n] in sequences:
                found = n
                break
        if not found and ch in singles:
            found = 1
        if found:
            spans.append((i, i + found))
            pos = i + found
        else:
            pos = i + 1


# --- the counter ----------------------------------------------------------------------------

_LINE_ENDINGS = re.compile(r"\r\n|\r")
_INVALID_CHARS = re.compile(f"[{_INVALID}]")


@dataclass(frozen=True)
class ParsedTweet:
    """The result of :func:`parse_tweet`, field for field twitter-text's ``ParsedResult``."""

    weightedLength: int
    valid: bool
    permillage: int
    validRangeStart: int
    validRangeEnd: int
    displayRangeStart: int
    displayRangeEnd: int

    def asdict(self) -> dict[str, Any]:
        return {
            "weightedLength": self.weightedLength,
            "valid": self.valid,
            "permillage": self.permillage,
            "validRangeStart": self.validRangeStart,
            "validRangeEnd": self.validRangeEnd,
            "displayRangeStart": self.displayRangeStart,
            "displayRangeEnd": self.displayRangeEnd,
        }


def _normalize(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = _LINE_ENDINGS.sub("\n", text)
    return text


def _plain_weight(text: str, start: int, end: int, cfg: XConfig) -> int:
    n = end - start
    if n <= 0:
        return 0
    if cfg._light is None:
        return n * cfg.default_weight
    heavy_rx, light_w = cfg._light
    seg = text[start:end]
    if seg.isascii():
        return n * light_w
    heavy = len(heavy_rx.findall(seg))
    return n * light_w + heavy * (cfg.default_weight - light_w)


def _entities(t: str, cfg: XConfig) -> dict[int, tuple[int, int]]:
    """Entity start -> (end, weight); a URL wins over an emoji starting at the same place."""
    ents: dict[int, tuple[int, int]] = {}
    # Every emoji sequence holds a non-ASCII code point (keycaps end in U+20E3).
    if cfg.emoji_parsing_enabled and not t.isascii():
        for s, e in _emoji_spans(t):
            ents[s] = (e, cfg.default_weight)
    url_weight = cfg.transformed_url_length * cfg.scale
    for url, s, _ in _extract(t):
        ents[s] = (s + len(url), url_weight)
    return ents


def _weigh(t: str, cfg: XConfig, ents: dict[int, tuple[int, int]] | None = None) -> int:
    if ents is None:
        ents = _entities(t, cfg)
    w = 0
    pos = 0
    for s in sorted(ents):
        if s < pos:
            continue  # swallowed by an earlier entity, as in the reference's loop
        end, ew = ents[s]
        w += _plain_weight(t, pos, s, cfg) + ew
        pos = end
    return w + _plain_weight(t, pos, len(t), cfg)


def weighted_length(text: str, config: XConfig = V3) -> int:
    """The weighted length of ``text`` as X counts it (twitter-text ``weightedLength``)."""
    t = _normalize(text)
    return int(_weigh(t, config) / config.scale)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _valid_display_index(t: str, cfg: XConfig, ents: dict[int, tuple[int, int]]) -> int:
    """The last index the reference's walk marks valid, for a text too long or invalid.

    The reference steps through the text (an entity or a code point per step) and records
    the step's last index while no invalid character was seen and the running weight is
    within the limit. Weights only grow, so the walk can stop at the first step that fails;
    plain text between entities is skipped chunk-wise until the chunk where that happens.
    """
    limit = cfg.max_weighted_tweet_length * cfg.scale
    w = 0
    vdi = 0
    pos = 0
    for s in [*sorted(ents), len(t)]:
        if s < pos:
            continue
        if s > pos:  # plain chunk [pos, s)
            chunk_w = _plain_weight(t, pos, s, cfg)
            if w + chunk_w <= limit and _INVALID_CHARS.search(t, pos, s) is None:
                w += chunk_w
                vdi = s - 1
            else:
                for i in range(pos, s):
                    w += _plain_weight(t, i, i + 1, cfg)
                    if t[i] in "\ufffe\ufeff\uffff" or w > limit:
                        return vdi
                    vdi = i
        if s == len(t):
            break
        end, ew = ents[s]
        w += ew
        last = end - 1
        if t[last : last + 1] in ("\ufffe", "\ufeff", "\uffff") or w > limit:
            return vdi
        vdi = last
        pos = end
    return vdi


def parse_tweet(text: str, config: XConfig = V3) -> ParsedTweet:
    """Parse ``text`` like twitter-text's ``parseTweet``: length, validity and the valid range."""
    t = _normalize(text)
    ents = _entities(t, config)
    raw = _weigh(t, config, ents)
    length = int(raw / config.scale)
    has_invalid = _INVALID_CHARS.search(t) is not None
    if has_invalid or raw > config.max_weighted_tweet_length * config.scale:
        vdi = _valid_display_index(t, config, ents)
    else:
        vdi = max(len(t) - 1, 0)
    text_u16 = _utf16(text)
    valid_offset = _utf16(t[: vdi + 1]) - 1
    norm_offset = text_u16 - _utf16(t)
    mx = config.max_weighted_tweet_length
    return ParsedTweet(
        weightedLength=length,
        valid=(not has_invalid) and 0 < length <= mx,
        permillage=floor((length / mx) * 1000),
        validRangeStart=0,
        validRangeEnd=valid_offset + norm_offset,
        displayRangeStart=0,
        displayRangeEnd=text_u16 - 1 if text_u16 > 0 else 0,
    )
