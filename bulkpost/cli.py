"""The command line: a thin caller of the library. The only module that imports click or prints.

Exit codes (README table): 0 all good, 1 invalid rows or failed posts, 2 unusable input or
misuse, 3 stopped by a plan limit or an authentication error. A ``BulkpostError`` is caught
once, in :class:`BulkpostGroup`, and printed as one line plus a hint; a traceback only with
``--debug``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BulkpostError, ConfigError
from .findings import Report

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_INPUT = 2
EXIT_STOPPED = 3


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` escapes.

    Messages quote cell values and file names; a raw ESC from a sheet would otherwise drive
    the user's terminal (clear the screen, recolour or hide the rest of the line).
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class CLIError(click.ClickException):
    """A BulkpostError on its way out: one line, a hint, the class's exit code."""

    def __init__(self, message: str, hint: str | None, exit_code: int) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        err = file or sys.stderr
        click.echo(f"Error: {_visible(self.message)}", file=err)
        if self.hint:
            click.echo(f"Hint: {_visible(self.hint)}", file=err)


def _debug_enabled(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("BULKPOST_DEBUG") == "1"


class BulkpostGroup(click.Group):
    """A click group that turns bulkpost's exceptions into exit codes and one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BulkpostError as exc:
            if _debug_enabled(ctx):  # the traceback, and still the exit code of the error
                traceback.print_exc(file=sys.stderr)
            raise CLIError(exc.message, exc.hint, exc.exit_code) from exc
        except BrokenPipeError:
            # `bulkpost validate ... | head`: the reader left. Point stdout at devnull so the
            # interpreter's final flush cannot complain, and stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_INVALID) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # an unexpected bug: still no traceback without --debug
            if _debug_enabled(ctx):
                raise
            raise CLIError(
                f"unexpected {type(exc).__name__}: {exc}",
                "This is a bug in bulkpost. Run again with --debug for the traceback and report it.",
                EXIT_INVALID,
            ) from exc


@click.group(cls=BulkpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bulkpost")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a spreadsheet of social-media posts into scheduled posts through the Publora API.

    Start with `bulkpost validate SHEET` (offline, no API key), then
    `bulkpost schedule SHEET --sandbox` to try a whole batch against a local Publora.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# --- validate, template (issue 2) -------------------------------------------------------


def _summary_lines(report: Report) -> list[str]:
    """The terminal summary of a validation: counts, notes, then the findings table, worst first."""
    rows_bad = len(report.rows_with_errors())
    where = report.file + (f" (sheet {report.sheet!r})" if report.sheet else "")
    errors, warns = len(report.errors), len(report.warnings)
    lines = [
        f"{where}: {report.rows} row{'s' if report.rows != 1 else ''} checked, "
        f"{report.rows - rows_bad} ready, {rows_bad} with errors; "
        f"{errors} error{'s' if errors != 1 else ''}, {warns} warning{'s' if warns != 1 else ''}."
    ]
    lines += [f"Note: {_visible(n)}" for n in report.notes]
    findings = report.sorted_findings()
    if findings:
        cells = [f.cell or (f"{f.letter}:{f.letter}" if f.letter else (f"row {f.row}" if f.row else "sheet")) for f in findings]
        w_cell = max(4, *(len(c) for c in cells))
        w_code = max(4, *(len(f.code) for f in findings))
        lines.append("")
        lines.append(f"{'SEVERITY':<8}  {'CELL':<{w_cell}}  {'CODE':<{w_code}}  MESSAGE")
        for f, c in zip(findings, cells):
            lines.append(f"{f.severity:<8}  {c:<{w_cell}}  {f.code:<{w_code}}  {_visible(f.message)}")
            if f.hint:
                lines.append(f"{'':<8}  {'':<{w_cell}}  {'':<{w_code}}  Fix: {_visible(f.hint)}")
    lines.append("")
    lines.append("No errors: the sheet is ready." if report.ok else f"Fix the {errors} error{'s' if errors != 1 else ''} and run again.")
    return lines


def _rule_options(f: Any) -> Any:
    """The per-network rule settings shared by validate and schedule."""
    options = [
        click.option("--hashtag-cap", type=click.IntRange(min=0), default=5, show_default=True,
                     help="Instagram hashtags allowed per post (5 since Dec 2025; Instagram's API text says 30)."),
        click.option("--mastodon-limit", type=click.IntRange(min=1), default=500, show_default=True,
                     help="Characters per post on your Mastodon instance."),
        click.option("--daily-cap", type=click.IntRange(min=0), default=10, show_default=True,
                     help="Warn when an account gets more posts than this in one day (0 turns it off)."),
        click.option("--check-urls", is_flag=True, help="Fetch each media URL's type and size (HEAD, then a ranged GET)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _rule_kwargs(hashtag_cap: int, mastodon_limit: int, daily_cap: int, check_urls: bool) -> dict[str, Any]:
    return {"hashtag_cap": hashtag_cap, "mastodon_limit": mastodon_limit, "daily_cap": daily_cap or None, "check_urls": check_urls}


@cli.command("validate")
@click.argument("sheet_path", metavar="SHEET")
@click.option("--sheet", "sheet_name", metavar="NAME", help="Worksheet of an .xlsx (default: the first with a header row).")
@click.option("--tz", default="UTC", show_default=True, metavar="ZONE", help="IANA time zone for times without an offset.")
@click.option("--date-format", type=click.Choice(["dmy", "mdy"]), help="How to read 03/04/2031: day first or month first.")
@click.option("--min-lead", type=click.FloatRange(min=0), default=2, show_default=True, metavar="MINUTES", help="Least time ahead a post may be scheduled.")
@click.option("--strict", is_flag=True, help="Over-length X text without thread parts is an error, not a warning.")
@click.option("--report", "report_path", metavar="PATH", help="Also write the report: .json, .csv, .xlsx (the sheet with every problem marked) or .html (a page to look at).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of the summary.")
@click.option("--online", is_flag=True, help="Also check against the account: live limits, connections (needs the API key or --sandbox).")
@click.option("--sandbox", is_flag=True, help="With --online: check against the built-in sandbox.")
@click.option("--base-url", metavar="URL", help="With --online: Publora API base URL.")
@click.option("--user", "user_id", metavar="ID", help="With --online: act as this workspace-managed user.")
@_rule_options
@click.pass_context
def validate_command(
    ctx: click.Context,
    sheet_path: str,
    sheet_name: str | None,
    tz: str,
    date_format: str | None,
    min_lead: float,
    strict: bool,
    report_path: str | None,
    as_json: bool,
    online: bool = False,
    sandbox: bool = False,
    base_url: str | None = None,
    user_id: str | None = None,
    hashtag_cap: int = 5,
    mastodon_limit: int = 500,
    daily_cap: int = 10,
    check_urls: bool = False,
) -> None:
    """Check every row of SHEET (.csv or .xlsx) offline, with no API key.

    Every problem is reported at its row and column with a fix. Exit code 0: no errors
    (warnings allowed); 1: at least one error; 2: the sheet could not be read.
    """
    from .report import REPORT_SUFFIXES, write_report
    from .validate import validate

    if report_path is not None and Path(report_path).suffix.lower() not in REPORT_SUFFIXES:
        raise ConfigError(f"--report {report_path}: the name must end in .json, .csv, .xlsx or .html")
    rule_kw = _rule_kwargs(hashtag_cap, mastodon_limit, daily_cap, check_urls)
    if online or sandbox or base_url:
        # Online checks (issue 6): live limits, connection facts and network names resolved.
        from .batch import validate_online
        from .load import load_sheet

        loaded = load_sheet(sheet_path, sheet=sheet_name)
        with _open_client(sandbox, base_url, user_id, quiet=as_json) as client:
            report = validate_online(client, loaded, tz=tz, date_format=date_format, min_lead_minutes=min_lead,
                                     strict=strict, rule_options=rule_kw)
    else:
        report = validate(sheet_path, sheet=sheet_name, tz=tz, date_format=date_format, min_lead_minutes=min_lead,
                          strict=strict, rule_options=rule_kw)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in _summary_lines(report):
            click.echo(line)
    if report_path is not None:
        written = write_report(report, report_path)
        click.echo(f"Report written to {written}", err=True)
    ctx.exit(EXIT_OK if report.ok else EXIT_INVALID)


@cli.command("template")
@click.argument("path", metavar="PATH")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def template_command(path: str, force: bool) -> None:
    """Write a blank template with every column to PATH (.csv or .xlsx).

    The .xlsx one also has an instructions sheet and drop-down lists for networks, status,
    time zones and settings.
    """
    from .template import template_columns, write_template

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"{path}: a template is a .csv or .xlsx file", hint="Name it template.csv or template.xlsx.")
    if p.exists() and not force:
        raise ConfigError(f"{path} already exists", hint="Pass --force to overwrite it.")
    write_template(p)
    click.echo(f"Wrote {p} ({len(template_columns())} columns). Fill it in, then run: bulkpost validate {p}")



# --- sandbox (issue 5) ------------------------------------------------------------------


_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@cli.group("sandbox")
def sandbox_group() -> None:
    """A local Publora: try a whole batch without an account (also the tests' fake server)."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on. Only loopback unless --allow-remote.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 = any free port).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False),
              help="JSON file that keeps the sandbox's state across restarts (default: in memory).")
@click.option("--accounts", type=click.Path(exists=True, dir_okay=False),
              help="JSON file of connections to use instead of the built-in set.")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Clock speed: 60 makes an hour pass in a minute.")
@click.option("--seed", type=int, help="Seed for fault and failure choices (repeatable runs).")
@click.option("--plan", type=click.Choice(["sandbox", "starter", "pro", "premium"]),
              help="Plan limits to enforce (default: sandbox, generous).")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Reject scheduledTime 5+ minutes in the past (else clamp it with a warning).")
@click.option("--failure-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of platform posts that fail at publish time.")
@click.option("--latency", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Fault: seconds added to every API answer.")
@click.option("--error-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fault: share of API requests answered with --error-status.")
@click.option("--error-status", default=503, show_default=True, type=click.IntRange(500, 599),
              help="Status of those answers (502 comes as HTML, like a proxy).")
@click.option("--rate-limit-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fault: share of API requests answered 429 with Retry-After.")
@click.option("--retry-after", default=1, show_default=True, type=click.IntRange(min=0),
              help="Retry-After seconds of those 429s.")
@click.option("--drop-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fault: share of mutating requests committed, then dropped without an answer.")
@click.option("--slow-upload-bps", default=0, show_default=True, type=click.IntRange(min=0),
              help="Fault: read presigned uploads at this many bytes per second (0 = full speed).")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (the sandbox has no real security).")
def sandbox_serve(host: str, port: int, state_file: str | None, accounts: str | None, speed: float,
                  seed: int | None, plan: str | None, strict: bool, failure_rate: float, latency: float,
                  error_rate: float, error_status: int, rate_limit_rate: float, retry_after: int,
                  drop_rate: float, slow_upload_bps: int, allow_remote: bool) -> None:
    """Serve a local Publora on HOST:PORT until Ctrl-C; print its base URL and API key.

    Point bulkpost at it with PUBLORA_BASE_URL and PUBLORA_API_KEY. Test-only control
    endpoints live under /__sandbox/ (state, reset, faults, config, clock/advance).
    """
    from .errors import ConfigError, InputError
    from .sandbox import build_state, serve_forever

    if host not in _LOOPBACK_HOSTS and not allow_remote:
        raise ConfigError(f"refusing to listen on {host}: the sandbox is for this machine only",
                          hint="Use --host 127.0.0.1, or add --allow-remote if you really mean it.")
    try:
        state = build_state(state=state_file, speed=speed, seed=seed, accounts=accounts, strict=strict, plan=plan,
                            failure_rate=failure_rate, latency=latency, error_rate=error_rate,
                            error_status=error_status, rate_limit_rate=rate_limit_rate, retry_after=retry_after,
                            drop_rate=drop_rate, slow_upload_bps=slow_upload_bps)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot start the sandbox: {exc}",
                         hint="Check the --state and --accounts files (JSON), or start without them.") from exc

    def ready(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"Publora sandbox on http://{shown}:{bound}/api/v1")
        click.echo(f"  PUBLORA_BASE_URL=http://{shown}:{bound}/api/v1")
        click.echo(f"  PUBLORA_API_KEY={state.api_key}")
        click.echo(f"  state: {state_file or 'in memory'}; clock speed x{speed:g}; "
                   f"{'strict' if strict else 'lenient'} past times; Ctrl-C to stop")

    try:
        serve_forever(state, host=host, port=port, on_ready=ready)
        click.echo("Sandbox stopped." + (f" State saved to {state_file}." if state_file else ""))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="Pick another --port (0 picks a free one).") from exc



