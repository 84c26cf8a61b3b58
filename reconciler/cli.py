"""Command line: flags -> one core call -> a renderer -> an exit code. Nothing else lives here.

Exit codes are a contract (see README): 0 success / no changes, 2 changes or drift where asked for,
1 any error. Every failure is one clear message on stderr, never a Python traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler import __version__, loader, model
from reconciler.diagnostics import LoadError
from reconciler.errors import ReconcilerError

F = TypeVar("F", bound=Callable[..., Any])

STATE_DIR_HELP = "Directory of desired-state YAML files (searched recursively)."


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def reports_errors(func: F) -> F:
    """Turn expected errors into their message and unexpected ones into one line, both exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LoadError as exc:
            for diagnostic in exc.diagnostics:
                click.echo(f"error: {diagnostic}", err=True)
            count = len(exc.diagnostics)
            _fail(f"{count} problem{'s' if count != 1 else ''} found; nothing was changed")
        except ReconcilerError as exc:
            _fail(f"error: {exc}")
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:
            if os.environ.get("RECONCILER_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set RECONCILER_DEBUG=1 for details)")

    return wrapper  # type: ignore[return-value]


state_dir_option = click.option(
    "--state-dir",
    default="desired-state",
    show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=str),
    help=STATE_DIR_HELP,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reconciler")
def cli() -> None:
    """Keep Amazon Connect traffic distributions and queue outbound caller configs equal to git.

    Typical flow: `validate` the YAML, `plan` against the live instance, `apply` the saved plan,
    and run `drift` on a schedule.
    """


@cli.command()
@state_dir_option
@reports_errors
def validate(state_dir: str) -> None:
    """Load and check the desired-state YAML. Makes no AWS calls. Exit 0 valid, 1 invalid."""
    state = loader.load(state_dir)
    parts = [f"{i.name} ({len(i.groups)} groups, {len(i.queues)} queues)" for i in state.instances]
    count = len(state.instances)
    click.echo(
        f"{state_dir}: valid: {len(state.files)} files, "
        f"{count} instance{'s' if count != 1 else ''}: {', '.join(parts)}"
    )


@cli.command()
@reports_errors
def schema() -> None:
    """Print the JSON Schema of a desired-state file (for editors' YAML language servers)."""
    click.echo(json.dumps(model.json_schema(), indent=2, sort_keys=True))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="reconciler")
