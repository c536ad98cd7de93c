"""The pieces of a batch run between the pipeline steps, shared by the CLI and library users.

``schedule`` = load -> (results file fed back? take its result columns off) -> connections
-> validate -> plan -> journal decisions -> execute -> results file. This module holds the
glue that is not one of those steps: fetching connections per managed user, refusing rows a
results file says are done when the journal does not know them, exit codes, and the
``status``/``cancel`` companions. No printing here; the CLI prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import time
from datetime import datetime

from .errors import APIError, APIStatusError, NotFoundError, PermissionDeniedError
from .findings import finding
from .journal import GroupEntry, Journal, RetryEntry, RowDecision
from .model import Row
from .plan import Plan
from .publora import PubloraClient
from .results import PriorResult, ResultRecord

__all__ = [
    "CancelOutcome",
    "StatusOutcome",
    "cancel_batch",
    "connection_facts",
    "exit_code_for",
    "fetch_connections",
    "forgive_sent_times",
    "guard_prior_results",
    "online_rule_context",
    "records_from_journal",
    "refresh_due",
    "refresh_status",
    "remote_view",
    "users_named",
    "validate_online",
]

DONE_STATUSES = frozenset({"scheduled", "draft", "published", "partially_published"})
"""A row in one of these was sent (a results file saying so is not sent again without its journal)."""
OK_STATUSES = frozenset({"scheduled", "draft", "published"})
"""Rows in these need nothing more from the user (exit code 0)."""
TERMINAL_REMOTE = frozenset({"published", "failed", "partially_published", "deleted"})
"""Publora group states that never change again: no need to ask get-post twice."""


def users_named(sheet: Any) -> set[str]:
    """The workspace-managed users the sheet's ``user`` column names."""
    return {str(r.cells["user"].value).strip() for r in sheet.rows if "user" in r.cells and r.cells["user"].value}


def _not_managed(exc: PermissionDeniedError) -> bool:
    return "not managed by key" in (exc.message or "").lower()


def fetch_connections(client: PubloraClient, users: Iterable[str | None]) -> dict[str | None, list[Any]]:
    """``platform-connections`` for the key's own user and every managed user a row names.

    A 403 "User is not managed by key" names where the user id came from: ``--user`` /
    ``PUBLORA_USER_ID`` (the client's own id) or the sheet's ``user`` column.
    """
    try:
        out: dict[str | None, list[Any]] = {None: list(client.platform_connections())}
    except PermissionDeniedError as exc:
        if _not_managed(exc) and getattr(client, "user_id", None):
            exc.hint = (
                f"The user id {client.user_id} (from --user or PUBLORA_USER_ID) is not a user this API key manages. "
                "Check the id with `bulkpost workspace users list`, or drop --user to act as the key's owner."
            )
        raise
    for user in sorted({u for u in users if u}):
        try:
            out[user] = list(client.with_options(user_id=user).platform_connections())
        except PermissionDeniedError as exc:
            if _not_managed(exc):
                exc.hint = (
                    f"The sheet's `user` column names {user}, which is not a user this API key manages. "
                    "Fix or clear that cell (ids are listed by `bulkpost workspace users list`)."
                )
            raise
    return out


def connection_facts(connections: dict[str | None, list[Any]]) -> dict[str, dict[str, Any]]:
    """Per connection id, the facts the rules use, in Publora's JSON names
    (``subscriptionType``, ``tokenStatus``, ``accessTokenExpiresAt``, ``tokenExpiresIn``):
    :func:`bulkpost.rules.connection_facts` over every user's connections."""
    from . import rules

    body = [
        c if isinstance(c, Mapping) else c.model_dump(by_alias=True, mode="json")
        for conns in connections.values()
        for c in conns
    ]
    return rules.connection_facts({"connections": body})


