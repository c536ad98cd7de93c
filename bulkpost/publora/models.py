"""Pydantic models of Publora's requests and responses.

Attribute names are snake_case; each field reads (and, for requests, writes) the camelCase JSON
name through an alias (``post_group_id`` <-> ``postGroupId``, ``id`` <-> ``_id``). Every model keeps
the fields it does not know (``extra="allow"``, in ``model_extra``), because Publora adds fields
often and a client that drops them would hide them from the caller.

Secrets in answers (a managed user's API key, a webhook secret) are ``SecretStr``: they print as
``**********``; read them with ``.get_secret_value()``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "AttachMediaResult",
    "AttachUserResult",
    "Connection",
    "ConnectionTest",
    "ConnectionUrl",
    "CreatePostRequest",
    "CreatePostResult",
    "CreateWebhookRequest",
    "FirstComment",
    "LastError",
    "LinkedInAccountStatistics",
    "LinkedInComment",
    "LinkedInCommentDeleted",
    "LinkedInFollowers",
    "LinkedInPostStatistics",
    "LinkedInProfileSummary",
    "LinkedInReaction",
    "LinkedInReshare",
    "ListedPlatform",
    "ManagedUser",
    "MediaItem",
    "Mentionable",
    "Pagination",
    "PlatformPost",
    "PlatformPostError",
    "PostGroup",
    "PostGroupRef",
    "PostLog",
    "PostStatistics",
    "PostSummary",
    "PostWarning",
    "ProfileStatistics",
    "PubloraModel",
    "ThreadPart",
    "UpdatePostRequest",
    "UpdatePostResult",
    "UpdateWebhookRequest",
    "UploadTarget",
    "Warning",
    "Webhook",
    "WorkspaceUserApiKey",
]


class PubloraModel(BaseModel):
    """Base of every model: camelCase aliases, unknown fields kept, population by name allowed."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
    )


# --- requests ---------------------------------------------------------------------------


class FirstComment(PubloraModel):
    """``firstComment``: a comment posted under the account's own post right after publishing.

    ``platforms`` are platform types (``linkedin``, ``twitter``...), not connection ids.
    """

    text: str
    platforms: list[str] | None = None


class CreatePostRequest(PubloraModel):
    """Body of ``POST /create-post``. Without ``scheduled_time`` the post is a draft."""

    content: str
    platforms: list[str]
    scheduled_time: str | None = None
    platform_settings: dict[str, Any] | None = None
    media_urls: list[str] | None = None
    first_comment: FirstComment | None = None


class UpdatePostRequest(PubloraModel):
    """Body of ``PUT /update-post/:id``: a patch, only the fields that were set are sent.

    ``first_comment=None`` set explicitly is sent as ``null`` (it removes the comment).
    """

    status: Literal["draft", "scheduled"] | None = None
    scheduled_time: str | None = None
    content: str | None = None
    platforms: list[str] | None = None
    platform_settings: dict[str, Any] | None = None
    media_urls: list[str] | None = None
    first_comment: FirstComment | None = None


class CreateWebhookRequest(PubloraModel):
    """Body of ``POST /webhooks``."""

    name: str
    url: str
    events: list[str]


class UpdateWebhookRequest(PubloraModel):
    """Body of ``PATCH /webhooks/:id``: only the fields that were set are sent."""

    name: str | None = None
    url: str | None = None
    events: list[str] | None = None
    is_active: bool | None = None


# --- posts ------------------------------------------------------------------------------


class PostWarning(PubloraModel):
    """One entry of ``warnings[]`` on a 2xx answer, e.g. ``SCHEDULED_TIME_COERCED``.

    Known extras by code: ``requested``/``effective`` (time coerced), ``media_file_id``,
    ``media_status``, ``pending_code``, ``attempts`` (media validation pending).
    """

    code: str
    message: str = ""


Warning = PostWarning  # noqa: A001  (the name agreed in CLIENT-API.md; PostWarning avoids the builtin)


class CreatePostResult(PubloraModel):
    """Answer of ``create-post`` (HTTP 200, also when replayed for the same Idempotency-Key)."""

    post_group_id: str
    scheduled_time: str | None = None
    warnings: list[PostWarning] = Field(default_factory=list)
    media: list[Any] | None = None
    success: bool | None = None


class PostGroupRef(PubloraModel):
    """The ``postGroup`` inside an update-post / attach-media answer."""

    id: str | None = Field(default=None, alias="_id")
    status: str | None = None
    content: str | None = None
    platforms: list[str] = Field(default_factory=list)
    scheduled_time: str | None = None


class UpdatePostResult(PubloraModel):
    """Answer of ``update-post``. ``media_validation_status`` is ``"pending"`` while probing."""

    scheduled_time: str | None = None
    post_group: PostGroupRef | None = None
    message: str | None = None
    warnings: list[PostWarning] = Field(default_factory=list)
    media_validation_status: str | None = None
    success: bool | None = None


