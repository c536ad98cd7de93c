"""Rules shared by the sandbox's handlers: error answers, the platformSettings allowlist, the
past-time rule, the scheduling gate, plan limits, media ingestion and the response views.

Every handler validates first and mutates last, so a 4xx answer never leaves a half-made change
(the contract's "all-or-nothing" writes).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from starlette.datastructures import QueryParams

from . import data
from .media import Probe, probe_bytes
from .publisher import Webhooks, write_log
from .state import SandboxState
from .util import OBJECT_ID_RE, iso, parse_iso, utf16_len

PLATFORM_ID_RE = re.compile(r"^[a-z]+-[^\s/?#]+$")
PAST_TOLERANCE = timedelta(minutes=5)
MEDIA_URL_WINDOW = timedelta(hours=1)
MEDIA_URL_PER_WINDOW = 60
IMAGE_EXT = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
             ".webp": "image/webp", ".tif": "image/tiff", ".tiff": "image/tiff", ".avif": "image/avif"}
VIDEO_EXT = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


class ApiError(Exception):
    """An error answer: HTTP status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error") or body.get("message"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def fail(status: int, error: str, code: str | None = None, **extra: Any) -> NoReturn:
    """Raise an error answer ``{"error": ..., "code": ..., **extra}``."""
    body: dict[str, Any] = {"error": error}
    if code:
        body["code"] = code
    body.update(extra)
    raise ApiError(status, body)


@dataclass
class Ctx:
    """One API request, authenticated."""

    user_id: str
    """The acting user (the managed user when ``x-publora-user-id`` is set)."""
    key_user_id: str
    """The owner of the API key."""
    body: Any
    params: dict[str, str]
    query: QueryParams
    base_url: str
    """``http://host:port`` of the sandbox, for upload and media URLs."""
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    method: str = "GET"


Answer = tuple[int, dict[str, Any]]


def is_object_id(value: Any) -> bool:
    """True for a 24-hex-digit MongoDB ObjectId."""
    return isinstance(value, str) and bool(OBJECT_ID_RE.match(value))


def platform_of(compound: str) -> str:
    """``linkedin`` for ``linkedin-ABC``."""
    return compound.split("-", 1)[0]


def group_for(state: SandboxState, ctx: Ctx, gid: str) -> dict[str, Any] | None:
    """The acting user's post group, or ``None``."""
    group: dict[str, Any] | None = state.data["groups"].get(gid)
    if group is None or group["userId"] != ctx.user_id:
        return None
    return group


# --- platforms ----------------------------------------------------------------------------

def parse_platforms_create(value: Any) -> list[str]:
    """``platforms`` of create-post, with the create-post error strings."""
    if value is None:
        fail(400, "Platforms are required")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            fail(400, "Invalid platforms JSON format")
    if not isinstance(value, list):
        fail(400, "Platforms must be an array")
    if not value:
        fail(400, "At least one platform is required")
    for item in value:
        if not isinstance(item, str) or not PLATFORM_ID_RE.match(item):
            fail(400, f"Invalid platform ID format: {item}")
    if len(set(value)) != len(value):
        fail(400, "Platforms must not contain duplicates")
    return list(value)


def parse_platforms_update(value: Any) -> list[str]:
    """``platforms`` of update-post, with the update-post codes."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(set(value)) != len(value):
        fail(400, "platforms must be an array of unique platform connection IDs", "INVALID_PLATFORMS",
             field="platforms")
    for item in value:
        if not PLATFORM_ID_RE.match(item):
            fail(400, f"Invalid platform ID format: {item}", "INVALID_PLATFORM_ID", field="platforms")
    return list(value)


def check_ownership(state: SandboxState, ctx: Ctx, platforms: list[str]) -> None:
    """Every target must be one of the acting user's connections; the plan must allow it."""
    owned = {c["platformId"] for c in state.connections(ctx.user_id)}
    missing = [p for p in platforms if p not in owned]
    if missing:
        fail(400, f"Invalid platform connection(s): {', '.join(missing)}", "INVALID_PLATFORM_CONNECTION",
             invalidPlatforms=missing)
    plan = state.config.plan
    blocked = sorted({platform_of(p) for p in platforms} & set(plan.get("disallowedPlatforms") or []))
    if blocked:
        allowed = [p for p in data.PLATFORMS if p not in set(plan.get("disallowedPlatforms") or [])]
        fail(403, "Platform not available", "PLATFORM_NOT_AVAILABLE", metric="posts.platform_monthly",
             message=f"Your {plan['planName']} plan does not include: {', '.join(blocked)}.",
             limit=None, used=None, requested=None, remaining=None, periodStart=None, periodEnd=None,
             planName=plan["planName"], disallowedPlatforms=blocked, allowedPlatforms=allowed)


