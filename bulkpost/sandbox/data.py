"""The sandbox's own copy of the contract's data: platform limits, the settings allowlist,
plans, and the built-in connected accounts.

Copied from ``shared/docs/publora-api.md`` (§3.2, §9, §11, §16, §17.2) by hand, on purpose:
bulkpost's validator has its own copy, and the two are meant to disagree loudly if either drifts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .util import iso

PLATFORMS: tuple[str, ...] = (
    "twitter",
    "instagram",
    "threads",
    "tiktok",
    "linkedin",
    "youtube",
    "facebook",
    "mastodon",
    "bluesky",
    "telegram",
    "pinterest",
)

DISPLAY_NAMES = {
    "twitter": "Twitter/X",
    "instagram": "Instagram",
    "threads": "Threads",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "telegram": "Telegram",
    "pinterest": "Pinterest",
}

# Main-content limits the scheduling gate applies (contract §16.1), in UTF-16 units.
# X and Threads auto-thread instead of rejecting, so they have no gate limit here.
TEXT_LIMITS: dict[str, int] = {
    "linkedin": 3000,
    "instagram": 2200,
    "tiktok": 2200,
    "youtube": 5000,
    "facebook": 63206,
    "mastodon": 500,
    "bluesky": 300,
    "telegram": 4096,
    "pinterest": 800,
}
THREAD_LIMITS: dict[str, int] = {"twitter": 280, "threads": 500}
TWITTER_PREMIUM_LIMIT = 25000
MEDIA_REQUIRED = frozenset({"instagram", "tiktok", "youtube", "pinterest"})
CONNECT_ONLY = frozenset({"pinterest"})

# (max images, max image bytes, max videos, max video bytes) per platform (contract §16.2).
MEDIA_RULES: dict[str, tuple[int, int, int, int]] = {
    "twitter": (4, 5 * 1024 * 1024, 1, 512 * 1024 * 1024),
    "linkedin": (10, 50 * 1024 * 1024, 1, 500 * 1024 * 1024),
    "instagram": (10, 8 * 1024 * 1024, 1, 300 * 1024 * 1024),
    "threads": (20, 8 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    "tiktok": (35, 20 * 1024 * 1024, 1, 4 * 1024 * 1024 * 1024),
    "youtube": (0, 0, 1, 256 * 1024 * 1024 * 1024),
    "facebook": (10, 10 * 1024 * 1024, 1, 2 * 1024 * 1024 * 1024),
    "bluesky": (4, 2_000_000, 1, 100 * 1024 * 1024),
    "mastodon": (4, 16 * 1024 * 1024, 1, 99 * 1024 * 1024),
    "telegram": (10, 10 * 1024 * 1024, 1, 50 * 1024 * 1024),
    "pinterest": (1, 20 * 1024 * 1024, 1, 2 * 1024 * 1024 * 1024),
}


def _limits_entry(
    platform: str,
    characters: dict[str, Any],
    images: dict[str, Any],
    videos: dict[str, Any],
    requirements: dict[str, bool],
    documents: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "platform": platform,
        "displayName": DISPLAY_NAMES[platform],
        "characters": characters,
        "images": images,
        "videos": videos,
        "requirements": requirements,
        "documents": documents,
        "gifs": None,
        "thumbnails": None,
    }


def _req(media: bool = False, video: bool = False, text_only: bool = True, threads: bool = False) -> dict[str, bool]:
    return {
        "requiresMedia": media,
        "requiresVideo": video,
        "supportsTextOnly": text_only,
        "supportsThreading": threads,
    }


_MB = 1024 * 1024
_JPG_PNG_WEBP = ["image/jpeg", "image/png", "image/webp"]
_JPG_PNG_GIF_WEBP = ["image/jpeg", "image/png", "image/gif", "image/webp"]
_MP4_MOV = ["video/mp4", "video/quicktime"]


def platform_limits() -> dict[str, Any]:
    """The body of ``GET /platform-limits`` (twitter verbatim from §11, the rest from §16)."""
    platforms = {
        "twitter": _limits_entry(
            "twitter",
            {"standard": 280, "premium": 25000},
            {"supported": True, "maxSizeBytes": 5242880, "maxCount": 4, "formats": _JPG_PNG_GIF_WEBP},
            {
                "supported": True,
                "maxDurationSeconds": 140,
                "minDurationSeconds": 0.5,
                "maxSizeBytes": 536870912,
                "maxCount": 1,
                "formats": _MP4_MOV,
                "aspectRatioRange": {"min": 0.3333333333333333, "max": 3},
            },
            _req(threads=True),
        ),
        "instagram": _limits_entry(
            "instagram",
            {"standard": 2200},
            {"supported": True, "maxSizeBytes": 8 * _MB, "maxCount": 10, "formats": _JPG_PNG_WEBP,
             "aspectRatioRange": {"min": 0.8, "max": 1.91}},
            {"supported": True, "maxDurationSeconds": 900, "minDurationSeconds": 3, "maxSizeBytes": 300 * _MB,
             "maxCount": 1, "formats": _MP4_MOV},
            _req(media=True, text_only=False),
        ),
        "threads": _limits_entry(
            "threads",
            {"standard": 500},
            {"supported": True, "maxSizeBytes": 8 * _MB, "maxCount": 20, "formats": _JPG_PNG_WEBP},
            {"supported": True, "maxDurationSeconds": 300, "minDurationSeconds": 0, "maxSizeBytes": 1024 * _MB,
             "maxCount": 1, "formats": _MP4_MOV},
            _req(threads=True),
        ),
        "tiktok": _limits_entry(
            "tiktok",
            {"standard": 2200},
            {"supported": True, "maxSizeBytes": 20 * _MB, "maxCount": 35, "formats": _JPG_PNG_WEBP},
            {"supported": True, "maxDurationSeconds": 600, "minDurationSeconds": 3, "maxSizeBytes": 4096 * _MB,
             "maxCount": 1, "formats": ["video/mp4", "video/quicktime", "video/webm"], "minFrameRate": 23},
            _req(media=True, text_only=False),
        ),
        "linkedin": _limits_entry(
            "linkedin",
            {"standard": 3000},
            {"supported": True, "maxSizeBytes": 50 * _MB, "maxCount": 10, "formats": _JPG_PNG_GIF_WEBP,
             "maxPixels": 36152320},
            {"supported": True, "maxDurationSeconds": 1800, "minDurationSeconds": 3, "maxSizeBytes": 500 * _MB,
             "maxCount": 1, "formats": ["video/mp4"]},
            _req(),
            documents={"supported": True, "formats": ["application/pdf"], "maxCount": 1},
        ),
        "youtube": _limits_entry(
            "youtube",
            {"standard": 5000, "title": 100},
            {"supported": False, "maxSizeBytes": 0, "maxCount": 0, "formats": []},
            {"supported": True, "maxDurationSeconds": 43200, "minDurationSeconds": 0,
             "maxSizeBytes": 256 * 1024 * _MB, "maxCount": 1,
             "formats": ["video/mp4", "video/quicktime", "video/x-msvideo", "video/webm"]},
            _req(media=True, video=True, text_only=False),
        ),
        "facebook": _limits_entry(
            "facebook",
            {"standard": 63206},
            {"supported": True, "maxSizeBytes": 10 * _MB, "maxCount": 10,
             "formats": ["image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff", "image/webp",
                         "image/avif", "image/heif", "image/heic"]},
            {"supported": True, "maxDurationSeconds": 2700, "minDurationSeconds": 0, "maxSizeBytes": 2048 * _MB,
             "maxCount": 1, "formats": _MP4_MOV},
            _req(),
        ),
        "mastodon": _limits_entry(
            "mastodon",
            {"standard": 500},
            {"supported": True, "maxSizeBytes": 16 * _MB, "maxCount": 4,
             "formats": ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heif", "image/heic",
                         "image/avif"]},
            {"supported": True, "maxDurationSeconds": 86400, "minDurationSeconds": 0, "maxSizeBytes": 99 * _MB,
             "maxCount": 1, "formats": ["video/mp4", "video/webm", "video/quicktime"]},
            _req(),
        ),
        "bluesky": _limits_entry(
            "bluesky",
            {"standard": 300},
            {"supported": True, "maxSizeBytes": 2000000, "maxCount": 4, "formats": _JPG_PNG_WEBP},
            {"supported": True, "maxDurationSeconds": 180, "minDurationSeconds": 0, "maxSizeBytes": 100 * _MB,
             "maxCount": 1, "formats": ["video/mp4"]},
            _req(),
        ),
        "telegram": _limits_entry(
            "telegram",
            {"standard": 4096, "caption": 1024},
            {"supported": True, "maxSizeBytes": 10 * _MB, "maxCount": 10,
             "formats": ["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"]},
            {"supported": True, "maxDurationSeconds": None, "minDurationSeconds": 0, "maxSizeBytes": 50 * _MB,
             "maxCount": 1,
             "formats": ["video/mp4", "video/quicktime", "video/x-msvideo", "video/x-matroska", "video/webm"]},
            _req(),
        ),
        "pinterest": _limits_entry(
            "pinterest",
            {"standard": 800, "title": 100},
            {"supported": True, "maxSizeBytes": 20 * _MB, "maxCount": 1, "formats": ["image/jpeg", "image/png"]},
            {"supported": True, "maxDurationSeconds": 900, "minDurationSeconds": 4, "maxSizeBytes": 2048 * _MB,
             "maxCount": 1, "formats": _MP4_MOV},
            _req(media=True, text_only=False),
        ),
    }
    return {
        "success": True,
        "schemaVersion": 1,
        "source": "@publora/platform-limits",
        "packageVersion": "1.0.0",
        "limitsLastUpdated": "2026-03-11",
        "supportedPlatforms": list(PLATFORMS),
        "platforms": platforms,
    }


# --- platformSettings allowlist (contract §3.2) ------------------------------------------

BOOL = "bool"
STRING = "string"
#: path -> kind: BOOL, STRING, a tuple of allowed strings, or "object:<keys>".
SETTINGS: dict[str, dict[str, Any]] = {
    "tiktok": {
        "viewerSetting": ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"),
        "allowComments": BOOL,
        "allowDuet": BOOL,
        "allowStitch": BOOL,
        "commercialContent": BOOL,
        "brandOrganic": BOOL,
        "brandedContent": BOOL,
    },
    "instagram": {
        "videoType": ("REELS", "STORIES"),
        "shareToFeed": BOOL,
        "coverUrl": STRING,
        "cover_url": STRING,
    },
    "youtube": {
        "privacy": ("private", "public", "unlisted"),
        "title": STRING,
        "tags": "tags",
        "categoryId": STRING,
        "madeForKids": BOOL,
        "playlist": ("object", ("id", "platformId")),
        "thumbnail": ("object", ("mediaId", "id", "url", "path")),
    },
    "threads": {"replyControl": ("everyone", "accounts_you_follow", "mentioned_only", "")},
    "twitter": {"replyTo": "tweet", "quoteTweet": "tweet"},
    "telegram": {"disableNotification": BOOL, "disableWebPagePreview": BOOL, "protectContent": BOOL},
    "linkedin": {
        "repostEnabled": BOOL,
        "repostParentUrn": STRING,
        "repostVisibility": ("PUBLIC", "CONNECTIONS", ""),
    },
}

SETTING_DEFAULTS: dict[str, dict[str, Any]] = {
    "tiktok": {
        "viewerSetting": "PUBLIC_TO_EVERYONE",
        "allowComments": True,
        "allowDuet": False,
        "allowStitch": False,
        "commercialContent": False,
        "brandOrganic": False,
        "brandedContent": False,
    },
    "instagram": {"videoType": "REELS"},
    "youtube": {"privacy": "public", "title": "", "madeForKids": False, "playlist": {"id": "", "platformId": ""}},
    "threads": {"replyControl": ""},
    "twitter": {"replyTo": "", "quoteTweet": ""},
    "telegram": {"disableNotification": False, "disableWebPagePreview": False, "protectContent": False},
    "linkedin": {"repostEnabled": False, "repostParentUrn": "", "repostVisibility": ""},
}

# Legacy keys that answer with a migration hint instead of PLATFORM_SETTING_UNKNOWN.
LEGACY_SETTINGS = {
    ("youtube", "playlistId"): "platformSettings.youtube.playlistId is not supported; use platformSettings.youtube.playlist.",
    ("youtube", "thumbnailUrl"): "platformSettings.youtube.thumbnailUrl is not supported; use platformSettings.youtube.thumbnail.",
}

# --- plans (contract §17.2) ----------------------------------------------------------------

PLANS: dict[str, dict[str, Any]] = {
    # The default: generous, so that a normal batch is never stopped by a limit.
    "sandbox": {"planName": "Sandbox", "monthlyPosts": 100000, "limitScope": "account", "scheduledPosts": 100000,
                "horizonDays": None, "disallowedPlatforms": [], "analytics": True},
    "starter": {"planName": "Starter", "monthlyPosts": 15, "limitScope": "account", "scheduledPosts": 3,
                "horizonDays": 7, "disallowedPlatforms": [], "analytics": False},
    "pro": {"planName": "Pro", "monthlyPosts": 100, "limitScope": "connection", "scheduledPosts": 100,
            "horizonDays": None, "disallowedPlatforms": [], "analytics": True},
    "premium": {"planName": "Premium", "monthlyPosts": 500, "limitScope": "connection", "scheduledPosts": 500,
                "horizonDays": None, "disallowedPlatforms": [], "analytics": True},
}

# --- built-in accounts ----------------------------------------------------------------------

PERMISSIONS = {
    "twitter": ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"],
    "linkedin": ["w_member_social", "r_basicprofile", "r_member_postAnalytics"],
    "instagram": ["instagram_business_basic", "instagram_business_content_publish"],
    "threads": ["threads_basic", "threads_content_publish", "threads_manage_replies"],
    "tiktok": ["user.info.basic", "video.publish", "video.upload"],
    "youtube": ["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube"],
    "facebook": ["pages_manage_posts", "pages_read_engagement", "pages_show_list"],
    "bluesky": ["app_password"],
    "mastodon": ["read", "write:statuses", "write:media"],
    "telegram": ["can_post_messages"],
    "pinterest": ["boards:read", "pins:write"],
}


def _conn(
    platform_id: str,
    username: str | None,
    display: str | None,
    profile_url: str | None,
    expires: datetime | None,
    **extra: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "platformId": platform_id,
        "username": username,
        "displayName": display,
        "profileImageUrl": f"https://media.publora.com/avatars/{platform_id.split('-', 1)[0]}.png",
        "profileUrl": profile_url,
        "accessTokenExpiresAt": iso(expires) if expires else None,
        "lastSuccessfulPost": None,
        "lastError": None,
    }
    record.update(extra)
    return record


def builtin_connections(now: datetime) -> list[dict[str, Any]]:
    """The owner's built-in connections: one or two per network.

    Includes one X Premium account, one expiring token (TikTok), one expired one (a Facebook
    Page flagged for reconnect) and Pinterest, which Publora can connect but never publish.
    """
    def days(n: int) -> datetime:
        return now + timedelta(days=n)

    return [
        _conn("twitter-1502345678901234567", "@acme", "Acme Inc.", "https://x.com/acme", None),
        _conn("twitter-1600000000000000001", "@acme_premium", "Acme Premium", "https://x.com/acme_premium", None,
              subscriptionType="Premium"),
        _conn("linkedin-Tz9W5i6ZYG", "John Doe", "John Doe", "https://linkedin.com/in/johndoe", days(82)),
        _conn("linkedin-Acme0rgPg1", "Acme Inc.", "Acme Inc.", "https://linkedin.com/company/acme", days(55),
              accountType="organization"),
        _conn("instagram-17841412345678", "acme.shop", "Acme Shop", "https://instagram.com/acme.shop", days(50)),
        _conn("threads-17841498765432", "acme.shop", "Acme Shop", "https://threads.net/@acme.shop", days(50)),
        _conn("tiktok-7123456789", "acmetok", "Acme on TikTok", "https://tiktok.com/@acmetok", days(12)),
        _conn("youtube-UCx5Yf3Kq9tLm2Pq8Rz1AbCd", "@AcmeVideos", "Acme Videos", "https://youtube.com/@AcmeVideos",
              None),
        _conn("facebook-112233445566", "Acme Page", "Acme Page", "https://facebook.com/112233445566", None),
        _conn("facebook-998877665544", "Old Acme Page", "Old Acme Page", "https://facebook.com/998877665544",
              None, tokenStatus="expired",
              lastError={"message": "Error validating access token: Session has expired", "occurredAt": iso(days(-3))}),
        _conn("bluesky-did:plc:abc123xyz", "acme.bsky.social", "Acme", "https://bsky.app/profile/acme.bsky.social",
              None),
        _conn("mastodon-109876543210", "@acme@mastodon.social", "Acme", "https://mastodon.social/@acme", None),
        _conn("telegram--1001234567890", "acme_news", "Acme News", "https://t.me/acme_news", None,
              connectionType="bot"),
        _conn("pinterest-987654321012", "acmepins", "Acme Pins", "https://pinterest.com/acmepins", days(300)),
    ]


def builtin_managed_connections(now: datetime) -> list[dict[str, Any]]:
    """Connections of the built-in workspace-managed user (a client of the key owner)."""
    return [
        _conn("linkedin-Cl13ntPr0f", "Jane Client", "Jane Client", "https://linkedin.com/in/janeclient",
              now + timedelta(days=40)),
        _conn("bluesky-did:plc:client42", "client.bsky.social", "Client Co",
              "https://bsky.app/profile/client.bsky.social", None),
    ]
