"""Commands that read live Connect and report: plan, drift, export.

`plan` and `drift` report a failure on stdout too, in the format asked for (`cli.failures`), so a
CI job that posts their Markdown posts the errors instead of nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.app import run
from reconciler.app.files import write_atomically, write_export
from reconciler.cli.applying import lock_option
from reconciler.cli.base import (
    STATE_DIR_HELP,
    changed_since_option,
    cli,
    color_option,
    endpoint_option,
    instance_option,
    reports_errors,
    reviewed_option,
    state_dir_option,
    use_color,
    wait_option,
)
from reconciler.cli.failures import annotations_option, reported
from reconciler.errors import ReconcilerError
from reconciler.gcpause import paused
from reconciler.planning.drift import FORMAT_VERSION as DRIFT_FORMAT_VERSION
from reconciler.render import FORMATS, render
from reconciler.render.comment import render_comment
from reconciler.render.drift import GITHUB_BODY_LIMIT, drift_title, render_drift
from reconciler.render.failure import Failure, render_failure_markdown
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT

F = TypeVar("F", bound=Callable[..., Any])


def max_chars_option(default: int, what: str) -> Callable[[F], F]:
    return click.option(
        "--max-chars",
        type=click.IntRange(min=1),
        metavar="N",
        help=f"Markdown only: fit the {what} in N characters, saying what was left out "
        f"[default: {default:,}, GitHub's limit].",
    )


def _limit(fmt: str, max_chars: int | None, default: int) -> int:
    if max_chars is not None and fmt != "markdown":
        raise ReconcilerError("--max-chars applies to --format markdown only")
    return max_chars or default


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", metavar="FILE", help="Save the plan (JSON) for `reconciler apply FILE`.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there is something to apply, 0 when not (blocked or held-back changes alone: 0).",
)
@max_chars_option(GITHUB_COMMENT_LIMIT, "plan")
@annotations_option
@wait_option(30.0)
@changed_since_option
@reviewed_option
@lock_option
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
    max_chars: int | None,
    annotations: bool,
    wait_timeout: float,
    changed_since: str | None,
    reviewed: tuple[str, ...],
    lock: str,
    endpoint_url: tuple[str, ...],
    color: bool | None,
) -> None:
    """Read the live state, diff it against the desired state and print the plan.

    Exit 0 when the plan was made (with --detailed-exitcode: 2 when there is something to apply;
    blocked or held-back changes alone: 0), 1 on error.
    A plan that fails prints its errors on stdout too in markdown (an error section) and json (an
    `errors` list); nothing is saved with --out then.
    """
    limit = _limit(fmt, max_chars, GITHUB_COMMENT_LIMIT)

    def failed(failure: Failure) -> str:
        if fmt == "markdown":
            return render_comment([failure], limit=limit)
        return failure.to_json() if fmt == "json" else ""

    with reported(failed, annotations=annotations, instance=instance):
        made = run.Run(endpoints=endpoint_url).plan(
            state_dir,
            instance=instance,
            changed_since=changed_since,
            wait_timeout=wait_timeout,
            reviewed=reviewed,
            lock=lock,
        )
    if out:
        write_atomically(out, made.to_json())
    if fmt == "markdown":
        click.echo(render_comment([made], limit=limit), nl=False)
    else:
        click.echo(render(made, fmt, color=use_color(color) and fmt == "text"), nl=False)
    if out:
        click.echo(f"Saved the plan to {out}; apply it with: reconciler apply {out}", err=True)
    if detailed_exitcode and made.updates:  # blocked or held back alone: nothing apply would do
        sys.exit(2)


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--include-unmanaged", is_flag=True, help="Also list queues and groups that git does not mention."
)
@click.option("--out", metavar="FILE", help="Also write the report (or the failure) to FILE.")
@max_chars_option(GITHUB_BODY_LIMIT, "report")
@annotations_option
@wait_option(30.0)
@lock_option
@endpoint_option
@color_option
@reports_errors
@paused()
def drift(
    state_dir: str,
    instance: str | None,
    fmt: str,
    include_unmanaged: bool,
    out: str | None,
    max_chars: int | None,
    annotations: bool,
    wait_timeout: float,
    lock: str,
    endpoint_url: tuple[str, ...],
    color: bool,
) -> None:
    """Report how live Connect differs from the desired state. Never changes anything.

    Exit 0 no drift, 2 drift, 1 error. A check that fails prints its errors on stdout too in
    markdown and json, and writes them to --out.
    """
    limit = _limit(fmt, max_chars, GITHUB_BODY_LIMIT)

    def failed(failure: Failure) -> str:
        failure = failure.model_copy(update={"format_version": DRIFT_FORMAT_VERSION})
        text = ""
        if fmt == "markdown":
            title = drift_title([instance] if instance else [])
            text = render_failure_markdown(
                failure, title=title, limit=limit, what="drift check", command="reconciler drift"
            )
        elif fmt == "json":
            text = failure.to_json()
        if out and text:
            write_atomically(out, text)
        return text

    with reported(failed, annotations=annotations, instance=instance):
        report = run.Run(endpoints=endpoint_url).drift(
            state_dir,
            instance=instance,
            include_unmanaged=include_unmanaged,
            wait_timeout=wait_timeout,
            lock=lock,
        )
    text = render_drift(report, fmt, limit=limit)
    if out:
        write_atomically(out, text)  # a file never holds colour
    click.echo(render_drift(report, fmt, limit=limit, color=color) if color else text, nl=False)
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
@click.option("--out", "out_dir", metavar="DIR", help="Folder to write [default: STATE_DIR/NAME].")
@click.option(
    "--state-dir",
    default="desired-state",
    show_default=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=str),
    help=f"{STATE_DIR_HELP} Export refuses an instance it already defines.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Export even if the state directory already defines the instance (by name or instance "
    "ID), and overwrite existing files.",
)
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
    state_dir: str,
    force: bool,
    endpoint_url: tuple[str, ...],
) -> None:
    """Write desired-state YAML from a live instance (names, E.164 numbers, flow names).

    Refused when the state directory already defines the instance, by name or by instance ID,
    unless --force.
    """
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
    files = run.Run(endpoints=endpoint_url).export(spec, state_dir=state_dir, force=force)
    for path in write_export(files, out_dir or os.path.join(state_dir, name), force=force):
        click.echo(f"wrote {path}")