# --- schedule, connections, status, cancel (issue 6) ------------------------------------


def _api_options(f: Any) -> Any:
    """--sandbox / --base-url / --user, shared by the commands that talk to Publora."""
    f = click.option("--user", "user_id", metavar="ID", help="Act as this workspace-managed user (x-publora-user-id).")(f)
    f = click.option("--base-url", metavar="URL", help="Publora API base URL (default: PUBLORA_BASE_URL or the real API).")(f)
    f = click.option("--sandbox", is_flag=True, help="Start the local sandbox in-process and run against it (no account needed).")(f)
    return f


def _trial_accounts() -> dict[str, Any]:
    """One healthy account per network from the sandbox's built-in set, for ``--sandbox`` trials.

    The sandbox's full set has two X, LinkedIn and Facebook accounts (to exercise ambiguity);
    a user trying a sheet that says ``twitter`` means "my one X account", so the trial sandbox
    has one of each.
    """
    from datetime import datetime, timezone

    from .sandbox.data import builtin_connections

    seen: set[str] = set()
    chosen = []
    for conn in builtin_connections(datetime.now(timezone.utc)):
        network = str(conn.get("platformId", "")).split("-", 1)[0]
        if network in seen or conn.get("tokenStatus") == "expired":
            continue
        seen.add(network)
        chosen.append(conn)
    return {"connections": chosen}