# --- platformSettings ------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_TWEET_RE = re.compile(r"^(?:\d{1,19}|https?://(?:www\.)?(?:x|twitter)\.com/[A-Za-z0-9_]+/status/(\d{1,19})\S*)$")
_URN_RE = re.compile(r"^urn:li:(?:share|ugcPost):\d+$")


def _unknown(path: str) -> NoReturn:
    fail(400, f"Unknown platformSettings path: {path}", "PLATFORM_SETTING_UNKNOWN", field=path)


def parse_settings(value: Any, *, allow_thumbnail: bool) -> dict[str, dict[str, Any]]:
    """Check ``platformSettings`` against the strict allowlist; return it normalised.

    Unknown platform or nested key -> 400 PLATFORM_SETTING_UNKNOWN with ``field``; nothing is kept.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            fail(400, "Invalid platformSettings JSON")
    if not isinstance(value, dict):
        fail(400, "platformSettings must be an object")
    out: dict[str, dict[str, Any]] = {}
    for platform, settings in value.items():
        allowed = data.SETTINGS.get(platform)
        if allowed is None:
            _unknown(str(platform))
        if not isinstance(settings, dict):
            fail(400, f"platformSettings.{platform} must be an object")
        clean: dict[str, Any] = {}
        for key, item in settings.items():
            path = f"{platform}.{key}"
            legacy = data.LEGACY_SETTINGS.get((platform, key))
            if legacy:
                fail(400, legacy)
            kind = allowed.get(key)
            if kind is None or (key == "thumbnail" and not allow_thumbnail):
                _unknown(path)
            clean[key] = _check_value(path, kind, item)
        if platform == "instagram" and "cover_url" in clean:
            clean["coverUrl"] = clean.pop("cover_url")
        if platform == "linkedin":
            _check_linkedin(clean)
        if platform == "tiktok" and clean.get("viewerSetting") == "":
            fail(400, "TikTok requires selecting who can view your post")
        out[platform] = clean
    return out


def _check_value(path: str, kind: Any, item: Any) -> Any:
    if kind == data.BOOL:
        if isinstance(item, bool):
            return item
        if isinstance(item, str) and item.lower() in _TRUE | _FALSE and path.split(".")[0] in {"telegram", "tiktok"}:
            return item.lower() in _TRUE
        fail(400, f"platformSettings.{path} must be a boolean")
    if kind == data.STRING:
        if not isinstance(item, str):
            fail(400, f"platformSettings.{path} must be a string")
        if path == "instagram.coverUrl" or path == "instagram.cover_url":
            if item and (not re.match(r"^https?://", item) or not re.search(r"\.jpe?g(\?|$)", item, re.I)):
                fail(400, f"platformSettings.{path} must be a public http(s) URL to a JPEG image")
        return item
    if kind == "tags":
        if isinstance(item, str) or (isinstance(item, list) and all(isinstance(t, str) for t in item)):
            return item
        fail(400, f"platformSettings.{path} must be an array of strings or a comma-separated string")
    if kind == "tweet":
        if not isinstance(item, str) or (item and not _TWEET_RE.match(item)):
            fail(400, f"platformSettings.{path} must be a tweet URL (https://x.com/user/status/123...) or a numeric tweet ID")
        match = _TWEET_RE.match(item)
        return (match.group(1) or item) if item and match else item
    if isinstance(kind, tuple) and kind and kind[0] == "object":
        if not isinstance(item, dict):
            fail(400, f"platformSettings.{path} must be an object.")
        for sub, subval in item.items():
            if sub not in kind[1]:
                _unknown(f"{path}.{sub}")
            if not isinstance(subval, str):
                fail(400, f"platformSettings.{path}.{sub} must be a string.")
        if path == "youtube.playlist" and bool(item.get("id")) != bool(item.get("platformId")):
            fail(400, "YouTube playlist requires both playlist.id and playlist.platformId.")
        return dict(item)
    if isinstance(kind, tuple):
        if item not in kind:
            fail(400, f"platformSettings.{path} must be one of: {', '.join(k for k in kind if k)}")
        return item
    return item


def _check_linkedin(clean: dict[str, Any]) -> None:
    urn = clean.get("repostParentUrn")
    if urn and not _URN_RE.match(urn):
        fail(400, "platformSettings.linkedin.repostParentUrn must be a LinkedIn post URN like urn:li:share:<id> or urn:li:ugcPost:<id>")
    if "repostVisibility" in clean and clean["repostVisibility"] not in ("PUBLIC", "CONNECTIONS", ""):
        fail(400, "platformSettings.linkedin.repostVisibility must be one of: PUBLIC, CONNECTIONS")
    if clean.get("repostEnabled") is True and not urn:
        fail(400, "platformSettings.linkedin.repostParentUrn is required when repostEnabled is true")
    if clean.get("repostEnabled") is False and urn:
        fail(400, "platformSettings.linkedin.repostParentUrn must be empty when repostEnabled is false")


def merge_settings(stored: dict[str, Any], patch: dict[str, Any], *, with_defaults: bool) -> dict[str, Any]:
    """Merge per platform (a patch key replaces the stored one); new platforms get defaults."""
    out: dict[str, Any] = json.loads(json.dumps(stored))
    for platform, settings in patch.items():
        base = out.get(platform)
        if base is None:
            base = dict(data.SETTING_DEFAULTS.get(platform, {})) if with_defaults else {}
        base.update(settings)
        out[platform] = base
    return out


def is_linkedin_repost(settings: dict[str, Any]) -> bool:
    """A LinkedIn repost group may have empty content."""
    li = settings.get("linkedin") or {}
    return bool(li.get("repostEnabled")) or bool(li.get("repostParentUrn"))


def check_youtube_playlist(settings: dict[str, Any], platforms: list[str]) -> None:
    """The playlist needs exactly one YouTube target, and must name it."""
    playlist = (settings.get("youtube") or {}).get("playlist") or {}
    if not playlist.get("id"):
        return
    channels = [p for p in platforms if platform_of(p) == "youtube"]
    if len(channels) != 1:
        fail(400, "YouTube playlist can only be set when exactly one YouTube channel is selected.")
    if playlist.get("platformId") != channels[0]:
        fail(400, "YouTube playlist platformId must match the selected YouTube channel.")


# --- first comment -----------------------------------------------------------------------------

FIRST_COMMENT_LIMITS = {"linkedin": 1250, "twitter": 280, "threads": 500, "bluesky": 300, "mastodon": 500}


def parse_first_comment(state: SandboxState, ctx: Ctx, value: Any, platforms: list[str]) -> tuple[
        dict[str, Any] | None, list[dict[str, Any]]]:
    """Validate ``firstComment``; return it and its warnings."""
    if value is None:
        return None, []
    if not isinstance(value, dict) or not isinstance(value.get("text"), str) or not value["text"].strip() or (
            set(value) - {"text", "platforms"}):
        fail(400, "firstComment must be an object { text, platforms? }", "FIRST_COMMENT_INVALID", field="firstComment")
    wanted = value.get("platforms") or []
    allowed = sorted(FIRST_COMMENT_LIMITS)
    if not isinstance(wanted, list) or any(p not in FIRST_COMMENT_LIMITS for p in wanted):
        fail(400, f"firstComment.platforms may only contain: {', '.join(allowed)}", "FIRST_COMMENT_PLATFORM_UNKNOWN",
             field="firstComment.platforms", allowed=allowed)
    targeted = {platform_of(p) for p in platforms}
    text = value["text"]
    for platform in sorted(targeted & set(wanted or FIRST_COMMENT_LIMITS)):
        limit = FIRST_COMMENT_LIMITS[platform]
        if platform == "twitter" and all(
                (state.connection(ctx.user_id, p) or {}).get("subscriptionType") in {"Premium", "PremiumPlus"}
                for p in platforms if platform_of(p) == "twitter"):
            limit = 25000
        count = utf16_len(text)
        if count > limit:
            fail(400, f"First comment is too long for {platform}: {count} characters, limit {limit}",
                 "FIRST_COMMENT_TOO_LONG", field="firstComment.text", platform=platform, limit=limit, count=count,
                 unit="characters")
    warnings: list[dict[str, Any]] = []
    unsupported = sorted(targeted - set(FIRST_COMMENT_LIMITS))
    if unsupported:
        warnings.append({"code": "FIRST_COMMENT_UNSUPPORTED_PLATFORMS",
                         "message": f"First comments are not supported on: {', '.join(unsupported)}",
                         "platforms": unsupported})
    not_targeted = sorted(set(wanted) - targeted)
    if not_targeted:
        warnings.append({"code": "FIRST_COMMENT_PLATFORM_NOT_TARGETED",
                         "message": f"firstComment.platforms lists platforms this post does not target: "
                                    f"{', '.join(not_targeted)}", "platforms": not_targeted})
    return {"text": text, "platforms": list(wanted)}, warnings


# --- time -------------------------------------------------------------------------------------------

def effective_time(state: SandboxState, requested: datetime) -> tuple[datetime, dict[str, Any] | None]:
    """The past-time rule (contract §3.4): clamp with a warning, or 400 in strict mode."""
    now = state.clock.now()
    if requested > now:
        return requested, None
    if now - requested >= PAST_TOLERANCE and state.config.strict:
        fail(400, f"Scheduled time is in the past. Server time is {iso(now)} UTC.", "SCHEDULED_TIME_IN_PAST",
             serverTime=iso(now))
    warning = {"code": "SCHEDULED_TIME_COERCED",
               "message": "scheduledTime was in the past and has been set to the current server time.",
               "requested": iso(requested), "effective": iso(now)}
    return now, warning


# --- media ------------------------------------------------------------------------------------------

def media_path(state: SandboxState, media_id: str) -> Path:
    """Where the uploaded bytes of a media record live on disk."""
    return state.media_dir / media_id


def probe_media(state: SandboxState, media: dict[str, Any]) -> Probe | None:
    """Probe uploaded bytes; move the record to ``ready`` or ``failed``. ``None``: no bytes yet."""
    path = media_path(state, media["_id"])
    if not media.get("uploaded") or not path.exists():
        return None
    with path.open("rb") as handle:
        head = handle.read(256 * 1024)
    probe = probe_bytes(head)
    size = path.stat().st_size
    if probe is None or probe.family != media["type"]:
        media["status"] = "failed"
        media["failureReason"] = (
            "PROBE_FAILED: the file is not a recognisable image, video or PDF" if probe is None
            else f"PROBE_FAILED: the file is a {probe.family} ({probe.format}), not a {media['type']}")
        return probe
    media["status"] = "ready"
    media["failureReason"] = None
    metadata: dict[str, Any] = {"size": size, "format": probe.format}
    if probe.width and probe.height:
        metadata.update(width=probe.width, height=probe.height, aspectRatio=round(probe.width / probe.height, 4))
    media["metadata"] = metadata
    media["size"] = size
    return probe


def check_media_ready(state: SandboxState, group: dict[str, Any]) -> None:
    """Probe lazily; any upload missing, still uploading or failed -> 400 MEDIA_NOT_READY."""
    bad: list[dict[str, Any]] = []
    for mid in group["media"]:
        media = state.data["media"][mid]
        if media["status"] == "uploading":
            probe_media(state, media)
        if media["status"] != "ready":
            bad.append(media)
    if bad:
        first = bad[0]
        reason = "has not been uploaded" if not first.get("uploaded") else (
            first.get("failureReason") or first["status"])
        fail(400, f"Media is not ready: {first['sourceFileName']} ({first['_id']}) {reason}. "
                  "Finish the upload, or remove the file with DELETE /media/:mediaId.",
             "MEDIA_NOT_READY", mediaFileIds=[m["_id"] for m in bad],
             mediaStatuses={m["_id"]: m["status"] for m in bad})


def _verror(platform: str, code: str, message: str, field_name: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message, "platform": platform, "field": field_name}
    out.update(extra)
    out["severity"] = "error"
    return out


def validation_errors(state: SandboxState, ctx: Ctx, content: str, platforms: list[str],
                      media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scheduling gate's platform checks: simple UTF-16 length, required media, counts."""
    errors: list[dict[str, Any]] = []
    images = [m for m in media if m["type"] == "image"]
    videos = [m for m in media if m["type"] == "video"]
    docs = [m for m in media if m["type"] == "document"]
    for platform in dict.fromkeys(platform_of(p) for p in platforms):
        name = data.DISPLAY_NAMES[platform]
        limit = data.TEXT_LIMITS.get(platform)
        count = utf16_len(content)
        if limit is not None and count > limit:
            errors.append(_verror(platform, "CONTENT_TOO_LONG",
                                  f"{name} content exceeds the {limit} character limit ({count} characters)",
                                  "content", constraint="maxLength", currentValue=count, maxValue=limit,
                                  suggestions=[f"Shorten the text to {limit} characters or fewer"]))
        if platform in data.MEDIA_REQUIRED and not media:
            errors.append(_verror(platform, "MEDIA_REQUIRED", f"{name} posts require media", "media",
                                  suggestions=[f"Attach at least one {'video' if platform == 'youtube' else 'image or video'}"]))
            continue
        max_images, max_image_bytes, max_videos, max_video_bytes = data.MEDIA_RULES[platform]
        if platform == "youtube":
            if images:
                errors.append(_verror(platform, "IMAGES_NOT_SUPPORTED", "YouTube does not support images",
                                      "media", suggestions=["Remove the images; attach one video"]))
            if media and not videos:
                errors.append(_verror(platform, "VIDEO_REQUIRED", "YouTube posts require a video", "video",
                                      constraint="requiredType", suggestions=["Attach one video"]))
        elif len(images) > max_images:
            errors.append(_verror(platform, "MEDIA_COUNT_EXCEEDED",
                                  f"{name} allows at most {max_images} images ({len(images)} attached)", "media",
                                  constraint="maxCount", currentValue=len(images), maxValue=max_images))
        if len(videos) > max_videos:
            errors.append(_verror(platform, "MEDIA_COUNT_EXCEEDED",
                                  f"{name} allows at most {max_videos} video ({len(videos)} attached)", "media",
                                  constraint="maxCount", currentValue=len(videos), maxValue=max_videos))
        if images and videos and platform in {"twitter", "instagram", "linkedin", "threads"}:
            errors.append(_verror(platform, "MEDIA_TYPE_NOT_SUPPORTED",
                                  f"{name} cannot mix images and video in one post", "media"))
        if docs and platform != "linkedin":
            errors.append(_verror(platform, "DOCUMENTS_NOT_SUPPORTED", f"{name} does not support documents",
                                  "media"))
        for item in media:
            size = int(item.get("size") or 0)
            cap = max_image_bytes if item["type"] == "image" else max_video_bytes if item["type"] == "video" else 0
            if cap and size > cap:
                errors.append(_verror(platform, "MEDIA_SIZE_EXCEEDED",
                                      f"{item['sourceFileName']} is {size} bytes; {name} allows {cap}",
                                      "imageSize" if item["type"] == "image" else "videoSize",
                                      constraint="maxSize", currentValue=size, maxValue=cap))
    return errors


