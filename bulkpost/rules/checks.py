"""The per-network checks: functions that take a post and yield findings.

Each check is one rule of one network, driven by the limits table (:mod:`.limits`), so a
live ``GET /platform-limits`` table changes the rules without code changes. Codes follow
Publora's validation codes where one exists (``CONTENT_TOO_LONG``, ``MEDIA_REQUIRED``,
``MEDIA_URL_PORT`` ...); the rest are bulkpost's own (``THREAD_SEPARATOR_IGNORED``,
``DUPLICATE_TEXT`` ...). ``CODES`` lists them all with their default severity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Iterator
from urllib.parse import urlsplit

import httpx

from ..findings import ERROR, WARNING, Finding, finding
from ..networks import CONNECT_ONLY, display_name
from . import counting, twitter
from .limits import MediaLimits, NetworkLimits
from .media import MediaInfo, UrlProbe, _EXT_MIME, _kind, check_url_syntax, probe_url

if TYPE_CHECKING:
    from ..model import MediaRef, Post, Row
    from . import RuleContext

__all__ = ["CODES", "check_media", "check_post", "check_schedule", "check_text"]

#: Every code the rules emit, with its default severity and what it means.
CODES: dict[str, tuple[str, str]] = {
    "CONTENT_TOO_LONG": (ERROR, "text over the network's limit (X/Threads: a warning, Publora auto-threads; error with --strict)"),
    "CONTENT_TOO_MANY_BYTES": (ERROR, "text over a limit in UTF-8 bytes (Bluesky 3,000; YouTube description 5,000)"),
    "PUBLORA_COUNT_OVER_LIMIT": (WARNING, "Bluesky: within 300 graphemes, but over 300 UTF-16 units, which Publora's own check counts"),
    "THREAD_PART_TOO_LONG": (ERROR, "one part of a thread (split with ---) over the limit"),
    "THREAD_SEPARATOR_IGNORED": (WARNING, "a --- line on a network that does not thread: it is posted literally"),
    "CAPTION_TOO_LONG": (ERROR, "Telegram caption over 1,024 characters with media attached"),
    "TITLE_TOO_LONG": (ERROR, "YouTube title over 100 characters"),
    "INVALID_CHARACTERS": (ERROR, "< or > in a YouTube title or description"),
    "TOO_MANY_HASHTAGS": (ERROR, "Instagram hashtags over the cap (default 5)"),
    "TOO_MANY_MENTIONS": (ERROR, "Instagram @-tags over 20"),
    "TOO_MANY_LINKS": (ERROR, "Threads: more than 5 distinct links"),
    "FIRST_COMMENT_TOO_LONG": (ERROR, "first comment over the network's comment limit"),
    "MEDIA_REQUIRED": (ERROR, "Instagram, TikTok, YouTube (and Pinterest) need media (a warning on drafts)"),
    "VIDEO_REQUIRED": (ERROR, "YouTube needs a video"),
    "IMAGES_NOT_SUPPORTED": (ERROR, "images on a network that takes none (YouTube)"),
    "DOCUMENTS_NOT_SUPPORTED": (ERROR, "a PDF on a network other than LinkedIn"),
    "MEDIA_MIXED": (ERROR, "images and video (or documents) in one post"),
    "MEDIA_COUNT_EXCEEDED": (ERROR, "more images or videos than the network takes"),
    "MEDIA_TYPE_NOT_SUPPORTED": (ERROR, "a format the network does not take (read from the file's bytes)"),
    "MEDIA_SIZE_EXCEEDED": (ERROR, "a file over the network's size limit"),
    "MEDIA_DIMENSIONS_INVALID": (ERROR, "an image over the network's pixel limits"),
    "MEDIA_ASPECT_RATIO_INVALID": (ERROR, "aspect ratio outside the network's range (after EXIF rotation)"),
    "VIDEO_DURATION_EXCEEDED": (ERROR, "video longer than the network takes"),
    "VIDEO_DURATION_TOO_SHORT": (ERROR, "video shorter than the network takes"),
    "VIDEO_FPS_INVALID": (ERROR, "video frame rate below the network's minimum (TikTok 23)"),
    "VIDEO_CODEC_NOT_SUPPORTED": (WARNING, "a video codec the network's docs do not list (X: H.264; Meta: H.264/HEVC)"),
    "MEDIA_ANIMATION_LOST": (WARNING, "an animated GIF/WebP that the network receives as a still image"),
    "MEDIA_NOT_FOUND": (ERROR, "a media file that does not exist"),
    "MEDIA_UNREADABLE": (ERROR, "a media file that cannot be parsed"),
    "MEDIA_EXTENSION_MISMATCH": (WARNING, "the file's bytes are another format than its extension says"),
    "MEDIA_URL_INVALID": (ERROR, "a media URL that is not a URL"),
    "MEDIA_URL_PROTOCOL": (ERROR, "a media URL that is not https://"),
    "MEDIA_URL_CREDENTIALS": (ERROR, "a media URL with a user name or password"),
    "MEDIA_URL_PORT": (ERROR, "a media URL on a port other than 443"),
    "MEDIA_URL_BLOCKED_HOST": (ERROR, "a media URL on localhost or a private address"),
    "MEDIA_URL_COUNT_EXCEEDED": (ERROR, "more than 10 media URLs in one post"),
    "MEDIA_URL_HTTP_ERROR": (ERROR, "--check-urls: the URL does not answer 2xx"),
    "MEDIA_URL_TOO_LARGE": (ERROR, "--check-urls: over Publora's URL ingestion caps (images 25 MB, videos 150 MB)"),
    "MEDIA_URL_UNSUPPORTED_FORMAT": (ERROR, "--check-urls: the URL serves neither an image nor a video"),
    "DUPLICATE_TEXT": (WARNING, "the same text to the same account within 48 hours"),
    "DAILY_CAP_EXCEEDED": (WARNING, "more posts to one account on one day than the cap"),
    "SAME_MINUTE": (WARNING, "several posts to one account in the same minute"),
    "CONNECTION_EXPIRED": (WARNING, "the connection's token has expired: posts will fail until it is reconnected"),
    "CONNECTION_EXPIRING": (WARNING, "the connection's token expires soon, or before the post's time"),
}

_PREMIUM = {"Premium", "PremiumPlus"}
_URL_IMAGE_CAP = 25 * 1024 * 1024
_URL_VIDEO_CAP = 150 * 1024 * 1024
_MAX_MEDIA_URLS = 10
_FIRST_COMMENT_CAP = 25_000

_UNIT = {
    "twitter": "characters as X counts them",
    "bluesky": "characters (graphemes)",
    "mastodon": "characters as Mastodon counts them (links 23)",
    "threads": "characters as Threads counts them (emoji by UTF-8 bytes)",
    "telegram": "characters",
    "youtube": "bytes (UTF-8)",
}


def _unit(network: str) -> str:
    return _UNIT.get(network, "characters (UTF-16 units)")


def _n(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes in MB, or both in bytes when the limit is not a whole number of MB."""
    if limit % (1024 * 1024) == 0:
        return _size(size), _size(limit)
    return f"{size:,} bytes", f"{limit:,} bytes"