def _endpoint(client: Any, sandbox: bool) -> str:
    """What a journal is bound to: ``sandbox`` or the API base URL."""
    return "sandbox" if sandbox else str(client.base_url).rstrip("/")


@contextlib.contextmanager
def _open_client(
    sandbox: bool, base_url: str | None, user_id: str | None, *, quiet: bool = False, state: Path | None = None
) -> Iterator[Any]:
    """A PubloraClient for the real API (PUBLORA_API_KEY required) or an in-process sandbox.

    ``state``: where the in-process sandbox keeps its posts between runs (beside the journal),
    so a second ``--sandbox`` run sees what the first created.
    """
    from .errors import ConfigError

    if sandbox and base_url:
        raise ConfigError("--sandbox and --base-url cannot be used together", hint="Pick one.")
    if not sandbox and not os.environ.get("PUBLORA_API_KEY"):
        raise ConfigError(
            "PUBLORA_API_KEY is not set",
            hint="Export your Publora API key (sk_...) as PUBLORA_API_KEY, or try the batch with --sandbox.",
        )
    from .publora import PubloraClient

    with contextlib.ExitStack() as stack:
        if sandbox:
            from .sandbox import run_sandbox

            if state is not None:
                state.parent.mkdir(parents=True, exist_ok=True)
            sb = stack.enter_context(run_sandbox(accounts=_trial_accounts(), state=state))
            if not quiet:
                click.echo(f"Sandbox running at {sb.base_url} (a local Publora; nothing leaves this machine).", err=True)
            client = PubloraClient(sb.api_key, base_url=sb.base_url, user_id=user_id)
        else:
            client = PubloraClient(base_url=base_url, user_id=user_id)
        stack.enter_context(client)
        yield client


def _print_findings(findings: list[Any], *, limit: int = 30) -> None:
    order = {"error": 0, "warning": 1}
    shown = sorted(findings, key=lambda f: (order.get(f.severity, 2), f.row or 0))
    for f in shown[:limit]:
        click.echo(f"  {f.severity:<7} {f.code:<26} {f.message}")
        if f.hint and f.severity == "error":
            click.echo(f"          {'':<26} hint: {f.hint}")
    if len(shown) > limit:
        click.echo(f"  ... and {len(shown) - limit} more (see the results file)")


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


class _Progress:
    """tqdm bars on stderr fed by the executor's progress events (silent when not a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.rows: Any = None
        self.bytes: Any = None

    def __call__(self, event: Any) -> None:
        from tqdm import tqdm

        disable = True if self.quiet else None
        if event.kind == "start":
            self.rows = tqdm(total=event.total_rows, unit="row", desc="rows", file=sys.stderr, disable=disable, leave=False)
            if event.total_bytes:
                self.bytes = tqdm(
                    total=event.total_bytes, unit="B", unit_scale=True, desc="media", file=sys.stderr, disable=disable, leave=False
                )
        elif event.kind == "row" and self.rows is not None:
            self.rows.update(1)
        elif event.kind == "bytes" and self.bytes is not None:
            self.bytes.update(event.nbytes)

    def close(self) -> None:
        for bar in (self.bytes, self.rows):
            if bar is not None:
                bar.close()


@contextlib.contextmanager
def _interrupts(stop: Any, abort: Any, quiet: bool) -> Iterator[None]:
    """First Ctrl-C: finish rows in flight, start no new ones. Second: stop at the next step."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal count
        count += 1
        if count == 1:
            stop.set()
            click.echo("\nStopping: rows in flight finish, no new row starts (Ctrl-C again to stop at once).", err=True)
        elif count == 2:
            abort.set()
            click.echo("\nAborting at the next step; the journal keeps everything done so far.", err=True)
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@cli.command()
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", "sheet_name", metavar="NAME", help="Worksheet of an .xlsx (default: the first with a header).")
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone for times without an offset.")
@click.option("--date-format", type=click.Choice(["dmy", "mdy"]), help="How to read 03/04/2031.")
@_api_options
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True, help="Rows in flight at once.")
@click.option("--rate", type=click.FloatRange(0, 1000), default=None, metavar="N",
              help="API requests per second across all rows (0 = unpaced). Default: 10 against Publora, unpaced with --sandbox.")
