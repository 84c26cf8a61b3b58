"""Commands that read only the desired state: validate, schema, targets, iam-policy."""

from __future__ import annotations

import json

import click

from reconciler.cli.base import (
    cli,
    reports_errors,
    state_dir_option,
)
from reconciler.cli.failures import annotations_option, reported
from reconciler.desired import loader, model
from reconciler.planning import iam
from reconciler.render.failure import Failure


@cli.command()
@state_dir_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: print the problems as a plan's `errors` list (empty when valid), for CI.",
)
@annotations_option
@reports_errors
def validate(state_dir: str, fmt: str, annotations: bool) -> None:
    """Load and check the desired-state YAML. Makes no AWS calls. Exit 0 valid, 1 invalid."""

    def failed(failure: Failure) -> str:
        return failure.to_json() if fmt == "json" else ""

    with reported(failed, annotations=annotations, instance=None):
        state = loader.load(state_dir)
    if fmt == "json":
        click.echo(Failure(errors=()).to_json(), nl=False)
        return
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


@cli.command()
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="JSON list (for a CI matrix).")
@reports_errors
def targets(state_dir: str, as_json: bool) -> None:
    """List the instances in the desired state (name, account, Region)."""
    found = iam.targets(loader.load(state_dir))
    if as_json:
        click.echo(json.dumps(found, sort_keys=True))
        return
    for item in found:
        click.echo(f"{item['name']}\t{item['account'] or '-'}\t{item['region']} -> {item['replicaRegion']}")


@cli.command("iam-policy")
@state_dir_option
@click.option("--mode", type=click.Choice(["plan", "apply"]), default="plan", show_default=True)
@click.option(
    "--lock-table",
    metavar="TABLE",
    help="Also allow the DynamoDB table TABLE: the lock and the last applied commits (apply mode), "
    "reading the last applied commits (plan mode, for --changed-since applied).",
)
@reports_errors
def iam_policy(state_dir: str, mode: str, lock_table: str | None) -> None:
    """Print the least-privilege IAM policy for the plan (read-only) or apply role."""
    desired = loader.load(state_dir)
    if any(i.spec.account is None for i in desired.instances):
        click.echo("warning: an instance has no accountId; its ARNs use '*' for the account", err=True)
    click.echo(json.dumps(iam.policy(desired, mode, lock_table), indent=2))
