"""Commands that read live Connect and report: plan, drift, export."""

from __future__ import annotations

import os
import sys

import click

from reconciler.app import run
from reconciler.app.files import write_atomically, write_export
from reconciler.cli.base import (
    changed_since_option,
    cli,
    color_option,
    endpoint_option,
    instance_option,
    reports_errors,
    state_dir_option,
    use_color,
    wait_option,
)
from reconciler.gcpause import paused
from reconciler.render import FORMATS, render
from reconciler.render.drift import render_drift


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", metavar="FILE", help="Save the plan (JSON) for `reconciler apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@wait_option(30.0)
@changed_since_option
@endpoint_option
@color_option
@reports_errors
@paused()  # the plan, its JSON and its text are built in one collector pause (see gcpause)
def plan(
    state_dir: str,
    instance: str | None,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    wait_timeout: float,
    changed_since: str | None,
    endpoint_url: tuple[str, ...],
    color: bool | None,
) -> None:
    """Read the live state, diff it against the desired state and print the plan.

    Exit 0 when the plan was made (with --detailed-exitcode: 0 no changes, 2 changes), 1 on error.
    """
    made = run.Run(endpoints=endpoint_url).plan(
        state_dir, instance=instance, changed_since=changed_since, wait_timeout=wait_timeout
    )
    if out:
        write_atomically(out, made.to_json())
    click.echo(render(made, fmt, color=use_color(color) and fmt == "text"), nl=False)
    if out:
        click.echo(f"Saved the plan to {out}; apply it with: reconciler apply {out}", err=True)
    if detailed_exitcode and made.has_changes:
        sys.exit(2)


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--include-unmanaged", is_flag=True, help="Also list queues and groups that git does not mention."
)
@click.option("--out", metavar="FILE", help="Also write the report to FILE.")
@wait_option(30.0)
@endpoint_option
@reports_errors
@paused()
def drift(
    state_dir: str,
    instance: str | None,
    fmt: str,
    include_unmanaged: bool,
    out: str | None,
    wait_timeout: float,
    endpoint_url: tuple[str, ...],
) -> None:
    """Report how live Connect differs from the desired state. Never changes anything.

    Exit 0 no drift, 2 drift, 1 error.
    """
    report = run.Run(endpoints=endpoint_url).drift(
        state_dir, instance=instance, include_unmanaged=include_unmanaged, wait_timeout=wait_timeout
    )
    text = render_drift(report, fmt)
    if out:
        write_atomically(out, text)
    click.echo(text, nl=False)
    if report.has_drift:
        sys.exit(2)


@cli.command()
@click.option("--instance-id", required=True, help="Instance ID (UUID) or instance ARN.")
@click.option("--region", required=True, help="The instance's Region.")
@click.option("--replica-region", required=True, help="The replica instance's Region.")
@click.option("--name", required=True, help="Short name for the instance in desired-state.")
@click.option("--account-id", help="12-digit AWS account ID.")
@click.option("--profile", help="AWS profile to read with (also written to the file).")
@click.option("--role-arn", help="IAM role to assume (also written to the file).")
@click.option("--out", "out_dir", metavar="DIR", help="Folder to write [default: desired-state/NAME].")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@endpoint_option
@reports_errors
def export(
    instance_id: str,
    region: str,
    replica_region: str,
    name: str,
    account_id: str | None,
    profile: str | None,
    role_arn: str | None,
    out_dir: str | None,
    force: bool,
    endpoint_url: tuple[str, ...],
) -> None:
    """Write desired-state YAML from a live instance (names, E.164 numbers, flow names)."""
    fields = {
        "name": name,
        "id": instance_id,
        "region": region,
        "replicaRegion": replica_region,
        "accountId": account_id,
        "profile": profile,
        "roleArn": role_arn,
    }
    spec = run.instance_spec({k: v for k, v in fields.items() if v is not None})
    files = run.Run(endpoints=endpoint_url).export(spec)
    for path in write_export(files, out_dir or os.path.join("desired-state", name), force=force):
        click.echo(f"wrote {path}")