def online_rule_context(
    client: Any, connections: dict[str | None, list[Any]], *, strict: bool = False, **rule_options: Any
) -> tuple[Any, list[str]]:
    """A ``RuleContext`` with the account's connection facts and the live platform limits.

    Returns the context and notes for the user (the live table's date, how it differs from the
    shipped snapshot, or why the snapshot is used).
    """
    from . import rules

    kwargs: dict[str, Any] = {**rule_options, "strict": strict, "connections": connection_facts(connections)}
    notes: list[str] = []
    snapshot = rules.load_limits()
    try:
        live = rules.Limits.from_response(client.platform_limits(), fallback=snapshot)
    except APIError as exc:
        notes.append(f"Could not read Publora's live platform limits ({exc.message}); validated with the shipped snapshot.")
    else:
        kwargs["limits"] = live
        # Keys the live answer leaves out fall back to the snapshot, list order does not
        # matter, and 0 vs absent (no minimum, no images) means the same: none of these is
        # a difference worth telling.
        changes = [
            c
            for c in rules.diff_limits(snapshot, live)
            if c.new is not None
            and not (c.old in (None, 0) and c.new in (None, 0))
            and not (isinstance(c.old, list) and isinstance(c.new, list) and sorted(map(str, c.old)) == sorted(map(str, c.new)))
        ]
        note = f"Validated with Publora's live platform limits ({live.updated or 'undated'})"
        if changes:
            note += f"; {len(changes)} value(s) differ from the shipped snapshot (e.g. {changes[0]})"
        notes.append(note + ".")
    return rules.RuleContext(**kwargs), notes


def validate_online(client: Any, sheet: Any, **options: Any) -> Any:
    """``validate`` with the account's facts: live platform limits, connection facts (X Premium,
    token health), and network names resolved to connections (ambiguous, unknown and Pinterest
    targets become findings). ``options`` go to :func:`bulkpost.validate.validate`."""
    from .plan import build_plan
    from .validate import validate

    connections = fetch_connections(client, users_named(sheet))
    ctx, notes = online_rule_context(
        client, connections, strict=bool(options.get("strict")), **(options.pop("rule_options", None) or {})
    )
    report = validate(sheet, rule_context=ctx, **options)
    report.notes.extend(notes)
    plan = build_plan(report.valid_posts(), sheet_identity="validate", connections=connections, base_dir=sheet.base_dir)
    report.add(plan.findings)
    return report


SENT_TIME_CODES = frozenset({"TIME_IN_PAST", "TIME_TOO_SOON"})


def forgive_sent_times(report: Any, journal: Journal, build: Callable[[list[Any]], Plan]) -> set[int]:
    """Rows the journal knows as sent whose only errors say their time has passed are valid again.

    A re-run after the posts went out (to report them published or failed, or to resume the
    rest of the batch) would otherwise stop at "the time is in the past" for exactly the rows
    that are finished. Only rows the journal classifies as ``done`` are forgiven: they are
    never sent again. ``build`` makes a plan of the given posts (as the run does). Returns
    the rows forgiven.
    """
    by_row: dict[int, list[Any]] = {}
    for f in report.findings:
        if f.severity == "error" and f.row is not None:
            by_row.setdefault(f.row, []).append(f)
    candidates = {n for n, fs in by_row.items() if all(f.code in SENT_TIME_CODES for f in fs)}
    if not candidates:
        return set()
    plan = build([p for p in report.posts if p.row.number in candidates])
    forgiven = {n for n, d in journal.classify(plan).items() if d.kind == "done"}
    report.findings = [f for f in report.findings if not (f.row in forgiven and f.code in SENT_TIME_CODES)]
    return forgiven


def guard_prior_results(plan: Plan, prior: dict[int, PriorResult] | None, decisions: dict[int, RowDecision]) -> int:
    """Refuse rows a results file says are done while the journal has never seen them.

    A row is skipped only when the results file says done AND the journal agrees (then the
    journal alone decides). A results file that says done for a row the journal does not know
    means the journal is missing or another one: sending the row could post it twice, so it
    is reported instead. Returns the number of rows refused.
    """
    if not prior:
        return 0
    refused = 0
    for rp in plan.rows:
        p = prior.get(rp.number)
        d = decisions.get(rp.number)
        if not rp.ok or p is None or d is None or p.status not in DONE_STATUSES or d.kind != "new":
            continue
        ids = ", ".join(p.post_group_ids) or "unknown ids"
        f = finding(
            "JOURNAL_MISSING",
            f"the results file says this row was already {p.status} ({ids}), but the journal does not know it; "
            "it was not sent again.",
            row=rp.row,
            hint="Point --journal at the batch's journal, or clear the row's status cell to send it anyway.",
        )
        rp.findings.append(f)
        plan.findings.append(f)
        refused += 1
    return refused


