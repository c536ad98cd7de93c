"""Plan + client + journal -> results: the batch run, safe to interrupt and to re-run.

``execute_plan`` runs ``concurrency`` rows at a time (a row's groups and a group's steps run in
order). Every step is written to the journal before it is sent and after its answer, so the
next run knows exactly where each group stands (see :mod:`bulkpost.journal`).

Run-level behaviour on top of the client's own retries:

- a shared request pacer (``rate`` requests per second across all threads) and a shared pause
  when Publora answers 429 after the client's retries: every thread waits, then the step is
  sent again with the same Idempotency-Key;
- ``MEDIA_URL_RATE_LIMITED`` (60 media URLs per hour) switches the group to download-and-upload;
- a plan limit (``PlanLimitError``) or a rejected key (``AuthenticationError``) stops the run
  cleanly: rows in flight finish, rows not started are ``not_attempted`` with the reason;
- ``stop_event`` (first Ctrl-C): no new row starts, rows in flight finish; ``abort_event``
  (second Ctrl-C): in-flight rows stop at the next step boundary (an upload stops mid-file).
  The journal is consistent either way and the next run resumes.

Failures are classified: a 4xx (other than 408/409/429) is a *refusal* (nothing was created; a
retry uses a new Idempotency-Key so it is not a replay of the refusal); a connection error,
timeout, 5xx or 409 in flight is an *unknown outcome* (the request may have been committed):
the next run looks the post up (list-posts / get-post) and re-sends with the same key.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    ConflictError,
    InvalidIdError,
    PlanLimitError,
    RateLimitError,
    ServerError,
)
from .journal import GroupEntry, Journal, RowDecision
from .plan import Plan, PlannedMedia, PostGroupPlan, RowPlan
from .publora._client import _count_retry, thread_retry_count

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RATE",
    "SAME_RUN_ATTEMPTS",
    "GroupOutcome",
    "ProgressEvent",
    "Results",
    "RowResult",
    "StopReason",
    "execute_plan",
]

DEFAULT_CONCURRENCY = 4
#: API requests per second across the run (uploads to storage are not counted). Publora enforces no
#: request rate today; its own bulk examples pace at 1-5 per second; 429s pause every thread anyway.
DEFAULT_RATE = 10.0
#: How many times a step is sent again after a 429 that outlived the client's own retries.
RUN_RATE_RETRIES = 4
#: An upload URL is valid for one hour; after this long a fresh one is requested instead.
UPLOAD_URL_FRESH_SECONDS = 45 * 60
#: Retries within the run of a step whose outcome was unknown (5xx, timeout, lost answer): the
#: group is reconciled with get-post and resumed, as the next run would. Backoff doubles from
#: SAME_RUN_BACKOFF seconds up to SAME_RUN_BACKOFF_MAX (at most ~12 s for one step). With 12% of
#: requests failing, a step fails 7 times in a row about 3 times in 10 million.
SAME_RUN_ATTEMPTS = 6
SAME_RUN_BACKOFF = 0.25
SAME_RUN_BACKOFF_MAX = 4.0
#: How far back (seconds before the lost create) list-posts is searched during reconciliation.
RECONCILE_SLACK_SECONDS = 600
RECONCILE_MAX_POSTS = 1000

SCHEDULED, DRAFT, FAILED, SKIPPED, NOT_ATTEMPTED = "scheduled", "draft", "failed", "skipped", "not_attempted"
PUBLISHED, PARTIAL = "published", "partially_published"
STATUSES = (SCHEDULED, DRAFT, PUBLISHED, PARTIAL, FAILED, SKIPPED, NOT_ATTEMPTED)
#: A retried post must be at least this far ahead of now (Publora publishes once a minute).
RETRY_MIN_LEAD_SECONDS = 120


def _create_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """``create_post``'s keyword arguments for a create-post request body (as planned or journaled)."""
    return {
        "content": body["content"],
        "platforms": body["platforms"],
        "scheduled_time": body.get("scheduledTime"),
        "platform_settings": body.get("platformSettings"),
        "media_urls": body.get("mediaUrls"),
        "first_comment": body.get("firstComment"),
    }


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """What the progress callback receives.

    ``kind``: ``"start"`` (``total_rows``, ``total_bytes``), ``"bytes"`` (``nbytes`` more
    uploaded), ``"row"`` (a row finished with ``status``).
    """

    kind: str
    row: int | None = None
    status: str | None = None
    nbytes: int = 0
    total_rows: int = 0
    total_bytes: int = 0


@dataclass(frozen=True, slots=True)
class StopReason:
    """Why the run stopped early."""

    code: str
    message: str
    row: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        where = f" at row {self.row}" if self.row is not None else ""
        return f"the run stopped{where} ({self.code}): {self.message}"


@dataclass(slots=True)
class GroupOutcome:
    """How one post group ended in this run."""

    index: int
    status: str
    post_group_id: str | None = None
    scheduled_time: str | None = None
    targets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_code: str | None = None
    error: str | None = None
    retry_ids: list[str] = field(default_factory=list)
    """Post groups ``--retry-failed`` created for this group's failed targets."""


@dataclass(slots=True)
class RowResult:
    """How one row ended: the ``status`` column of the results file and its companions."""

    row: int
    status: str
    groups: list[GroupOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_code: str | None = None
    error: str | None = None
    decision: str | None = None
    """``new``, ``resume``, ``done`` or ``changed`` (what the journal said before the run)."""
    retries: int = 0
    """Requests of this row sent again in this run (after a 5xx, 429, timeout or lost answer)."""

    @property
    def post_group_ids(self) -> list[str]:
        return [i for g in self.groups for i in ([g.post_group_id] if g.post_group_id else []) + g.retry_ids]

    @property
    def scheduled_time_utc(self) -> str | None:
        times = sorted({g.scheduled_time for g in self.groups if g.scheduled_time})
        return times[0] if times else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "status": self.status,
            "post_group_ids": self.post_group_ids,
            "scheduled_time_utc": self.scheduled_time_utc,
            "warnings": list(self.warnings) + [w for g in self.groups for w in g.warnings],
            "error_code": self.error_code,
            "error": self.error,
            "previous_run": self.decision,
            "retries": self.retries,
            "groups": [
                {
                    "group": g.index,
                    "status": g.status,
                    "post_group_id": g.post_group_id,
                    "targets": g.targets,
                    "scheduled_time": g.scheduled_time,
                    "warnings": g.warnings,
                    "error_code": g.error_code,
                    "error": g.error,
                    "retry_post_group_ids": g.retry_ids,
                }
                for g in self.groups
            ],
        }


@dataclass(slots=True)
class Results:
    """Every planned row's result, in sheet order, and why the run stopped (if it did)."""

    rows: list[RowResult]
    stopped: StopReason | None = None
    interrupted: bool = False
    created: int = 0
    """Post groups created by this run (a re-run of a finished batch creates 0)."""
    rate: float | None = None
    """The request pace the run used (requests per second; None = unpaced)."""

    def by_row(self) -> dict[int, RowResult]:
        return {r.row: r for r in self.rows}

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "created": self.created,
            "rate": self.rate,
            "stopped": None
            if self.stopped is None
            else {"code": self.stopped.code, "message": self.stopped.message, "row": self.stopped.row, **self.stopped.details},
            "interrupted": self.interrupted,
            "rows": [r.to_dict() for r in self.rows],
        }


