"""The command line: a thin caller of the library. The only module that imports click or prints.

Exit codes (README table): 0 all good, 1 invalid rows or failed posts, 2 unusable input or
misuse, 3 stopped by a plan limit or an authentication error. A ``BulkpostError`` is caught
once, in :class:`BulkpostGroup`, and printed as one line plus a hint; a traceback only with
``--debug``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__
from .errors import BulkpostError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_INPUT = 2
EXIT_STOPPED = 3


class CLIError(click.ClickException):
    """A BulkpostError on its way out: one line, a hint, the class's exit code."""

    def __init__(self, message: str, hint: str | None, exit_code: int) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        err = file or sys.stderr
        click.echo(f"Error: {self.message}", file=err)
        if self.hint:
            click.echo(f"Hint: {self.hint}", file=err)


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


# --- sandbox (issue 5) ------------------------------------------------------------------


# --- schedule, connections, status, cancel (issue 6) ------------------------------------


# --- webhooks, workspace, analytics (issue 8) -------------------------------------------