@click.option("--dry-run", is_flag=True, help="Validate and plan online, print the plan, send nothing that creates or changes.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@click.option("--skip-invalid", is_flag=True, help="Schedule the valid rows and report invalid ones as skipped.")
@click.option("--update-changed", is_flag=True, help="Update the post groups of rows that changed since they were sent.")
@click.option("--retry-failed", is_flag=True, help="Send the targets Publora failed to publish again, as a new post group at the row's (new, future) time.")
@click.option("--refresh", is_flag=True, help="Ask Publora about every sent post group first, not only those whose time has passed.")
@click.option("--strict", is_flag=True, help="Stricter validation (e.g. over-long X text is an error).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Results file (.csv, .xlsx, .json), or an .html page of the batch (the results file then goes to its default place).")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), help="Where the journal lives.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars and no plan summary.")
@_rule_options
def schedule(
    sheet_path: Path,
    sheet_name: str | None,
    tz: str,
    date_format: str | None,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    concurrency: int,
    rate: float | None,
    dry_run: bool,
    yes: bool,
    skip_invalid: bool,
    update_changed: bool,
    retry_failed: bool,
    refresh: bool,
    strict: bool,
    report_path: Path | None,
    journal_path: Path | None,
    quiet: bool,
    hashtag_cap: int,
    mastodon_limit: int,
    daily_cap: int,
    check_urls: bool,
) -> None:
    """Schedule every row of SHEET on Publora; safe to interrupt and to run again.

    Validates first (nothing is sent while a row has an error, unless --skip-invalid),
    resolves network names to connections, shows the plan and asks before sending. Every
    step is journaled beside the sheet (.bulkpost/), so a re-run skips finished rows,
    resumes half-finished ones and never posts twice. A re-run first asks Publora about
    post groups whose time has passed and reports them published or failed;
    --retry-failed sends the failed targets again as a new post group. Writes
    SHEET.results.csv/.xlsx.
    """
    import threading

    from .batch import (
        exit_code_for,
        fetch_connections,
        forgive_sent_times,
        guard_prior_results,
        online_rule_context,
        refresh_due,
        users_named,
    )
    from .errors import ConfigError
    from .execute import DEFAULT_RATE, execute_plan
    from .journal import Journal, default_journal_path, original_sheet_name
    from .load import load_sheet
    from .plan import build_plan, sheet_identity
    from .results import collect_results, default_results_path, split_results_columns, write_results
    from .validate import validate

    if not dry_run and not yes and not sys.stdin.isatty():
        raise ConfigError(
            "stdin is not a terminal, so bulkpost cannot ask for confirmation",
            hint="Pass --yes to schedule without a prompt (for cron and scripts), or --dry-run to only see the plan.",
        )
    sheet = load_sheet(sheet_path, sheet=sheet_name)
    prior = split_results_columns(sheet)
    jpath = journal_path or default_journal_path(sheet_path, sandbox=sandbox)
    html_out = report_path if report_path is not None and report_path.suffix.lower() in (".html", ".htm") else None
    with _open_client(sandbox, base_url, user_id, quiet=quiet, state=_sandbox_state(jpath) if sandbox else None) as client:
        identity = sheet_identity(sheet_path.resolve().with_name(original_sheet_name(sheet_path)), sheet.sheet)
        # A dry run of a batch never sent leaves no journal file behind (it works in memory).
        journal = Journal(":memory:" if dry_run and not jpath.exists() else jpath, identity=identity)
        try:
            journal.bind_endpoint(_endpoint(client, sandbox), record=not dry_run)
            connections = fetch_connections(client, users_named(sheet))
            ctx, limit_notes = online_rule_context(
                client, connections, strict=strict, **_rule_kwargs(hashtag_cap, mastodon_limit, daily_cap, check_urls)
            )
            report = validate(sheet, tz=tz, date_format=date_format, strict=strict, rule_context=ctx)
            report.notes.extend(limit_notes)

            def plan_of(posts: list[Any]) -> Any:
                return build_plan(posts, sheet_identity=journal.identity or identity, connections=connections, base_dir=sheet.base_dir)

            # Rows already sent whose time has passed are reported, not refused as "in the past".
            forgive_sent_times(report, journal, plan_of)
            # What happened to sent posts whose time has passed (one get-post each): published or failed.
            refresh_due(client, journal, everything=refresh)
            plan = plan_of(report.valid_posts())

            def write_page(plan: Any, records: Any) -> None:
                """``--report x.html``: the page, also when validation blocks the run or on a dry run."""
                if html_out is None:
                    return
                import dataclasses

                from .html_report import write_html_report

                # the page shows what the online pre-flight found too (e.g. expiring connections)
                preflight = [*plan.findings, *(f for rp in plan.rows for f in rp.findings)]
                seen = set(report.findings)
                extra = []
                for f in preflight:
                    if f not in seen:
                        seen.add(f)
                        extra.append(f)
                write_html_report(dataclasses.replace(report, findings=[*report.findings, *extra]), html_out, results=records)

            decisions = journal.classify(plan)
            guard_prior_results(plan, prior, decisions)
            problems = [*report.errors, *(f for f in plan.findings if f.severity == "error")]
            warnings = [*report.warnings, *(f for f in plan.findings if f.severity == "warning")]
            if not quiet or problems:
                click.echo(f"{sheet_path}: {report.rows} rows, {len(problems)} error(s), {len(warnings)} warning(s)")
                for note in report.notes if not quiet else []:
                    click.echo(f"  note: {note}")
                _print_findings([*problems, *warnings] if not quiet else problems)
            if problems and not skip_invalid:
                bad_rows = len({f.row for f in problems if f.row is not None})
                click.echo(
                    f"Nothing was sent: {bad_rows} row(s) have errors. Fix them, or run with --skip-invalid to "
                    "schedule the valid rows and report these as skipped."
                )
                write_page(plan, None)
                if html_out is not None:
                    click.echo(f"HTML report: {html_out}")
                sys.exit(1)
            kinds = {k: sum(1 for d in decisions.values() if d.kind == k) for k in ("new", "resume", "done", "changed")}
            s = plan.summary()
            if not quiet or dry_run:
                urls = f", {s.media_urls} media URL(s)" if s.media_urls else ""
                click.echo(
                    f"Plan: {s.rows - s.rows_blocked} row(s) -> {s.groups} post group(s), {s.targets} platform post(s)"
                    f" ({s.drafts} draft), {s.uploads} upload(s) ({_mb(s.upload_bytes)}){urls}, about {s.api_calls} API call(s)."
                )
                click.echo(
                    f"Journal {_shown(jpath)}: {kinds['new']} new, {kinds['resume']} to resume, {kinds['done']} already done,"
                    f" {kinds['changed']} changed since sent" + (" (will update)" if update_changed and kinds["changed"] else "") + "."
                )
            if dry_run:
                write_page(plan, None)
                click.echo("Dry run: nothing was sent.")
                if html_out is not None:
                    click.echo(f"HTML report: {html_out}")
                return
            if not yes and not click.confirm("Schedule these posts now?", default=False):
                click.echo("Nothing was sent.")
                sys.exit(1)
            journal.lock()
            stop, abort = threading.Event(), threading.Event()
            progress = _Progress(quiet)
            try:
                with _interrupts(stop, abort, quiet):
                    results = execute_plan(
                        plan,
                        client,
                        journal,
                        concurrency=concurrency,
                        progress=progress,
                        stop_event=stop,
                        abort_event=abort,
                        update_changed=update_changed,
                        # The local sandbox has no request limits; Publora gets a steady pace (--rate sets it).
                        rate=rate if rate is not None else (None if sandbox else DEFAULT_RATE),
                        retry_failed=retry_failed,
                        hint_command=f"bulkpost schedule {sheet_path}" + (" --sandbox" if sandbox else ""),
                    )
            finally:
                progress.close()
            records = collect_results(sheet.rows, report, plan, results)
            out = (report_path if html_out is None else None) or default_results_path(sheet_path)
            write_results(out, sheet, records, extra={"run": results.to_dict()})
            write_page(plan, records)  # --report x.html: the page to look at, beside the results file
        finally:
            journal.close()
    counts: dict[str, int] = {}
    for r in records.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    order = ("scheduled", "draft", "published", "partially_published", "failed", "skipped", "not_attempted")
    click.echo(
        "Done: "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in order if counts.get(k))
        + f" (of {len(records)} rows); {results.created} post group(s) created by this run."
    )
    bad = [(n, r) for n, r in sorted(records.items()) if r.status in ("failed", "skipped", "partially_published") and r.error]
    for n, r in bad[:20]:
        click.echo(f"  row {n}: {r.status} {r.error_code or ''}: {r.error or ''}")
    if len(bad) > 20:
        click.echo(f"  ... and {len(bad) - 20} more in the results file")
    waiting = [n for n, r in sorted(records.items()) if r.status == "not_attempted"]
    if waiting:
        shown = ", ".join(map(str, waiting[:15])) + (", ..." if len(waiting) > 15 else "")
        click.echo(f"  not attempted: row(s) {shown}; the same command continues with them")
    if results.stopped is not None:
        click.echo(f"Stopped: {results.stopped.describe()}", err=True)
    elif results.interrupted:
        click.echo("Interrupted: run the same command again to continue.", err=True)
    click.echo(f"Results: {out}")
    if html_out is not None:
        click.echo(f"HTML report: {html_out}")
    sys.exit(exit_code_for(records, results.stopped is not None))