def exit_code_for(records: dict[int, ResultRecord], stopped: bool) -> int:
    """0 every row scheduled, published (or a draft as asked); 1 some failed, partially published,
    skipped or not attempted; 3 stopped."""
    if stopped:
        return 3
    return 0 if all(r.status in OK_STATUSES for r in records.values()) else 1


def remote_view(e: GroupEntry, retries: list[RetryEntry]) -> tuple[str | None, list[str], list[str]]:
    """What Publora says about a group, its ``--retry-failed`` attempts included.

    Returns (status or None when Publora was never asked, errors, the retry post group ids).
    A published retry of every failed target makes the group ``published``; a retry that
    is still waiting makes it ``scheduled``.
    """
    errs = list((e.remote_detail or {}).get("errors") or [])
    sent = [r for r in retries if r.post_group_id and r.state != "cancelled"]
    ids = [r.post_group_id or "" for r in sent]
    if not sent or e.remote_status not in ("failed", "partially_published"):
        return e.remote_status, errs, ids
    last = sent[-1]
    blocked = [p for p in ((e.remote_detail or {}).get("platforms") or []) if p.get("status") == "failed" and p.get("error_code") == "THREAD_PARTIALLY_PUBLISHED"]
    if last.remote_status is None or last.remote_status in ("scheduled", "draft"):
        return ("partially_published" if blocked else "scheduled"), [x for x in errs if "THREAD_PARTIALLY_PUBLISHED" in x], ids
    if last.remote_status == "published":
        return ("partially_published" if blocked else "published"), [x for x in errs if "THREAD_PARTIALLY_PUBLISHED" in x], ids
    return last.remote_status, list((last.remote_detail or {}).get("errors") or []), ids


def records_from_journal(
    rows: Iterable[Row], prior: dict[int, PriorResult], entries: list[GroupEntry], retries: list[RetryEntry] | None = None
) -> dict[int, ResultRecord]:
    """The result columns of a results file's ``rows`` from the journal, after ``status`` or ``cancel``.

    A row keeps what the results file said (``prior``) until the journal knows more: Publora's
    status from ``status`` (published, partially_published, failed, deleted, draft) or ``cancelled``
    when every post group of the row was deleted by ``cancel``. ``retries`` (the journal's
    ``--retry-failed`` attempts) count for the group they retry.
    """
    by_group: dict[int, list[RetryEntry]] = {}
    for r in retries or []:
        by_group.setdefault(r.group_id, []).append(r)
    by_row: dict[int, list[GroupEntry]] = {}
    for e in entries:
        if e.post_group_id:
            by_row.setdefault(e.row_number, []).append(e)
    records: dict[int, ResultRecord] = {}
    for row in rows:
        p = prior.get(row.number)
        sent = by_row.get(row.number, [])
        es = [e for e in sent if e.state != "cancelled"]
        if sent and not es:
            # Every post group of the row was deleted by `bulkpost cancel`: the old ids are history.
            records[row.number] = ResultRecord("cancelled", [e.post_group_id or "" for e in sent], error="deleted by bulkpost cancel")
            continue
        if not es:
            records[row.number] = ResultRecord(p.status if p else "not_attempted", list(p.post_group_ids) if p else [])
            continue
        views = [remote_view(e, by_group.get(e.id, [])) for e in es]
        remote = [v[0] for v in views if v[0]]
        errs = [x for v in views for x in v[1]]
        if "failed" in remote:
            status = "failed"
        elif "partially_published" in remote:
            status = "partially_published"
        elif remote and all(r == "published" for r in remote):
            status = "published"
        elif remote and all(r == "deleted" for r in remote):
            status = "deleted"
        elif "draft" in remote:
            status = "draft"  # Publora says draft (e.g. demoted by a media change): it will not go out
        else:
            status = p.status if p else "scheduled"
        demoted = bool(errs) and all(x.startswith("demoted to draft") for x in errs)
        times = []
        for e in es:
            live_retries = [r for r in by_group.get(e.id, []) if r.post_group_id and r.state != "cancelled"]
            when = live_retries[-1].scheduled_time if live_retries else e.effective_time
            if when:
                times.append(when)
        records[row.number] = ResultRecord(
            status,
            [e.post_group_id or "" for e in es] + [i for v in views for i in v[2]],
            min(times, default=None),
            [w for e in es for w in e.warnings],
            ("POST_DEMOTED" if demoted else "PUBLISH_FAILED") if errs else None,
            "; ".join(errs) or None,
        )
    return records


