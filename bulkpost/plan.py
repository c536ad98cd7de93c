"""Valid posts -> a plan: post groups, uploads, API calls and idempotency keys. Pure: no network.

A row becomes one **post group** per distinct (text, media) across its targets: Publora has no
per-network text, so a row with ``content_twitter`` and ``content_linkedin`` variants becomes
separate groups. ``platformSettings`` are keyed by network, so settings never force a split;
each group carries only the settings of its own networks.

How a group reaches Publora (``PostGroupPlan.steps``):

- text only: one ``create-post`` (with ``scheduledTime`` unless the row is a draft);
- https URLs only, within the 60 URLs/hour budget: one ``create-post`` with ``mediaUrls``;
- local files (or URLs past the budget, or URLs mixed with files): ``create-post`` as a draft,
  then per file in sheet order ``get-upload-url`` + ``PUT`` (URLs are downloaded first), then
  ``update-post`` with ``status: scheduled`` and the time (drafts stop after the uploads).

Identity and keys. ``row_hash`` is a hash of everything the row sends (text, resolved targets,
time, status, settings, first comment, media with sizes); ``occurrence`` counts earlier rows of
the sheet with the same hash (so two identical rows stay two posts). Idempotency-Keys are
derived from the sheet's identity, the row's hash and occurrence, the group and the step: a
changed row gets different keys, an unchanged row gets the same keys on every run. The row
*number* is deliberately not part of the key: inserting a row above would otherwise give every
row below new keys and, after 24 hours, a second post.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import ERROR, WARNING, Finding, finding
from .model import MediaRef, Post, Row
from .networks import CONNECT_ONLY, display_name, parse_connection_id

__all__ = [
    "MEDIA_URL_BUDGET",
    "ConnectionInfo",
    "Plan",
    "PlanSummary",
    "PlannedMedia",
    "PostGroupPlan",
    "RowPlan",
    "build_plan",
    "format_time",
    "sheet_identity",
]

#: Publora ingests at most 60 media URLs per hour per account (mediaUrls + attach-media).
MEDIA_URL_BUDGET = 60

#: Bumped when the hashing changes, so keys of old journals never collide with new ones.
_KEY_VERSION = "bp1"


def sheet_identity(path: str | Path, sheet: str | None = None, batch_id: str | None = None) -> str:
    """The identity a batch's idempotency keys derive from.

    An explicit ``batch_id`` wins; otherwise a hash of the sheet's absolute path and worksheet.
    (The journal stores the identity it was created with and reuses it, so a sheet moved
    together with its ``.bulkpost`` folder keeps its keys.)
    """
    if batch_id:
        return f"batch:{batch_id}"
    raw = f"{Path(path).expanduser().resolve()}\n{sheet or ''}"
    return "sheet:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def format_time(value: Any) -> str | None:
    """A UTC instant as Publora wants it: ``YYYY-MM-DDTHH:MM:SS.000Z`` (None stays None)."""
    if value is None:
        return None
    from datetime import timezone

    utc = value.astimezone(timezone.utc)
    return str(utc.strftime("%Y-%m-%dT%H:%M:%S.")) + f"{utc.microsecond // 1000:03d}Z"


def _hash(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """The facts about one connected account the planner needs (from ``platform-connections``)."""

    platform_id: str
    network: str
    username: str | None = None
    display_name: str | None = None
    token_status: str | None = None
    token_expires_in: str | None = None

    @property
    def label(self) -> str:
        name = self.username or self.display_name
        return f"{self.platform_id} ({name})" if name else self.platform_id

    @classmethod
    def coerce(cls, obj: Any) -> ConnectionInfo:
        """From the client's ``Connection`` model, a dict in Publora's JSON shape, or a ConnectionInfo."""
        if isinstance(obj, ConnectionInfo):
            return obj

        def pick(*names: str) -> Any:
            for n in names:
                if isinstance(obj, Mapping):
                    if obj.get(n) is not None:
                        return obj[n]
                elif getattr(obj, n, None) is not None:
                    return getattr(obj, n)
            return None

        pid = str(pick("platform_id", "platformId") or "")
        parsed = parse_connection_id(pid)
        return cls(
            platform_id=pid,
            network=parsed[0] if parsed else pid.split("-", 1)[0],
            username=pick("username"),
            display_name=pick("display_name", "displayName"),
            token_status=pick("token_status", "tokenStatus"),
            token_expires_in=pick("token_expires_in", "tokenExpiresIn"),
        )


@dataclass(slots=True)
class PlannedMedia:
    """One file of a group, in carousel order, and how it gets to Publora."""

    index: int
    """0-based position in the carousel."""
    source: str
    """As written in the sheet."""
    path: Path | None
    url: str | None
    content_type: str | None
    """MIME type sent to get-upload-url (from the file's bytes); None for a URL not yet downloaded."""
    size: int | None
    file_name: str

    @property
    def is_url(self) -> bool:
        return self.url is not None


@dataclass(slots=True)
class PostGroupPlan:
    """One post group to create: its payload, its media and the steps to get there."""

    row: Row
    index: int
    """Position of the group within its row (0-based)."""
    targets: list[str]
    """Connection ids, in sheet order."""
    content: str
    status: str
    """``"scheduled"`` or ``"draft"``."""
    scheduled_time: str | None
    """``YYYY-MM-DDTHH:MM:SS.000Z``; None for a draft."""
    platform_settings: dict[str, dict[str, Any]]
    first_comment: dict[str, Any] | None
    media: list[PlannedMedia]
    media_mode: str
    """``"none"``, ``"urls"`` (create with mediaUrls) or ``"upload"`` (draft, upload, schedule)."""
    user: str | None
    group_hash: str
    media_hash: str = ""
    """Hash of the media list alone (sources and sizes, in order)."""
    row_hash: str = ""
    occurrence: int = 0
    identity: str = ""

    @property
    def row_number(self) -> int:
        return self.row.number

    @property
    def networks(self) -> list[str]:
        out: dict[str, None] = {}
        for t in self.targets:
            parsed = parse_connection_id(t)
            out.setdefault(parsed[0] if parsed else t, None)
        return list(out)

    @property
    def uploads(self) -> list[PlannedMedia]:
        """The files that go through get-upload-url + PUT (URLs too in upload mode)."""
        return self.media if self.media_mode == "upload" else []

    @property
    def upload_bytes(self) -> int:
        return sum(m.size or 0 for m in self.uploads)

    @property
    def steps(self) -> list[str]:
        """The API steps in order: ``create``, ``upload:<i>`` per file, ``schedule``."""
        out = ["create"]
        if self.media_mode == "upload":
            out += [f"upload:{m.index}" for m in self.media]
            if self.status == "scheduled":
                out.append("schedule")
        return out

    @property
    def api_calls(self) -> int:
        """Publora API calls (an upload is get-upload-url + PUT)."""
        return sum(2 if s.startswith("upload:") else 1 for s in self.steps)

    def key(self, step: str, attempt: int = 0, *, mode: str | None = None) -> str:
        """The Idempotency-Key for ``step`` (``create``/``schedule``/``update``) of this group.

        ``attempt`` > 0 is used only after Publora definitely refused an earlier attempt (a
        4xx), so a retry is a new request rather than a replay of the refusal. ``mode`` lets
        the executor switch a URL group to uploading (a different body needs a different key).
        """
        raw = "\n".join(
            [self.identity, self.row_hash, str(self.occurrence), str(self.index), step, mode or self.media_mode, str(attempt)]
        )
        return f"{_KEY_VERSION}-{hashlib.sha256(raw.encode()).hexdigest()[:40]}"

    def create_body(self, *, mode: str | None = None) -> dict[str, Any]:
        """The ``create-post`` body for this group (``mode`` as in :meth:`key`)."""
        mode = mode or self.media_mode
        body: dict[str, Any] = {"content": self.content, "platforms": list(self.targets)}
        # Groups with uploads are created as drafts and scheduled once their media is attached.
        if self.status == "scheduled" and mode != "upload":
            body["scheduledTime"] = self.scheduled_time
        if self.platform_settings:
            body["platformSettings"] = self.platform_settings
        if self.first_comment:
            body["firstComment"] = self.first_comment
        if mode == "urls":
            body["mediaUrls"] = [m.url for m in self.media]
        return body

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row_number,
            "group": self.index,
            "targets": list(self.targets),
            "status": self.status,
            "scheduled_time": self.scheduled_time,
            "media_mode": self.media_mode,
            "media": [
                {"source": m.source, "content_type": m.content_type, "size": m.size, "url": m.is_url} for m in self.media
            ],
            "steps": self.steps,
            "api_calls": self.api_calls,
            "create_body": self.create_body(),
            "idempotency_key": self.key("create"),
        }


