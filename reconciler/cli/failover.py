"""`reconciler failover`: the break-glass move of traffic, and adopting or ending its override."""

from __future__ import annotations

import sys

import click

from reconciler.app import failover as core
from reconciler.app import run
from reconciler.applying.settings import Settings
from reconciler.cli.applying import _confirm, lock_option
from reconciler.cli.base import (
    cli,
    color_option,
    endpoint_option,
    reports_errors,
    state_dir_option,
    use_color,
)
from reconciler.cli.progress import Progress
from reconciler.errors import ReconcilerError
from reconciler.planning.override import adopt_command
from reconciler.render import render
from reconciler.render.apply import render_dry_run, render_summary
from reconciler.render.values import clean


@cli.command()
@click.option("--instance", required=True, metavar="NAME", help="The instance (its `instance.name`).")
@click.option("--to", "to", metavar="REGION", help="Move telephony and agents 100% to this Region.")
@click.option("--reason", metavar="TEXT", help="Why (an incident number): recorded with the override.")
@click.option("--group", "groups", multiple=True, metavar="NAME", help="Only this group (repeatable).")
@click.option("--clear", is_flag=True, help="End the override; the next apply restores git's values.")
@click.option("--adopt", is_flag=True, help="Write the overridden groups' live values into the YAML.")
@state_dir_option
@click.option("--dry-run", is_flag=True, help="Print the exact calls and make no write.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--journal", "journal_path", metavar="FILE", help="Journal file (default: .reconciler/journal/)."
)
@click.option(
    "--wait-timeout", default=300.0, show_default=True, type=click.FloatRange(min=0), metavar="SECONDS"
)
@lock_option
@endpoint_option
@color_option
@reports_errors
def failover(
    instance: str,
    to: str | None,
    reason: str | None,
    groups: tuple[str, ...],
    clear: bool,
    adopt: bool,
    state_dir: str,
    dry_run: bool,
    auto_approve: bool,
    journal_path: str | None,
    wait_timeout: float,
    lock: str,
    endpoint_url: tuple[str, ...],
    color: bool | None,
) -> None:
    """Break-glass: move traffic to one Region now, recorded as an override git then adopts.

    Exit 0 when every group was moved and verified (or the override adopted or cleared), 1 otherwise.
    """
    if sum((bool(to), clear, adopt)) != 1:
        raise ReconcilerError("say what to do: --to REGION --reason TEXT, --adopt, or --clear")
    runner = run.Run(endpoints=endpoint_url)
    if clear:
        ended = core.clear(runner, state_dir, instance, lock)
        what = f" ({clean(ended.describe())})" if ended else " (a damaged record)"
        click.echo(f"Override of {clean(instance)} ended{what}; the next apply restores git's values.")
        return
    if adopt:
        override, adopted = core.adopt(runner, state_dir, instance, lock)
        for item in adopted:
            fields = ", ".join(item.fields) or "already equal"
            click.echo(f"{clean(item.file)}: {clean(item.group)}: {fields}")
        click.echo(
            f"Wrote the live values of {clean(instance)}'s failover ({clean(override.reason)}) into git; "
            "commit them: once applied, the override ends by itself."
        )
        return
    assert to is not None
    prepared = core.prepare(runner, state_dir, instance, to, reason or "", groups)
    plan = prepared.plan
    click.echo(render(plan, "text", color=use_color(color)), nl=False)
    if plan.blocked and not plan.updates:
        raise ReconcilerError(
            f"cannot fail over {instance}: every group is blocked (see above); nothing was changed"
        )
    if not plan.updates:
        click.echo(f"Every chosen group of {clean(instance)} is already 100% in {clean(to)}; nothing to do.")
        return
    if not dry_run and not auto_approve:
        _confirm(len(plan.updates))
    progress = Progress(color=use_color(color, sys.stderr))
    settings = Settings(dry_run=dry_run, wait_timeout=wait_timeout, on_result=progress)
    try:
        outcome = core.execute(
            runner,
            prepared,
            settings=settings,
            journal_path=journal_path,
            lock=lock,
            identity=core.caller_identity(runner),
        )
    finally:
        progress.close()
    for warning in outcome.warnings:
        click.echo(clean(warning), err=True)
    if dry_run:
        click.echo(render_dry_run(plan, outcome.report), nl=False)
        return
    click.echo(render_summary(outcome.report), nl=False)
    click.echo(
        f"Override recorded: {clean(outcome.override.describe())}. Adopt it into git with: "
        f"{adopt_command(instance)} (or end it with --clear)."
    )
    if not outcome.report.ok:
        sys.exit(1)