def _first_key(row: Row, *keys: str) -> str | None:
    for k in keys:
        if k in row.cells:
            return k
    return None


def _time_key(row: Row) -> str | None:
    return _first_key(row, "scheduled_time", "scheduled_at", "time", "date")


def _target_key(row: Row) -> str | None:
    return _first_key(row, "platforms")


# --- text ---------------------------------------------------------------------------------------


def _text_limit(post: Post, network: str, lim: NetworkLimits, ctx: RuleContext) -> int:
    if network == "twitter" and lim.chars_premium:
        ids = [t.connection_id for t in post.targets if t.network == "twitter"]
        facts = [ctx.connections.get(i or "", {}) for i in ids]
        if ids and all(f.get("subscriptionType") in _PREMIUM for f in facts):
            return lim.chars_premium
    if network == "mastodon":
        return ctx.mastodon_limit
    return lim.chars


def check_text(post: Post, network: str, lim: NetworkLimits, ctx: RuleContext) -> Iterator[Finding]:
    """Length and content rules for the text ``post`` sends to ``network``."""
    text = post.text_for(network)
    key = post.text_column_for(network)
    row = post.row
    name = display_name(network)
    parts = post.parts_for(network)
    limit = _text_limit(post, network, lim, ctx)
    unit = _unit(network)

    def f(code: str, message: str, hint: str | None = None, severity: str | None = None, k: str | None = key) -> Finding:
        return finding(code, message, row=row, key=k, platform=network, severity=severity or CODES[code][0], hint=hint)

    if len(parts) > 1 and not lim.threading:
        yield f(
            "THREAD_SEPARATOR_IGNORED",
            f'a line "---" splits the text into {len(parts)} parts, but {name} does not thread: '
            f'the "---" would be posted as text.',
            f'Remove the "---" lines, or give {name} its own text in a "content_{network}" column.',
        )
    if lim.threading and len(parts) > 1:
        for i, part in enumerate(parts, 1):
            n = counting.count_characters(part, network)
            if n > limit:
                yield f(
                    "THREAD_PART_TOO_LONG",
                    f"part {i} of {len(parts)} of the thread is {_n(n)} {unit}; {name} allows {_n(limit)} per post. "
                    f'Shorten it or split it again with a line "---".',
                )
    else:
        n = counting.count_characters(text, network)
        if network == "telegram" and post.media and lim.caption_chars and n > lim.caption_chars:
            yield f(
                "CAPTION_TOO_LONG",
                f"{_n(n)} characters; with media attached Telegram allows {_n(lim.caption_chars)} "
                "in the caption. Shorten it, or post the text and the media as two rows.",
            )
        if n > limit:
            if lim.threading:
                strict = ctx.strict
                yield f(
                    "CONTENT_TOO_LONG",
                    f"{_n(n)} {unit}; {name} allows {_n(limit)}. "
                    + ("Shorten it, or split it into a thread with a line \"---\"."
                       if strict else "Publora will split it into a thread; to choose the split yourself, add lines \"---\"."),
                    hint="Over-length text is auto-threaded by Publora (paragraph, sentence, then word boundaries, "
                    "with a (1/N) suffix)" + (" — Threads needs the threads_manage_replies permission for it." if network == "threads" else "."),
                    severity=ERROR if strict else WARNING,
                )
            else:
                yield f(
                    "CONTENT_TOO_LONG",
                    f"{_n(n)} {unit}; {name} allows {_n(limit)}. Shorten it by {_n(n - limit)}"
                    + (", or give it its own text in a \"content_" + network + "\" column." if key == "content" else "."),
                )
        elif network == "bluesky":
            # Publora's Bluesky doc: "validation uses total content.length" (UTF-16 units),
            # not graphemes; for the other networks that is only inferred (16.1), so no warning.
            u16 = counting.utf16_length(text)
            if u16 > limit:
                yield f(
                    "PUBLORA_COUNT_OVER_LIMIT",
                    f"{_n(n)} {unit} is within {name}'s {_n(limit)}, but {_n(u16)} UTF-16 units, the count "
                    f"Publora's own Bluesky check uses. Shorten it by {_n(u16 - limit)} to be safe.",
                    severity=ERROR if ctx.strict else WARNING,
                )
    if lim.max_bytes is not None:
        b = counting.utf8_length(text)
        if b > lim.max_bytes:
            yield f(
                "CONTENT_TOO_MANY_BYTES",
                f"{_n(b)} bytes in UTF-8; {name} allows {_n(lim.max_bytes)} bytes (emoji take 4 to 25 bytes each). "
                "Shorten it.",
            )
    if lim.max_links is not None:
        # each part of a thread is its own post
        pieces = parts if lim.threading and len(parts) > 1 else [text]
        for i, piece in enumerate(pieces, 1):
            links = counting.unique_links(piece)
            if len(links) > lim.max_links:
                where = f"part {i} of the thread has " if len(pieces) > 1 else ""
                yield f(
                    "TOO_MANY_LINKS",
                    f"{where}{len(links)} distinct links; {name} refuses posts with more than {lim.max_links}. "
                    "Remove some links.",
                )
    if network == "instagram":
        cap = ctx.hashtag_cap if lim.max_hashtags is None else min(ctx.hashtag_cap, lim.max_hashtags)
        tags = counting.count_hashtags(text)
        if tags > cap:
            yield f(
                "TOO_MANY_HASHTAGS",
                f"{tags} hashtags; Instagram allows {cap}"
                + (" (5 per post since December 2025; the API text says 30)" if cap == 5 else "")
                + ". Remove some hashtags.",
                hint="The cap is a setting (--hashtag-cap; RuleContext.hashtag_cap); 30 follows the API documentation instead.",
            )
        if lim.max_mentions is not None:
            mentions = counting.count_mentions(text)
            if mentions > lim.max_mentions:
                yield f(
                    "TOO_MANY_MENTIONS",
                    f"{mentions} @-tags; Instagram allows {lim.max_mentions}. Remove some.",
                )
    if network == "youtube":
        yield from _check_youtube(post, lim, ctx, text, key)
    if post.first_comment:
        yield from _check_first_comment(post, network, lim, ctx)