class _GroupFailed(Exception):
    def __init__(self, code: str | None, message: str, *, transient: bool = False, step: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.transient = transient
        """The outcome is unknown (5xx, connection error, timeout, lost answer): a retry may save it."""
        self.step = step
        """The journal's name of the step that failed (``get-upload-url:1``, ``schedule``, ...)."""


class _Aborted(Exception):
    pass


def _warning_texts(items: Iterable[Any] | None) -> list[str]:
    out = []
    for w in items or []:
        code, msg = w.code, w.message
        out.append(f"{code}: {msg}" if code and msg else str(code or msg or w))
    return out


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_refusal(exc: APIError) -> bool:
    """True when Publora definitely did not act on the request (so a new key is safe)."""
    if isinstance(exc, InvalidIdError):  # refused locally, never sent
        return True
    if not isinstance(exc, APIStatusError):
        return False
    if isinstance(exc, (ServerError, RateLimitError, ConflictError)):
        return False
    return 400 <= exc.status_code < 500 and exc.status_code != 408


def _error_text(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc)
    validation = getattr(exc, "validation", None)
    if isinstance(validation, dict):
        details = [
            f"{e.get('platform') or ''} {e.get('code') or ''}: {e.get('message') or ''}".strip()
            for e in validation.get("errors") or []
            if isinstance(e, dict)
        ]
        if details:
            msg = f"{msg} ({'; '.join(details)})"
    return msg


def _limit_details(exc: PlanLimitError) -> dict[str, Any]:
    keys = ("limit", "used", "requested", "remaining", "max_scheduled_date", "metric", "plan_name")
    return {k: getattr(exc, k) for k in keys if getattr(exc, k, None) is not None}


def _limit_message(exc: PlanLimitError) -> str:
    """Publora's sentence with the numbers: ``... allows 3 scheduled posts at a time. (used 3 of 3, 0 remaining)``."""
    body = exc.body if isinstance(exc.body, dict) else {}
    text = str(body.get("message") or body.get("error") or _error_text(exc)).strip().rstrip(".") + "."
    nums = []
    if exc.used is not None and exc.limit is not None:
        nums.append(f"used {exc.used} of {exc.limit}")
    if exc.remaining is not None:
        nums.append(f"{exc.remaining} remaining")
    if exc.max_scheduled_date:
        nums.append(f"latest allowed time {exc.max_scheduled_date}")
    return text + (f" ({', '.join(nums)})" if nums else "")


class _Pacer:
    """Spaces requests across threads and holds everyone back after a 429."""

    def __init__(self, rate: float | None, abort: threading.Event) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.abort = abort
        self._lock = threading.Lock()
        self._next = 0.0
        self._pause_until = 0.0

    def acquire(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next, self._pause_until)
            self._next = slot + self.interval
        delay = slot - time.monotonic()
        if delay > 0 and self.abort.wait(delay):
            raise _Aborted()

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)


Fetch = Callable[[str, Path], str | None]
"""Download a media URL to a file; return its content type (or None to detect it from the bytes)."""


def _default_fetch(url: str, dest: Path) -> str | None:
    import httpx

    with httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0)) as http:
        with http.stream("GET", url, headers={"User-Agent": "bulkpost (media download)"}) as resp:
            resp.raise_for_status()
            with dest.open("wb") as fh:
                for chunk in resp.iter_bytes(1 << 20):
                    fh.write(chunk)
            ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip()
    return ctype or None