AttachMediaResult = UpdatePostResult
"""``attach-media`` answers in the update-post shape."""


class ThreadPart(PubloraModel):
    """One part of an X / Threads chain in get-post (``posts[].threadParts[]``)."""

    index: int | None = None
    content: str | None = None
    status: str | None = None
    published_id: str | None = None


class PlatformPostError(PubloraModel):
    """``posts[].error`` of a failed platform post."""

    code: str | None = None
    message: str | None = None
    platform_status_code: int | None = None
    platform_error: str | None = None
    failed_at: str | None = None
    retryable: bool | None = None


class PlatformPost(PubloraModel):
    """One target of a post group in get-post. ``platform_id`` is the raw account id here."""

    id: str | None = Field(default=None, alias="_id")
    platform: str | None = None
    platform_id: str | None = None
    content: str | None = None
    status: str | None = None
    posted_id: str | None = None
    permalink: str | None = None
    is_thread: bool | None = None
    thread_parts: list[ThreadPart] = Field(default_factory=list)
    first_comment_result: dict[str, Any] | None = None
    error: PlatformPostError | None = None


class MediaItem(PubloraModel):
    """One entry of get-post's ``media[]`` (in attach order)."""

    media_id: str | None = None
    source_file_name: str | None = None
    file_name: str | None = None
    type: str | None = None
    mime_type: str | None = None
    status: str | None = None
    failure_reason: str | None = None
    url: str | None = None


class PostGroup(PubloraModel):
    """Answer of ``get-post``: the group's status and every platform post's result."""

    post_group_id: str
    status: str
    scheduled_time: str | None = None
    platforms: list[str] = Field(default_factory=list)
    platform_settings: dict[str, Any] = Field(default_factory=dict)
    first_comment: dict[str, Any] | None = None
    posts: list[PlatformPost] = Field(default_factory=list)
    media: list[MediaItem] = Field(default_factory=list)


class ListedPlatform(PubloraModel):
    """One target in a list-posts entry. ``platform_id`` is the compound id (``twitter-123``)."""

    platform_id: str | None = None
    platform: str | None = None
    status: str | None = None