def run_gate(state: SandboxState, ctx: Ctx, content: str, platforms: list[str], media_ids: list[str],
             group_stub: dict[str, Any]) -> None:
    """The validation gate for a group becoming (or staying) scheduled."""
    check_media_ready(state, {"media": media_ids, **group_stub})
    media = [state.data["media"][m] for m in media_ids]
    errors = validation_errors(state, ctx, content, platforms, media)
    if errors:
        affected = list(dict.fromkeys(e["platform"] for e in errors))
        fail(400, "Validation failed", validation={
            "valid": False, "errors": errors, "warnings": [],
            "summary": {"errorCount": len(errors), "warningCount": 0, "affectedPlatforms": affected}})


# --- plan limits ------------------------------------------------------------------------------------

def _period(now: datetime) -> tuple[str, datetime, datetime]:
    start = datetime(now.year, now.month, 1, tzinfo=timezone.utc)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=timezone.utc)
    return start.strftime("%Y-%m"), start, end


def check_limits(state: SandboxState, ctx: Ctx, platforms: list[str], when: datetime,
                 group: dict[str, Any] | None) -> None:
    """Monthly, queue and horizon limits of the workspace owner's plan (403 LimitExceededError)."""
    plan = state.config.plan
    now = state.clock.now()
    name = plan["planName"]
    key, start, end = _period(now)
    counts = state.data["monthlyCounts"].get(key, {})
    counted = {p["compoundId"] for p in (group or {}).get("posts", []) if p.get("countedPeriod") == key}
    new = [p for p in platforms if p not in counted]
    limit = plan.get("monthlyPosts")
    if limit is not None and new:
        if plan.get("limitScope") == "connection":
            blocked = []
            for target in dict.fromkeys(new):
                used = int(counts.get(f"{ctx.user_id}:{target}", 0))
                if used + 1 > limit:
                    blocked.append({"platformSelection": target, "used": used, "remaining": max(0, limit - used)})
            if blocked:
                fail(403, "Post limit reached", "POST_LIMIT_REACHED", metric="posts.platform_monthly",
                     message=f"Monthly post limit reached. Your {name} plan allows {limit} platform posts per month.",
                     limit=limit, used=None, requested=len(new), remaining=None, periodStart=iso(start),
                     periodEnd=iso(end), planName=name, limitScope="connection", blockedPlatforms=blocked)
        else:
            used = int(counts.get("account", 0))
            if used + len(new) > limit:
                fail(403, "Post limit reached", "POST_LIMIT_REACHED", metric="posts.platform_monthly",
                     message=f"Monthly post limit reached. Your {name} plan allows {limit} platform posts per month.",
                     limit=limit, used=used, requested=len(new), remaining=max(0, limit - used),
                     periodStart=iso(start), periodEnd=iso(end), planName=name, limitScope="account")
    queue = plan.get("scheduledPosts")
    if queue is not None:
        users = set(state.workspace_user_ids())
        active = sum(
            1 for g in state.data["groups"].values()
            if g["userId"] in users and g["status"] == "scheduled" and (group is None or g["_id"] != group["_id"])
            for p in g["posts"] if p["status"] in ("scheduled", "pending"))
        if active + len(platforms) > queue:
            fail(403, "Scheduled post limit reached", "SCHEDULED_POST_LIMIT_REACHED", metric="posts.scheduled_active",
                 message=f"Scheduled post limit reached. Your {name} plan allows {queue} scheduled posts at a time.",
                 limit=queue, used=active, requested=len(platforms), remaining=max(0, queue - active),
                 periodStart=None, periodEnd=None, planName=name)
    horizon = plan.get("horizonDays")
    if horizon is not None:
        latest = now + timedelta(days=horizon)
        if when > latest:
            fail(403, "Schedule horizon reached", "SCHEDULE_HORIZON_REACHED", metric="posts.schedule_horizon_days",
                 message=f"Your {name} plan allows scheduling at most {horizon} days ahead.",
                 limit=horizon, used=None, requested=None, remaining=None, periodStart=None, periodEnd=None,
                 planName=name, scheduledTime=iso(when), maxScheduledDate=iso(latest))


