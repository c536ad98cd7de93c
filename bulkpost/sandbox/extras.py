"""Accounts, limits, webhooks, workspace and analytics endpoints of the sandbox
(contract §9-§11, §13-§15). Analytics numbers are plausible and repeatable, not real."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from . import data
from .core import Answer, ApiError, Ctx, PLATFORM_ID_RE, _blocked_host, fail, is_object_id, platform_of, stable_number
from .publisher import Webhooks, connection_token_status
from .state import SandboxState
from .util import format_duration, iso, new_api_key, parse_iso

CONNECTION_KEYS = ("platformId", "username", "displayName", "profileImageUrl", "profileUrl", "accessTokenExpiresAt")


def _body(ctx: Ctx) -> dict[str, Any]:
    return ctx.body if isinstance(ctx.body, dict) else {}


def _token_expires_in(conn: dict[str, Any], state: SandboxState) -> str | None:
    status = connection_token_status(conn, state.clock.now())
    if status == "expired":
        return "expired"
    if not conn.get("accessTokenExpiresAt"):
        return None
    return format_duration(parse_iso(conn["accessTokenExpiresAt"]) - state.clock.now())


def connection_view(state: SandboxState, conn: dict[str, Any]) -> dict[str, Any]:
    """A ``connections[]`` entry of platform-connections."""
    out = {k: conn.get(k) for k in CONNECTION_KEYS}
    out["tokenStatus"] = connection_token_status(conn, state.clock.now())
    out["tokenExpiresIn"] = _token_expires_in(conn, state)
    out["lastSuccessfulPost"] = conn.get("lastSuccessfulPost")
    out["lastError"] = conn.get("lastError")
    if platform_of(conn["platformId"]) == "twitter":
        out["subscriptionType"] = conn.get("subscriptionType")
    return out


def platform_connections(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /platform-connections``."""
    return 200, {"success": True, "connections": [connection_view(state, c) for c in state.connections(ctx.user_id)]}