class PostSummary(PubloraModel):
    """One entry of list-posts. No results (``postedId``, errors): use get-post for those.

    ``platforms`` accepts both readings of the contract: objects
    ``{platformId, platform, status}`` (documented) or bare compound ids.
    """

    post_group_id: str
    content: str | None = None
    status: str | None = None
    scheduled_time: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    platforms: list[ListedPlatform] = Field(default_factory=list)
    media_urls: list[str] = Field(default_factory=list)

    @field_validator("platforms", mode="before")
    @classmethod
    def _bare_ids(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [
                {"platformId": item, "platform": item.split("-", 1)[0]} if isinstance(item, str) else item
                for item in value
            ]
        return value


class Pagination(PubloraModel):
    """``pagination`` of list-posts."""

    page: int = 1
    limit: int | None = None
    total_items: int | None = None
    total_pages: int | None = None
    has_next_page: bool | None = None
    has_prev_page: bool | None = None


class PostLog(PubloraModel):
    """One publish-attempt log entry (``post-logs``), oldest first."""

    id: str | None = Field(default=None, alias="_id")
    post_group_id: str | None = None
    post_id: str | None = None
    platform: str | None = None
    event: str
    error: str | None = None
    http_status: int | None = None
    retry_count: int | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None


# --- connections ------------------------------------------------------------------------


class LastError(PubloraModel):
    """``lastError`` of a connection."""

    message: str | None = None
    occurred_at: str | None = None


class Connection(PubloraModel):
    """One connected account from ``platform-connections``; use ``platform_id`` in ``platforms``.

    ``token_status`` (``valid``/``expiring_soon``/``expired``/``unknown``) is the health signal.
    """

    platform_id: str
    username: str | None = None
    display_name: str | None = None
    profile_image_url: str | None = None
    profile_url: str | None = None
    access_token_expires_at: str | None = None
    token_status: str | None = None
    token_expires_in: str | None = None
    last_successful_post: str | None = None
    last_error: LastError | None = None
    subscription_type: str | None = None

    @property
    def platform(self) -> str:
        """The platform type: the compound id up to its first dash (``telegram--100...`` -> telegram)."""
        return self.platform_id.split("-", 1)[0]


class ConnectionTest(PubloraModel):
    """Answer of ``test-connection`` (always 200 for the outcome: read ``status``)."""

    platform: str | None = None
    platform_id: str | None = None
    username: str | None = None
    status: str
    message: str | None = None
    permissions: list[str] = Field(default_factory=list)
    token_expires_in: str | None = None
    last_successful_post: str | None = None
    last_error: LastError | None = None

    @property
    def ok(self) -> bool:
        """True when Publora could use the connection."""
        return self.status == "ok"


# --- media ------------------------------------------------------------------------------


class UploadTarget(PubloraModel):
    """Answer of ``get-upload-url``: PUT the bytes to ``upload_url`` (valid one hour).

    ``post_group_demoted`` is true when attaching turned a scheduled group back into a draft.
    """

    upload_url: str
    file_url: str | None = None
    media_id: str
    post_group_demoted: bool = False
    message: str | None = None


# --- webhooks ---------------------------------------------------------------------------


class Webhook(PubloraModel):
    """A webhook. ``secret`` is only present in the create answer (and masked in reprs)."""

    id: str = Field(alias="_id")
    name: str | None = None
    url: str | None = None
    events: list[str] = Field(default_factory=list)
    is_active: bool | None = None
    failure_count: int | None = None
    last_triggered_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    secret: SecretStr | None = None


# --- workspace --------------------------------------------------------------------------


class ManagedUser(PubloraModel):
    """A workspace-managed user; act as them with ``client.with_options(user_id=user.id)``."""

    id: str = Field(alias="_id")
    username: str | None = None
    display_name: str | None = None
    role: str | None = None
    daily_posts_left: int | None = None
    connections_page_url: str | None = None
    connections_page_token_expires_at: str | None = None
    is_active: bool | None = None


class AttachUserResult(PubloraModel):
    """Answer of ``workspace/users/attach``."""

    user: ManagedUser
    already_in_workspace: bool | None = None


class WorkspaceUserApiKey(PubloraModel):
    """A managed user's new API key (shown once; replaces the previous one)."""

    api_key: SecretStr
    user_id: str | None = None
    message: str | None = None


class ConnectionUrl(PubloraModel):
    """An OAuth connect link to hand to a managed user."""

    url: str
    token_expires_at: str | None = None


# --- analytics and engagement -----------------------------------------------------------


class LinkedInPostStatistics(PubloraModel):
    """``linkedin-post-statistics``: ``count`` for one ``query_type``, ``metrics`` for several.

    ``success`` is false on a partial failure; ``errors`` says which metrics failed.
    """

    success: bool | None = None
    count: int | None = None
    metrics: dict[str, Any] | None = None
    cached_metrics: list[str] | None = None
    cached: bool | None = None
    errors: list[dict[str, Any]] | None = None


class LinkedInAccountStatistics(PubloraModel):
    """``linkedin-account-statistics``: ``data`` (single metric) or ``metrics`` (several)."""

    success: bool | None = None
    data: Any = None
    metrics: dict[str, Any] | None = None
    aggregation: str | None = None
    cached_metrics: list[str] | None = None
    cached: bool | None = None


class LinkedInFollowers(PubloraModel):
    """``linkedin-followers``: ``followers_count`` (lifetime) or ``data``/``total_growth`` (daily)."""

    success: bool | None = None
    followers_count: int | None = None
    data: list[dict[str, Any]] | None = None
    total_growth: int | None = None
    cached: bool | None = None


class LinkedInProfileSummary(PubloraModel):
    """``linkedin-profile-summary``."""

    success: bool | None = None
    partial_data: bool | None = None
    profile: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


class LinkedInReaction(PubloraModel):
    """Answer of reacting to / unreacting from a LinkedIn post."""

    success: bool | None = None
    reaction: dict[str, Any] | None = None
    urn_translated: dict[str, Any] | None = None


class LinkedInComment(PubloraModel):
    """Answer of commenting on a LinkedIn post."""

    success: bool | None = None
    comment: dict[str, Any] | None = None


class LinkedInCommentDeleted(PubloraModel):
    """Answer of deleting a LinkedIn comment."""

    success: bool | None = None
    deleted: Any = None


class LinkedInReshare(PubloraModel):
    """Answer of ``linkedin-reshare``."""

    success: bool | None = None
    reshare: dict[str, Any] | None = None


class Mentionable(PubloraModel):
    """A LinkedIn member who can be mentioned (``linkedin-mentionables``)."""

    person_id: str | None = None
    name: str | None = None
    profile_url: str | None = None
    profile_picture: str | None = None
    source: str | None = None
    last_seen_at: str | None = None
    mention: str | None = None


class PostStatistics(PubloraModel):
    """``post-statistics`` (Mastodon/Bluesky): ``stats`` per postedId (``None`` when unavailable)."""

    success: bool | None = None
    stats: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    rate_limited: bool | None = None
    issues: dict[str, str] | None = None


class ProfileStatistics(PubloraModel):
    """``profile-statistics`` (Mastodon/Bluesky): followers/following/posts."""

    success: bool | None = None
    profile: dict[str, Any] | None = None
    cached: bool | None = None
    fetched_at: str | None = None
    rate_limited: bool | None = None
    unavailable: str | None = None