def count_monthly(state: SandboxState, ctx: Ctx, group: dict[str, Any]) -> None:
    """Charge the group's not-yet-counted targets to this month's usage."""
    key, _, _ = _period(state.clock.now())
    counts = state.data["monthlyCounts"].setdefault(key, {})
    for post in group["posts"]:
        if post.get("countedPeriod") == key:
            continue
        post["countedPeriod"] = key
        counts["account"] = int(counts.get("account", 0)) + 1
        slot = f"{ctx.user_id}:{post['compoundId']}"
        counts[slot] = int(counts.get(slot, 0)) + 1


# --- mediaUrls ingestion (emulated: the sandbox has no internet) ----------------------------------

def _blocked_host(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_media_urls(value: Any) -> list[str]:
    """Shape of ``mediaUrls`` (the create-post error strings)."""
    if not isinstance(value, list):
        fail(400, "mediaUrls must be an array of public https URLs")
    if not value:
        fail(400, "mediaUrls must contain at least one URL when provided")
    if len(value) > 10:
        fail(400, "mediaUrls supports at most 10 URLs per request")
    if not all(isinstance(v, str) and v.strip() for v in value):
        fail(400, "Every mediaUrls entry must be a non-empty string")
    return [v.strip() for v in value]


def _url_problem(url: str, mime_hint: str | None) -> tuple[str, str] | tuple[None, str]:
    """(code, message) of a URL the sandbox refuses, or (None, mime type) when accepted."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "MEDIA_URL_INVALID", "The media URL is not a valid URL"
    if not parts.scheme or not parts.hostname:
        return "MEDIA_URL_INVALID", "The media URL is not a valid URL"
    if parts.scheme != "https":
        return "MEDIA_URL_PROTOCOL", "Media URLs must use https"
    if parts.username or parts.password:
        return "MEDIA_URL_CREDENTIALS", "Media URLs must not contain credentials"
    if port not in (None, 443):
        return "MEDIA_URL_PORT", "Media URLs must use port 443"
    if _blocked_host(parts.hostname):
        return "MEDIA_URL_BLOCKED_HOST", "The media URL points to a private or reserved address"
    if mime_hint and (mime_hint.startswith("image/") or mime_hint.startswith("video/")):
        return None, mime_hint
    suffix = Path(parts.path).suffix.lower()
    mime = IMAGE_EXT.get(suffix) or VIDEO_EXT.get(suffix)
    if not mime:
        return "MEDIA_URL_UNSUPPORTED_FORMAT", "The file is not a supported image or video format"
    return None, mime


def ingest_urls(state: SandboxState, ctx: Ctx, urls: list[str], *, mime_hint: str | None = None,
                name_hint: str | None = None) -> list[dict[str, Any]]:
    """Emulate Publora's server-side download of ``mediaUrls``: all-or-nothing, 60 URLs/hour.

    The sandbox cannot reach the internet, so it checks the URL rules and takes the format from
    the file extension (or the given MIME type) instead of the magic bytes; the records it makes
    are ``ready`` and point at the original URL. Returns unsaved media records.
    """
    now = state.clock.now()
    window = state.data["mediaUrlWindows"].get(ctx.user_id)
    if window is None or parse_iso(window["start"]) + MEDIA_URL_WINDOW <= now:
        window = {"start": iso(now), "count": 0}
    if window["count"] + len(urls) > MEDIA_URL_PER_WINDOW:
        retry = max(1, int((parse_iso(window["start"]) + MEDIA_URL_WINDOW - now).total_seconds()))
        raise ApiError(429, {
            "error": "Media URL ingestion rate limit reached (60 URLs/hour). Retry later or use the presigned "
                     "get-upload-url flow.", "code": "MEDIA_URL_RATE_LIMITED", "retryAfterSec": retry},
            {"Retry-After": str(retry)})
    results: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    failed = False
    for url in urls:
        if failed:
            results.append({"ok": False, "url": url, "code": "MEDIA_URL_SKIPPED",
                            "error": "Not attempted because another URL failed"})
            continue
        code, detail = _url_problem(url, mime_hint)
        if code:
            failed = True
            results.append({"ok": False, "url": url, "code": code, "error": detail})
            continue
        mime = detail
        family = "image" if mime.startswith("image/") else "video"
        name = name_hint or Path(urlsplit(url).path).name or f"media{Path(url).suffix}"
        records.append(new_media_record(state, ctx, "", sanitize_file_name(name), mime, family, url=url,
                                        status="ready"))
        results.append({"ok": True, "url": url})
    if failed:
        fail(400, "Media ingestion failed", mediaResults=results)
    window["count"] += len(urls)
    state.data["mediaUrlWindows"][ctx.user_id] = window
    return records


def sanitize_file_name(name: str) -> str:
    """trim, spaces -> ``_``, keep letters, digits, ``_``, ``.`` and ``-``."""
    name = name.strip().replace(" ", "_")
    return re.sub(r"[^A-Za-z0-9_.\-]", "", name) or "file"


def new_media_record(state: SandboxState, ctx: Ctx, group_id: str, clean_name: str, mime: str, family: str, *,
                     url: str | None = None, status: str = "uploading") -> dict[str, Any]:
    """A media record (not yet stored)."""
    now = state.clock.now()
    mid = state.new_id()
    folder = {"image": "images", "video": "videos", "document": "documents"}[family]
    file_name = f"{folder}/{int(now.timestamp() * 1000)}-{clean_name}"
    return {
        "_id": mid,
        "userId": ctx.user_id,
        "postGroupId": group_id,
        "sourceFileName": clean_name,
        "fileName": file_name,
        "type": family,
        "mimeType": mime,
        "status": status,
        "failureReason": None,
        "url": url or f"{ctx.base_url}/__media/{file_name}",
        "uploaded": status == "ready",
        "size": None,
        "metadata": {},
        "createdAt": iso(now),
    }


# --- views ----------------------------------------------------------------------------------------

def media_view(media: dict[str, Any]) -> dict[str, Any]:
    """A ``media[]`` entry of get-post."""
    return {"mediaId": media["_id"]} | {
        k: media[k] for k in ("sourceFileName", "fileName", "type", "mimeType", "status", "failureReason", "url")}


def post_view(post: dict[str, Any]) -> dict[str, Any]:
    """A ``posts[]`` entry of get-post (``platformId`` is the raw account id)."""
    out = {
        "_id": post["_id"],
        "platform": post["platform"],
        "platformId": post["compoundId"].split("-", 1)[1],
        "content": post["content"],
        "status": post["status"],
        "postedId": post.get("postedId"),
        "permalink": None,
        "isThread": bool(post.get("isThread")),
        "threadParts": post.get("threadParts", []),
        "firstCommentResult": post.get("firstCommentResult"),
    }
    if post.get("error"):
        out["error"] = post["error"]
    return out


def group_view(state: SandboxState, group: dict[str, Any]) -> dict[str, Any]:
    """The get-post body."""
    return {
        "success": True,
        "postGroupId": group["_id"],
        "status": group["status"],
        "scheduledTime": group.get("scheduledTime"),
        "platforms": list(group["platforms"]),
        "platformSettings": group.get("platformSettings") or {},
        "firstComment": group.get("firstComment"),
        "posts": [post_view(p) for p in group["posts"]],
        "media": [media_view(state.data["media"][m]) for m in group["media"] if m in state.data["media"]],
    }


def demote(state: SandboxState, webhooks: Webhooks, group: dict[str, Any], change: str, media_id: str) -> None:
    """A scheduled group whose media changed goes back to draft (webhook ``post.demoted``)."""
    group["status"] = "draft"
    for post in group["posts"]:
        post["status"] = "draft"
    group["updatedAt"] = iso(state.clock.now())
    write_log(state, group, "status_changed", metadata={"from": "scheduled", "to": "draft", "reason": "media_changed"})
    webhooks.emit(group["userId"], "post.demoted", {"postGroupId": group["_id"], "reason": "media_changed",
                                                    "changeType": change, "mediaFileId": media_id})


def stable_number(*parts: str, low: int, high: int) -> int:
    """A plausible, repeatable number for analytics answers."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return low + int.from_bytes(digest[:6], "big") % (high - low + 1)