def _check_youtube(post: Post, lim: NetworkLimits, ctx: RuleContext, text: str, key: str) -> Iterator[Finding]:
    row = post.row
    bad = sorted({c for c in text if c in "<>"})
    if bad:
        yield finding(
            "INVALID_CHARACTERS",
            f"the description contains {' and '.join(repr(c) for c in bad)}; YouTube refuses < and > in titles "
            "and descriptions. Replace them (e.g. with ‹ ›).",
            row=row, key=key, platform="youtube",
        )
    title = post.title
    tkey = "title"
    setting = post.settings.get("youtube", {}).get("title")
    if isinstance(setting, str) and setting:
        title = setting
        tkey = post.setting_columns.get("youtube.title", "youtube.title")
    if title:
        n = counting.utf16_length(counting.normalize_newlines(title))
        limit = lim.title_chars or 100
        if n > limit:
            yield finding(
                "TITLE_TOO_LONG",
                f"the title is {_n(n)} characters; YouTube allows {limit}. Shorten it by {_n(n - limit)}.",
                row=row, key=tkey, platform="youtube",
            )
        bad = sorted({c for c in title if c in "<>"})
        if bad:
            yield finding(
                "INVALID_CHARACTERS",
                f"the title contains {' and '.join(repr(c) for c in bad)}; YouTube refuses < and >. Replace them.",
                row=row, key=tkey, platform="youtube",
            )


