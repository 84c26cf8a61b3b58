"""The command group and what every command shares: options, error reporting, exit codes.

Exit codes are a contract (see README): 0 success / no changes, 2 changes or drift where asked for,
1 any error, usage errors included. Every failure is one clear message on stderr, never a Python
traceback (RECONCILER_DEBUG=1 shows one).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO, TypeVar

import click

from reconciler import __version__
from reconciler.desired.diagnostics import LoadError
from reconciler.errors import ReconcilerError, redact
from reconciler.render.values import clean

F = TypeVar("F", bound=Callable[..., Any])

STATE_DIR_HELP = "Directory of desired-state YAML files (searched recursively)."


def fail(message: str) -> None:
    """Print `message` on stderr (never an endpoint's `user:password@`) and exit 1."""
    click.echo(redact(message), err=True)
    sys.exit(1)


def reports_errors(func: F) -> F:
    """Turn expected errors into their message and unexpected ones into one line, both exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LoadError as exc:
            for diagnostic in exc.diagnostics:
                click.echo(redact(f"error: {diagnostic}"), err=True)
                for line in diagnostic.context:  # already escaped and short
                    click.echo(redact(line), err=True)
            count = len(exc.diagnostics)
            fail(f"{count} problem{'s' if count != 1 else ''} found; nothing was changed")
        except ReconcilerError as exc:
            fail(f"error: {one_line(str(exc))}")
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            fail("interrupted")
        except Exception as exc:
            if os.environ.get("RECONCILER_DEBUG"):
                raise
            detail = one_line(f"{type(exc).__name__}: {exc}")
            fail(f"internal error: {detail} (set RECONCILER_DEBUG=1 for details)")

    return wrapper  # type: ignore[return-value]


def one_line(text: str) -> str:
    """`text` on one line and inert: line breaks and every other control character in a message
    (from a file, a service, a live name) spelled out as `\\n`, `\\u001b`..., so an error can
    neither forge a CI log command nor send escape sequences to a terminal."""
    return clean(text)


state_dir_option = click.option(
    "--state-dir",
    default="desired-state",
    show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=str),
    help=STATE_DIR_HELP,
)


class _UsageError(click.UsageError):
    exit_code = 1


class _Cli(click.Group):
    """Usage errors exit 1, not click's 2: exit 2 means "changes" or "drift" in this contract.

    The `emulator` command is loaded only when used, so plan and apply do not pay for importing
    the emulator's HTTP server and service model.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "emulator"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "emulator":
            from connect_emulator.cli import emulator_command

            return emulator_command
        return super().get_command(ctx, cmd_name)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            if isinstance(exc, _UsageError):
                raise
            raise _UsageError(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, _UsageError):
                raise
            raise _UsageError(exc.format_message(), exc.ctx) from None


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """Keep Amazon Connect traffic distributions and queue outbound caller configs equal to git.

    Typical flow: `validate` the YAML, `plan` against the live instance, `apply` the saved plan,
    and run `drift` on a schedule.
    """


endpoint_option = click.option(
    "--endpoint-url",
    multiple=True,
    metavar="[REGION=]URL",
    help="Connect endpoint instead of boto3's own settings (AWS_ENDPOINT_URL_CONNECT, profiles): "
    "URL for every Region, REGION=URL for one (repeatable; e.g. VPC endpoints).",
)
instance_option = click.option("--instance", metavar="NAME", help="Only this instance (its `instance.name`).")
changed_since_option = click.option(
    "--changed-since",
    metavar="REV|applied",
    help="Only change resources whose YAML changed since git revision REV; hold back reverting "
    "changes made outside git (for apply on merge). `applied`: since the commit last applied to "
    "each instance, as recorded beside its lock (--lock).",
)
reviewed_option = click.option(
    "--reviewed",
    "reviewed",
    multiple=True,
    metavar="PLANFILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="A saved plan reviewers approved (repeatable): a change whose resource looks different in "
    "Connect now than in that plan is held back, not written.",
)


def wait_option(default: float) -> Callable[[F], F]:
    return click.option(
        "--wait-timeout",
        default=default,
        show_default=True,
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        help="How long to wait for a traffic distribution group that is busy (another update in "
        "progress) before showing it blocked.",
    )


def decide_color(flag: bool | None, environ: Mapping[str, str], isatty: bool) -> bool:
    """The one colour rule of every command and stream.

    `--color`/`--no-color` win (so `--color` colours a pipe or a CI log); otherwise a non-empty
    NO_COLOR (https://no-color.org: an empty one does not count) or TERM=dumb means none, and
    anything else is coloured only on a terminal.
    """
    if flag is not None:
        return flag
    if environ.get("NO_COLOR", "") != "" or environ.get("TERM") == "dumb":
        return False
    return isatty


def _color_callback(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool:
    decided = decide_color(value, os.environ, sys.stdout.isatty())
    # click.echo keeps or strips styles by `ctx.color`: the decision holds for every line printed.
    ctx.color = decided
    return decided


color_option = click.option(
    "--color/--no-color",
    default=None,
    callback=_color_callback,
    help="Colour the output; --color also in pipes and CI logs (default: only on a terminal, "
    "never with a non-empty NO_COLOR or TERM=dumb).",
)


def use_color(color: bool | None, stream: TextIO | None = None) -> bool:
    """Whether to colour: `color` as decided by the option, else the rule for `stream`."""
    return decide_color(color, os.environ, (stream or sys.stdout).isatty())