@dataclass(slots=True)
class StatusOutcome:
    """One post group as Publora reports it now."""

    row: int
    post_group_id: str
    status: str
    platforms: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def _read_remote(cl: Any, post_group_id: str, with_logs: bool) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]], list[str]]:
    """``get-post`` (and ``post-logs`` for failures): status, journal detail, platforms, errors.

    Raises :class:`NotFoundError` when the group is gone, :class:`APIError` when Publora cannot say.
    """
    g = cl.get_post(post_group_id)
    platforms: list[dict[str, Any]] = []
    errors = []
    for p in g.posts:
        item = {
            "platform": p.platform,
            "platform_id": p.platform_id,
            "status": p.status,
            "posted_id": p.posted_id,
            "error_code": p.error.code if p.error is not None else None,
            "error": p.error.message if p.error is not None else None,
            "retryable": p.error.retryable if p.error is not None else None,
        }
        platforms.append(item)
        if item["status"] == "failed":
            errors.append(f"{item['platform']}: {item['error_code'] or ''} {item['error'] or ''}".strip())
    if with_logs and errors:
        try:
            logs = cl.post_logs(post_group_id)
            details = [f"{x.platform or 'group'} {x.event}: {x.error}" for x in logs if x.error]
            if details:
                errors.append("logs: " + "; ".join(details[-3:]))
        except APIError:
            pass
    return g.status, {"platforms": platforms, "errors": errors}, platforms, errors


def refresh_status(client: PubloraClient, journal: Journal, *, with_logs: bool = True) -> list[StatusOutcome]:
    """Ask ``get-post`` about every post group of the batch and record the answers in the journal.

    Failed platform posts get the ``post-logs`` detail. A group deleted on Publora is ``deleted``.
    Post groups made by ``schedule --retry-failed`` are refreshed too.
    """
    out: list[StatusOutcome] = []
    by_id = {e.id: e for e in journal.entries()}
    items: list[tuple[GroupEntry, int | None, str]] = []
    for e in by_id.values():
        if e.post_group_id and e.state != "cancelled":
            items.append((e, None, e.post_group_id))
    for r in journal.retries():
        if r.post_group_id and r.group_id in by_id:
            items.append((by_id[r.group_id], r.id, r.post_group_id))
    for e, retry_id, pgid in items:
        cl = client.with_options(user_id=e.user_id) if e.user_id else client
        try:
            status, detail, platforms, errors = _read_remote(cl, pgid, with_logs)
        except NotFoundError:
            _record_remote(journal, e.id, retry_id, "deleted", None)
            out.append(StatusOutcome(e.row_number, pgid, "deleted", error="not found on Publora"))
            continue
        except APIError as exc:
            out.append(StatusOutcome(e.row_number, pgid, "unknown", error=exc.message))
            continue
        _record_remote(journal, e.id, retry_id, status, detail)
        out.append(StatusOutcome(e.row_number, pgid, status, platforms, "; ".join(errors) or None))
    return out


def _record_remote(journal: Journal, group_id: int, retry_id: int | None, status: str, detail: dict[str, Any] | None) -> None:
    if retry_id is None:
        journal.update(group_id, remote_status=status, remote_detail=detail)
    else:
        journal.retry_set(retry_id, remote_status=status, remote_detail=detail)


def _due(when: str | None, now: float) -> bool:
    if not when:
        return False
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() <= now
    except ValueError:
        return False