class _Run:
    def __init__(
        self,
        plan: Plan,
        client: Any,
        journal: Journal,
        *,
        concurrency: int,
        progress: Callable[[ProgressEvent], None] | None,
        stop_event: threading.Event,
        abort_event: threading.Event,
        update_changed: bool,
        rate: float | None,
        fetch: Fetch | None,
        retry_failed: bool = False,
        hint_command: str = "bulkpost schedule SHEET",
        same_run_retries: int = 0,
    ) -> None:
        self.same_run_retries = max(0, same_run_retries)
        self.retry_failed = retry_failed
        self.hint_command = hint_command
        self.plan = plan
        self.client = client
        self.journal = journal
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.stop_event = stop_event
        self.abort_event = abort_event
        self.update_changed = update_changed
        self.rate = rate if rate else None
        self.pacer = _Pacer(self.rate, abort_event)
        self.fetch = fetch or _default_fetch
        self.stop_reason: StopReason | None = None
        self._stop_lock = threading.Lock()
        self._adopt_lock = threading.Lock()
        self._clients: dict[str | None, Any] = {None: client}
        self._clients_lock = threading.Lock()
        self._progress_lock = threading.Lock()
        self.created = 0

    # -- helpers -----------------------------------------------------------------------

    def emit(self, event: ProgressEvent) -> None:
        if self.progress is not None:
            with self._progress_lock:
                self.progress(event)

    def client_for(self, user: str | None) -> Any:
        with self._clients_lock:
            if user not in self._clients:
                self._clients[user] = self.client.with_options(user_id=user)
            return self._clients[user]

    def halt(self, reason: StopReason) -> None:
        with self._stop_lock:
            if self.stop_reason is None:
                self.stop_reason = reason

    @property
    def stopping(self) -> bool:
        return self.stop_reason is not None or self.stop_event.is_set() or self.abort_event.is_set()

    def check_abort(self) -> None:
        if self.abort_event.is_set():
            raise _Aborted()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API request through the shared pacer, sent again after a run-level 429 pause."""
        attempt = 0
        while True:
            self.check_abort()
            self.pacer.acquire()
            try:
                return fn(*args, **kwargs)
            except RateLimitError as exc:
                if exc.code == "MEDIA_URL_RATE_LIMITED" or attempt >= RUN_RATE_RETRIES:
                    raise
                attempt += 1
                _count_retry()
                wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                self.pacer.pause(min(max(wait, 0.0), 120.0))

    # -- rows --------------------------------------------------------------------------

    def run(self) -> Results:
        decisions = self.journal.classify(self.plan)
        rows = [rp for rp in self.plan.rows if rp.ok]
        total_bytes = sum(g.upload_bytes for rp in rows for g in rp.groups)
        self.emit(ProgressEvent("start", total_rows=len(rows), total_bytes=total_bytes))
        results: dict[int, RowResult] = {}

        def work(rp: RowPlan) -> RowResult:
            decision = decisions.get(rp.number, RowDecision("new"))
            retries_before = thread_retry_count()
            try:
                if self.stopping and decision.kind != "done":
                    res = self.not_attempted(rp, decision)
                else:
                    res = self.run_row(rp, decision)
            except Exception as exc:  # a bug must not lose the other rows' results
                res = RowResult(rp.number, FAILED, error_code="INTERNAL_ERROR", error=f"{type(exc).__name__}: {exc}")
            res.decision = decision.kind
            res.retries = thread_retry_count() - retries_before
            self.emit(ProgressEvent("row", row=rp.number, status=res.status))
            return res

        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="bulkpost") as pool:
            futures = [pool.submit(work, rp) for rp in rows]
            for rp, fut in zip(rows, futures):
                results[rp.number] = fut.result()
        ordered = [results[rp.number] for rp in rows]
        return Results(
            ordered,
            stopped=self.stop_reason,
            interrupted=self.stop_reason is None and (self.stop_event.is_set() or self.abort_event.is_set()),
            created=self.created,
            rate=self.rate,
        )

    def not_attempted(self, rp: RowPlan, decision: RowDecision) -> RowResult:
        if self.stop_reason is not None:
            code, msg = self.stop_reason.code, f"not attempted: {self.stop_reason.describe()}"
        else:
            code, msg = "INTERRUPTED", "not attempted: the run was interrupted; run the same command again to continue."
        return RowResult(rp.number, NOT_ATTEMPTED, error_code=code, error=msg)

    def run_row(self, rp: RowPlan, decision: RowDecision) -> RowResult:
        warnings = [f.message for f in rp.warnings]
        if decision.kind in ("done", "changed"):
            known = self.published_or_failed(rp, decision, warnings)
            if known is not None:
                return known
        if decision.kind == "done":
            finished = [self.outcome_from(e) for e in decision.entries if e.state != "cancelled"]
            return self.aggregate(rp, finished, warnings)
        if decision.kind == "changed":
            entries = self.resolve_lost_creates(decision.entries)
            live = [e for e in entries if e.post_group_id and e.state not in ("cancelled", "superseded")]
            if live:
                decision = RowDecision("changed", live)
        if decision.kind == "changed" and decision.entries and any(e.post_group_id for e in decision.entries):
            old_ids = [e.post_group_id for e in decision.entries if e.post_group_id]
            if not self.update_changed:
                return RowResult(
                    rp.number,
                    SKIPPED,
                    groups=[GroupOutcome(e.group_index, SKIPPED, e.post_group_id, e.effective_time, e.targets) for e in decision.entries],
                    warnings=warnings,
                    error_code="ROW_CHANGED",
                    error=(
                        f"this row changed since it was sent as post group(s) {', '.join(old_ids)}; it was not posted again. "
                        "Run with --update-changed to update those post groups, or `bulkpost cancel` them first."
                    ),
                )
            return self.update_changed_row(rp, decision, warnings)
        outcomes: list[GroupOutcome] = []
        for g in rp.groups:
            if self.abort_event.is_set() or self.stop_reason is not None:
                outcomes.append(GroupOutcome(g.index, NOT_ATTEMPTED, targets=g.targets, error_code=self.stop_code(), error=self.stop_text()))
                continue
            outcomes.append(self.run_group(g))
        return self.aggregate(rp, outcomes, warnings)

    def stop_code(self) -> str:
        return self.stop_reason.code if self.stop_reason else "INTERRUPTED"

    def stop_text(self) -> str:
        if self.stop_reason:
            return f"not attempted: {self.stop_reason.describe()}"
        return "not attempted: the run was interrupted; run the same command again to continue."

    def aggregate(self, rp: RowPlan, outcomes: list[GroupOutcome], warnings: list[str]) -> RowResult:
        statuses = [o.status for o in outcomes]
        if any(s == FAILED for s in statuses):
            status = FAILED
        elif any(s == NOT_ATTEMPTED for s in statuses):
            status = NOT_ATTEMPTED
        elif any(s == PARTIAL for s in statuses):
            status = PARTIAL
        elif statuses and all(s == DRAFT for s in statuses):
            status = DRAFT
        elif statuses and all(s == PUBLISHED for s in statuses):
            status = PUBLISHED
        elif statuses and all(s in (SCHEDULED, DRAFT, PUBLISHED) for s in statuses):
            status = SCHEDULED
        else:
            status = FAILED
        bad = next((o for o in outcomes if o.status in (FAILED, NOT_ATTEMPTED, PARTIAL) and o.error), None)
        error_code = bad.error_code if bad else None
        error = None
        if bad is not None:
            error = bad.error if len(outcomes) == 1 else f"group {bad.index + 1} ({', '.join(bad.targets)}): {bad.error}"
        return RowResult(rp.number, status, outcomes, warnings, error_code, error)

    @staticmethod
    def outcome_from(e: GroupEntry) -> GroupOutcome:
        if e.state == "done":
            status = e.result_status or (DRAFT if e.want_status == "draft" else SCHEDULED)
            return GroupOutcome(e.group_index, status, e.post_group_id, e.effective_time, e.targets, e.warnings)
        return GroupOutcome(e.group_index, FAILED, e.post_group_id, e.effective_time, e.targets, e.warnings, e.error_code, e.error)

    # -- published / failed at publish (what get-post told the journal) ----------------

    def published_or_failed(self, rp: RowPlan, decision: RowDecision, warnings: list[str]) -> RowResult | None:
        """A row Publora has published or failed to publish: report that (and retry with
        ``--retry-failed``); never send it again as a whole. None: the journal knows no
        Publora outcome for this row, the usual path decides."""
        from .batch import remote_view

        live = sorted((e for e in decision.entries if e.post_group_id and e.state not in ("cancelled", "superseded")), key=lambda x: x.group_index)
        if not live or not any(e.remote_status for e in live):
            return None
        views = {e.id: remote_view(e, self.journal.retries(e.id)) for e in live}
        if decision.kind == "changed":
            # A changed row whose groups failed at publish may be retried with its new text/time;
            # anything else about a changed row is for the usual path (reported or updated).
            if not any(e.remote_status in ("failed", "partially_published") for e in live):
                return None
            if len(live) != len(rp.groups):
                return None
        outcomes = []
        by_index = {g.index: g for g in rp.groups}
        for e in live:
            status, errs, retry_ids = views[e.id]
            g = by_index.get(e.group_index)
            own_retries = self.journal.retries(e.id)
            if own_retries and own_retries[-1].state == "uploading":
                # A --retry-failed draft still waiting for its files or its schedule.
                if g is not None and self.retry_failed:
                    outcomes.append(self.retry_group(g, e))
                    continue
                pending = own_retries[-1]
                outcomes.append(GroupOutcome(
                    e.group_index, FAILED, e.post_group_id, e.effective_time, e.targets, list(e.warnings),
                    "RETRY_INCOMPLETE",
                    f"the retry post group {pending.post_group_id} is a draft still waiting for its files; "
                    f"run `{self.hint_command} --retry-failed` to finish it",
                    retry_ids=retry_ids,
                ))
                continue
            if status in (FAILED, PARTIAL) and g is not None and self.retry_failed:
                outcomes.append(self.retry_group(g, e))
                continue
            base = GroupOutcome(e.group_index, SCHEDULED, e.post_group_id, e.effective_time, e.targets, list(e.warnings), retry_ids=retry_ids)
            if status is None or status in (SCHEDULED, DRAFT):
                out = self.outcome_from(e)
                out.retry_ids = retry_ids
                if retry_ids:  # the retry's post group is the one waiting: its time is the row's time now
                    waiting = [r for r in self.journal.retries(e.id) if r.post_group_id in retry_ids]
                    out.scheduled_time = waiting[-1].scheduled_time if waiting else out.scheduled_time
                outcomes.append(out)
            elif status == PUBLISHED:
                base.status = PUBLISHED
                outcomes.append(base)
            elif status == "deleted":
                base.status, base.error_code = FAILED, "POST_DELETED"
                base.error = "the post group was deleted on Publora (not by bulkpost cancel); it was not sent again"
                outcomes.append(base)
            else:
                base.status = FAILED if status == FAILED else PARTIAL
                base.error_code = "PUBLISH_FAILED"
                detail = "; ".join(errs).rstrip(". ") or "no detail from Publora"
                base.error = (
                    f"Publora {'could not publish' if status == FAILED else 'published only part of'} post group "
                    f"{retry_ids[-1] if retry_ids else e.post_group_id}: {detail}. Nothing was sent again. "
                    f"Run `{self.hint_command} --retry-failed` to send the failed target(s) as a new post group "
                    "(give the row a new time if its time has passed); published targets are never sent again."
                )
                outcomes.append(base)
        return self.aggregate(rp, outcomes, warnings)

    def finish_media_retry(
        self, g: PostGroupPlan, e: GroupEntry, r: Any, pgid: str, out: GroupOutcome, retry_ids: list[str], client: Any
    ) -> GroupOutcome:
        """The files and the schedule of a ``--retry-failed`` draft ``pgid`` (retry record ``r``).

        Safe to repeat after a crash: the draft's media are listed with get-post and deleted, the
        row's files are uploaded again in sheet order (URLs requested one after another, so the
        carousel order holds), then update-post schedules it with a key stable for this attempt.
        """
        import hashlib

        j = self.journal
        tag = f"retry:{r.attempt}"
        out.retry_ids = [*retry_ids, pgid] if pgid not in retry_ids else list(retry_ids)
        tmpdir: Path | None = None
        sid = j.step_started(e.id, f"{tag}:media")
        try:
            remote = self.call(client.get_post, pgid)
            for item in remote.media:
                if item.media_id:
                    try:
                        self.call(client.delete_media, str(item.media_id))
                    except APIStatusError as exc:
                        if exc.status_code != 404:
                            raise
            for m in g.media:
                self.check_abort()
                path, ctype = m.path, m.content_type
                if m.is_url:
                    if tmpdir is None:
                        tmpdir = Path(tempfile.mkdtemp(prefix="bulkpost-"))
                    path, ctype = self.download(m, tmpdir, e)
                assert path is not None and ctype is not None
                target = self.call(client.get_upload_url, post_group_id=pgid, file_name=m.file_name, content_type=ctype)
                client.upload(target.upload_url, path, ctype)
            j.step_finished(sid, e.id, "ok")
            key = "r1s-" + hashlib.sha256(f"{r.idempotency_key}\nschedule".encode()).hexdigest()[:40]
            sid = j.step_started(e.id, f"{tag}:schedule", key=key)
            res = self.call(client.update_post, pgid, status=SCHEDULED, scheduled_time=r.scheduled_time, idempotency_key=key)
            j.step_finished(sid, e.id, "ok", {"scheduled_time": res.scheduled_time})
        except _Aborted:
            j.step_finished(sid, e.id, "aborted")
            out.status, out.error_code, out.error = NOT_ATTEMPTED, "INTERRUPTED", "interrupted; run the same command again"
            return out
        except (APIError, OSError) as exc:
            code = getattr(exc, "code", None) or type(exc).__name__
            text = _error_text(exc) if isinstance(exc, APIError) else str(exc)
            j.step_finished(sid, e.id, "error", {"code": code, "error": text})
            j.retry_set(r.id, error_code=code, error=text)
            if isinstance(exc, PlanLimitError):
                self.halt(StopReason(code, _limit_message(exc), e.row_number, _limit_details(exc)))
            elif isinstance(exc, AuthenticationError):
                self.halt(StopReason(code or "AUTHENTICATION_FAILED", f"Publora refused the API key: {text}", e.row_number))
            out.error_code = code
            out.error = f"retry post group {pgid} (a draft) could not get its files or its schedule: {text}; the next --retry-failed run continues it"
            return out
        except _GroupFailed as exc:
            j.step_finished(sid, e.id, "error", {"code": exc.code, "error": exc.message})
            out.error_code, out.error = exc.code, exc.message
            return out
        finally:
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)
        j.retry_set(r.id, state="done", scheduled_time=str(res.scheduled_time) if res.scheduled_time else r.scheduled_time, error_code=None, error=None)
        out.status = SCHEDULED
        out.scheduled_time = str(res.scheduled_time) if res.scheduled_time else r.scheduled_time
        out.warnings = [*out.warnings, f"retried {', '.join(r.targets)} as new post group {pgid} with its {len(g.media)} file(s) (attempt {r.attempt})"]
        return out

    def retry_key(self, e: GroupEntry, attempt: int) -> str:
        """The Idempotency-Key of retry ``attempt`` of a group: new per attempt, the same on every re-run."""
        import hashlib

        raw = "\n".join([self.plan_identity(), e.row_hash, str(e.occurrence), str(e.group_index), "retry", str(attempt)])
        return f"r1-{hashlib.sha256(raw.encode()).hexdigest()[:40]}"

    def plan_identity(self) -> str:
        return next((g.identity for rp in self.plan.rows for g in rp.groups), "") or (self.journal.identity or "")

    def retry_group(self, g: PostGroupPlan, e: GroupEntry) -> GroupOutcome:
        """``--retry-failed``: a NEW post group for the targets that failed (never the published ones).

        The attempt is journaled (with its key) before the create is sent; a re-run after a crash
        re-sends the same key (a replay). X/Threads threads with live parts are not resubmitted.
        """
        from .batch import remote_view

        j = self.journal
        retries = j.retries(e.id)
        sent = [r for r in retries if r.post_group_id and r.state != "cancelled"]
        status, errs, retry_ids = remote_view(e, retries)
        out = GroupOutcome(e.group_index, FAILED, e.post_group_id, e.effective_time, e.targets, list(e.warnings), retry_ids=list(retry_ids))
        last = retries[-1] if retries else None
        if last is not None and last.state == "done" and last.remote_status not in (FAILED, PARTIAL):
            # The retry is in place (scheduled or published): nothing more to send.
            out.status = PUBLISHED if status == PUBLISHED else (PARTIAL if status == PARTIAL else SCHEDULED)
            out.scheduled_time = last.scheduled_time
            return out
        source = sent[-1] if sent and sent[-1].remote_status in (FAILED, PARTIAL) else None
        detail = (source.remote_detail if source is not None else e.remote_detail) or {}
        own = source.targets if source is not None else e.targets
        retry_targets, blocked, published = [], [], []
        for p in detail.get("platforms") or []:
            compound = f"{p.get('platform')}-{p.get('platform_id')}"
            target = compound if compound in own or not own else next((t for t in own if t.endswith(f"-{p.get('platform_id')}")), compound)
            if p.get("status") == PUBLISHED:
                published.append(target)
            elif p.get("status") == FAILED:
                if p.get("posted_id") or p.get("error_code") == "THREAD_PARTIALLY_PUBLISHED":
                    blocked.append(target)
                else:
                    retry_targets.append(target)
        blocked_text = (
            f"{', '.join(blocked)}: a thread with some parts already live (THREAD_PARTIALLY_PUBLISHED) is never "
            "resubmitted; publish the missing parts by hand"
            if blocked
            else ""
        )
        client = self.client_for(g.user)
        with_media = g.media_mode == "upload" and bool(g.media)
        if last is not None and last.state == "uploading" and last.post_group_id:
            # A media retry whose draft exists: its files (again, from the first) and its schedule.
            return self.finish_media_retry(g, e, last, last.post_group_id, out, retry_ids, client)
        if last is not None and last.state == "creating":
            # The previous run sent this retry and lost the answer (crash, dropped connection). Look
            # for it first (Publora forgets keys after 24 hours), else the same key and the same body.
            body, retry_targets, when, attempt, key = last.body, last.targets, last.scheduled_time, last.attempt, last.idempotency_key
            found = self.lookup(client, str(body.get("content", "")), retry_targets, last.created_at)
            if found is not None and with_media:
                j.retry_set(last.id, state="uploading", post_group_id=found[0], error_code=None, error=None)
                return self.finish_media_retry(g, e, j.retries(e.id)[-1], found[0], out, retry_ids, client)
            if found is not None:
                j.retry_set(last.id, state="done", post_group_id=found[0], error_code=None, error=None)
                out.status, out.scheduled_time, out.retry_ids = SCHEDULED, found[2] or when, [*retry_ids, found[0]]
                out.warnings = [*out.warnings, f"retry post group {found[0]} found on Publora (its answer had been lost)"]
                return out
            r = last
        else:
            if not retry_targets:
                out.status = PARTIAL if published else FAILED
                out.error_code = "THREAD_PARTIALLY_PUBLISHED" if blocked else "NOTHING_TO_RETRY"
                out.error = blocked_text or "no failed target without a live post to retry"
                return out
            when = g.scheduled_time
            failed_at = _parse_time(e.effective_time or e.scheduled_time)
            at = _parse_time(when)
            if g.status != SCHEDULED or at is None or at.timestamp() < time.time() + RETRY_MIN_LEAD_SECONDS or (failed_at is not None and at <= failed_at):
                out.error_code = "RETRY_NEEDS_NEW_TIME"
                out.error = (
                    f"not retried: the row's time {when or '(none)'} is not in the future"
                    + (f" (the post failed at {e.effective_time})" if e.effective_time else "")
                    + f". Give the row a new scheduled time and run `{self.hint_command} --retry-failed` again "
                    f"to send {', '.join(retry_targets)} as a new post group."
                )
                return out
            attempt = (last.attempt + 1) if last is not None else 1
            key = self.retry_key(e, attempt)
            networks = {t.split("-", 1)[0] for t in retry_targets}
            full = g.create_body()
            # With uploaded files the retry is made as a draft, gets the files in order, then is scheduled.
            body = {"content": g.content, "platforms": list(retry_targets), "scheduledTime": None if with_media else when}
            settings = {k: v for k, v in (full.get("platformSettings") or {}).items() if k in networks}
            if settings:
                body["platformSettings"] = settings
            first = full.get("firstComment")
            if isinstance(first, dict) and first.get("platforms"):
                kept = [x for x in first["platforms"] if x in networks]
                first = {**first, "platforms": kept} if kept else None
            if first:
                body["firstComment"] = first
            if full.get("mediaUrls"):
                body["mediaUrls"] = full["mediaUrls"]
            r = j.retry_started(e.id, attempt, retry_targets, when, key, body)
        try:
            res = self.call(
                client.create_post, **_create_kwargs(body), idempotency_key=key
            )
        except _Aborted:
            out.status, out.error_code, out.error = NOT_ATTEMPTED, "INTERRUPTED", "interrupted; run the same command again"
            return out
        except APIError as exc:
            code = getattr(exc, "code", None) or type(exc).__name__
            text = _error_text(exc)
            if _is_refusal(exc):
                j.retry_set(r.id, state="failed", error_code=code, error=text)
            else:
                text += " (the outcome is unknown: the next --retry-failed run re-sends it with the same key)"
                j.retry_set(r.id, error_code=code, error=text)
            if isinstance(exc, PlanLimitError):
                self.halt(StopReason(code, _limit_message(exc), e.row_number, _limit_details(exc)))
            elif isinstance(exc, AuthenticationError):
                self.halt(StopReason(code or "AUTHENTICATION_FAILED", f"Publora refused the API key: {text}", e.row_number))
            out.error_code, out.error = code, f"retry of {', '.join(retry_targets)} failed: {text}"
            return out
        pgid = str(res.post_group_id)
        with self._stop_lock:
            self.created += 1
        if with_media:
            j.retry_set(r.id, state="uploading", post_group_id=pgid, error_code=None, error=None)
            return self.finish_media_retry(g, e, j.retries(e.id)[-1], pgid, out, retry_ids, client)
        j.retry_set(r.id, state="done", post_group_id=pgid, error_code=None, error=None)
        out.status = PARTIAL if blocked else SCHEDULED
        out.scheduled_time = str(res.scheduled_time) if res.scheduled_time else when
        out.retry_ids = [*retry_ids, pgid]
        out.warnings = [
            *out.warnings,
            *_warning_texts(res.warnings),
            f"retried {', '.join(retry_targets)} as new post group {pgid} (attempt {attempt})"
            + (f"; already published, not sent again: {', '.join(published)}" if published else ""),
        ]
        if blocked:
            out.error_code, out.error = "THREAD_PARTIALLY_PUBLISHED", blocked_text
        return out

    # -- groups ------------------------------------------------------------------------

    def run_group(self, g: PostGroupPlan) -> GroupOutcome:
        """Run one post group; a step whose outcome is unknown is reconciled and resumed in this run.

        After a 5xx, connection error, timeout or lost answer (on create-post, get-upload-url, the
        PUT or update-post) the group goes through the same resume path the next run would take:
        get-post lists the group's media in attach order, records the journal never heard of (a
        lost get-upload-url answer, so no upload URL to re-use) are deleted so the carousel order
        holds, a URL still known is re-used, and the schedule is looked up before it is re-sent
        with the same Idempotency-Key. At most ``same_run_retries`` such retries per step (a
        group that moves on to its next file gets a fresh budget for it), with backoff.
        Every step is journaled as before, so a SIGKILL at any point leaves what the next run resumes.
        """
        tries: dict[str, int] = {}
        while True:
            out, failed_step = self._run_group_once(g)
            if failed_step is None or self.abort_event.is_set() or self.stop_reason is not None:
                return out
            retry = tries[failed_step] = tries.get(failed_step, 0) + 1
            if retry > self.same_run_retries:
                return out
            _count_retry()
            if self.abort_event.wait(min(SAME_RUN_BACKOFF * 2 ** (retry - 1), SAME_RUN_BACKOFF_MAX)):
                return out

    def _run_group_once(self, g: PostGroupPlan) -> tuple[GroupOutcome, str | None]:
        """One pass over a group's steps; the str names the failed step when a retry may save it."""
        j = self.journal
        e = j.ensure(g)
        if e.state == "done":
            return self.outcome_from(e), None
        if e.state == "cancelled":
            # Its post group was deleted by `bulkpost cancel`; a replay of the old key would
            # return the deleted id, so this is a new attempt.
            j.update(e.id, state="pending", post_group_id=None, create_attempt=e.create_attempt + 1, create_started_at=None, error=None, error_code=None)
            e = j.get(e.id)
        client = self.client_for(g.user)
        try:
            if e.post_group_id is None:
                self.create(g, e, client)
                e = j.get(e.id)
            if e.state != "done" and e.mode == "upload":
                self.uploads(g, e, client)
                e = j.get(e.id)
                if g.status == "scheduled":
                    self.schedule(g, e, client)
                else:
                    j.update(e.id, state="done", result_status=DRAFT, error=None, error_code=None, outcome_unknown=False)
                e = j.get(e.id)
        except _GroupFailed as exc:
            e = j.get(e.id)
            failed_step = (exc.step or "?") if exc.transient else None
            return GroupOutcome(g.index, FAILED, e.post_group_id, e.effective_time, g.targets, e.warnings, exc.code, exc.message), failed_step
        except _Aborted:
            e = j.get(e.id)
            return GroupOutcome(
                g.index,
                NOT_ATTEMPTED,
                e.post_group_id,
                None,
                g.targets,
                e.warnings,
                "INTERRUPTED",
                "interrupted part-way; run the same command again to continue where it stopped.",
            ), None
        return self.outcome_from(e), None

    def fail(self, step_id: int, e: GroupEntry, exc: APIError, *, attempt_field: str, keep_state: bool = False) -> _GroupFailed:
        """Record a failed step; stop the run for plan limits and bad keys.

        ``keep_state`` leaves the group's state alone (an update of a group that stays scheduled).
        """
        code = getattr(exc, "code", None) or type(exc).__name__
        text = _error_text(exc)
        refusal = _is_refusal(exc)
        fields: dict[str, Any] = {"state": "failed", "error_code": code, "error": text, "outcome_unknown": not refusal}
        if keep_state:
            fields = {}
        if refusal:
            fields[attempt_field] = getattr(e, attempt_field) + 1
        elif not keep_state:
            text += " (the outcome is unknown: the next run checks Publora before sending it again)"
            fields["error"] = text
        self.journal.step_finished(step_id, e.id, "refused" if refusal else "unknown", {"code": code, "error": text}, **fields)
        if isinstance(exc, PlanLimitError):
            text = _limit_message(exc)
            self.halt(StopReason(code, text, e.row_number, _limit_details(exc)))
        elif isinstance(exc, AuthenticationError):
            self.halt(StopReason(code or "AUTHENTICATION_FAILED", f"Publora refused the API key: {text}", e.row_number))
        transient = not refusal and not isinstance(exc, (PlanLimitError, AuthenticationError))
        step = next((str(st["step"]) for st in self.journal.steps(e.id) if st["id"] == step_id), None) if transient else None
        return _GroupFailed(code, text, transient=transient, step=step)

    def create(self, g: PostGroupPlan, e: GroupEntry, client: Any) -> None:
        j = self.journal
        lost = e.state == "creating" or (e.state == "failed" and e.outcome_unknown)
        if lost:
            found = self.find_existing(g, e, client)
            if found is not None:
                j.close_open_steps(e.id, "answer lost")
                done = e.mode != "upload"
                sid = j.step_started(e.id, "reconcile:create")
                j.step_finished(
                    sid,
                    e.id,
                    "adopted",
                    {"post_group_id": found[0], "how": "list-posts"},
                    post_group_id=found[0],
                    state="done" if done else "created",
                    result_status=(found[1] or (DRAFT if g.status == "draft" else SCHEDULED)) if done else None,
                    effective_time=found[2],
                    error=None,
                    error_code=None,
                    outcome_unknown=False,
                )
                return
        mode = e.mode
        key = g.key("create", e.create_attempt, mode=mode)
        body = g.create_body(mode=mode)
        started = e.create_started_at if lost and e.create_started_at else time.time()
        sid = j.step_started(e.id, "create", key=key, state="creating", create_started_at=started)
        try:
            res = self.call(
                client.create_post, **_create_kwargs(body), idempotency_key=key
            )
        except _Aborted:
            j.step_finished(sid, e.id, "not sent", state=e.state)
            raise
        except RateLimitError as exc:
            if exc.code == "MEDIA_URL_RATE_LIMITED" and mode == "urls":
                # All-or-nothing: nothing was attached. Download and upload the files instead.
                j.step_finished(sid, e.id, "refused", {"code": exc.code}, state="pending", mode="upload", outcome_unknown=False)
                self.create(g, j.get(e.id), client)
                return
            raise self.fail(sid, e, exc, attempt_field="create_attempt") from exc
        except APIError as exc:
            raise self.fail(sid, e, exc, attempt_field="create_attempt") from exc
        pgid = res.post_group_id
        when = res.scheduled_time
        warns = _warning_texts(res.warnings)
        with self._stop_lock:
            self.created += 1
        if mode == "upload":
            j.step_finished(sid, e.id, "ok", {"post_group_id": pgid}, post_group_id=pgid, state="created", warnings=warns, error=None, error_code=None, outcome_unknown=False)
        else:
            status = SCHEDULED if when else DRAFT
            j.step_finished(
                sid,
                e.id,
                "ok",
                {"post_group_id": pgid, "scheduled_time": when},
                post_group_id=pgid,
                state="done",
                result_status=status,
                effective_time=str(when) if when else None,
                warnings=warns,
                error=None,
                error_code=None,
                outcome_unknown=False,
            )

    def find_existing(self, g: PostGroupPlan, e: GroupEntry, client: Any) -> tuple[str, str | None, str | None] | None:
        """Look for the post a lost create may have made: same text, same targets, created since."""
        return self.lookup(client, g.content, g.targets, e.create_started_at)

    def lookup(
        self, client: Any, content: str, targets: list[str], started_at: float | None
    ) -> tuple[str, str | None, str | None] | None:
        """(post group id, status, time) of an unclaimed post with this text and targets, or None."""
        since = (started_at or time.time()) - RECONCILE_SLACK_SECONDS
        known = {x.post_group_id for x in self.journal.entries() if x.post_group_id}
        known |= {r.post_group_id for r in self.journal.retries() if r.post_group_id}
        want = set(targets)
        with self._adopt_lock:
            try:
                for p in self.call(lambda: list(self._scan(client, since))):
                    pid = p.post_group_id
                    if not pid or pid in known:
                        continue
                    if (p.content or "") != content:
                        continue
                    found = {str(t.platform_id) for t in p.platforms}
                    if found != want:
                        continue
                    status = p.status
                    when = p.scheduled_time
                    return str(pid), status if status in (SCHEDULED, DRAFT) else None, str(when) if when else None
            except APIError:
                return None  # cannot look: fall back to the idempotent replay with the same key
        return None

    def resolve_lost_creates(self, entries: list[GroupEntry]) -> list[GroupEntry]:
        """For an edited row whose earlier create lost its answer: find that post on Publora.

        Found: it is adopted, so the row counts as sent (reported as changed, or updated with
        ``--update-changed``). Not found: the old attempt is marked ``superseded`` and the row is
        sent as new. Without this, the old text and the new one could both end up posted.
        """
        out = []
        for e in entries:
            if e.unknown_create:
                found = self.lookup(self.client_for(e.user_id), e.content, e.targets, e.create_started_at)
                self.journal.close_open_steps(e.id, "answer lost")
                sid = self.journal.step_started(e.id, "reconcile:create")
                if found is not None:
                    done = e.mode != "upload"
                    self.journal.step_finished(
                        sid, e.id, "adopted", {"post_group_id": found[0], "how": "list-posts"},
                        post_group_id=found[0], state="done" if done else "created",
                        result_status=(found[1] or SCHEDULED) if done else None, effective_time=found[2],
                        outcome_unknown=False,
                    )
                else:
                    self.journal.step_finished(sid, e.id, "not found", state="superseded", outcome_unknown=False)
                e = self.journal.get(e.id)
            out.append(e)
        return out

    @staticmethod
    def _scan(client: Any, since: float) -> Iterable[Any]:
        for n, p in enumerate(client.list_posts(sort_by="createdAt", sort_order="desc")):
            created = _parse_time(p.created_at)
            if created is not None and created.timestamp() < since:
                return
            if n >= RECONCILE_MAX_POSTS:
                return
            yield p

    # -- media -------------------------------------------------------------------------

    def uploads(self, g: PostGroupPlan, e: GroupEntry, client: Any) -> None:
        j = self.journal
        pgid = e.post_group_id
        assert pgid is not None
        ups = {u.idx: u for u in e.uploads}
        if any(u.state != "done" for u in ups.values()) or len(ups) > len(g.media):
            self.remove_orphans(e, client)
            ups = {u.idx: u for u in j.get(e.id).uploads}
        now = time.time()
        first_redo: int | None = None
        for m in g.media:
            u = ups.get(m.index)
            if u is not None and u.state == "done":
                continue
            fresh = u is not None and u.upload_url and u.requested_at and now - u.requested_at < UPLOAD_URL_FRESH_SECONDS
            if u is not None and u.state in ("requested", "putting") and fresh:
                continue
            first_redo = m.index
            break
        if first_redo is not None:
            # A file must be requested again: everything after it goes too, so the carousel keeps its order.
            for u in sorted(ups.values(), key=lambda x: x.idx):
                if u.idx >= first_redo and u.media_id and u.state != "deleted":
                    self.delete_media(e, u.idx, u.media_id, client)
        tmpdir: Path | None = None
        try:
            for m in g.media:
                self.check_abort()
                now_uploads = j.get(e.id).uploads
                cur = next((x for x in now_uploads if x.idx == m.index), None)
                if cur is not None and cur.state == "done":
                    continue
                path, ctype = m.path, m.content_type
                if m.is_url:
                    if tmpdir is None:
                        tmpdir = Path(tempfile.mkdtemp(prefix="bulkpost-"))
                    path, ctype = self.download(m, tmpdir, e)
                assert path is not None and ctype is not None
                if cur is None or cur.state not in ("requested", "putting") or (first_redo is not None and m.index >= first_redo):
                    self.request_url(e, m, ctype, client)
                    cur = next(x for x in j.get(e.id).uploads if x.idx == m.index)
                self.put(e, m, cur.upload_url or "", path, ctype, client)
        finally:
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)

    def download(self, m: PlannedMedia, tmpdir: Path, e: GroupEntry) -> tuple[Path, str]:
        dest = tmpdir / f"{m.index}-{m.file_name}"
        try:
            ctype = self.fetch(m.url or "", dest)
        except Exception as exc:
            self.journal.update(e.id, state="failed", error_code="MEDIA_DOWNLOAD_FAILED", error=f"{m.source}: {exc}")
            raise _GroupFailed("MEDIA_DOWNLOAD_FAILED", f"could not download {m.source}: {exc}") from exc
        from .plan import _content_type

        detected = _content_type(dest) or ctype
        if not detected or not (detected.startswith(("image/", "video/")) or detected == "application/pdf"):
            self.journal.update(e.id, state="failed", error_code="MEDIA_TYPE_UNKNOWN", error=f"{m.source} is not an image or a video")
            raise _GroupFailed("MEDIA_TYPE_UNKNOWN", f"{m.source} is not an image, a video or a PDF ({detected or 'unknown type'})")
        return dest, detected

    def request_url(self, e: GroupEntry, m: PlannedMedia, ctype: str, client: Any) -> None:
        j = self.journal
        j.upload_started(e.id, m.index, m.source, ctype)
        sid = j.step_started(e.id, f"get-upload-url:{m.index}")
        try:
            target = self.call(client.get_upload_url, post_group_id=e.post_group_id, file_name=m.file_name, content_type=ctype)
        except APIError as exc:
            raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        media_id = target.media_id
        j.upload_set(e.id, m.index, media_id=media_id, upload_url=target.upload_url, requested_at=time.time(), state="requested")
        j.step_finished(sid, e.id, "ok", {"media_id": media_id})

    def put(self, e: GroupEntry, m: PlannedMedia, url: str, path: Path, ctype: str, client: Any) -> None:
        j = self.journal
        j.upload_set(e.id, m.index, state="putting")
        sid = j.step_started(e.id, f"put:{m.index}")

        def on_bytes(n: int) -> None:
            if self.abort_event.is_set():
                raise _Aborted()
            self.emit(ProgressEvent("bytes", row=e.row_number, nbytes=n))

        try:
            self.check_abort()
            client.upload(url, path, ctype, progress=on_bytes)
        except _Aborted:
            j.step_finished(sid, e.id, "aborted")
            raise
        except APIError as exc:
            # The media record stays; the next run re-sends the bytes (or a fresh URL after an hour).
            raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        except OSError as exc:
            j.step_finished(sid, e.id, "error", {"error": str(exc)}, state="failed", error_code="MEDIA_UNREADABLE", error=str(exc))
            raise _GroupFailed("MEDIA_UNREADABLE", f"{m.source}: {exc}") from exc
        j.upload_set(e.id, m.index, state="done")
        j.step_finished(sid, e.id, "ok")

    def delete_media(self, e: GroupEntry, idx: int | None, media_id: str, client: Any) -> None:
        j = self.journal
        sid = j.step_started(e.id, f"delete-media:{idx if idx is not None else 'orphan'}")
        try:
            self.call(client.delete_media, media_id)
        except APIStatusError as exc:
            if exc.status_code != 404:
                raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        except APIError as exc:
            raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        if idx is not None:
            j.upload_set(e.id, idx, state="deleted", media_id=None, upload_url=None)
        j.step_finished(sid, e.id, "ok", {"media_id": media_id})

    def remove_orphans(self, e: GroupEntry, client: Any) -> None:
        """Delete media the server has on the group but the journal never heard of (lost answers)."""
        sid = self.journal.step_started(e.id, "get-post:media")
        try:
            group = self.call(client.get_post, e.post_group_id)
        except APIError as exc:
            raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        self.journal.step_finished(sid, e.id, "ok")
        known = {u.media_id for u in e.uploads if u.media_id}
        for item in group.media:
            mid = item.media_id
            if mid and mid not in known:
                self.delete_media(e, None, str(mid), client)

    def schedule(self, g: PostGroupPlan, e: GroupEntry, client: Any) -> None:
        j = self.journal
        if e.state == "scheduling" or (e.state == "failed" and e.outcome_unknown):
            try:
                remote = self.call(client.get_post, e.post_group_id)
            except APIError:
                remote = None
            if remote is not None and remote.status == SCHEDULED:
                when = remote.scheduled_time
                j.close_open_steps(e.id, "answer lost")
                sid = j.step_started(e.id, "reconcile:schedule")
                j.step_finished(sid, e.id, "adopted", {"how": "get-post"}, state="done", result_status=SCHEDULED, effective_time=str(when) if when else g.scheduled_time, error=None, error_code=None, outcome_unknown=False)
                return
        key = g.key("schedule", e.schedule_attempt)
        sid = j.step_started(e.id, "schedule", key=key, state="scheduling")
        try:
            res = self.call(client.update_post, e.post_group_id, status=SCHEDULED, scheduled_time=g.scheduled_time, idempotency_key=key)
        except _Aborted:
            j.step_finished(sid, e.id, "not sent", state=e.state)
            raise
        except APIError as exc:
            raise self.fail(sid, e, exc, attempt_field="schedule_attempt") from exc
        when = res.scheduled_time
        warns = e.warnings + _warning_texts(res.warnings)
        j.step_finished(
            sid,
            e.id,
            "ok",
            {"scheduled_time": when},
            state="done",
            result_status=SCHEDULED,
            effective_time=str(when) if when else g.scheduled_time,
            warnings=warns,
            error=None,
            error_code=None,
            outcome_unknown=False,
        )

    # -- --update-changed --------------------------------------------------------------

    def update_changed_row(self, rp: RowPlan, decision: RowDecision, warnings: list[str]) -> RowResult:
        """``--update-changed``: apply the row's new content to the post groups it already has.

        Text, targets, time, status, settings and first comment are patched with update-post;
        changed media are replaced (the group's files deleted, the new ones uploaded in order).
        A row that now splits into a different number of groups cannot be applied in place.
        """
        old = sorted((e for e in decision.entries if e.state not in ("cancelled", "superseded")), key=lambda x: x.group_index)
        if len(old) != len(rp.groups) or not all(o.post_group_id for o in old):
            ids = ", ".join(e.post_group_id for e in old if e.post_group_id)
            return RowResult(
                rp.number,
                FAILED,
                warnings=warnings,
                error_code="ROW_CHANGED_CANNOT_UPDATE",
                error=(
                    f"this row changed since it was sent as post group(s) {ids}, and it now splits into "
                    f"{len(rp.groups)} post group(s) instead of {len(old)}, which cannot be applied in place. "
                    "Cancel those post groups with `bulkpost cancel`, then schedule again."
                ),
            )
        outcomes = []
        for o, g in zip(old, rp.groups):
            client = self.client_for(g.user)
            if self.abort_event.is_set():
                outcomes.append(GroupOutcome(g.index, NOT_ATTEMPTED, o.post_group_id, None, g.targets, [], "INTERRUPTED", self.stop_text()))
                continue
            try:
                if o.media_hash != g.media_hash:
                    self.replace_media(o, g, client)
            except _GroupFailed as exc:
                outcomes.append(GroupOutcome(g.index, FAILED, o.post_group_id, None, g.targets, [], exc.code, exc.message))
                continue
            except _Aborted:
                outcomes.append(GroupOutcome(g.index, NOT_ATTEMPTED, o.post_group_id, None, g.targets, [], "INTERRUPTED", self.stop_text()))
                continue
            key = g.key("update", o.schedule_attempt)
            sid = self.journal.step_started(o.id, "update-changed", key=key)
            body = g.create_body()
            try:
                res = self.call(
                    client.update_post,
                    o.post_group_id,
                    status=g.status,
                    scheduled_time=g.scheduled_time,
                    content=g.content,
                    platforms=g.targets,
                    platform_settings=g.platform_settings or None,
                    first_comment=body.get("firstComment"),
                    idempotency_key=key,
                )
            except _Aborted:
                self.journal.step_finished(sid, o.id, "not sent")
                outcomes.append(GroupOutcome(g.index, NOT_ATTEMPTED, o.post_group_id, None, g.targets, [], "INTERRUPTED", self.stop_text()))
                continue
            except APIError as exc:
                f = self.fail(sid, o, exc, attempt_field="schedule_attempt", keep_state=True)
                outcomes.append(GroupOutcome(g.index, FAILED, o.post_group_id, None, g.targets, [], f.code, f.message))
                continue
            when = res.scheduled_time
            self.journal.step_finished(
                sid,
                o.id,
                "ok",
                {"scheduled_time": when},
                state="done",
                result_status=g.status,
                effective_time=str(when) if when else None,
                warnings=_warning_texts(res.warnings),
                error=None,
                error_code=None,
                outcome_unknown=False,
            )
            self.journal.rekey(o.id, g)
            outcomes.append(
                GroupOutcome(g.index, g.status, o.post_group_id, str(when) if when else None, g.targets, ["updated the existing post group (the row changed)"])
            )
        return self.aggregate(rp, outcomes, warnings)

    def replace_media(self, o: GroupEntry, g: PostGroupPlan, client: Any) -> None:
        """Delete every file the post group has on Publora, then upload the row's files in order.

        Safe to repeat: a run killed half-way leaves the journal entry under the old content, so
        the next ``--update-changed`` run clears the group's media again and starts over.
        """
        sid = self.journal.step_started(o.id, "replace-media:list")
        try:
            remote = self.call(client.get_post, o.post_group_id)
        except APIError as exc:
            raise self.fail(sid, o, exc, attempt_field="schedule_attempt", keep_state=True) from exc
        self.journal.step_finished(sid, o.id, "ok")
        for item in remote.media:
            mid = item.media_id
            if mid:
                self.delete_media(o, None, str(mid), client)
        self.journal.reset_uploads(o.id, mode="upload")
        if g.media:
            self.uploads(g, self.journal.get(o.id), client)


