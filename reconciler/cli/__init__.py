"""Command line: flags -> one core call -> a renderer -> an exit code. Nothing else lives here.

`reconciler` (the console script) and `python -m reconciler` both run `reconciler.__main__.main`,
which imports this package and then calls `main`. Commands live in
small modules by what they touch: the desired state only (`desired`), live reads (`planning`),
live writes (`applying`), saved plans only (`show`); `base` holds the group, shared options and
error reporting, `failures` the reporting of a failure in the format asked for.
"""

from __future__ import annotations

import sys

import click

from reconciler.cli import applying, desired, failover, planning, show
from reconciler.cli.base import cli

__all__ = ["applying", "cli", "desired", "failover", "main", "planning", "show"]


def main() -> None:
    """Run the command line; Ctrl-C anywhere (parsing included) is one line and exit 1."""
    try:
        cli(prog_name="reconciler")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(1)
