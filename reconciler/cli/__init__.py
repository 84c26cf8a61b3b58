"""Command line: flags -> one core call -> a renderer -> an exit code. Nothing else lives here.

`reconciler` (the console script) and `python -m reconciler` both run `main`. Commands live in
small modules by what they touch: the desired state only (`desired`), live reads (`planning`),
live writes (`applying`); `base` holds the group, shared options and error reporting.
"""

from __future__ import annotations

from reconciler.cli import applying, desired, planning
from reconciler.cli.base import cli

__all__ = ["applying", "cli", "desired", "main", "planning"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="reconciler")