def refresh_due(client: PubloraClient, journal: Journal, *, now: float | None = None, everything: bool = False) -> int:
    """Before a re-run: ask ``get-post`` about the batch's scheduled groups whose time has passed.

    Only groups Publora may have published or failed since the journal last heard (scheduled
    time at or before ``now``, no final Publora status recorded yet) are asked, one cheap
    get-post each; ``everything`` asks about every scheduled group. The answers go to the
    journal, so the run reports published/failed rows as such instead of ``scheduled``.
    A group Publora cannot answer about keeps what the journal knew. Returns how many were asked.
    """
    now = time.time() if now is None else now
    by_id = {e.id: e for e in journal.entries()}
    items: list[tuple[GroupEntry, int | None, str]] = []
    for e in by_id.values():
        if not e.post_group_id or e.state != "done" or e.want_status != "scheduled" or e.remote_status in TERMINAL_REMOTE:
            continue
        if everything or _due(e.effective_time or e.scheduled_time, now):
            items.append((e, None, e.post_group_id))
    for r in journal.retries():
        if r.post_group_id and r.state == "done" and r.remote_status not in TERMINAL_REMOTE and r.group_id in by_id:
            if everything or _due(r.scheduled_time, now):
                items.append((by_id[r.group_id], r.id, r.post_group_id))
    for e, retry_id, pgid in items:
        cl = client.with_options(user_id=e.user_id) if e.user_id else client
        try:
            status, detail, _, _ = _read_remote(cl, pgid, True)
        except NotFoundError:
            _record_remote(journal, e.id, retry_id, "deleted", None)
            continue
        except APIError:
            continue
        _record_remote(journal, e.id, retry_id, status, detail)
    return len(items)


@dataclass(slots=True)
class CancelOutcome:
    """What ``cancel`` did with one post group of the batch."""

    row: int
    post_group_id: str
    outcome: str
    """``deleted``, ``already gone``, ``kept`` (published or publishing) or ``error``."""
    detail: str | None = None


def cancel_batch(client: PubloraClient, journal: Journal) -> list[CancelOutcome]:
    """Delete the batch's post groups that are not published yet, recording each in the journal."""
    out: list[CancelOutcome] = []
    for e in journal.entries():
        if not e.post_group_id or e.state == "cancelled":
            continue
        cl = client.with_options(user_id=e.user_id) if e.user_id else client
        try:
            status = cl.get_post(e.post_group_id).status
        except NotFoundError:
            journal.update(e.id, state="cancelled", remote_status="deleted")
            out.append(CancelOutcome(e.row_number, e.post_group_id, "already gone"))
            continue
        except APIError as exc:
            out.append(CancelOutcome(e.row_number, e.post_group_id, "error", exc.message))
            continue
        if status not in ("draft", "scheduled"):
            journal.update(e.id, remote_status=status)
            out.append(CancelOutcome(e.row_number, e.post_group_id, "kept", f"already {status}"))
            continue
        sid = journal.step_started(e.id, "cancel")
        try:
            cl.delete_post(e.post_group_id)
        except NotFoundError:
            pass
        except APIStatusError as exc:
            journal.step_finished(sid, e.id, "error", {"error": exc.message})
            out.append(CancelOutcome(e.row_number, e.post_group_id, "error", exc.message))
            continue
        except APIError as exc:
            journal.step_finished(sid, e.id, "unknown", {"error": exc.message})
            out.append(CancelOutcome(e.row_number, e.post_group_id, "error", exc.message))
            continue
        journal.step_finished(sid, e.id, "ok", state="cancelled", remote_status="deleted")
        out.append(CancelOutcome(e.row_number, e.post_group_id, "deleted"))
    # Post groups made by `schedule --retry-failed`.
    by_id = {e.id: e for e in journal.entries()}
    for r in journal.retries():
        parent = by_id.get(r.group_id)
        if not r.post_group_id or r.state not in ("done", "uploading") or parent is None:
            continue
        cl = client.with_options(user_id=parent.user_id) if parent.user_id else client
        try:
            status = cl.get_post(r.post_group_id).status
            if status not in ("draft", "scheduled"):
                journal.retry_set(r.id, remote_status=status)
                out.append(CancelOutcome(parent.row_number, r.post_group_id, "kept", f"already {status}"))
                continue
            cl.delete_post(r.post_group_id)
        except NotFoundError:
            pass
        except APIError as exc:
            out.append(CancelOutcome(parent.row_number, r.post_group_id, "error", exc.message))
            continue
        journal.retry_set(r.id, state="cancelled", remote_status="deleted")
        out.append(CancelOutcome(parent.row_number, r.post_group_id, "deleted"))
    return out

