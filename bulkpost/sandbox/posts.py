"""Post and media endpoints of the sandbox (contract §3-§8, §12)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .core import (
    Answer,
    Ctx,
    check_limits,
    check_media_urls,
    check_ownership,
    check_youtube_playlist,
    count_monthly,
    demote,
    effective_time,
    fail,
    group_for,
    group_view,
    ingest_urls,
    is_linkedin_repost,
    is_object_id,
    media_path,
    merge_settings,
    new_media_record,
    parse_first_comment,
    parse_platforms_create,
    parse_platforms_update,
    parse_settings,
    platform_of,
    probe_media,
    run_gate,
    sanitize_file_name,
)
from .media import family_of
from .publisher import Webhooks, write_log
from .state import SandboxState
from .util import iso, parse_client_time, parse_iso, parse_loose_date

EDITABLE = ("draft", "scheduled")
UPDATE_FIELDS = ("status", "scheduledTime", "content", "platforms", "platformSettings", "mediaUrls")


def _body(ctx: Ctx) -> dict[str, Any]:
    return ctx.body if isinstance(ctx.body, dict) else {}


def _new_post(state: SandboxState, compound: str, content: str, status: str) -> dict[str, Any]:
    return {"_id": state.new_id(), "platform": platform_of(compound), "compoundId": compound, "content": content,
            "status": status, "postedId": None, "permalink": None, "isThread": False, "threadParts": [],
            "firstCommentResult": None}


def _scheduled_event(state: SandboxState, hooks: Webhooks, group: dict[str, Any]) -> None:
    write_log(state, group, "scheduled", metadata={"scheduledTime": group["scheduledTime"]})
    hooks.emit(group["userId"], "post.scheduled", {"postGroupId": group["_id"],
                                                   "scheduledTime": group["scheduledTime"],
                                                   "platforms": list(group["platforms"])})


def create_post(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /create-post``: a draft without ``scheduledTime``, else scheduled after the gate."""
    body = _body(ctx)
    settings = parse_settings(body.get("platformSettings"), allow_thumbnail=False)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        if not (is_linkedin_repost(settings) and content in (None, "")):
            fail(400, "Content is required")
    content = content or ""
    platforms = parse_platforms_create(body.get("platforms"))
    requested: datetime | None = None
    if body.get("scheduledTime") is not None:
        requested = parse_client_time(body["scheduledTime"])
        if requested is None:
            fail(400, "Invalid scheduled time format")
    if "firstComment" in body and "firstComments" in body:
        fail(400, "Send either firstComment or firstComments, not both", "FIRST_COMMENT_INVALID", field="firstComments")
    check_ownership(state, ctx, platforms)
    check_youtube_playlist(settings, platforms)
    first, warnings = parse_first_comment(state, ctx, body.get("firstComment"), platforms)
    when: datetime | None = None
    if requested is not None:
        when, warning = effective_time(state, requested)
        if warning:
            warnings.insert(0, warning)
    ingested: list[dict[str, Any]] = []
    if "mediaUrls" in body and body["mediaUrls"] is not None:
        ingested = ingest_urls(state, ctx, check_media_urls(body["mediaUrls"]))
    for record in ingested:
        state.data["media"][record["_id"]] = record  # kept only if the request commits (see below)
    status = "scheduled" if when is not None else "draft"
    try:
        if when is not None:
            run_gate(state, ctx, content, platforms, [m["_id"] for m in ingested], {})
            check_limits(state, ctx, platforms, when, None)
    except Exception:
        for record in ingested:
            state.data["media"].pop(record["_id"], None)
        raise
    now = iso(state.clock.now())
    gid = state.new_id()
    group: dict[str, Any] = {
        "_id": gid, "userId": ctx.user_id, "content": content, "platforms": platforms,
        "platformSettings": merge_settings({}, settings, with_defaults=True), "firstComment": first,
        "status": status, "scheduledTime": iso(when) if when else None, "createdAt": now, "updatedAt": now,
        "media": [], "posts": [_new_post(state, p, content, status) for p in platforms], "dispatched": False,
    }
    for record in ingested:
        record["postGroupId"] = gid
        group["media"].append(record["_id"])
    state.data["groups"][gid] = group
    if status == "scheduled":
        count_monthly(state, ctx, group)
        _scheduled_event(state, hooks, group)
    answer: dict[str, Any] = {"success": True, "postGroupId": gid, "scheduledTime": group["scheduledTime"]}
    if warnings:
        answer["warnings"] = warnings
    if ingested:
        answer["media"] = [{"ok": True, "url": m["url"], "mediaId": m["_id"], "type": m["type"],
                            "mimeType": m["mimeType"]} for m in ingested]
    return 200, answer