@cli.command()
@_api_options
@click.option("--json", "as_json", is_flag=True, help="Print the connections as JSON.")
def connections(sandbox: bool, base_url: str | None, user_id: str | None, as_json: bool) -> None:
    """List the connected accounts: connection id, network, name and token health."""
    import json

    with _open_client(sandbox, base_url, user_id, quiet=as_json) as client:
        conns = client.platform_connections()
    rows = [
        {
            "platformId": c.platform_id,
            "network": c.platform_id.split("-", 1)[0],
            "username": c.username,
            "displayName": c.display_name,
            "tokenStatus": c.token_status,
            "tokenExpiresIn": c.token_expires_in,
            "subscriptionType": c.subscription_type,
        }
        for c in conns
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'connection id':<32} {'network':<10} {'name':<24} token")
    for r in rows:
        name = r["username"] or r["displayName"] or ""
        health = r["tokenStatus"] or "unknown"
        if r["tokenExpiresIn"] and health != "valid" and r["tokenExpiresIn"] != health:
            health += f" ({r['tokenExpiresIn']})"
        mark = "  <- cannot publish (connect-only)" if r["network"] == "pinterest" else ""
        click.echo(f"{r['platformId']:<32} {r['network']:<10} {name[:24]:<24} {health}{mark}")


def _sandbox_state(journal_path: Path) -> Path:
    """The in-process sandbox's state file for a journal: ``<journal>.state.json`` beside it."""
    return journal_path.with_name(journal_path.name.replace(".journal.sqlite", "") + ".state.json")


def _journal_for(sheet_path: Path, journal_path: Path | None, sandbox: bool = False) -> Any:
    from .errors import InputError
    from .journal import Journal, default_journal_path

    jpath = journal_path or default_journal_path(sheet_path, sandbox=sandbox)
    if not jpath.exists():
        raise InputError(
            f"no journal for {sheet_path} at {jpath}",
            hint="Run `bulkpost schedule` on the sheet first, or pass --journal PATH.",
        )
    return Journal(jpath)


@cli.command()
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", "sheet_name", metavar="NAME", help="Worksheet of an .xlsx.")
@_api_options
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), help="Where the journal lives.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Results file to update.")
@click.option("--json", "as_json", is_flag=True, help="Print the statuses as JSON.")
def status(
    sheet_path: Path,
    sheet_name: str | None,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    journal_path: Path | None,
    report_path: Path | None,
    as_json: bool,
) -> None:
    """Refresh every post group of SHEET's batch from Publora and update the results file."""
    import json

    from .batch import refresh_status

    journal = _journal_for(sheet_path, journal_path, sandbox)
    try:
        with _open_client(sandbox, base_url, user_id, quiet=True, state=_sandbox_state(journal.path) if sandbox else None) as client:
            journal.bind_endpoint(_endpoint(client, sandbox))
            outcomes = refresh_status(client, journal)
        entries, retries = journal.entries(), journal.retries()
    finally:
        journal.close()
    if as_json:
        click.echo(json.dumps([o.__dict__ if hasattr(o, "__dict__") else _slots(o) for o in outcomes], indent=2, default=str))
    else:
        for o in outcomes:
            nets = ", ".join(f"{p['platform']} {p['status']}" + (f" {p['posted_id']}" if p["posted_id"] else "") for p in o.platforms)
            click.echo(f"row {o.row}: {o.post_group_id} {o.status}" + (f" [{nets}]" if nets else "") + (f" {o.error}" if o.error else ""))
        if not outcomes:
            click.echo("No post groups in the journal yet.")
    _update_results_from_journal(sheet_path, sheet_name, report_path, entries, retries)


def _slots(obj: Any) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in obj.__slots__}


def _update_results_from_journal(
    sheet_path: Path,
    sheet_name: str | None,
    report_path: Path | None,
    entries: list[Any],
    retries: list[Any] | None = None,
    *,
    quiet: bool = False,
) -> None:
    """Rewrite the results file's status columns with what Publora reported."""
    from .batch import records_from_journal
    from .load import load_sheet
    from .results import default_results_path, split_results_columns, write_results

    out = report_path or default_results_path(sheet_path)
    if not out.exists() or out.suffix.lower() == ".json":
        return
    sheet = load_sheet(out, sheet=sheet_name)
    records = records_from_journal(sheet.rows, split_results_columns(sheet) or {}, entries, retries)
    write_results(out, sheet, records)
    if not quiet:
        click.echo(f"Results: {out}")


