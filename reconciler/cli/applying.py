"""Commands that write to live Connect: apply and rollback, with confirmation and progress."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from reconciler.app import run
from reconciler.applying.results import Outcome, Report, Result
from reconciler.applying.settings import Settings
from reconciler.cli.base import (
    changed_since_option,
    cli,
    color_option,
    endpoint_option,
    fail,
    instance_option,
    reports_errors,
    use_color,
)
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import Plan
from reconciler.render import render
from reconciler.render.apply import render_dry_run, render_result, render_summary


class _Progress:
    """Per-change lines: rewritten in place on a terminal, one plain line each in CI logs."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.open_line = False

    def __call__(self, result: Result, done: int, total: int) -> None:
        line = render_result(result, done, total)
        keep = result.outcome in (Outcome.FAILED, Outcome.STALE) or not self.tty
        if self.tty:
            click.echo("\r\x1b[2K" + line, err=True, nl=keep)
            self.open_line = not keep
        else:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.open_line:
            click.echo("", err=True)


def _confirm(count: int) -> None:
    if not sys.stdin.isatty():
        fail(
            "error: refusing to apply without confirmation: there is no terminal to ask on; "
            "review the plan and pass --auto-approve (as CI does)"
        )
    answer = click.prompt(
        f"Apply {count} change{'s' if count != 1 else ''} to live Amazon Connect? Only 'yes' is accepted",
        default="",
        show_default=False,
        err=True,
    )
    if answer.strip() != "yes":
        fail("Apply cancelled; nothing was changed.")


def _run_apply(runner: run.Run, made: Plan, **options: Any) -> Report:
    """Run.apply with a progress line per change on stderr."""
    progress = _Progress()
    options["settings"].on_result = progress
    try:
        return runner.apply(made, **options)
    finally:
        progress.close()


lock_option = click.option(
    "--lock",
    default=lambda: os.environ.get("RECONCILER_LOCK", "file"),
    show_default="file, or $RECONCILER_LOCK",
    metavar="BACKEND",
    help="Where the per-instance apply lock lives: file, file://FOLDER or dynamodb://TABLE.",
)


@cli.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--state-dir",
    default=None,
    type=click.Path(file_okay=True, dir_okay=True, path_type=str),
    help="Directory of desired-state YAML files [default: the saved plan's, else desired-state].",
)
@instance_option
@click.option("--dry-run", is_flag=True, help="Print the exact calls, in order, and make no write.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first failed change.")
@click.option(
    "--journal", "journal_path", metavar="FILE", help="Journal path [default: .reconciler/journal/...]"
)
@click.option(
    "--wait-timeout",
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for a busy group.",
)
@click.option(
    "--verify-timeout",
    default=120.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="How long to read a write back before reporting it unverified (Connect's reads lag writes).",
)
@lock_option
@changed_since_option
@endpoint_option
@color_option
@reports_errors
def apply(
    planfile: str | None,
    state_dir: str | None,
    instance: str | None,
    dry_run: bool,
    auto_approve: bool,
    fail_fast: bool,
    journal_path: str | None,
    wait_timeout: float,
    verify_timeout: float,
    lock: str,
    changed_since: str | None,
    endpoint_url: tuple[str, ...],
    color: bool | None,
) -> None:
    """Execute a saved plan (PLANFILE), or make a plan and apply it.

    Every change is checked against a fresh read first: one changed by someone else since the plan
    was made is skipped as stale, never overwritten. Exit 0 when all changes applied, 1 otherwise.
    """
    runner = run.Run(endpoints=endpoint_url)
    saved: run.SavedPlan | None = None
    if planfile:
        if instance or changed_since:
            raise ReconcilerError(
                "--instance and --changed-since shape a new plan; a saved plan is applied as it was made"
            )
        saved = run.saved_plan(planfile, state_dir)
        made = saved.plan
    else:
        made = runner.plan(
            state_dir or run.DEFAULT_STATE_DIR,
            instance=instance,
            changed_since=changed_since,
            wait_timeout=wait_timeout,
        )
    if not made.updates:
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        waiting = [c for c in made.blocked if not c.held]
        if waiting:
            fail(f"Nothing can be applied: {len(waiting)} blocked change(s) wait for their group.")
        click.echo("Nothing to apply.")
        return
    if not dry_run and not auto_approve:
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        _confirm(len(made.updates))
    settings = Settings(
        fail_fast=fail_fast, dry_run=dry_run, wait_timeout=wait_timeout, verify_timeout=verify_timeout
    )
    report = _run_apply(
        runner, made, journal_path=journal_path, settings=settings, lock=lock, operation="apply", saved=saved
    )
    if dry_run:
        click.echo(render_dry_run(made, report), nl=False)
    else:
        click.echo(render_summary(report), nl=False)
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("journal_file", metavar="JOURNAL", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Print the restoring calls and make no write.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--journal", "journal_path", metavar="FILE", help="Journal of the rollback itself.")
@lock_option
@endpoint_option
@color_option
@reports_errors
def rollback(
    journal_file: str,
    dry_run: bool,
    auto_approve: bool,
    journal_path: str | None,
    lock: str,
    endpoint_url: tuple[str, ...],
    color: bool | None,
) -> None:
    """Restore the values an apply replaced, from its JOURNAL.

    A resource whose live value is no longer what that apply wrote is skipped as stale.
    Exit 0 when everything was restored, 1 otherwise.
    """
    made = run.rollback_of(journal_file)
    if not made.updates:
        click.echo(f"{journal_file}: the apply changed nothing that can be rolled back.")
        return
    if not dry_run and not auto_approve:
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        _confirm(len(made.updates))
    report = _run_apply(
        run.Run(endpoints=endpoint_url),
        made,
        journal_path=journal_path,
        settings=Settings(dry_run=dry_run),
        lock=lock,
        operation="rollback",
    )
    click.echo(render_dry_run(made, report) if dry_run else render_summary(report), nl=False)
    if not report.ok:
        sys.exit(1)