# First comment limits, publora-api.md 3.3 (networks not listed do not take a first comment).
_FIRST_COMMENT = {"twitter": 280, "linkedin": 1250, "threads": 500, "bluesky": 300, "mastodon": 500}


def _check_first_comment(post: Post, network: str, lim: NetworkLimits, ctx: RuleContext) -> Iterator[Finding]:
    limit = _FIRST_COMMENT.get(network)
    if limit is None:
        return
    text = counting.normalize_newlines(post.first_comment or "")
    if network == "twitter":
        limit = max(280, _text_limit(post, network, lim, ctx))  # 25,000 only if every X target is Premium
        n, unit = twitter.weighted_length(text), "characters as X counts them"
    elif network == "threads":
        n, unit = len(text), "code points"
    elif network == "bluesky":
        n, unit = counting.grapheme_count(text), "graphemes"
        if counting.utf8_length(text) > 3000:
            n, unit, limit = counting.utf8_length(text), "bytes", 3000
    elif network == "mastodon":
        n, unit = counting.mastodon_length(text), "characters (links 23)"
    else:
        n, unit = counting.utf16_length(text), "characters"
    limit = min(limit, _FIRST_COMMENT_CAP)
    if n > limit:
        yield finding(
            "FIRST_COMMENT_TOO_LONG",
            f"the first comment is {_n(n)} {unit}; {display_name(network)} comments allow {_n(limit)}. Shorten it.",
            row=post.row, key="first_comment", platform=network,
        )


# --- media --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    ref: MediaRef
    kind: str
    """image, video, document, other, or unknown (a URL not probed)."""
    info: MediaInfo | None = None
    probe: UrlProbe | None = None

    @property
    def mime(self) -> str | None:
        if self.info is not None:
            return self.info.mime
        if self.probe is not None:
            return self.probe.mime
        return None

    @property
    def size(self) -> int | None:
        if self.info is not None:
            return self.info.size
        return self.probe.size if self.probe is not None else None

    @property
    def label(self) -> str:
        return self.ref.source