@cli.command()
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False, path_type=Path))
@_api_options
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), help="Where the journal lives.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Results file to update.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def cancel(
    sheet_path: Path,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    journal_path: Path | None,
    report_path: Path | None,
    yes: bool,
) -> None:
    """Delete the batch's post groups that are not published yet (recorded in the journal and the results file)."""
    from .batch import cancel_batch
    from .errors import ConfigError

    journal = _journal_for(sheet_path, journal_path, sandbox)
    try:
        live = [e.post_group_id for e in journal.entries() if e.post_group_id and e.state != "cancelled"]
        live += [r.post_group_id for r in journal.retries() if r.post_group_id and r.state == "done"]
        if not live:
            click.echo("Nothing to cancel: the journal has no live post groups.")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise ConfigError("stdin is not a terminal, so bulkpost cannot ask for confirmation", hint="Pass --yes.")
            if not click.confirm(f"Delete up to {len(live)} unpublished post group(s) of this batch?", default=False):
                click.echo("Nothing was deleted.")
                sys.exit(1)
        with _open_client(sandbox, base_url, user_id, quiet=True, state=_sandbox_state(journal.path) if sandbox else None) as client:
            journal.bind_endpoint(_endpoint(client, sandbox))
            journal.lock()
            outcomes = cancel_batch(client, journal)
        entries, retries = journal.entries(), journal.retries()
    finally:
        journal.close()
    for o in outcomes:
        click.echo(f"row {o.row}: {o.post_group_id} {o.outcome}" + (f" ({o.detail})" if o.detail else ""))
    deleted = sum(1 for o in outcomes if o.outcome == "deleted")
    click.echo(f"Deleted {deleted} post group(s).")
    _update_results_from_journal(sheet_path, None, report_path, entries, retries)
    if any(o.outcome == "error" for o in outcomes):
        sys.exit(1)



# --- webhooks, workspace, analytics (issue 8) -------------------------------------------


def _issue8_client(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None) -> Any:
    """A PubloraClient for the command (schedule's ``_open_client``), closed when the command ends."""
    return ctx.with_resource(_open_client(sandbox, base_url, user_id, quiet=True))


def _echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _dump(model: Any) -> dict[str, Any]:
    """A pydantic model (or dict) as JSON-ready data, without secrets."""
    if isinstance(model, dict):
        return model
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=False, exclude={"secret", "api_key"})
    return data


def _table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


@cli.group()
def webhooks() -> None:
    """Manage Publora webhooks, and receive them to keep a batch's results current."""


@webhooks.command("list")
@_api_options
@click.option("--json", "as_json", is_flag=True, help="Print the webhooks as JSON.")
@click.pass_context
def webhooks_list(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, as_json: bool) -> None:
    """List the webhooks of the account."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    hooks = list(client.list_webhooks())
    if as_json:
        _echo_json([_dump(h) for h in hooks])
        return
    if not hooks:
        click.echo("No webhooks. Create one with `bulkpost webhooks create --name NAME --url URL --event all`.")
        return
    _table(
        ["id", "name", "active", "failures", "events", "url"],
        [[h.id, h.name, "yes" if h.is_active else "no", h.failure_count or 0, ",".join(h.events), h.url] for h in hooks],
    )


@webhooks.command("create")
@_api_options
@click.option("--name", required=True, help="A name to recognise the webhook by.")
@click.option("--url", required=True, help="Where Publora POSTs the events (https).")
@click.option("--event", "events", multiple=True, required=True,
              help="Event to send: post.scheduled, post.published, post.failed, post.demoted, token.expiring, "
              "or all. Repeat, or separate with commas.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (with the secret).")
@click.pass_context
def webhooks_create(
    ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, name: str, url: str, events: tuple[str, ...], as_json: bool
) -> None:
    """Create a webhook. Its secret is shown once: give it to `bulkpost webhooks listen --secret`."""
    from .webhooks import parse_events

    chosen = parse_events(events)
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    hook = client.create_webhook(name=name, url=url, events=chosen)
    secret = hook.secret.get_secret_value() if hook.secret is not None else None
    if as_json:
        _echo_json({**_dump(hook), "secret": secret})
        return
    click.echo(f"Created webhook {hook.id} ({hook.name}) -> {hook.url}")
    click.echo(f"Events: {', '.join(hook.events)}")
    if secret:
        click.echo(f"Secret (shown once, store it now): {secret}")


@webhooks.command("update")
@_api_options
@click.argument("webhook_id")
@click.option("--name", default=None)
@click.option("--url", default=None)
@click.option("--event", "events", multiple=True, help="Replace the events (repeat, or separate with commas).")
@click.option("--enable/--disable", "active", default=None, help="Turn delivery on or off.")
@click.pass_context
def webhooks_update(
    ctx: click.Context,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    webhook_id: str,
    name: str | None,
    url: str | None,
    events: tuple[str, ...],
    active: bool | None,
) -> None:
    """Change a webhook's name, URL, events, or turn it on or off."""
    from .webhooks import parse_events

    changes: dict[str, Any] = {}
    if name:
        changes["name"] = name
    if url:
        changes["url"] = url
    if events:
        changes["events"] = parse_events(events)
    if active is not None:
        changes["is_active"] = active
    if not changes:
        raise click.UsageError("nothing to change: give --name, --url, --event, --enable or --disable")
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    hook = client.update_webhook(webhook_id, **changes)
    click.echo(f"Updated webhook {hook.id}: {hook.name} -> {hook.url} [{', '.join(hook.events)}]"
               f"{'' if hook.is_active is None else (' active' if hook.is_active else ' disabled')}")


@webhooks.command("delete")
@_api_options
@click.argument("webhook_id")
@click.pass_context
def webhooks_delete(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, webhook_id: str) -> None:
    """Delete a webhook."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    client.delete_webhook(webhook_id)
    click.echo(f"Deleted webhook {webhook_id}")


@webhooks.command("rotate-secret")
@_api_options
@click.argument("webhook_id")
@click.pass_context
def webhooks_rotate(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, webhook_id: str) -> None:
    """Give a webhook a new secret (the old one stops working at once)."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    value = client.regenerate_webhook_secret(webhook_id)
    click.echo(f"New secret for webhook {webhook_id} (shown once, store it now): {value}")


@cli.group()
def workspace() -> None:
    """Workspaces (agencies): managed users, their API keys and connection links."""


@workspace.group("users")
def workspace_users() -> None:
    """List, create and remove the workspace's managed users."""