@dataclass(slots=True)
class RowPlan:
    """One sheet row: its groups, or the findings that stop it from being planned."""

    row: Row
    post: Post | None
    groups: list[PostGroupPlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    row_hash: str = ""
    occurrence: int = 0

    @property
    def number(self) -> int:
        return self.row.number

    @property
    def ok(self) -> bool:
        return bool(self.groups) and not any(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """The numbers the confirmation prompt and ``--dry-run`` show."""

    rows: int
    rows_blocked: int
    groups: int
    targets: int
    drafts: int
    uploads: int
    upload_bytes: int
    media_urls: int
    api_calls: int

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class Plan:
    """Every row of the batch, planned; ``findings`` holds what the pre-flight found."""

    identity: str
    rows: list[RowPlan]
    findings: list[Finding] = field(default_factory=list)

    @property
    def groups(self) -> list[PostGroupPlan]:
        return [g for r in self.rows if r.ok for g in r.groups]

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def summary(self) -> PlanSummary:
        groups = self.groups
        return PlanSummary(
            rows=len(self.rows),
            rows_blocked=sum(1 for r in self.rows if not r.ok),
            groups=len(groups),
            targets=sum(len(g.targets) for g in groups),
            drafts=sum(1 for g in groups if g.status == "draft"),
            uploads=sum(len(g.uploads) for g in groups),
            upload_bytes=sum(g.upload_bytes for g in groups),
            media_urls=sum(len(g.media) for g in groups if g.media_mode == "urls"),
            api_calls=sum(g.api_calls for g in groups),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "summary": self.summary().to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "groups": [g.to_dict() for g in self.groups],
        }


def _content_type(path: Path) -> str | None:
    """The MIME type from the file's first bytes, else from its extension."""
    try:
        import filetype

        kind = filetype.guess(str(path))
        if kind is not None:
            return str(kind.mime)
    except OSError:
        return None
    guess, _ = mimetypes.guess_type(path.name)
    return guess


def _file_name(ref: MediaRef) -> str:
    if ref.path is not None:
        return ref.path.name
    tail = (ref.url or ref.source).split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail or "media"


def _planned_media(refs: Sequence[MediaRef], base_dir: Path | None) -> tuple[list[PlannedMedia], list[str]]:
    out: list[PlannedMedia] = []
    problems: list[str] = []
    for i, ref in enumerate(refs):
        if ref.url is not None:
            out.append(PlannedMedia(i, ref.source, None, ref.url, None, None, _file_name(ref)))
            continue
        path = ref.path if ref.path is not None else Path(ref.source)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"media file {ref.source!r} cannot be read")
            continue
        ctype = _content_type(path)
        if ctype is None or not (ctype.startswith(("image/", "video/")) or ctype == "application/pdf"):
            problems.append(f"media file {ref.source!r} is not an image, a video or a PDF ({ctype or 'unknown type'})")
            continue
        out.append(PlannedMedia(i, ref.source, path, None, ctype, size, path.name))
    return out, problems


def _by_user(connections: Any) -> dict[str | None, list[ConnectionInfo]] | None:
    if connections is None:
        return None
    if isinstance(connections, Mapping):
        return {k: [ConnectionInfo.coerce(c) for c in v] for k, v in connections.items()}
    return {None: [ConnectionInfo.coerce(c) for c in connections]}


def _resolve_targets(
    post: Post, conns: list[ConnectionInfo] | None, warned: set[str]
) -> tuple[list[tuple[str, str]], list[Finding]]:
    """(network, connection id) per distinct target, plus findings.

    Without connections (offline), ids are taken as written and a bare network name is an error:
    it can only be resolved against the account's connections.
    """
    findings: list[Finding] = []
    resolved: list[tuple[str, str]] = []
    seen: set[str] = set()
    by_id = {c.platform_id: c for c in conns or []}
    for t in post.targets:
        network = t.network
        if network in CONNECT_ONLY:
            findings.append(
                finding(
                    "PLATFORM_NOT_PUBLISHABLE",
                    f"{display_name(network)} is connect-only in Publora: posts to {t.raw!r} can never be published.",
                    row=post.row,
                    key="platforms",
                    platform=network,
                    hint="Remove the Pinterest target from this row.",
                )
            )
            continue
        if t.connection_id is not None:
            cid = t.connection_id
            info = by_id.get(cid)
            if conns is not None and info is None:
                same = [c.label for c in conns if c.network == network]
                findings.append(
                    finding(
                        "CONNECTION_UNKNOWN",
                        f"connection {cid!r} is not connected to "
                        + (f"managed user {post.user}" if post.user else "this Publora account")
                        + (f"; connected {display_name(network)} accounts: {', '.join(same)}." if same else "."),
                        row=post.row,
                        key="platforms",
                        platform=network,
                        value=cid,
                        hint="Copy the id from `bulkpost connections`, or write the network name to use its one account.",
                    )
                )
                continue
        else:
            if conns is None:
                findings.append(
                    finding(
                        "CONNECTION_UNRESOLVED",
                        f"{t.raw!r} names a network; which account it means is only known online.",
                        row=post.row,
                        key="platforms",
                        platform=network,
                        hint="Run with the API key (or --sandbox) so bulkpost can look up the connection, or write the connection id.",
                    )
                )
                continue
            candidates = [c for c in conns if c.network == network]
            if not candidates:
                findings.append(
                    finding(
                        "CONNECTION_NOT_FOUND",
                        f"no {display_name(network)} account is connected to "
                        + (f"managed user {post.user}." if post.user else "this Publora account."),
                        row=post.row,
                        key="platforms",
                        platform=network,
                        value=t.raw,
                        hint=f"Connect a {display_name(network)} account in Publora, or remove the target.",
                    )
                )
                continue
            if len(candidates) > 1:
                findings.append(
                    finding(
                        "CONNECTION_AMBIGUOUS",
                        f"{t.raw!r} is ambiguous: {len(candidates)} {display_name(network)} accounts are connected: "
                        + ", ".join(c.label for c in candidates)
                        + ".",
                        row=post.row,
                        key="platforms",
                        platform=network,
                        value=t.raw,
                        hint="Write the connection id of the account you mean instead of the network name.",
                    )
                )
                continue
            info = candidates[0]
            cid = info.platform_id
        if cid in seen:
            continue
        seen.add(cid)
        resolved.append((network, cid))
        info = by_id.get(cid)
        # Explicit ids are the rules' business (bulkpost.rules warns once per connection); a
        # network name resolved here is invisible to them, so the planner warns for it, once.
        if t.connection_id is None and info is not None and info.token_status in ("expired", "expiring_soon") and cid not in warned:
            warned.add(cid)
            expired = info.token_status == "expired"
            findings.append(
                finding(
                    "CONNECTION_EXPIRED" if expired else "CONNECTION_EXPIRING",
                    f"the connection {info.label} "
                    + ("has expired: its posts will fail until it is reconnected." if expired else f"expires soon ({info.token_expires_in or 'soon'}).")
                    ,
                    row=post.row,
                    key="platforms",
                    platform=network,
                    severity=WARNING,
                    hint="Reconnect the account in Publora before the posts are due.",
                )
            )
    return resolved, findings


def _settings_for(post: Post, networks: Sequence[str]) -> dict[str, dict[str, Any]]:
    settings: dict[str, dict[str, Any]] = {}
    for net in networks:
        values = dict(post.settings.get(net, {}))
        if net == "youtube" and post.title and "title" not in values:
            values["title"] = post.title
        if values:
            settings[net] = values
    return settings


def build_plan(
    posts: Sequence[Post],
    *,
    sheet_identity: str,
    connections: Any = None,
    base_dir: Path | None = None,
    media_url_budget: int = MEDIA_URL_BUDGET,
) -> Plan:
    """Plan every post of ``posts`` (normally ``report.valid_posts()``).

    ``connections`` is the account's ``platform-connections`` list (client models or dicts), or
    a mapping from managed-user id (None for the key's own user) to such a list; None plans
    offline (connection ids taken as written, bare network names reported). Rows that cannot be
    planned carry error findings and no groups; they are also in ``plan.findings``.
    """
    conns_by_user = _by_user(connections)
    plan = Plan(identity=sheet_identity, rows=[])
    seen_hashes: dict[str, int] = {}
    url_budget = media_url_budget
    warned: set[str] = set()
    for post in posts:
        rp = RowPlan(row=post.row, post=post)
        plan.rows.append(rp)
        conns = None if conns_by_user is None else conns_by_user.get(post.user, conns_by_user.get(None))
        resolved, findings = _resolve_targets(post, conns, warned)
        rp.findings.extend(findings)
        media, problems = _planned_media(post.media, base_dir)
        for p in problems:
            rp.findings.append(finding("MEDIA_UNREADABLE", p, row=post.row, key="media"))
        if not resolved and not any(f.severity == ERROR for f in rp.findings):
            rp.findings.append(
                finding("NO_TARGETS", "the row has no target to post to.", row=post.row, key="platforms")
            )
        if any(f.severity == ERROR for f in rp.findings):
            plan.findings.extend(rp.findings)
            continue
        plan.findings.extend(rp.findings)

        status = "draft" if post.status == "draft" else "scheduled"
        when = format_time(post.scheduled_at) if status == "scheduled" else None
        first_comment = {"text": post.first_comment} if post.first_comment else None
        media_sig = [[m.source, m.size] for m in media]
        has_files = any(not m.is_url for m in media)
        # Group the targets by the text they get, keeping first-seen order.
        by_text: dict[str, list[tuple[str, str]]] = {}
        for network, cid in resolved:
            by_text.setdefault(post.text_for(network), []).append((network, cid))
        for gi, (text, members) in enumerate(by_text.items()):
            networks = list(dict.fromkeys(n for n, _ in members))
            if not media:
                mode = "none"
            elif has_files:
                mode = "upload"
            elif len(media) <= url_budget:
                mode = "urls"
                url_budget -= len(media)
            else:
                mode = "upload"  # past the URL budget: download and upload instead
            group = PostGroupPlan(
                row=post.row,
                index=gi,
                targets=[cid for _, cid in members],
                content=text,
                status=status,
                scheduled_time=when,
                platform_settings=_settings_for(post, networks),
                first_comment=first_comment,
                media=media,
                media_mode=mode,
                user=post.user,
                group_hash="",
                identity=sheet_identity,
                media_hash=_hash(media_sig),
            )
            group.group_hash = _hash(
                {
                    "content": group.content,
                    "targets": sorted(group.targets),
                    "status": status,
                    "time": when,
                    "settings": group.platform_settings,
                    "first_comment": first_comment,
                    "media": media_sig,
                    "user": post.user,
                }
            )
            rp.groups.append(group)
        rp.row_hash = _hash([g.group_hash for g in rp.groups])
        rp.occurrence = seen_hashes.get(rp.row_hash, 0)
        seen_hashes[rp.row_hash] = rp.occurrence + 1
        for g in rp.groups:
            g.row_hash, g.occurrence = rp.row_hash, rp.occurrence
    return plan