def _media_items(post: Post, ctx: RuleContext) -> tuple[list[_Item], list[Finding]]:
    """Inspect the post's media once (cached across rows); file-level findings come back too."""
    items: list[_Item] = []
    out: list[Finding] = []
    row = post.row
    url_count = 0
    for ref in post.media:
        if ref.url is not None:
            url_count += 1
            problem = check_url_syntax(ref.url)
            if problem:
                code, reason = problem
                out.append(finding(code, f"the media URL {ref.url} {reason}.", row=row, key=ref.column,
                                   hint="Use a public https:// URL, or a local file path."))
                continue
            probe = None
            if ctx.check_urls:
                probe = ctx.url_probes.get(ref.url)
                if probe is None:
                    if ctx.http_client is not None:
                        probe = probe_url(ref.url, ctx.http_client)
                    else:  # no client given: one for this URL (each URL is probed once per run)
                        with httpx.Client(timeout=10.0, follow_redirects=True) as http:
                            probe = probe_url(ref.url, http)
                    ctx.url_probes[ref.url] = probe
                out.extend(_url_probe_findings(ref, probe, row))
                if probe.error:
                    continue
            if probe is not None and probe.mime:
                kind = probe.kind
            else:
                path = urlsplit(ref.url).path
                ext = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
                kind = _kind(_EXT_MIME[ext]) if ext in _EXT_MIME else "unknown"
            items.append(_Item(ref, kind, probe=probe))
            continue
        if ref.path is None:
            continue
        info = ctx.media_cache.inspect(ref.path)
        if not info.exists:
            out.append(finding("MEDIA_NOT_FOUND", f"the file {ref.path} does not exist.", row=row, key=ref.column,
                               hint="Paths are relative to the sheet's folder; check the name and folder."))
            continue
        if info.error:
            out.append(finding("MEDIA_UNREADABLE", f"the file {ref.source} cannot be used: {info.error}.",
                               row=row, key=ref.column, hint="Open it in an image or video editor and export it again."))
            continue
        if info.extension_mismatch:
            out.append(finding(
                "MEDIA_EXTENSION_MISMATCH",
                f"the file {ref.source} is really {info.mime} although its name says {info.extension_mime}.",
                row=row, key=ref.column, severity=WARNING,
                hint="Networks go by the bytes; rename or convert it so the two agree."))
        items.append(_Item(ref, info.kind, info=info))
    if url_count > _MAX_MEDIA_URLS:
        out.append(finding("MEDIA_URL_COUNT_EXCEEDED",
                           f"{url_count} media URLs; Publora takes at most {_MAX_MEDIA_URLS} per post.",
                           row=row, key=post.media[0].column, hint="Split the post, or upload some files from disk."))
    return items, out


def _url_probe_findings(ref: MediaRef, probe: UrlProbe, row: Row) -> Iterator[Finding]:
    if probe.error:
        yield finding("MEDIA_URL_HTTP_ERROR", f"the media URL {ref.url} {probe.error}.", row=row, key=ref.column,
                      hint="Publora downloads the URL when the post is created; make sure it is public and stays up.")
        return
    if probe.kind not in ("image", "video"):
        yield finding("MEDIA_URL_UNSUPPORTED_FORMAT",
                      f"the media URL {ref.url} serves {probe.mime or 'an unknown type'}, not an image or video.",
                      row=row, key=ref.column)
        return
    cap = _URL_IMAGE_CAP if probe.kind == "image" else _URL_VIDEO_CAP
    if probe.size is not None and probe.size > cap:
        yield finding("MEDIA_URL_TOO_LARGE",
                      f"the media URL {ref.url} is {_size(probe.size)}; Publora downloads {probe.kind}s up to {_size(cap)}.",
                      row=row, key=ref.column, hint="Download it and give the local file instead (uploads have no such cap).")


def _fmt_list(mimes: Iterable[str]) -> str:
    names = [m.split("/")[-1].replace("quicktime", "mov").replace("x-", "").upper() for m in mimes]
    return ", ".join(names) if names else "none"


