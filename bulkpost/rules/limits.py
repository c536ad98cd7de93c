"""Per-network limits as data, shaped like Publora's ``GET /platform-limits`` response.

The package ships ``limits_snapshot.json`` (the response as of ``limitsLastUpdated``, built
from ``shared/docs/publora-api.md`` sections 11 and 16) so validation works offline.
Online, the caller fetches the live response and builds :meth:`Limits.from_response`;
:func:`diff_limits` lists what changed against the snapshot so it can be reported once.

Parsing is lenient: Publora documents only the ``twitter`` object verbatim, so unknown keys
are ignored and a missing value falls back to the snapshot's (``Limits.from_response(live,
fallback=load_limits())``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from ..errors import APIResponseValidationError

__all__ = [
    "LimitChange",
    "Limits",
    "MediaLimits",
    "NetworkLimits",
    "diff_limits",
    "load_limits",
]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    return None


def _int(value: Any) -> int | None:
    v = _num(value)
    return None if v is None else int(v)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _ratio(value: Any) -> Fraction | None:
    """An aspect ratio bound as an exact fraction (0.8 -> 4/5, 1.91 -> 191/100)."""
    v = _num(value)
    return None if v is None else Fraction(repr(float(v)))


@dataclass(frozen=True)
class MediaLimits:
    """Limits for one kind of media (images, videos, documents, or animated GIFs)."""

    supported: bool = False
    max_count: int | None = None
    max_size: int | None = None
    """Bytes."""
    formats: tuple[str, ...] = ()
    """MIME types."""
    min_aspect: Fraction | None = None
    max_aspect: Fraction | None = None
    """Width / height, inclusive bounds."""
    min_duration: float | None = None
    max_duration: float | None = None
    """Seconds (videos)."""
    min_fps: float | None = None
    codecs: tuple[str, ...] = ()
    """Video codecs as pymediainfo names them (``AVC``, ``HEVC``, ``VP9``); empty = any."""
    max_pixels: int | None = None
    max_width_plus_height: int | None = None
    keeps_animation: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> MediaLimits | None:
        if not isinstance(data, Mapping):
            return None
        ar = _mapping(data.get("aspectRatioRange"))
        supported = data.get("supported")
        return cls(
            supported=bool(supported) if supported is not None else True,
            max_count=_int(data.get("maxCount")),
            max_size=_int(data.get("maxSizeBytes")),
            formats=tuple(str(f).lower() for f in data.get("formats") or ()),
            min_aspect=_ratio(ar.get("min")),
            max_aspect=_ratio(ar.get("max")),
            min_duration=_num(data.get("minDurationSeconds")),
            max_duration=_num(data.get("maxDurationSeconds")),
            min_fps=_num(data.get("minFrameRate")),
            codecs=tuple(str(c) for c in data.get("codecs") or ()),
            max_pixels=_int(data.get("maxPixels")),
            max_width_plus_height=_int(data.get("maxWidthPlusHeight")),
            keeps_animation=bool(data.get("keepsAnimation", True)),
        )


@dataclass(frozen=True)
class NetworkLimits:
    """Everything the rules need to know about one network."""

    network: str
    display_name: str
    chars: int
    """Main text limit, in the network's own unit (see :mod:`bulkpost.rules.counting`)."""
    chars_premium: int | None = None
    title_chars: int | None = None
    caption_chars: int | None = None
    """Text limit when media is attached (Telegram captions)."""
    max_bytes: int | None = None
    """A second limit in UTF-8 bytes (Bluesky)."""
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    first_comment_chars: int | None = None
    images: MediaLimits = field(default_factory=MediaLimits)
    videos: MediaLimits = field(default_factory=MediaLimits)
    documents: MediaLimits | None = None
    gifs: MediaLimits | None = None
    requires_media: bool = False
    requires_video: bool = False
    text_only: bool = True
    threading: bool = False
    mixed_media: bool = False

    @classmethod
    def from_json(cls, network: str, data: Mapping[str, Any], fallback: NetworkLimits | None = None) -> NetworkLimits:
        """Parse one ``platforms.<network>`` object; missing values come from ``fallback``."""
        fb = fallback
        chars = _mapping(data.get("characters"))
        req = _mapping(data.get("requirements"))

        def pick(value: Any, default: Any) -> Any:
            return default if value is None else value

        def flag(key: str, default: bool) -> bool:
            v = req.get(key)
            return bool(v) if isinstance(v, bool) else default

        standard = _int(chars.get("standard"))
        if standard is None and fb is None:
            raise APIResponseValidationError(f"platform limits for {network!r} have no characters.standard")
        images = MediaLimits.from_json(data.get("images")) or (fb.images if fb else MediaLimits())
        videos = MediaLimits.from_json(data.get("videos")) or (fb.videos if fb else MediaLimits())
        return cls(
            network=network,
            display_name=str(data.get("displayName") or (fb.display_name if fb else network)),
            chars=pick(standard, fb.chars if fb else 0),
            chars_premium=pick(_int(chars.get("premium")), fb.chars_premium if fb else None),
            title_chars=pick(_int(chars.get("title")), fb.title_chars if fb else None),
            caption_chars=pick(_int(chars.get("caption")), fb.caption_chars if fb else None),
            max_bytes=pick(_int(chars.get("maxBytes")), fb.max_bytes if fb else None),
            max_links=pick(_int(chars.get("maxLinks")), fb.max_links if fb else None),
            max_hashtags=pick(_int(chars.get("maxHashtags")), fb.max_hashtags if fb else None),
            max_mentions=pick(_int(chars.get("maxMentions")), fb.max_mentions if fb else None),
            first_comment_chars=pick(_int(chars.get("firstComment")), fb.first_comment_chars if fb else None),
            images=images,
            videos=videos,
            documents=MediaLimits.from_json(data.get("documents")) or (fb.documents if fb else None),
            gifs=MediaLimits.from_json(data.get("gifs")) or (fb.gifs if fb else None),
            requires_media=flag("requiresMedia", fb.requires_media if fb else False),
            requires_video=flag("requiresVideo", fb.requires_video if fb else False),
            text_only=flag("supportsTextOnly", fb.text_only if fb else True),
            threading=flag("supportsThreading", fb.threading if fb else False),
            mixed_media=flag("allowsMixedMedia", fb.mixed_media if fb else False),
        )


