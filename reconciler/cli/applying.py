"""Commands that write to live Connect: apply and rollback, with confirmation and progress."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import click

from reconciler.app import run
from reconciler.applying.lock import LockInfo
from reconciler.applying.results import Report
from reconciler.applying.settings import Settings
from reconciler.cli.base import (
    changed_since_option,
    cli,
    color_option,
    endpoint_option,
    fail,
    instance_option,
    reports_errors,
    reviewed_option,
    state_dir_option,
    use_color,
)
from reconciler.cli.progress import EXIT_INTERRUPTED, Progress, graceful_interrupt
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import Plan
from reconciler.render import render
from reconciler.render.apply import render_dry_run, render_summary
from reconciler.render.progress import render_interrupted
from reconciler.render.values import clean


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


def _run_apply(runner: run.Run, made: Plan, color: bool | None, **options: Any) -> Report:
    """Run.apply with a line per change on stderr as it completes; Ctrl-C stops it gracefully.

    An interrupted apply ends here: what was applied and what was not, the journal and the command
    that undoes it, then exit 130.
    """
    progress = Progress(color=use_color(color, sys.stderr))
    options["settings"].on_result = progress
    stop = threading.Event()
    try:
        with graceful_interrupt(stop, progress.say):
            report = runner.apply(made, stop=stop, **options)
    finally:
        progress.close()
    if report.interrupted:
        click.echo(render_interrupted(report), nl=False)
        sys.exit(EXIT_INTERRUPTED)
    return report


lock_option = click.option(
    "--lock",
    default=lambda: os.environ.get("RECONCILER_LOCK", "file"),
    show_default="file, or $RECONCILER_LOCK",
    metavar="BACKEND",
    help="Where the per-instance apply lock lives: file (this machine's state folder), "
    "file://FOLDER or dynamodb://TABLE.",
)
lock_timeout_option = click.option(
    "--lock-timeout",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="How long to wait for the lock when another apply holds it, before refusing.",
)


def _waiting(timeout: float) -> Callable[[LockInfo], None]:
    """The line shown when the lock is held by someone and the run waits for it."""

    def say(holder: LockInfo) -> None:
        click.echo(
            f"waiting up to {timeout:g}s for the lock {holder.key}, held by {holder.describe()}", err=True
        )

    return say


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
@lock_timeout_option
@changed_since_option
@reviewed_option
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
    lock_timeout: float,
    changed_since: str | None,
    reviewed: tuple[str, ...],
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
        if instance or changed_since or reviewed:
            raise ReconcilerError(
                "--instance, --changed-since and --reviewed shape a new plan; a saved plan is applied "
                "as it was made"
            )
        saved = run.saved_plan(planfile, state_dir)
        made = saved.plan
    else:
        made = runner.plan(
            state_dir or run.DEFAULT_STATE_DIR,
            instance=instance,
            changed_since=changed_since,
            wait_timeout=wait_timeout,
            reviewed=reviewed,
            lock=lock,
            lock_later=True,
        )
    if not made.updates:
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        if not dry_run:
            for note in runner.end_adopted(made, lock):
                click.echo(clean(note))
        waiting = [c for c in made.blocked if not c.held]
        if waiting:
            fail(f"Nothing can be applied: {len(waiting)} blocked change(s), for the reasons shown.")
        click.echo("Nothing to apply.")
        if not dry_run:
            notes = runner.settle(
                made, lock=lock, lock_timeout=lock_timeout, on_lock_wait=_waiting(lock_timeout)
            )
            click.echo("".join(f"{clean(note)}\n" for note in notes), nl=False)
        return
    if not dry_run:  # also with --auto-approve: a CI log always says what was about to change
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        if not auto_approve:
            _confirm(len(made.updates))
    settings = Settings(
        fail_fast=fail_fast, dry_run=dry_run, wait_timeout=wait_timeout, verify_timeout=verify_timeout
    )
    report = _run_apply(
        runner,
        made,
        color,
        journal_path=journal_path,
        settings=settings,
        lock=lock,
        operation="apply",
        saved=saved,
        lock_timeout=lock_timeout,
        on_lock_wait=_waiting(lock_timeout),
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
@lock_timeout_option
@endpoint_option
@color_option
@reports_errors
def rollback(
    journal_file: str,
    dry_run: bool,
    auto_approve: bool,
    journal_path: str | None,
    lock: str,
    lock_timeout: float,
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
    if not dry_run:  # also with --auto-approve, as apply does
        click.echo(render(made, "text", color=use_color(color)), nl=False)
        if not auto_approve:
            _confirm(len(made.updates))
    report = _run_apply(
        run.Run(endpoints=endpoint_url),
        made,
        color,
        journal_path=journal_path,
        settings=Settings(dry_run=dry_run),
        lock=lock,
        operation="rollback",
        lock_timeout=lock_timeout,
        on_lock_wait=_waiting(lock_timeout),
    )
    click.echo(render_dry_run(made, report) if dry_run else render_summary(report), nl=False)
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("instance")
@state_dir_option
@lock_option
@click.option("--force", is_flag=True, help="Remove the lock without asking (for scripts).")
@reports_errors
def unlock(instance: str, state_dir: str, lock: str, force: bool) -> None:
    """Remove the apply lock of INSTANCE (its `instance.name`) after showing who holds it.

    For a lock left by an apply that is gone (a runner on another machine that died): a lock left
    by a process that died on this machine is taken over at once, and any lock expires. On a
    terminal it asks for the instance's name; elsewhere it needs --force. A lock that changed
    hands meanwhile is left alone. Exit 0 when the lock was removed, 1 otherwise.
    """
    runner = run.Run()
    found = runner.lock_of(state_dir, instance, lock)
    if found.damaged is not None:
        if found.damaged.folder:
            raise found.damaged
        click.echo(
            f"The lock of {instance} ({found.key}) in {found.where} is damaged ({found.damaged.problem})."
        )
    elif found.holder is None:
        fail(f"error: nothing holds the lock of {instance} ({found.where})")
        return
    else:
        click.echo(_holder_text(found.instance, found.key, found.where, found.holder), nl=False)
    if not force:
        if not sys.stdin.isatty():
            fail(
                "error: refusing to remove the lock without confirmation: there is no terminal to ask "
                "on; make sure its apply is gone, then pass --force"
            )
        answer = click.prompt(
            f"Type the instance name ({instance}) to remove its lock",
            default="",
            show_default=False,
            err=True,
        )
        if answer.strip() != instance:
            fail("Unlock cancelled; the lock was left as it was.")
    runner.unlock(found)
    click.echo(f"Removed the lock of {instance}.")


def _holder_text(instance: str, key: str, where: str, holder: LockInfo) -> str:
    now = time.time()
    left = holder.expires_at - now
    expiry = f"in {_span(left)}" if left > 0 else f"expired {_span(-left)} ago"
    running = (
        f"\n  note       pid {holder.pid} is still running on this machine"
        if holder.host == socket.gethostname() and holder.pid and not holder.holder_is_gone()
        else ""
    )
    return (
        f"The lock of {instance} ({key}) in {where} is held by:\n"
        f"  owner      {clean(holder.owner)}\n"
        f"  operation  {clean(holder.operation)}\n"
        f"  since      {_iso(holder.acquired_at)}\n"
        f"  expires    {_iso(holder.expires_at)} ({expiry}){running}\n"
    )


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