def check_media(post: Post, network: str, lim: NetworkLimits, items: list[_Item], ctx: RuleContext) -> Iterator[Finding]:
    """Count, type, size, duration, aspect ratio and mixing rules of ``network`` for the post's media."""
    row = post.row
    name = display_name(network)
    first_key = post.media[0].column if post.media else "media"

    def f(code: str, message: str, key: str | None, hint: str | None = None, severity: str | None = None) -> Finding:
        return finding(code, message, row=row, key=key, platform=network, severity=severity or CODES[code][0], hint=hint)

    if not post.media:
        if lim.requires_media:
            what = "a video" if lim.requires_video else "an image or a video"
            yield f("MEDIA_REQUIRED", f"{name} posts need {what}; this row has none. Add a media column.",
                    _first_key(row, "media", "media_1"),
                    severity=WARNING if post.status == "draft" else ERROR)
        return
    images = [i for i in items if i.kind == "image"]
    videos = [i for i in items if i.kind == "video"]
    docs = [i for i in items if i.kind == "document"]
    if lim.requires_video and not videos and items and all(i.kind != "unknown" for i in items):
        yield f("VIDEO_REQUIRED", f"{name} posts need a video; this row has {len(items)} other file(s).", first_key)
    if images and not lim.images.supported:
        yield f("IMAGES_NOT_SUPPORTED", f"{name} takes no images ({images[0].label}). Remove the images, "
                f"or post them to {name} in another row without images.", images[0].ref.column)
        images = []
    if docs and (lim.documents is None or not lim.documents.supported):
        yield f("DOCUMENTS_NOT_SUPPORTED", f"{name} takes no documents ({docs[0].label}); only LinkedIn takes PDFs.",
                docs[0].ref.column)
    kinds = sum(1 for group in (images, videos, docs) if group)
    if kinds > 1 and not lim.mixed_media:
        yield f("MEDIA_MIXED", f"{len(images)} image(s), {len(videos)} video(s) and {len(docs)} document(s) in one post; "
                f"{name} takes one kind per post. Split them into separate rows.", first_key)
    gifs = lim.gifs
    animated = [i for i in images if i.info is not None and i.info.animated and i.info.mime == "image/gif"]
    for group, ml, what in ((images, lim.images, "images"), (videos, lim.videos, "videos"), (docs, lim.documents, "documents")):
        if not group or ml is None or not ml.supported:
            continue
        if ml.max_count is not None and len(group) > ml.max_count:
            yield f("MEDIA_COUNT_EXCEEDED", f"{len(group)} {what}; {name} takes at most {ml.max_count} per post. "
                    "Remove some, or split them over several rows.", group[ml.max_count].ref.column)
    if gifs is not None and animated:
        if gifs.max_count is not None and len(images) > gifs.max_count:
            yield f("MEDIA_COUNT_EXCEEDED", f"an animated GIF ({animated[0].label}) with {len(images) - 1} other image(s); "
                    f"{name} takes one GIF alone.", animated[0].ref.column)
        if not gifs.keeps_animation:
            yield f("MEDIA_ANIMATION_LOST", f"{animated[0].label} is an animated GIF; {name} receives it through Publora "
                    "as a still image. Convert it to an MP4 video to keep the motion.", animated[0].ref.column)
    for item in images:
        ml = gifs if (gifs is not None and item in animated and gifs.max_size) else lim.images
        yield from _check_file(item, ml, lim.images, network, f)
    for item in videos:
        yield from _check_file(item, lim.videos, lim.videos, network, f)
        yield from _check_video(item, lim.videos, network, f)