@dataclass(frozen=True)
class Limits:
    """The limits table: one :class:`NetworkLimits` per network, plus where it came from."""

    networks: dict[str, NetworkLimits]
    updated: str | None
    """``limitsLastUpdated`` of the response."""
    source: str
    """``"snapshot"`` or ``"live"``."""
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def __getitem__(self, network: str) -> NetworkLimits:
        return self.networks[network]

    def get(self, network: str) -> NetworkLimits | None:
        return self.networks.get(network)

    def __contains__(self, network: object) -> bool:
        return network in self.networks

    @classmethod
    def from_response(cls, data: Mapping[str, Any], *, fallback: Limits | None = None, source: str = "live") -> Limits:
        """Build the table from a ``GET /platform-limits`` body.

        Networks or values the response leaves out are taken from ``fallback`` (normally
        :func:`load_limits`). A body without a ``platforms`` object raises :class:`APIResponseValidationError`.
        """
        platforms = data.get("platforms") if isinstance(data, Mapping) else None
        if not isinstance(platforms, Mapping):
            raise APIResponseValidationError("the platform limits response has no 'platforms' object", body=data)
        networks: dict[str, NetworkLimits] = dict(fallback.networks) if fallback else {}
        for name, pdata in platforms.items():
            if isinstance(pdata, Mapping):
                key = str(pdata.get("platform") or name)
                networks[key] = NetworkLimits.from_json(key, pdata, networks.get(key))
        updated = data.get("limitsLastUpdated")
        return cls(networks, str(updated) if updated else None, source, dict(data))


@lru_cache(maxsize=1)
def _snapshot_text() -> str:
    return resources.files("bulkpost.rules").joinpath("limits_snapshot.json").read_text(encoding="utf-8")


def load_limits() -> Limits:
    """The limits snapshot shipped with bulkpost (works offline)."""
    return Limits.from_response(json.loads(_snapshot_text()), source="snapshot")


@dataclass(frozen=True)
class LimitChange:
    """One value that differs between two limit tables."""

    network: str
    path: str
    """Dotted path inside the platform object, e.g. ``videos.maxDurationSeconds``."""
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.network}.{self.path}: {self.old!r} -> {self.new!r}"


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value


def diff_limits(old: Limits, new: Limits) -> list[LimitChange]:
    """What changed from ``old`` (normally the snapshot) to ``new`` (the live table).

    Compares the raw platform objects key by key; a key present on one side only shows
    ``None`` on the other. Networks are compared only when present in ``new``'s response.
    """
    changes: list[LimitChange] = []
    old_p = old.raw.get("platforms") or {}
    new_p = new.raw.get("platforms") or {}
    for network in sorted(new_p):
        a: dict[str, Any] = {}
        b: dict[str, Any] = {}
        _flatten(old_p.get(network) or {}, "", a)
        _flatten(new_p.get(network) or {}, "", b)
        for path in sorted(set(a) | set(b)):
            if a.get(path) != b.get(path):
                changes.append(LimitChange(network, path, a.get(path), b.get(path)))
    return changes