def _group_or_404(state: SandboxState, ctx: Ctx, gid: str) -> dict[str, Any]:
    """The acting user's post group ``gid``; an unknown one answers 404."""
    group = group_for(state, ctx, gid)
    if group is None:
        fail(404, "Post group not found")
    return group


def _path_group(state: SandboxState, ctx: Ctx, malformed: str) -> tuple[str, dict[str, Any]]:
    """The path's ``:postGroupId`` and its group. A malformed id answers 500 with ``malformed``
    (Publora's ObjectId cast fails inside the handler), an unknown one 404."""
    gid = ctx.params["postGroupId"]
    if not is_object_id(gid):
        fail(500, malformed)
    return gid, _group_or_404(state, ctx, gid)


def _check_editable(group: dict[str, Any]) -> None:
    if group["status"] not in EDITABLE:
        fail(400, f"Cannot update post: post is currently in {group['status']} status", "POST_NOT_EDITABLE")
    for post in group["posts"]:
        if post["status"] in ("published", "failed", "processing"):
            fail(400, f"Cannot edit a post with a child in {post['status']} status.", "POST_NOT_EDITABLE")


def update_post(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``PUT /update-post/:postGroupId``: patch a draft or scheduled group."""
    gid, group = _path_group(state, ctx, "Failed to update post")
    body = _body(ctx)
    status_value = body.get("status") or None  # falsy "" / null / 0 count as absent
    present = {k for k in UPDATE_FIELDS if k in body} - ({"status"} if status_value is None else set())
    if "scheduledTime" in present and body["scheduledTime"] is None:
        present.discard("scheduledTime")
    if not present and "firstComment" not in body:
        fail(400, "At least one of status, scheduledTime, content, platforms, platformSettings, or mediaUrls must be provided")
    _check_editable(group)
    if status_value is not None and status_value not in EDITABLE:
        fail(400, "Status must be either 'draft' or 'scheduled'")
    content = group["content"]
    if "content" in body:
        if not isinstance(body["content"], str):
            fail(400, "content must be a string", "INVALID_CONTENT", field="content")
        content = body["content"]
    platforms = list(group["platforms"])
    if "platforms" in body:
        platforms = parse_platforms_update(body["platforms"])
        check_ownership(state, ctx, platforms)
    settings = group.get("platformSettings") or {}
    if "platformSettings" in body:
        settings = merge_settings(settings, parse_settings(body["platformSettings"], allow_thumbnail=True),
                                  with_defaults=True)
    check_youtube_playlist(settings, platforms)
    requested: datetime | None = None
    if "scheduledTime" in present:
        requested = parse_client_time(body["scheduledTime"])
        if requested is None:
            fail(400, "Invalid scheduled time format")
    first = group.get("firstComment")
    warnings: list[dict[str, Any]] = []
    if "firstComment" in body:
        first, warnings = parse_first_comment(state, ctx, body["firstComment"], platforms)
    new_status = status_value or group["status"]
    when: datetime | None = parse_iso(group["scheduledTime"]) if group.get("scheduledTime") else None
    if new_status == "scheduled":
        if not platforms:
            fail(400, "PLATFORMS_REQUIRED", "PLATFORMS_REQUIRED",
                 message="At least one platform is required to schedule a post. Add a platform or keep the post "
                         "as a draft.")
        if not content.strip() and not is_linkedin_repost(settings):
            fail(400, "Content is required", "INVALID_CONTENT", field="content")
        if requested is None and when is None:
            when = state.clock.now()  # scheduled with no time anywhere: now
        else:
            when, warning = effective_time(state, requested or when)  # type: ignore[arg-type]
            if warning:
                warnings.insert(0, warning)
    elif requested is not None:
        when, warning = effective_time(state, requested)
        if warning:
            warnings.insert(0, warning)
    ingested: list[dict[str, Any]] = []
    if "mediaUrls" in body:
        ingested = ingest_urls(state, ctx, check_media_urls(body["mediaUrls"]))
    media_ids = list(group["media"]) + [m["_id"] for m in ingested]
    for record in ingested:
        state.data["media"][record["_id"]] = record
    try:
        if new_status == "scheduled":
            assert when is not None
            run_gate(state, ctx, content, platforms, media_ids, {})
            check_limits(state, ctx, platforms, when, group)
    except Exception:
        for record in ingested:
            state.data["media"].pop(record["_id"], None)
        raise
    # --- commit ---
    was = group["status"]
    old_time = group.get("scheduledTime")
    kept = {p["compoundId"]: p for p in group["posts"] if p["compoundId"] in platforms}
    group["posts"] = [kept.get(p) or _new_post(state, p, content, new_status) for p in platforms]
    for post in group["posts"]:
        post["content"] = content
        post["status"] = new_status
    group.update(content=content, platforms=platforms, platformSettings=settings, firstComment=first,
                 status=new_status, scheduledTime=iso(when) if when else None, updatedAt=iso(state.clock.now()),
                 dispatched=False)
    for record in ingested:
        record["postGroupId"] = gid
    group["media"] = media_ids
    if new_status == "scheduled":
        count_monthly(state, ctx, group)
        if was != "scheduled" or old_time != group["scheduledTime"]:
            _scheduled_event(state, hooks, group)
    elif was == "scheduled":
        write_log(state, group, "status_changed", metadata={"from": "scheduled", "to": "draft"})
    return 200, _update_answer(group, warnings, "Post updated successfully")


def _update_answer(group: dict[str, Any], warnings: list[dict[str, Any]], message: str) -> dict[str, Any]:
    post_group: dict[str, Any] = {"_id": group["_id"], "status": group["status"], "content": group["content"],
                                  "platforms": list(group["platforms"])}
    if group.get("scheduledTime"):
        post_group["scheduledTime"] = group["scheduledTime"]
    answer: dict[str, Any] = {"success": True, "message": message, "scheduledTime": group.get("scheduledTime"),
                              "postGroup": post_group}
    if warnings:
        answer["warnings"] = warnings
    return answer


def get_post(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /get-post/:postGroupId``."""
    _, group = _path_group(state, ctx, "Failed to fetch post group")
    return 200, group_view(state, group)


_STATUSES = ("draft", "scheduled", "published", "failed", "partially_published")
_SORTS = ("createdAt", "updatedAt", "scheduledTime")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def list_posts(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /list-posts``: filters, sorting and the pagination object."""
    q = ctx.query
    page = max(1, _int(q.get("page"), 1))
    limit = min(100, max(1, _int(q.get("limit"), 20) or 20))
    status = q.get("status")
    if status and status not in _STATUSES:
        fail(400, "Invalid status. Must be one of: draft, scheduled, published, failed, partially_published")
    sort_by = q.get("sortBy") or "createdAt"
    if sort_by not in _SORTS:
        fail(400, "Invalid sortBy. Must be one of: createdAt, updatedAt, scheduledTime")
    descending = (q.get("sortOrder") or "desc") != "asc"
    bounds: dict[str, datetime] = {}
    for name in ("fromDate", "toDate"):
        if q.get(name):
            moment = parse_loose_date(q[name])
            if moment is None:
                fail(400, f"Invalid {name} format")
            bounds[name] = moment
    platform = (q.get("platform") or "").lower()
    groups = [g for g in state.data["groups"].values() if g["userId"] == ctx.user_id]
    if status:
        groups = [g for g in groups if g["status"] == status]
    if platform:
        groups = [g for g in groups if any(p.lower().startswith(platform + "-") for p in g["platforms"])]
    if bounds:
        def inside(g: dict[str, Any]) -> bool:
            if not g.get("scheduledTime"):
                return False
            moment = parse_iso(g["scheduledTime"])
            return bounds.get("fromDate", moment) <= moment <= bounds.get("toDate", moment)
        groups = [g for g in groups if inside(g)]
    # Missing values sort lowest, like MongoDB's null; ties by id (creation order).
    groups.sort(key=lambda g: (g.get(sort_by) is not None, g.get(sort_by) or "", g["_id"]), reverse=descending)
    total = len(groups)
    pages = (total + limit - 1) // limit
    chunk = groups[(page - 1) * limit: page * limit]
    posts = [{
        "postGroupId": g["_id"], "content": g["content"], "status": g["status"], "scheduledTime": g.get("scheduledTime"),
        "createdAt": g["createdAt"], "updatedAt": g["updatedAt"],
        "platforms": [{"platformId": p["compoundId"], "platform": p["platform"], "status": p["status"]}
                      for p in g["posts"]],
        "mediaUrls": [state.data["media"][m]["url"] for m in g["media"] if m in state.data["media"]],
    } for g in chunk]
    return 200, {"success": True, "posts": posts, "pagination": {
        "page": page, "limit": limit, "totalItems": total, "totalPages": pages,
        "hasNextPage": page < pages, "hasPrevPage": page > 1}}


def delete_post(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``DELETE /delete-post/:postGroupId``: any status; removes platform posts, media, logs."""
    gid, group = _path_group(state, ctx, "Failed to delete post group")
    for mid in group["media"]:
        state.data["media"].pop(mid, None)
        media_path(state, mid).unlink(missing_ok=True)
    state.data["logs"] = [log for log in state.data["logs"] if log["postGroupId"] != gid]
    del state.data["groups"][gid]
    return 200, {"success": True}


def post_logs(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``GET /post-logs/:postGroupId``: the first 100 entries, oldest first."""
    gid, _ = _path_group(state, ctx, "Failed to get post logs")
    logs = [log for log in state.data["logs"] if log["postGroupId"] == gid][:100]
    return 200, {"success": True, "logs": logs}


# --- media -------------------------------------------------------------------------------------------

def get_upload_url(state: SandboxState, hooks: Webhooks, ctx: Ctx, sign_upload: Any) -> Answer:
    """``POST /get-upload-url``: a media record now (call order = carousel order) and a
    presigned PUT URL on the sandbox itself, valid for one hour."""
    body = _body(ctx)
    file_name, content_type, gid = body.get("fileName"), body.get("contentType"), body.get("postGroupId")
    if not file_name or not content_type or not gid:
        fail(400, "fileName, contentType, and postGroupId are required")
    if not all(isinstance(v, str) for v in (file_name, content_type, gid)):
        fail(400, "fileName, contentType, and postGroupId are required")
    family = family_of(content_type)
    if family is None:
        fail(400, "Only video, image, and PDF files are allowed")
    if body.get("type") in ("image", "video", "document"):
        family = body["type"]
    group = group_for(state, ctx, gid) if is_object_id(gid) else None
    if group is None:
        fail(400, "Invalid postGroupId")
    _check_editable(group)
    record = new_media_record(state, ctx, gid, sanitize_file_name(file_name), content_type, family)
    state.data["media"][record["_id"]] = record
    group["media"].append(record["_id"])
    group["updatedAt"] = iso(state.clock.now())
    answer: dict[str, Any] = {"success": True, "uploadUrl": sign_upload(ctx, record), "fileUrl": record["url"],
                              "mediaId": record["_id"]}
    if group["status"] == "scheduled":
        demote(state, hooks, group, "attach", record["_id"])
        answer["postGroupDemoted"] = True
        answer["message"] = ("The post group was scheduled and has been moved back to draft because its media "
                             "changed. Schedule it again with update-post.")
    return 200, answer


def complete_media(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /complete-media/:mediaFileId``: probe the uploaded bytes."""
    mid = ctx.params["mediaFileId"]
    if not is_object_id(mid):
        fail(400, "Invalid media file id", "INVALID_MEDIA_FILE_ID")
    media = state.data["media"].get(mid)
    if media is None or media["userId"] != ctx.user_id:
        fail(404, "Media file not found", "MEDIA_FILE_NOT_FOUND")
    if media["status"] != "ready" or not media.get("metadata"):
        if not media.get("uploaded"):
            fail(503, "Could not download the uploaded file for probing. Upload it first, or retry in a few "
                      "seconds.", "PROBE_DOWNLOAD_FAILED")
        probe_media(state, media)
        if media["status"] == "failed":
            fail(400, media["failureReason"] or "Probe failed", "PROBE_FAILED")
    return 200, {"success": True, "mediaFile": {k: media[k] for k in ("_id", "type", "mimeType", "fileName", "url",
                                                                      "status", "metadata")}}


def delete_media(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``DELETE /media/:mediaId``: detach one file (demotes a scheduled group)."""
    mid = ctx.params["mediaId"]
    if not is_object_id(mid):
        fail(400, "Invalid mediaId")
    media = state.data["media"].get(mid)
    if media is None or media["userId"] != ctx.user_id:
        fail(404, "Media file not found")
    group = state.data["groups"].get(media["postGroupId"])
    answer: dict[str, Any] = {"success": True}
    if group is not None and group["status"] not in EDITABLE:
        fail(400, f"Cannot remove media from a post in {group['status']} status")
    del state.data["media"][mid]
    media_path(state, mid).unlink(missing_ok=True)
    if group is None:
        answer["groupAlreadyMissing"] = True
        return 200, answer
    group["media"] = [m for m in group["media"] if m != mid]
    group["updatedAt"] = iso(state.clock.now())
    if group["status"] == "scheduled":
        demote(state, hooks, group, "detach", mid)
        answer["postGroupDemoted"] = True
        answer["message"] = "The post group was scheduled and has been moved back to draft because its media changed."
    return 200, answer


def attach_media(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /attach-media/:postGroupId``: server-side download; always leaves a draft."""
    gid = ctx.params["postGroupId"]
    if not is_object_id(gid):
        fail(400, "Invalid post group ID")
    body = _body(ctx)
    if set(body) - {"file", "fileName"} or not isinstance(body.get("file"), dict):
        fail(400, "Body must be { file: { download_url, file_id, mime_type?, file_name? }, fileName? }",
             "INVALID_MEDIA_FILE")
    file = body["file"]
    if set(file) - {"download_url", "file_id", "mime_type", "file_name"} or not isinstance(
            file.get("download_url"), str) or not isinstance(file.get("file_id"), str):
        fail(400, "file.download_url and file.file_id are required strings", "INVALID_MEDIA_FILE")
    group = _group_or_404(state, ctx, gid)
    _check_editable(group)
    name = body.get("fileName") or file.get("file_name")
    records = ingest_urls(state, ctx, [file["download_url"]], mime_hint=file.get("mime_type"),
                          name_hint=name if isinstance(name, str) else None)
    for record in records:
        record["postGroupId"] = gid
        state.data["media"][record["_id"]] = record
        group["media"].append(record["_id"])
    was = group["status"]
    group["status"] = "draft"
    for post in group["posts"]:
        post["status"] = "draft"
    group["updatedAt"] = iso(state.clock.now())
    if was == "scheduled":
        write_log(state, group, "status_changed", metadata={"from": "scheduled", "to": "draft"})
    return 200, _update_answer(group, [], "Media attached successfully")


def attach_fingerprint(ctx: Ctx) -> str:
    """attach-media's idempotency binding: post id + ``file_id`` + final file name."""
    body = _body(ctx)
    file = body.get("file") if isinstance(body.get("file"), dict) else {}
    name = body.get("fileName") or (file or {}).get("file_name") or ""
    return json.dumps(["attach-media", ctx.params.get("postGroupId"), (file or {}).get("file_id"), name])


def _form_file(ctx: Ctx, field_name: str) -> tuple[dict[str, str], tuple[str, str, bytes] | None]:
    """Parse a multipart body: (text fields, (filename, content type, bytes) of ``field_name``)."""
    import email.parser
    import email.policy

    content_type = ctx.headers.get("content-type", "")
    if "multipart/form-data" not in content_type:
        return ({str(k): str(v) for k, v in ctx.body.items()} if isinstance(ctx.body, dict) else {}), None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + ctx.raw_body)
    fields: dict[str, str] = {}
    upload: tuple[str, str, bytes] | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        if name == field_name and part.get_filename() is not None:
            upload = (part.get_filename() or "file", part.get_content_type(), payload)
        elif isinstance(name, str):
            fields[name] = payload.decode("utf-8", "replace")
    return fields, upload


def _upload_side_file(state: SandboxState, ctx: Ctx, field_name: str, what: str) -> tuple[
        dict[str, Any], str, bytes, Any]:
    from .media import probe_bytes

    fields, upload = _form_file(ctx, field_name)
    gid = fields.get("postGroupId")
    if not gid:
        fail(400, "postGroupId is required")
    if not is_object_id(gid):
        fail(400, "Invalid postGroupId")
    group = _group_or_404(state, ctx, gid)
    if upload is None:
        fail(400, f"{field_name} file is required")
    if group["status"] not in EDITABLE:
        fail(400, f"Cannot upload {what} for a non-editable post")
    return group, upload[0], upload[2], probe_bytes(upload[2][:262144])


def upload_instagram_cover(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /upload-instagram-cover`` (multipart: ``cover``, ``postGroupId``)."""
    group, name, payload, probe = _upload_side_file(state, ctx, "cover", "Instagram cover")
    if probe is None or probe.format not in ("jpeg", "png", "webp"):
        fail(400, "Instagram covers must be JPEG, PNG, or WebP images")
    if len(payload) > 8 * 1024 * 1024:
        fail(400, "Instagram covers must be 8 MB or smaller")
    record = new_media_record(state, ctx, group["_id"], sanitize_file_name(name.rsplit(".", 1)[0]) + "-reel-cover.jpg",
                              "image/jpeg", "image", status="ready")
    media_path(state, record["_id"]).write_bytes(payload)
    record.update(size=len(payload), role="instagramCover")
    state.data["media"][record["_id"]] = record
    return 200, {"success": True, "cover": {"mediaId": record["_id"], "url": record["url"]},
                 "message": "Cover uploaded. Set platformSettings.instagram.coverUrl to this URL with update-post."}


def upload_youtube_thumbnail(state: SandboxState, hooks: Webhooks, ctx: Ctx) -> Answer:
    """``POST /upload-youtube-thumbnail`` (multipart: ``thumbnail``, ``postGroupId``)."""
    group, name, payload, probe = _upload_side_file(state, ctx, "thumbnail", "YouTube thumbnail")
    if probe is None or probe.format not in ("jpeg", "png"):
        fail(400, "YouTube thumbnails must be JPEG or PNG images")
    if len(payload) > 2 * 1024 * 1024:
        fail(400, "YouTube thumbnails must be 2 MB or smaller")
    if probe.width is not None and probe.height is not None and (probe.width < 640 or probe.height < 360):
        fail(400, "YouTube thumbnails must be at least 640x360 pixels")
    record = new_media_record(state, ctx, group["_id"], sanitize_file_name(name.rsplit(".", 1)[0]) + "-thumb.jpg",
                              probe.mime, "image", status="ready")
    media_path(state, record["_id"]).write_bytes(payload)
    record.update(size=len(payload), role="youtubeThumbnail")
    state.data["media"][record["_id"]] = record
    return 200, {"success": True, "thumbnail": {"mediaId": record["_id"], "url": record["url"]}}


__all__ = [
    "attach_fingerprint",
    "attach_media",
    "complete_media",
    "create_post",
    "delete_media",
    "delete_post",
    "get_post",
    "get_upload_url",
    "list_posts",
    "post_logs",
    "update_post",
    "upload_instagram_cover",
    "upload_youtube_thumbnail",
]