def _check_file(item: _Item, size_limits: MediaLimits, ml: MediaLimits, network: str, f: Any) -> Iterator[Finding]:
    name = display_name(network)
    key = item.ref.column
    mime = item.mime
    if mime and ml.formats and mime not in ml.formats:
        yield f("MEDIA_TYPE_NOT_SUPPORTED", f"{item.label} is {_fmt_list([mime])}; {name} takes "
                f"{_fmt_list(ml.formats)}. Convert it.", key)
    size = item.size
    if size is not None and size_limits.max_size is not None and size > size_limits.max_size:
        got, allowed = _sizes(size, size_limits.max_size)
        yield f("MEDIA_SIZE_EXCEEDED", f"{item.label} is {got}; {name} takes {item.kind}s up to "
                f"{allowed}. Compress or resize it.", key)
    info = item.info
    if info is None or not info.aspect:
        return
    w, h = info.aspect
    if ml.max_pixels is not None and w * h > ml.max_pixels:
        yield f("MEDIA_DIMENSIONS_INVALID", f"{item.label} is {w}x{h} = {_n(w * h)} pixels; {name} takes up to "
                f"{_n(ml.max_pixels)}. Resize it.", key)
    if ml.max_width_plus_height is not None and w + h > ml.max_width_plus_height:
        yield f("MEDIA_DIMENSIONS_INVALID", f"{item.label} is {w}x{h}; {name} needs width + height <= "
                f"{_n(ml.max_width_plus_height)}. Resize it.", key)
    ratio = Fraction(w, h)
    if (ml.min_aspect is not None and ratio < ml.min_aspect) or (ml.max_aspect is not None and ratio > ml.max_aspect):
        lo = f"{float(ml.min_aspect):.3g}" if ml.min_aspect is not None else "any"
        hi = f"{float(ml.max_aspect):.3g}" if ml.max_aspect is not None else "any"
        yield f("MEDIA_ASPECT_RATIO_INVALID", f"{item.label} is {w}x{h} (aspect ratio {float(ratio):.3g}, as displayed); "
                f"{name} takes {item.kind}s from {lo} to {hi} (width/height). Crop it.", key)


def _check_video(item: _Item, ml: MediaLimits, network: str, f: Any) -> Iterator[Finding]:
    info = item.info
    if info is None:
        return
    name = display_name(network)
    key = item.ref.column
    d = info.duration
    if d is not None and ml.max_duration is not None and d > ml.max_duration:
        yield f("VIDEO_DURATION_EXCEEDED", f"{item.label} lasts {d:g} s; {name} takes videos up to "
                f"{_n(ml.max_duration)} s. Trim it.", key)
    if d is not None and ml.min_duration is not None and d < ml.min_duration:
        yield f("VIDEO_DURATION_TOO_SHORT", f"{item.label} lasts {d:g} s; {name} needs at least "
                f"{_n(ml.min_duration)} s.", key)
    if info.codec and ml.codecs and info.codec not in ml.codecs:
        names = {"AVC": "H.264", "HEVC": "H.265/HEVC"}
        allowed = ", ".join(names.get(c, c) for c in ml.codecs)
        yield f("VIDEO_CODEC_NOT_SUPPORTED", f"{item.label} is {names.get(info.codec, info.codec)} video; {name} takes "
                f"{allowed}, so it may fail when published. Re-encode it as H.264.", key)
    if info.fps is not None and ml.min_fps is not None and info.fps < ml.min_fps:
        yield f("VIDEO_FPS_INVALID", f"{item.label} runs at {info.fps:g} frames per second; {name} needs at least "
                f"{_n(ml.min_fps)}. Re-encode it.", key)


# --- one post ----------------------------------------------------------------------------------


def check_post(post: Post, ctx: RuleContext) -> Iterator[Finding]:
    """Every per-network finding for one post: text and media, for each network it targets."""
    items, file_findings = _media_items(post, ctx)
    yield from file_findings
    for network in post.networks:
        lim = ctx.limits.get(network)
        if lim is None or network in CONNECT_ONLY:
            continue  # Pinterest never publishes: the validator reports PLATFORM_NOT_PUBLISHABLE
        yield from check_text(post, network, lim, ctx)
        yield from check_media(post, network, lim, items, ctx)


# --- across posts -------------------------------------------------------------------------------