@workspace_users.command("list")
@_api_options
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
@click.pass_context
def workspace_users_list(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, as_json: bool) -> None:
    """List the managed users (their ids go into a post sheet's `user` column)."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    users = list(client.list_workspace_users())
    if as_json:
        _echo_json([_dump(u) for u in users])
        return
    if not users:
        click.echo("No managed users. Create them with `bulkpost workspace import USERS.csv`.")
        return
    _table(["id", "email", "name"], [[u.id, u.username, u.display_name] for u in users])


@workspace_users.command("create")
@_api_options
@click.argument("email")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.pass_context
def workspace_users_create(
    ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, email: str, display_name: str | None
) -> None:
    """Create a managed user."""
    from .errors import ConflictError

    client = _issue8_client(ctx, sandbox, base_url, user_id)
    kwargs = {"display_name": display_name} if display_name else {}
    try:
        user = client.create_workspace_user(username=email, **kwargs)
    except ConflictError as exc:
        if (exc.code or "").lower() != "email_exists":
            raise
        message, hint = _email_exists_advice(email, exc.body if isinstance(exc.body, dict) else {})
        exc.message, exc.hint = message, hint  # the library's hint names a function; say what to run
        raise
    click.echo(f"Created managed user {user.id} ({user.username})")


def _email_exists_advice(email: str, body: dict[str, Any]) -> tuple[str, str]:
    """What a 409 ``email_exists`` on ``workspace users create`` means, and what to run next."""
    uid = body.get("userId")
    reason = body.get("reason") or ""
    if body.get("alreadyInWorkspace") or reason == "already_in_workspace":
        return (
            f"{email} is already a managed user of this workspace" + (f" (id {uid})" if uid else ""),
            "Nothing to create: put that id in the sheet's `user` column (`bulkpost workspace users list` shows it).",
        )
    if reason == "workspace_owner":
        return (
            f"{email} is this workspace's own (owner) account",
            "Rows without a `user` value already post as this account; no managed user is needed.",
        )
    if reason == "managed_by_another_workspace" or body.get("managedByAnotherWorkspace"):
        return (
            f"{email} is a managed user of another workspace",
            "Publora moves no user between workspaces: that workspace must remove them first, or use another email.",
        )
    if reason == "inactive_user":
        return f"a Publora account with {email} exists but is inactive", "Use another email, or ask Publora to reactivate it."
    return (
        f"a Publora account with {email} already exists outside this workspace",
        f"With the user's consent token, run: bulkpost workspace users attach {email} --token TOKEN",
    )


@workspace_users.command("attach")
@_api_options
@click.argument("email")
@click.option("--token", envvar="PUBLORA_ATTACH_TOKEN", default=None, metavar="TOKEN",
              help="The user's consent token (or set PUBLORA_ATTACH_TOKEN); Publora asks for it for a standalone user.")
@click.pass_context
def workspace_users_attach(
    ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, email: str, token: str | None
) -> None:
    """Attach an existing Publora user to the workspace (for a 409 email_exists on create)."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    result = client.attach_workspace_user(email=email, user_access_token=token)
    if result.already_in_workspace:
        click.echo(f"{result.user.username} is already a managed user of this workspace (id {result.user.id})")
    else:
        click.echo(f"Attached {result.user.username} as managed user {result.user.id}")


@workspace_users.command("remove")
@_api_options
@click.argument("managed_id", metavar="USER_ID")
@click.pass_context
def workspace_users_remove(ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, managed_id: str) -> None:
    """Detach a managed user from the workspace (the Publora account itself is kept)."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    client.delete_workspace_user(managed_id)
    click.echo(f"Removed managed user {managed_id} from the workspace")


@workspace_users.command("api-key")
@_api_options
@click.argument("managed_id", metavar="USER_ID")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the new key to this file (created readable by you only).")
@click.option("--show", is_flag=True, help="Print the new key on the terminal instead.")
@click.pass_context
def workspace_users_api_key(
    ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, managed_id: str, output: str | None, show: bool
) -> None:
    """Mint a new API key for a managed user (it replaces their previous key).

    The key is a secret: it is written to --output, or printed only with --show.
    """
    if not output and not show:
        raise click.UsageError("say where the new key goes: --output FILE, or --show to print it")
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    answer = client.workspace_user_api_key(managed_id)
    key = answer.api_key.get_secret_value()
    if output:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        click.echo(f"New API key for {managed_id} written to {output} (the previous key no longer works)")
    else:
        click.echo(key)


@workspace_users.command("connection-url")
@_api_options
@click.argument("managed_id", metavar="USER_ID")
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None, help="Link lifetime (Publora's default: 90).")
@click.option("--rotate", is_flag=True, help="Invalidate the previous link.")
@click.pass_context
def workspace_users_connection_url(
    ctx: click.Context, sandbox: bool, base_url: str | None, user_id: str | None, managed_id: str, expires_in_days: int | None, rotate: bool
) -> None:
    """The link a managed user opens to connect their own social accounts."""
    client = _issue8_client(ctx, sandbox, base_url, user_id)
    kwargs: dict[str, Any] = {}
    if expires_in_days is not None:
        kwargs["expires_in_days"] = expires_in_days
    if rotate:
        kwargs["rotate"] = True
    link = client.workspace_user_connection_url(managed_id, **kwargs)
    click.echo(link.url)
    if link.token_expires_at:
        click.echo(f"expires {link.token_expires_at}", err=True)


@workspace.command("import")
@_api_options
@click.argument("users_sheet", type=click.Path(dir_okay=False))
@click.option("--results", "results", type=click.Path(dir_okay=False), default=None,
              help="Where to write the results (default: USERS.results.csv or .xlsx beside the sheet).")
@click.option("--no-connection-urls", is_flag=True, help="Do not fetch each user's connection link.")
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None, help="Connection link lifetime.")
@click.option("--rotate", is_flag=True, help="Issue new connection links (the old ones stop working).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def workspace_import(
    ctx: click.Context,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    users_sheet: str,
    results: str | None,
    no_connection_urls: bool,
    expires_in_days: int | None,
    rotate: bool,
    as_json: bool,
) -> None:
    """Create a managed user for every row of USERS_SHEET (email, display name); safe to re-run.

    Writes each user's id and connection link back into a results file. A user that already
    exists in the workspace is found and reported as existing, not created twice.
    """
    from .workspace import import_users

    client = _issue8_client(ctx, sandbox, base_url, user_id)
    done = import_users(
        client,
        users_sheet,
        results=results,
        connection_urls=not no_connection_urls,
        expires_in_days=expires_in_days,
        rotate=rotate,
    )
    if as_json:
        _echo_json(done.to_dict())
    else:
        _table(
            ["row", "email", "status", "user id", "note"],
            [[u.row, u.email, u.status, u.user_id, u.error or ""] for u in done.users],
        )
        click.echo(
            f"\n{done.count('created')} created, {done.count('existing')} already there, "
            f"{done.count('failed')} failed. Results: {done.results_path}"
        )
    if not done.ok:
        ctx.exit(EXIT_INVALID)


@webhooks.command("listen")
@click.argument("sheets", nargs=-1, type=click.Path(dir_okay=False, path_type=Path), metavar="[SHEET]...")
@click.option("--secret", "secrets", multiple=True, envvar="BULKPOST_WEBHOOK_SECRET",
              help="The webhook's secret (repeat to accept an old and a new one while rotating). "
              "Default: BULKPOST_WEBHOOK_SECRET.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free port).")
@click.option("--journal", "journals", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A batch journal to update (default: the journal of each SHEET).")
@click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The results file to update, one per SHEET (or --journal), in the same order: the one "
              "`schedule --report` wrote. Default: SHEET.results.csv/.xlsx beside each SHEET.")
def webhooks_listen(
    sheets: tuple[Path, ...], secrets: tuple[str, ...], host: str, port: int, journals: tuple[Path, ...],
    results: tuple[Path, ...],
) -> None:
    """Receive Publora's webhooks and keep the batches of SHEET... up to date.

    Every delivery's X-Publora-Signature is checked on the raw body (401 when it is missing or
    wrong); a repeated delivery is answered but not applied twice. post.published, post.failed
    and post.demoted update the journal of the batch the post belongs to and its results file
    (SHEET.results.csv, or the --results file given for that batch).
    Publora must be able to reach the address (put it behind your HTTPS reverse proxy).
    """
    from .webhooks import WebhookReceiver, serve_webhooks

    batches = _issue8_batches(sheets, journals, results)
    receiver = WebhookReceiver([s for s in secrets if s], _issue8_event_handler(batches))

    def ready(url: str) -> None:
        click.echo(f"Listening on {url} for Publora webhooks (Ctrl-C to stop).")
        for sheet, journal, out in batches:
            click.echo(f"  batch: {sheet or '(no sheet)'} journal {journal.path}" + (f" results {out}" if out else ""))
        if not batches:
            click.echo("  no batch given: events are verified and printed only.")

    try:
        serve_webhooks(receiver, host=host, port=port, on_ready=ready)
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly and re-raised the Ctrl-C: that is how the listener stops
    finally:
        for _, journal, _ in batches:
            journal.close()
    click.echo(f"Stopped. {receiver.received} event(s) received, {receiver.duplicates} repeated, "
               f"{receiver.rejected} rejected.")


def _issue8_batches(
    sheets: tuple[Path, ...], journals: tuple[Path, ...], results: tuple[Path, ...] = ()
) -> list[tuple[Path | None, Any, Path | None]]:
    """(sheet, open Journal, results file or None for the default) for every batch the listener updates."""
    from .errors import InputError
    from .journal import Journal, default_journal_path

    out: list[tuple[Path | None, Any, Path | None]] = []
    pairs: list[tuple[Path | None, Path]] = [(s, default_journal_path(s)) for s in sheets]
    if journals:
        if sheets and len(journals) != len(sheets):
            raise click.UsageError("give one --journal per SHEET, or none")
        pairs = [(sheets[i] if sheets else None, j) for i, j in enumerate(journals)]
    if results and len(results) != len(pairs):
        raise click.UsageError("give one --results per SHEET (or per --journal), in the same order, or none")
    for i, (sheet, path) in enumerate(pairs):
        if not path.exists():
            raise InputError(f"no journal at {path}", hint="Run `bulkpost schedule` on the sheet first, or pass --journal.")
        if results and not results[i].exists():
            raise InputError(f"no results file at {results[i]}", hint="Give the file `bulkpost schedule --report` wrote.")
        out.append((sheet, Journal(path), results[i] if results else None))
    return out


def _issue8_event_handler(batches: list[tuple[Path | None, Any, Path | None]]) -> Any:
    """The listener's callback: apply the event to the batch that owns the post, echo a line."""
    import threading

    from .webhooks import RECEIVED_EVENTS, apply_event

    lock = threading.Lock()  # one event at a time: results files are rewritten whole

    def handle(event: Any) -> dict[str, Any] | None:
        with lock:
            line = f"{event.event} {event.post_group_id or '-'} {event.platform or ''}".rstrip()
            if event.event not in RECEIVED_EVENTS:
                click.echo(f"{line}: received (changes no batch)")
                return None
            for sheet, journal, results_file in batches:
                applied = apply_event(journal, event)
                if applied is None:
                    continue
                counts = applied["platforms"]
                done = ", ".join(f"{n} {k}" for k, n in counts.items() if k in ("published", "failed") and n)
                click.echo(
                    f"{line}: row {applied['row']} of {sheet or journal.path}: {applied['status']}"
                    + (f" ({done} of {sum(counts.values())} networks)" if done else "")
                )
                if sheet is not None or results_file is not None:
                    # the sheet only names the default results file; an explicit one needs no sheet
                    _update_results_from_journal(sheet or journal.path, None, results_file, journal.entries(), quiet=True)
                return applied
            click.echo(f"{line}: not part of a watched batch")
            return None

    return handle



