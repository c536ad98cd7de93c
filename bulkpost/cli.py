"""The command line: a thin caller of the library. The only module that imports click or prints.

Exit codes (README table): 0 all good, 1 invalid rows or failed posts, 2 unusable input or
misuse, 3 stopped by a plan limit or an authentication error. A ``BulkpostError`` is caught
once, in :class:`BulkpostGroup`, and printed as one line plus a hint; a traceback only with
``--debug``.
"""

from __future__ import annotations

import json
import os
import re
import sys
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
            if _debug_enabled(ctx):
                raise
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


@cli.command("validate")
@click.argument("sheet_path", metavar="SHEET")
@click.option("--sheet", "sheet_name", metavar="NAME", help="Worksheet of an .xlsx (default: the first with a header row).")
@click.option("--tz", default="UTC", show_default=True, metavar="ZONE", help="IANA time zone for times without an offset.")
@click.option("--date-format", type=click.Choice(["dmy", "mdy"]), help="How to read 03/04/2031: day first or month first.")
@click.option("--min-lead", type=click.FloatRange(min=0), default=2, show_default=True, metavar="MINUTES", help="Least time ahead a post may be scheduled.")
@click.option("--strict", is_flag=True, help="Over-length X text without thread parts is an error, not a warning.")
@click.option("--report", "report_path", metavar="PATH", help="Also write the report: .json, .csv or .xlsx (the sheet with every problem marked).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of the summary.")
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
) -> None:
    """Check every row of SHEET (.csv or .xlsx) offline, with no API key.

    Every problem is reported at its row and column with a fix. Exit code 0: no errors
    (warnings allowed); 1: at least one error; 2: the sheet could not be read.
    """
    from .report import write_report
    from .validate import validate

    if report_path is not None and Path(report_path).suffix.lower() not in (".json", ".csv", ".xlsx"):
        raise ConfigError(f"--report {report_path}: the name must end in .json, .csv or .xlsx")
    report = validate(sheet_path, sheet=sheet_name, tz=tz, date_format=date_format, min_lead_minutes=min_lead, strict=strict)
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


# --- webhooks, workspace, analytics (issue 8) -------------------------------------------