def test_connection(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /test-connection/:platformId``: always 200 for the outcome; read ``status``."""
    platform_id = ctx.params["platformId"]
    if not PLATFORM_ID_RE.match(platform_id):
        fail(400, "Invalid platformId format")
    conn = state.connection(ctx.user_id, platform_id)
    if conn is None:
        fail(404, "Connection not found")
    platform = platform_of(platform_id)
    view = connection_view(state, conn)
    status, message = "ok", f"Connected as {conn.get('displayName') or conn.get('username')}"
    if platform == "pinterest":
        status, message = "error", "Unknown platform: pinterest"
    elif view["tokenStatus"] == "expired":
        status, message = "error", "Access token expired or revoked. Reconnect the account in Publora."
    elif platform == "telegram":
        if conn.get("connectionType") == "mtproto":
            status, message = "error", "Invalid bot connection"
        else:
            message = f"Bot can post to {conn.get('displayName')}"
    return 200, {"platform": platform, "platformId": platform_id, "username": conn.get("username"), "status": status,
                 "message": message, "permissions": list(data.PERMISSIONS.get(platform, [])),
                 "tokenExpiresIn": view["tokenExpiresIn"], "lastSuccessfulPost": conn.get("lastSuccessfulPost"),
                 "lastError": conn.get("lastError")}


def platform_limits(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /platform-limits``."""
    return 200, data.platform_limits()


# --- webhooks -----------------------------------------------------------------------------------

EVENTS = ("post.scheduled", "post.published", "post.failed", "post.demoted", "token.expiring")


def _check_url(state: SandboxState, url: Any) -> str:
    if not isinstance(url, str):
        fail(400, "Invalid URL format")
    try:
        parts = urlsplit(url)
    except ValueError:
        fail(400, "Invalid URL format")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(400, "Invalid URL format")
    if not state.config.allow_loopback_webhooks:
        host = parts.hostname.lower()
        if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"):
            fail(400, "Localhost URLs are not allowed")
        if host.startswith("169.254.") or host == "metadata.google.internal":
            fail(400, "Link-local addresses are not allowed" if host.startswith("169.254.")
                 else "Cloud metadata endpoints are not allowed")
        if _blocked_host(host):
            fail(400, "Private IP addresses are not allowed")
    return url


def _check_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        fail(400, "Invalid events")
    return list(dict.fromkeys(events))


def _hook_view(hook: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: hook.get(k) for k in keys}


_LIST_KEYS = ("_id", "name", "url", "events", "isActive", "failureCount", "lastTriggeredAt", "createdAt", "updatedAt",
              "__v")


def list_webhooks(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /webhooks`` (no secrets)."""
    mine = [h for h in state.data["webhooks"].values() if h["userId"] == ctx.user_id]
    return 200, {"success": True, "webhooks": [_hook_view(h, _LIST_KEYS) for h in mine]}


def create_webhook(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /webhooks`` -> 201 with the secret (shown only here).

    Unlike the real API, loopback and private URLs are accepted (``allow_loopback_webhooks``),
    so tests can receive deliveries on 127.0.0.1.
    """
    body = _body(ctx)
    if not body.get("name") or not body.get("url") or not body.get("events"):
        fail(400, "Name, URL, and at least one event are required")
    url = _check_url(state, body["url"])
    events = _check_events(body["events"])
    mine = [h for h in state.data["webhooks"].values() if h["userId"] == ctx.user_id]
    if len(mine) >= 10:
        fail(400, "Maximum of 10 webhooks per user")
    now = iso(state.clock.now())
    hook = {"_id": state.new_id(), "userId": ctx.user_id, "name": str(body["name"]), "url": url, "events": events,
            "secret": secrets.token_hex(32), "isActive": True, "failureCount": 0, "lastTriggeredAt": None,
            "createdAt": now, "updatedAt": now, "__v": 0}
    state.data["webhooks"][hook["_id"]] = hook
    return 201, {"success": True, "webhook": _hook_view(hook, ("_id", "name", "url", "events", "secret", "isActive",
                                                               "createdAt"))}


def _hook_for(state: SandboxState, ctx: Ctx, failure: str) -> dict[str, Any]:
    hid = ctx.params["id"]
    if not is_object_id(hid):
        fail(500, failure)
    hook: dict[str, Any] | None = state.data["webhooks"].get(hid)
    if hook is None or hook["userId"] != ctx.user_id:
        fail(404, "Webhook not found")
    return hook


def update_webhook(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``PATCH /webhooks/:id`` (``""`` ignored; ``isActive`` must be a boolean)."""
    hook = _hook_for(state, ctx, "Failed to update webhook")
    body = _body(ctx)
    changes: dict[str, Any] = {}
    if body.get("name"):
        changes["name"] = str(body["name"])
    if body.get("url"):
        changes["url"] = _check_url(state, body["url"])
    if body.get("events"):
        changes["events"] = _check_events(body["events"])
    if "isActive" in body:
        if not isinstance(body["isActive"], bool):
            fail(400, "isActive must be a boolean")
        changes["isActive"] = body["isActive"]  # re-enabling does not reset failureCount
    hook.update(changes)
    hook["updatedAt"] = iso(state.clock.now())
    return 200, {"success": True, "webhook": _hook_view(hook, ("_id", "name", "url", "events", "isActive",
                                                               "updatedAt"))}


def delete_webhook(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``DELETE /webhooks/:id``."""
    hook = _hook_for(state, ctx, "Failed to delete webhook")
    del state.data["webhooks"][hook["_id"]]
    return 200, {"success": True}


def regenerate_secret(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /webhooks/:id/regenerate-secret``."""
    hook = _hook_for(state, ctx, "Failed to regenerate secret")
    hook["secret"] = secrets.token_hex(32)
    hook["updatedAt"] = iso(state.clock.now())
    return 200, {"success": True, "secret": hook["secret"]}


# --- workspace -----------------------------------------------------------------------------------

USER_KEYS = ("_id", "username", "displayName", "role", "dailyPostsLeft", "connectionsPageUrl",
             "connectionsPageTokenExpiresAt")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _owner_only(state: SandboxState, ctx: Ctx) -> None:
    if ctx.key_user_id != state.owner_id or not state.config.workspace_access:
        fail(403, "Workspace access is not enabled for this key")


def _user_view(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user.get(k) for k in USER_KEYS}


def _managed(state: SandboxState, ctx: Ctx) -> dict[str, Any]:
    uid = ctx.params["userId"]
    user: dict[str, Any] | None = state.data["users"].get(uid) if is_object_id(uid) else None
    if user is None or user.get("parentUser") != state.owner_id:
        fail(404, "User not found or not managed by this key")
    return user


def list_users(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /workspace/users``."""
    _owner_only(state, ctx)
    users = [u for u in state.data["users"].values() if u.get("parentUser") == state.owner_id]
    return 200, {"users": [_user_view(u) for u in users]}


def create_user(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /workspace/users`` -> 201 ``{user}``; 409 ``email_exists``."""
    _owner_only(state, ctx)
    body = _body(ctx)
    email = body.get("username")
    if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()):
        fail(400, "Email is required")
    email = email.strip().lower()
    for uid, user in state.data["users"].items():
        if user["username"] == email:
            mine = user.get("parentUser") == state.owner_id
            fail(409, "User with this email already exists", "email_exists", userId=uid, alreadyInWorkspace=mine,
                 managedByAnotherWorkspace=not mine,
                 reason="already_in_workspace" if mine else "managed_by_another_workspace",
                 attachable=False, requiresConsent=False)
    if email == state.data["owner"]["username"]:
        fail(409, "User with this email already exists", "email_exists", userId=state.owner_id,
             alreadyInWorkspace=False, managedByAnotherWorkspace=False, reason="workspace_owner", attachable=False,
             requiresConsent=False)
    user = state.new_user(email, body.get("displayName") if isinstance(body.get("displayName"), str) else None)
    return 201, {"user": _user_view(user)}


def attach_user(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /workspace/users/attach``: the sandbox has no standalone users, so only users
    already in this workspace can be "attached" (``alreadyInWorkspace: true``)."""
    _owner_only(state, ctx)
    body = _body(ctx)
    email = body.get("email") or body.get("username")
    uid = body.get("userId")
    if not email and not uid:
        fail(400, "An email or userId is required", "missing_identifier")
    if email and (not isinstance(email, str) or not _EMAIL_RE.match(email)):
        fail(400, "Invalid email", "invalid_email")
    if uid and not is_object_id(uid):
        fail(400, "Invalid userId", "invalid_user_id")
    if uid == state.owner_id or (email and email.lower() == state.data["owner"]["username"]):
        fail(400, "You cannot attach yourself", "cannot_attach_self")
    for candidate_id, user in state.data["users"].items():
        if (uid and candidate_id == uid) or (email and user["username"] == email.lower()):
            if email and uid and (candidate_id != uid or user["username"] != email.lower()):
                fail(400, "email and userId name different users", "identifier_mismatch")
            return 200, {"user": _user_view(user) | {"isActive": user.get("isActive", True)},
                         "alreadyInWorkspace": user.get("parentUser") == state.owner_id}
    fail(404, "User not found", "user_not_found")


def detach_user(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``DELETE /workspace/users/:userId`` (the user is kept, detached)."""
    _owner_only(state, ctx)
    user = _managed(state, ctx)
    user["parentUser"] = None
    return 200, {"success": True}


def user_api_key(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /workspace/users/:userId/api-key``: a per-user key (replaces the previous one)."""
    _owner_only(state, ctx)
    user = _managed(state, ctx)
    keys = state.data["apiKeys"]
    for key in [k for k, v in keys.items() if v == user["_id"]]:
        del keys[key]
    key = new_api_key(state.rng, state.clock.now(), dashboard=False)
    keys[key] = user["_id"]
    return 200, {"message": "API key generated. Store it now; it will not be shown again.", "apiKey": key,
                 "userId": user["_id"]}


def connection_url(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /workspace/users/:userId/connection-url``."""
    _owner_only(state, ctx)
    user = _managed(state, ctx)
    body = _body(ctx)
    days = body.get("expiresInDays", 90)
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        fail(400, "expiresInDays must be a positive integer")
    if body.get("rotate") or not user.get("connectionsPageUrl"):
        user["connectionsPageUrl"] = f"https://app.publora.com/connect/{secrets.token_urlsafe(24)}"
    user["connectionsPageTokenExpiresAt"] = iso(state.clock.now() + timedelta(days=days))
    return 200, {"url": user["connectionsPageUrl"], "tokenExpiresAt": user["connectionsPageTokenExpiresAt"]}


# --- analytics ------------------------------------------------------------------------------------

METRICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
_RANGES = {"IMPRESSION": (200, 20000), "MEMBERS_REACHED": (100, 12000), "RESHARE": (0, 60), "REACTION": (5, 600),
           "COMMENT": (0, 90)}


def _linkedin(state: SandboxState, ctx: Ctx) -> dict[str, Any]:
    body = _body(ctx)
    platform_id = body.get("platformId") or ctx.query.get("platformId")
    conn = state.connection(ctx.user_id, platform_id) if isinstance(platform_id, str) else None
    if conn is None or platform_of(conn["platformId"]) != "linkedin":
        fail(404, "LinkedIn connection not found")
    return conn


def _metrics(body: dict[str, Any]) -> tuple[list[str], bool]:
    if body.get("queryType") is not None:
        value = body["queryType"]
        if value not in METRICS:
            fail(400, f"Invalid queryType. Must be one of: {', '.join(METRICS)}")
        return [value], True
    value = body.get("queryTypes")
    if value is None:
        fail(400, "queryType or queryTypes is required")
    if isinstance(value, str) and value.upper() == "ALL":
        return list(METRICS), False
    if not isinstance(value, list) or not value or any(
            not isinstance(v, str) or v.upper() not in METRICS for v in value):
        fail(400, f"Invalid queryTypes. Must be an array of: {', '.join(METRICS)}, or \"ALL\"")
    return [v.upper() for v in value], False


def linkedin_post_statistics(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-post-statistics``."""
    body = _body(ctx)
    if body.get("postedId") is None or body.get("platformId") is None:
        fail(400, "postedId and platformId are required")
    if not isinstance(body["postedId"], str) or not isinstance(body["platformId"], str):
        fail(400, "postedId and platformId must be strings")
    metrics, single = _metrics(body)
    _linkedin(state, ctx)
    values = {m: stable_number(body["postedId"], m, low=_RANGES[m][0], high=_RANGES[m][1]) for m in metrics}
    if single:
        return 200, {"success": True, "count": values[metrics[0]], "cached": False}
    return 200, {"success": True, "metrics": values, "cached": False}


def _date_range(body: dict[str, Any], required: bool) -> tuple[date, date] | None:
    value = body.get("dateRange")
    if value is None:
        if required:
            fail(400, "dateRange is required for daily period")
        return None
    if not isinstance(value, dict):
        fail(400, "dateRange must be an object")
    if not isinstance(value.get("start"), dict) or not isinstance(value.get("end"), dict):
        fail(400, "dateRange must have both 'start' and 'end' objects")
    try:
        start = date(int(value["start"]["year"]), int(value["start"]["month"]), int(value["start"]["day"]))
        end = date(int(value["end"]["year"]), int(value["end"]["month"]), int(value["end"]["day"]))
    except (KeyError, TypeError, ValueError):
        fail(400, "dateRange.start and dateRange.end must have: year, month, day")
    return start, min(end, start + timedelta(days=366))


def _ymd(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def linkedin_account_statistics(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-account-statistics`` (TOTAL or DAILY)."""
    body = _body(ctx)
    if body.get("platformId") is None:
        fail(400, "platformId is required")
    if not isinstance(body["platformId"], str):
        fail(400, "platformId must be a string")
    aggregation = body.get("aggregation", "TOTAL")
    if not isinstance(aggregation, str):
        fail(400, "aggregation must be a string")
    if aggregation not in ("TOTAL", "DAILY"):
        fail(400, "Invalid aggregation. Must be one of: DAILY, TOTAL")
    metrics, single = _metrics(body)
    if aggregation == "DAILY" and "MEMBERS_REACHED" in metrics:
        fail(400, "MEMBERS_REACHED with DAILY aggregation is not supported by LinkedIn API")
    span = _date_range(body, False)
    _linkedin(state, ctx)
    today = state.clock.now().date()
    start, end = span or (today - timedelta(days=7), today)

    def value(metric: str) -> Any:
        if aggregation == "TOTAL":
            return stable_number(body["platformId"], metric, start.isoformat(), end.isoformat(),
                                 low=_RANGES[metric][0], high=_RANGES[metric][1] * 5)
        days = [start + timedelta(days=i) for i in range((end - start).days)]
        return [{"count": stable_number(body["platformId"], metric, d.isoformat(), low=0, high=_RANGES[metric][1] // 10),
                 "dateRange": {"start": _ymd(d), "end": _ymd(d + timedelta(days=1))}} for d in days]

    if single:
        return 200, {"success": True, "data": value(metrics[0]), "aggregation": aggregation, "cached": False}
    return 200, {"success": True, "metrics": {m: value(m) for m in metrics}, "aggregation": aggregation,
                 "cached": False}


def linkedin_followers(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-followers`` (lifetime or daily)."""
    body = _body(ctx)
    if not body.get("platformId"):
        fail(400, "platformId is required")
    period = body.get("period", "lifetime")
    if period not in ("lifetime", "daily"):
        fail(400, "Invalid period. Must be one of: lifetime, daily")
    span = _date_range(body, period == "daily")
    conn = _linkedin(state, ctx)
    total = stable_number(conn["platformId"], "followers", low=300, high=25000)
    if period == "lifetime":
        return 200, {"success": True, "followersCount": total, "cached": False}
    assert span is not None
    start, end = span
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    rows = [{"date": d.isoformat(), "count": stable_number(conn["platformId"], d.isoformat(), low=0, high=40)}
            for d in days]
    return 200, {"success": True, "data": rows, "totalGrowth": sum(r["count"] for r in rows), "cached": False}


def linkedin_profile_summary(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-profile-summary``."""
    body = _body(ctx)
    if not body.get("platformId"):
        fail(400, "platformId is required")
    span = _date_range(body, False)
    conn = _linkedin(state, ctx)
    pid = conn["platformId"]
    followers: dict[str, Any] = {"total": stable_number(pid, "followers", low=300, high=25000)}
    if span:
        followers["periodGrowth"] = stable_number(pid, "growth", span[0].isoformat(), low=0, high=400)
    return 200, {"success": True, "profile": {"followers": followers, "posts": {
        "totalImpressions": stable_number(pid, "imp", low=1000, high=90000),
        "totalReactions": stable_number(pid, "react", low=20, high=3000),
        "totalComments": stable_number(pid, "comm", low=0, high=400),
        "totalReshares": stable_number(pid, "resh", low=0, high=200),
        "totalMembersReached": stable_number(pid, "reach", low=500, high=50000)}}}


REACTIONS = ("LIKE", "PRAISE", "EMPATHY", "INTEREST", "APPRECIATION", "ENTERTAINMENT")


def _person(conn: dict[str, Any]) -> str:
    kind = "organization" if conn.get("accountType") == "organization" else "person"
    return f"urn:li:{kind}:{conn['platformId'].split('-', 1)[1]}"


def linkedin_react(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-reactions`` -> 201; ``DELETE`` -> 200."""
    body = _body(ctx) or dict(ctx.query)
    posted = body.get("postedId")
    if not isinstance(posted, str) or not posted.startswith("urn:li:"):
        fail(400, "postedId must be a LinkedIn URN (urn:li:share:, urn:li:ugcPost: or urn:li:activity:)")
    conn = _linkedin(state, Ctx(**{**ctx.__dict__, "body": body}))
    reactions = state.data.setdefault("linkedinReactions", {})
    key = f"{conn['platformId']}|{posted}"
    if ctx.method == "DELETE":
        reaction = reactions.pop(key, None)
        return 200, {"success": True, "reaction": reaction or {"actor": _person(conn), "object": posted}}
    kind = body.get("reactionType")
    if kind not in REACTIONS:
        fail(400, f"reactionType must be one of: {', '.join(REACTIONS)}")
    if key in reactions:
        raise ApiError(409, {"error": "REACTION_ALREADY_EXISTS", "message": "You have already reacted to this post",
                             "requestedReactionType": kind})
    reaction = {"reactionType": kind, "actor": _person(conn), "object": posted}
    reactions[key] = reaction
    return 201, {"success": True, "reaction": reaction}


def linkedin_comment(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-comments`` -> 201 (``DELETE`` with ``commentId`` -> 200 ``deleted``)."""
    body = _body(ctx) or dict(ctx.query)
    conn = _linkedin(state, Ctx(**{**ctx.__dict__, "body": body}))
    posted = body.get("postedId")
    if not isinstance(posted, str) or not posted:
        fail(400, "postedId is required")
    if ctx.method == "DELETE":
        if not body.get("commentId"):
            fail(400, "postedId, commentId and platformId are required")
        return 200, {"success": True, "deleted": True}
    message = body.get("message")
    if not isinstance(message, str) or (not message and not body.get("imageUrl")):
        fail(400, "message is required")
    if len(message) > 10000:
        fail(400, "message must be at most 10000 characters")
    cid = str(stable_number(posted, message, low=10**18, high=10**19 - 1))
    return 201, {"success": True, "comment": {"id": cid, "message": message, "actor": _person(conn),
                                              "object": posted}}


def linkedin_reshare(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /linkedin-reshare`` -> 201."""
    body = _body(ctx)
    conn = _linkedin(state, ctx)
    parent = body.get("parent")
    if not isinstance(parent, str) or not re.match(r"^urn:li:(share|ugcPost):\d+$", parent):
        fail(400, "parent must be a LinkedIn post URN like urn:li:share:<id> or urn:li:ugcPost:<id>")
    if len(str(body.get("commentary") or "")) > 3000:
        fail(400, "commentary must be at most 3000 characters")
    if body.get("visibility", "PUBLIC") not in ("PUBLIC", "CONNECTIONS"):
        fail(400, "visibility must be one of: PUBLIC, CONNECTIONS")
    rid = f"urn:li:share:{stable_number(parent, conn['platformId'], low=10**18, high=10**19 - 1)}"
    return 201, {"success": True, "reshare": {"id": rid, "lifecycleState": "PUBLISHED", "parent": parent,
                                              "author": _person(conn)}}


def linkedin_mentionables(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /linkedin-mentionables?q=&limit=``."""
    if not state.config.plan.get("analytics", True):
        fail(403, "LinkedIn mentionables require a paid plan", "UPGRADE_REQUIRED")
    try:
        limit = min(100, max(1, int(ctx.query.get("limit") or 25)))
    except ValueError:
        limit = 25
    q = (ctx.query.get("q") or "").lower()
    people = [("Dk968RHxiO", "Ada Lovelace"), ("Qm21LpXv0a", "Grace Hopper"), ("Zt7Ybn3KcE", "Alan Turing")]
    out = [{"personId": pid, "name": name, "profileUrl": f"https://www.linkedin.com/in/{name.lower().replace(' ', '')}",
            "profilePicture": None, "source": "comment" if i % 2 == 0 else "reaction",
            "lastSeenAt": iso(state.clock.now() - timedelta(days=i + 1)), "mention": f"@{{urn:li:person:{pid}|{name}}}"}
           for i, (pid, name) in enumerate(people) if q in name.lower()]
    return 200, {"success": True, "people": out[:limit]}


def _analytics_plan(state: SandboxState) -> None:
    if not state.config.plan.get("analytics", True):
        fail(403, "Mastodon and Bluesky analytics require a Pro or Premium plan", "ANALYTICS_PLAN_REQUIRED")


def post_statistics(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /post-statistics`` (Mastodon/Bluesky)."""
    _analytics_plan(state)
    items = _body(ctx).get("posts")
    if not isinstance(items, list) or not items:
        fail(400, "posts array is required")
    if len(items) > 50:
        fail(400, "Maximum 50 posts per request")
    stats: dict[str, Any] = {}
    issues: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) and 0 < len(item[k]) <= 512 for k in ("platform", "platformId", "postedId")):
            fail(400, "Each post must have string platform, platformId and postedId")
        platform = item["platform"]
        if platform not in ("mastodon", "bluesky"):
            fail(400, f"Unsupported platform \"{platform}\". Supported: mastodon, bluesky")
    for item in items:
        platform, pid, posted = item["platform"], item["platformId"], item["postedId"]
        compound = pid if pid.startswith(platform + "-") else f"{platform}-{pid}"
        if state.connection(ctx.user_id, compound) is None:
            issues[compound] = "CONNECTION_NOT_FOUND"
            stats[posted] = None
            continue
        counts: dict[str, int | None] = {k: stable_number(posted, k, low=0, high=high) for k, high in (
            ("reactions", 300), ("comments", 40), ("reposts", 60), ("quotes", 10), ("saves", 25))}
        counts.update(impressions=None, reach=None, clicks=None)  # the networks do not expose these
        stats[posted] = counts
    answer: dict[str, Any] = {"success": True, "stats": stats}
    if issues:
        answer["issues"] = issues
    return 200, answer


def profile_statistics(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /profile-statistics`` (Mastodon/Bluesky)."""
    _analytics_plan(state)
    body = _body(ctx)
    platform, pid = body.get("platform"), body.get("platformId")
    if not platform or not pid:
        fail(400, "platform and platformId are required")
    if platform not in ("mastodon", "bluesky"):
        fail(400, f"Unsupported platform \"{platform}\". Supported: mastodon, bluesky")
    compound = pid if str(pid).startswith(platform + "-") else f"{platform}-{pid}"
    if state.connection(ctx.user_id, compound) is None:
        fail(404, f"{platform} connection not found")
    return 200, {"success": True, "profile": {
        "followers": stable_number(compound, "followers", low=50, high=9000),
        "following": stable_number(compound, "following", low=10, high=900),
        "posts": stable_number(compound, "posts", low=20, high=3000)},
        "cached": False, "fetchedAt": iso(state.clock.now())}


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "platform-connections", platform_connections),
    ("POST", "test-connection/{platformId:path}", test_connection),
    ("GET", "platform-limits", platform_limits),
    ("GET", "webhooks", list_webhooks),
    ("POST", "webhooks", create_webhook),
    ("PATCH", "webhooks/{id}", update_webhook),
    ("DELETE", "webhooks/{id}", delete_webhook),
    ("POST", "webhooks/{id}/regenerate-secret", regenerate_secret),
    ("GET", "workspace/users", list_users),
    ("POST", "workspace/users", create_user),
    ("POST", "workspace/users/attach", attach_user),
    ("DELETE", "workspace/users/{userId}", detach_user),
    ("POST", "workspace/users/{userId}/api-key", user_api_key),
    ("POST", "workspace/users/{userId}/connection-url", connection_url),
    ("POST", "linkedin-post-statistics", linkedin_post_statistics),
    ("POST", "linkedin-account-statistics", linkedin_account_statistics),
    ("POST", "linkedin-followers", linkedin_followers),
    ("POST", "linkedin-profile-summary", linkedin_profile_summary),
    ("POST", "linkedin-reactions", linkedin_react),
    ("DELETE", "linkedin-reactions", linkedin_react),
    ("POST", "linkedin-comments", linkedin_comment),
    ("DELETE", "linkedin-comments", linkedin_comment),
    ("POST", "linkedin-reshare", linkedin_reshare),
    ("GET", "linkedin-mentionables", linkedin_mentionables),
    ("POST", "post-statistics", post_statistics),
    ("POST", "profile-statistics", profile_statistics),
]