@cli.command("analytics")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False, path_type=Path))
@_api_options
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), help="Where the batch's journal lives.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Results file to add the statistics to (default: SHEET.results.csv/.xlsx when it exists).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write one line per platform post (default: SHEET.analytics.csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def analytics_command(
    sheet_path: Path,
    sandbox: bool,
    base_url: str | None,
    user_id: str | None,
    journal_path: Path | None,
    report_path: Path | None,
    csv_path: Path | None,
    as_json: bool,
) -> None:
    """Statistics of the batch's published posts (LinkedIn; Mastodon and Bluesky on paid plans).

    Reads the post groups of SHEET's batch from its journal, asks Publora for the numbers of every
    published post, writes them to SHEET.analytics.csv and adds them to the results file.
    Other networks have no analytics in Publora and are listed as such.
    """
    from .analytics import BatchGroup, annotate_results, collect_analytics, write_analytics_csv
    from .results import default_results_path

    journal = _journal_for(sheet_path, journal_path)
    try:
        groups = [
            BatchGroup(e.row_number, e.post_group_id, e.user_id or user_id)
            for e in journal.entries()
            if e.post_group_id and e.state != "cancelled"
        ]
        state = _sandbox_state(journal.path) if sandbox else None
    finally:
        journal.close()
    if not groups:
        click.echo("No post groups in the journal yet: run `bulkpost schedule` first.")
        return
    with _open_client(sandbox, base_url, None, quiet=True, state=state) as client:
        stats = collect_analytics(client, groups)
    base = default_results_path(sheet_path)
    out_csv = csv_path or base.with_name(base.name.replace(".results.", ".analytics.")).with_suffix(".csv")
    write_analytics_csv(stats, out_csv)
    target = report_path or base
    results: Path | None = None
    if target.exists() and target.suffix.lower() in (".csv", ".xlsx"):
        annotate_results(target, stats)
        results = target
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in stats], indent=2, ensure_ascii=False))
        return
    _table(
        ["row", "network", "impressions", "reactions", "comments", "reshares", "note"],
        [
            [s.row, s.platform, s.metrics.get("impressions"), s.metrics.get("reactions"), s.metrics.get("comments"),
             s.metrics.get("reshares"), s.error or ""]
            for s in stats
        ],
    )
    got = sum(1 for s in stats if s.metrics)
    click.echo(f"\n{got} of {len(stats)} platform posts have statistics. CSV: {out_csv}"
               + (f"; results: {results}" if results else ""))
