"""Analytics for a batch: how the published posts did.

Publora reports statistics for LinkedIn posts (``linkedin-post-statistics``) and, on Pro and
Premium plans, for Mastodon and Bluesky posts (``post-statistics``). Other networks have no
analytics in Publora; their posts are listed with ``no analytics in Publora``.

``collect_analytics(client, groups)`` reads each post group of the batch (``get-post``), and for
every published platform post asks for its numbers, in batches where Publora allows it. One
:class:`PostStats` per platform post comes back, with the metrics under common names
(:data:`METRICS`) and an ``error`` when a number could not be fetched. A failure for one post is
a result, not an exception; only what stops every further request (a bad key) raises.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .errors import APIError, AuthenticationError, InputError
from .report import safe_csv_value

__all__ = [
    "ANALYTICS_NETWORKS",
    "BatchGroup",
    "METRICS",
    "PostStats",
    "annotate_results",
    "collect_analytics",
    "row_totals",
    "write_analytics_csv",
]

#: Common metric names, in the order the CSV lists them.
METRICS = ("impressions", "members_reached", "reach", "reactions", "comments", "reshares", "quotes", "saves", "clicks")

#: Networks Publora has post statistics for.
ANALYTICS_NETWORKS = frozenset({"linkedin", "mastodon", "bluesky"})

_LINKEDIN = {
    "IMPRESSION": "impressions",
    "MEMBERS_REACHED": "members_reached",
    "RESHARE": "reshares",
    "REACTION": "reactions",
    "COMMENT": "comments",
}
_FEDIVERSE = {
    "impressions": "impressions",
    "reach": "reach",
    "reactions": "reactions",
    "comments": "comments",
    "reposts": "reshares",
    "quotes": "quotes",
    "saves": "saves",
    "clicks": "clicks",
}
_BATCH = 50  # post-statistics takes at most 50 posts per request


class _AnalyticsClient(Protocol):
    def get_post(self, post_group_id: str) -> Any: ...
    def linkedin_post_statistics(self, *args: Any, **kwargs: Any) -> Any: ...
    def post_statistics(self, *args: Any, **kwargs: Any) -> Any: ...
    def with_options(self, *, user_id: str | None = ...) -> Any: ...


@dataclass(frozen=True, slots=True)
class BatchGroup:
    """One post group of the batch: the sheet row it came from, its id, the managed user."""

    row: int | None
    post_group_id: str
    user_id: str | None = None


@dataclass(slots=True)
class PostStats:
    """The statistics of one platform post of the batch."""

    row: int | None
    post_group_id: str
    platform: str
    platform_id: str | None
    """The compound connection id (``linkedin-ABC``)."""
    posted_id: str | None
    status: str | None
    metrics: dict[str, int | None] = field(default_factory=dict)
    error: str | None = None
    fetched_at: str | None = None
    user_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "post_group_id": self.post_group_id,
            "platform": self.platform,
            "platform_id": self.platform_id,
            "posted_id": self.posted_id,
            "status": self.status,
            **{m: self.metrics.get(m) for m in METRICS},
            "error": self.error,
            "fetched_at": self.fetched_at,
        }


def _compound(platform: str, platform_id: str | None) -> str | None:
    if not platform_id:
        return None
    return platform_id if platform_id.startswith(f"{platform}-") else f"{platform}-{platform_id}"


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def collect_analytics(
    client: _AnalyticsClient,
    groups: Iterable[BatchGroup],
    *,
    now: datetime | None = None,
) -> list[PostStats]:
    """Fetch the statistics of every published platform post of ``groups``.

    Posts of a managed user are read as that user (``x-publora-user-id``). The order of the
    answer follows the groups and, within a group, Publora's order of its platform posts.
    """
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out: list[PostStats] = []
    fediverse: dict[str | None, list[PostStats]] = {}
    for group in groups:
        acting = client.with_options(user_id=group.user_id) if group.user_id else client
        try:
            post_group = acting.get_post(group.post_group_id)
        except AuthenticationError:
            raise
        except APIError as exc:
            stats = PostStats(group.row, group.post_group_id, "", None, None, None, error=exc.message, user_id=group.user_id)
            out.append(stats)
            continue
        for post in getattr(post_group, "posts", None) or []:
            platform = str(getattr(post, "platform", "") or "")
            stats = PostStats(
                row=group.row,
                post_group_id=group.post_group_id,
                platform=platform,
                platform_id=_compound(platform, getattr(post, "platform_id", None)),
                posted_id=getattr(post, "posted_id", None),
                status=getattr(post, "status", None),
                user_id=group.user_id,
            )
            out.append(stats)
            if stats.status != "published":
                stats.error = f"not published ({stats.status or 'unknown status'})"
            elif platform not in ANALYTICS_NETWORKS:
                stats.error = "no analytics in Publora for this network"
            elif not stats.posted_id or not stats.platform_id:
                stats.error = "Publora gave no posted id for this post"
            elif platform == "linkedin":
                _linkedin(acting, stats)
                stats.fetched_at = stamp
            else:
                fediverse.setdefault(group.user_id, []).append(stats)
    for user_id, pending in fediverse.items():
        acting = client.with_options(user_id=user_id) if user_id else client
        for start in range(0, len(pending), _BATCH):
            _fediverse(acting, pending[start : start + _BATCH], stamp)
    return out


def _linkedin(client: Any, stats: PostStats) -> None:
    try:
        answer = client.linkedin_post_statistics(posted_id=stats.posted_id, platform_id=stats.platform_id, query_types="ALL")
    except AuthenticationError:
        raise
    except APIError as exc:
        stats.error = exc.message
        return
    metrics = getattr(answer, "metrics", None) or {}
    for key, name in _LINKEDIN.items():
        stats.metrics[name] = _int(metrics.get(key))
    failed = [str(e.get("metric")) for e in (getattr(answer, "errors", None) or []) if isinstance(e, dict)]
    if failed:
        stats.error = "LinkedIn did not return: " + ", ".join(failed)


def _fediverse(client: Any, batch: list[PostStats], stamp: str) -> None:
    request = [{"platform": s.platform, "platformId": s.platform_id, "postedId": s.posted_id} for s in batch]
    try:
        answer = client.post_statistics(request)
    except AuthenticationError:
        raise
    except APIError as exc:
        for s in batch:
            s.error = exc.message
        return
    table = getattr(answer, "stats", None) or {}
    issues = getattr(answer, "issues", None) or {}
    for s in batch:
        values = table.get(s.posted_id or "")
        if values is None:
            issue = issues.get(s.platform_id or "") or ("RATE_LIMITED" if getattr(answer, "rate_limited", False) else None)
            s.error = f"no statistics ({issue})" if issue else "no statistics from the network"
            continue
        for key, name in _FEDIVERSE.items():
            s.metrics[name] = _int(values.get(key))
        s.fetched_at = stamp


_K = TypeVar("_K")


def _totals(stats: Iterable[PostStats], key: Callable[[PostStats], _K | None]) -> dict[_K, dict[str, int]]:
    """Each metric summed per ``key(stats)`` (None: left out); metrics nobody gave are left out."""
    totals: dict[_K, dict[str, int]] = {}
    for s in stats:
        k = key(s)
        if k is None:
            continue
        for name, value in s.metrics.items():
            if value is not None:
                bucket = totals.setdefault(k, {})
                bucket[name] = bucket.get(name, 0) + value
    return totals


def row_totals(stats: Iterable[PostStats]) -> dict[int, dict[str, int]]:
    """Per sheet row, each metric summed over its networks (metrics no network gave are left out)."""
    return _totals(stats, lambda s: s.row)


def write_analytics_csv(stats: Iterable[PostStats], path: str | Path) -> Path:
    """Write one line per platform post (row, ids, every metric, error) to a CSV file."""
    out = Path(path)
    items = [s.to_dict() for s in stats]
    columns = ["row", "post_group_id", "platform", "platform_id", "posted_id", "status", *METRICS, "error", "fetched_at"]
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for item in items:
            writer.writerow([safe_csv_value("" if item[c] is None else item[c]) for c in columns])
    tmp.replace(out)
    return out


def annotate_results(path: str | Path, stats: Iterable[PostStats], *, fetched_at: str | None = None) -> list[str]:
    """Write each row's statistics into the results file at ``path`` (CSV or XLSX), in place.

    Rows are matched by their ``post_group_ids`` cell, so the file's own row order and any
    blank rows do not matter. A column per metric that any post has (summed over the row's
    networks) plus ``analytics_fetched_at`` is added after the existing columns, or overwritten
    when an earlier run added it. Returns the names of the columns written.
    """
    p = Path(path)
    items = list(stats)
    by_group = _totals(items, lambda s: s.post_group_id)
    names = [m for m in METRICS if any(m in g for g in by_group.values())]
    columns = [*names, "analytics_fetched_at"]
    stamp = fetched_at or next((s.fetched_at for s in items if s.fetched_at), None) or ""

    def values_for(ids_cell: Any) -> list[Any]:
        ids = [i for i in re.split(r"[;,\s]+", str(ids_cell or "").lstrip("'")) if i]
        mine = [by_group[i] for i in ids if i in by_group]
        if not mine:
            return [None] * len(columns)
        return [sum(g.get(n, 0) for g in mine) if any(n in g for g in mine) else None for n in names] + [stamp]

    if p.suffix.lower() == ".xlsx":
        _annotate_xlsx(p, columns, values_for)
    else:
        _annotate_csv(p, columns, values_for)
    return columns


def _place(header: list[str], columns: list[str]) -> list[int]:
    index = []
    for name in columns:
        if name in header:
            index.append(header.index(name))
        else:
            header.append(name)
            index.append(len(header) - 1)
    return index


def _ids_column(header: list[str], path: Path) -> int:
    normalised = [re.sub(r"[\s\-]", "", h).lower() for h in header]
    if "post_group_ids" not in normalised:
        raise InputError(f"{path.name} has no post_group_ids column", hint="Give the results file that `bulkpost schedule` wrote.")
    return normalised.index("post_group_ids")


def _annotate_csv(p: Path, columns: list[str], values_for: Callable[[Any], list[Any]]) -> None:
    raw = p.read_text(encoding="utf-8-sig")
    first = raw.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    records = list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter))
    if not records:
        raise InputError(f"{p.name} is empty", hint="Give the results file that `bulkpost schedule` wrote.")
    header = records[0]
    ids_at = _ids_column(header, p)
    index = _place(header, columns)
    for record in records[1:]:
        if not any(record):
            continue
        record.extend([""] * (len(header) - len(record)))
        for i, value in zip(index, values_for(record[ids_at] if ids_at < len(record) else "")):
            record[i] = "" if value is None else str(value)
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(records)
    tmp.replace(p)


def _annotate_xlsx(p: Path, columns: list[str], values_for: Callable[[Any], list[Any]]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    header = ["" if c.value is None else str(c.value) for c in ws[1]]
    ids_at = _ids_column(header, p)
    index = _place(header, columns)
    for ci, name in zip(index, columns):
        ws.cell(row=1, column=ci + 1, value=name)
    for r in range(2, ws.max_row + 1):
        ids_cell = ws.cell(row=r, column=ids_at + 1).value
        for ci, value in zip(index, values_for(ids_cell)):
            ws.cell(row=r, column=ci + 1, value=value)
    tmp = p.with_name(p.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(p)