def execute_plan(
    plan: Plan,
    client: Any,
    journal: Journal,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[ProgressEvent], None] | None = None,
    stop_event: threading.Event | None = None,
    abort_event: threading.Event | None = None,
    update_changed: bool = False,
    rate: float | None = DEFAULT_RATE,
    fetch: Fetch | None = None,
    retry_failed: bool = False,
    hint_command: str = "bulkpost schedule SHEET",
    same_run_retries: int = SAME_RUN_ATTEMPTS,
) -> Results:
    """Run ``plan`` against Publora through ``client``, recording every step in ``journal``.

    Rows the journal knows as done are not sent again; half-finished rows resume; rows whose
    content changed are reported (or, with ``update_changed``, their post groups updated).
    Rows Publora published or failed to publish (as the journal learned from get-post, see
    :func:`bulkpost.batch.refresh_due`) are reported as such and never sent again as a whole;
    ``retry_failed`` sends a failed group's failed targets as a new post group (one per attempt,
    journaled, with its own stable Idempotency-Key). ``hint_command`` is the command named in hints.
    ``same_run_retries``: how often a step whose outcome was unknown (5xx, timeout, lost answer)
    is reconciled with Publora and resumed within this run, per step (0: left for the next run).
    ``stop_event`` stops starting rows, ``abort_event`` also stops in-flight rows at the next
    step. ``progress`` receives :class:`ProgressEvent` objects (from worker threads, one at a
    time). Returns one :class:`RowResult` per plannable row, in sheet order.
    """
    run = _Run(
        plan,
        client,
        journal,
        concurrency=concurrency,
        progress=progress,
        stop_event=stop_event or threading.Event(),
        abort_event=abort_event or threading.Event(),
        update_changed=update_changed,
        rate=rate,
        fetch=fetch,
        retry_failed=retry_failed,
        hint_command=hint_command,
        same_run_retries=same_run_retries,
    )
    return run.run()