def _gap(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return "at the same time as"
    if minutes < 120:
        return f"{minutes} min after"
    return f"{minutes / 60:.3g} h after"


def _account(network: str, connection_id: str | None, user: str | None = None) -> str:
    """The account a target posts to: its connection id, else the network (of the row's managed user)."""
    if connection_id:
        return connection_id
    return f"{network}@{user}" if user else network


def _account_label(account: str) -> str:
    if "-" in account:  # a connection id
        return account
    network, _, user = account.partition("@")
    return f"the {display_name(network)} account of user {user}" if user else f"your {display_name(network)} account"


def check_schedule(posts: list[Post], ctx: RuleContext) -> Iterator[Finding]:
    """Warnings across rows: duplicates within 48 h, daily cap, same minute, connection health."""
    by_account: dict[str, list[tuple[datetime, Post, str]]] = defaultdict(list)
    for post in posts:
        if post.scheduled_at is None:
            continue
        seen: set[str] = set()
        for t in post.targets:
            # rows of different managed users (the user column) post to different accounts
            acc = _account(t.network, t.connection_id, post.user)
            if acc in seen:
                continue
            seen.add(acc)
            by_account[acc].append((post.scheduled_at, post, t.network))
    window = ctx.duplicate_window
    for acc, entries in by_account.items():
        entries.sort(key=lambda e: (e[0], e[1].row.number))
        label = _account_label(acc)
        recent: dict[str, list[tuple[datetime, Post]]] = defaultdict(list)
        per_minute: dict[datetime, Post] = {}
        per_day: dict[Any, int] = defaultdict(int)
        for when, post, network in entries:
            text = post.text_for(network).strip()
            if text:
                earlier = [(w, p) for w, p in recent[text] if when - w < window]
                # posts at the very same time are SAME_MINUTE (and the validator's DUPLICATE_ROW)
                if earlier and when - earlier[-1][0] >= timedelta(minutes=1):
                    w0, p0 = earlier[-1]
                    gap = _gap(when - w0)
                    yield finding(
                        "DUPLICATE_TEXT",
                        f"the same text goes to {label} {gap} row {p0.row.number}; X and other networks "
                        f"reject duplicates within {window.total_seconds() / 3600:g} hours. Change the wording.",
                        row=post.row, key=post.text_column_for(network), platform=network, severity=WARNING,
                    )
                recent[text] = [*earlier, (when, post)]
            minute = when.replace(second=0, microsecond=0)
            if minute in per_minute:
                yield finding(
                    "SAME_MINUTE",
                    f"row {per_minute[minute].row.number} already posts to {label} at "
                    f"{minute:%Y-%m-%d %H:%M} UTC. Space posts to one account a few minutes apart.",
                    row=post.row, key=_time_key(post.row), platform=network, severity=WARNING,
                )
            else:
                per_minute[minute] = post
            day = when.date()
            per_day[day] += 1
            if ctx.daily_cap and per_day[day] == ctx.daily_cap + 1:
                yield finding(
                    "DAILY_CAP_EXCEEDED",
                    f"this is post {ctx.daily_cap + 1} to {label} on {day:%Y-%m-%d} (UTC); the cap is "
                    f"{ctx.daily_cap} a day. Move some posts to another day.",
                    row=post.row, key=_time_key(post.row), platform=network, severity=WARNING,
                    hint="The cap is a setting (--daily-cap; RuleContext.daily_cap); networks throttle or flag accounts that post in bursts.",
                )
    yield from _check_connections(posts, ctx)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _check_connections(posts: list[Post], ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.connections:
        return
    reported: set[str] = set()
    for post in posts:
        for t in post.targets:
            cid = t.connection_id
            facts = ctx.connections.get(cid or "")
            if not cid or not facts:
                continue
            status = facts.get("tokenStatus")
            key = _target_key(post.row)
            if status == "expired" and cid not in reported:
                reported.add(cid)
                yield finding(
                    "CONNECTION_EXPIRED",
                    f"the connection {cid} has expired (tokenStatus \"expired\"): its posts will fail. "
                    "Reconnect it in the Publora dashboard.",
                    row=post.row, key=key, platform=t.network, severity=WARNING,
                )
                continue
            expires = _parse_time(facts.get("accessTokenExpiresAt"))
            if status == "expiring_soon" and cid not in reported:
                reported.add(cid)
                left = facts.get("tokenExpiresIn")
                yield finding(
                    "CONNECTION_EXPIRING",
                    f"the connection {cid} expires soon" + (f" (in {left})" if left else "")
                    + ". Reconnect it in the Publora dashboard before its posts are due.",
                    row=post.row, key=key, platform=t.network, severity=WARNING,
                )
            elif (
                expires is not None and post.scheduled_at is not None and expires < post.scheduled_at
                and status != "expired" and f"{cid}@{post.row.number}" not in reported
            ):
                reported.add(f"{cid}@{post.row.number}")
                yield finding(
                    "CONNECTION_EXPIRING",
                    f"the connection {cid} expires {expires:%Y-%m-%d %H:%M} UTC, before this post's time "
                    f"{post.scheduled_at:%Y-%m-%d %H:%M} UTC. Reconnect it before then.",
                    row=post.row, key=key, platform=t.network, severity=WARNING,
                )
