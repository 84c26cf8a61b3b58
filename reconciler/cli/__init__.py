"""Command line: flags -> one core call -> a renderer -> an exit code. Nothing else lives here.

`reconciler` (the console script) and `python -m reconciler` both run `reconciler.__main__.main`,
which imports this package and then calls `main`. Commands live in
small modules by what they touch: the desired state only (`desired`), live reads (`planning`),
live writes (`applying`); `base` holds the group, shared options and error reporting.
"""

from __future__ import annotations

import sys

import click

from reconciler.cli import applying, desired, planning
from reconciler.cli.base import cli

__all__ = ["applying", "cli", "desired", "main", "planning"]


def main() -> None:
    """Run the command line; Ctrl-C anywhere (parsing included) is one line and exit 1."""
    try:
        cli(prog_name="reconciler")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(1)
