"""The pieces of a batch run between the pipeline steps, shared by the CLI and library users.

``schedule`` = load -> (results file fed back? take its result columns off) -> connections
-> validate -> plan -> journal decisions -> execute -> results file. This module holds the
glue that is not one of those steps: fetching connections per managed user, refusing rows a
results file says are done when the journal does not know them, exit codes, and the
``status``/``cancel`` companions. No printing here; the CLI prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import APIError, APIStatusError, NotFoundError
from .findings import finding
from .journal import GroupEntry, Journal, RowDecision
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
    "guard_prior_results",
    "online_rule_context",
    "records_from_journal",
    "validate_online",
    "refresh_status",
]

DONE_STATUSES = frozenset({"scheduled", "draft", "published", "partially_published"})


def fetch_connections(client: PubloraClient, users: Iterable[str | None]) -> dict[str | None, list[Any]]:
    """``platform-connections`` for the key's own user and every managed user a row names."""
    out: dict[str | None, list[Any]] = {None: list(client.platform_connections())}
    for user in sorted({u for u in users if u}):
        out[user] = list(client.with_options(user_id=user).platform_connections())
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

    users = {str(r.cells["user"].value).strip() for r in sheet.rows if "user" in r.cells and r.cells["user"].value}
    connections = fetch_connections(client, users)
    ctx, notes = online_rule_context(
        client, connections, strict=bool(options.get("strict")), **(options.pop("rule_options", None) or {})
    )
    report = validate(sheet, rule_context=ctx, **options)
    report.notes.extend(notes)
    plan = build_plan(report.valid_posts(), sheet_identity="validate", connections=connections, base_dir=sheet.base_dir)
    report.add(plan.findings)
    return report


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
    """0 every row scheduled (or a draft as asked), 1 some failed/skipped/not attempted, 3 stopped."""
    if stopped:
        return 3
    return 0 if all(r.status in DONE_STATUSES for r in records.values()) else 1


def records_from_journal(rows: Iterable[Row], prior: dict[int, PriorResult], entries: list[GroupEntry]) -> dict[int, ResultRecord]:
    """The result columns of a results file's ``rows`` from the journal, after ``status`` or ``cancel``.

    A row keeps what the results file said (``prior``) until the journal knows more: Publora's
    status from ``status`` (published, partially_published, failed, deleted, draft) or ``cancelled``
    when every post group of the row was deleted by ``cancel``.
    """
    by_row: dict[int, list[GroupEntry]] = {}
    for e in entries:
        if e.post_group_id:
            by_row.setdefault(e.row_number, []).append(e)
    records: dict[int, ResultRecord] = {}
    for row in rows:
        p = prior.get(row.number)
        sent = by_row.get(row.number, [])
        es = [e for e in sent if e.state != "cancelled"]
        remote = [e.remote_status for e in es if e.remote_status]
        if sent and not es:
            # Every post group of the row was deleted by `bulkpost cancel`: the old ids are history.
            records[row.number] = ResultRecord("cancelled", [e.post_group_id or "" for e in sent], error="deleted by bulkpost cancel")
            continue
        if not es:
            records[row.number] = ResultRecord(p.status if p else "not_attempted", list(p.post_group_ids) if p else [])
            continue
        errs = [x for e in es for x in ((e.remote_detail or {}).get("errors") or [])]
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
        records[row.number] = ResultRecord(
            status,
            [e.post_group_id or "" for e in es],
            min((e.effective_time for e in es if e.effective_time), default=None),
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


def refresh_status(client: PubloraClient, journal: Journal, *, with_logs: bool = True) -> list[StatusOutcome]:
    """Ask ``get-post`` about every post group of the batch and record the answers in the journal.

    Failed platform posts get the ``post-logs`` detail. A group deleted on Publora is ``deleted``.
    """
    out: list[StatusOutcome] = []
    for e in journal.entries():
        if not e.post_group_id or e.state == "cancelled":
            continue
        cl = client.with_options(user_id=e.user_id) if e.user_id else client
        try:
            g = cl.get_post(e.post_group_id)
        except NotFoundError:
            journal.update(e.id, remote_status="deleted", remote_detail=None)
            out.append(StatusOutcome(e.row_number, e.post_group_id, "deleted", error="not found on Publora"))
            continue
        except APIError as exc:
            out.append(StatusOutcome(e.row_number, e.post_group_id, "unknown", error=exc.message))
            continue
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
            }
            platforms.append(item)
            if item["status"] == "failed":
                errors.append(f"{item['platform']}: {item['error_code'] or ''} {item['error'] or ''}".strip())
        status = g.status
        if with_logs and errors:
            try:
                logs = cl.post_logs(e.post_group_id)
                details = [f"{x.platform or 'group'} {x.event}: {x.error}" for x in logs if x.error]
                if details:
                    errors.append("logs: " + "; ".join(details[-3:]))
            except APIError:
                pass
        journal.update(e.id, remote_status=status, remote_detail={"platforms": platforms, "errors": errors})
        out.append(StatusOutcome(e.row_number, e.post_group_id, status, platforms, "; ".join(errors) or None))
    return out


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
    return out

