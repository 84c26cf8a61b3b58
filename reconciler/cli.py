"""Command line: flags -> one core call -> a renderer -> an exit code. Nothing else lives here.

Exit codes are a contract (see README): 0 success / no changes, 2 changes or drift where asked for,
1 any error. Every failure is one clear message on stderr, never a Python traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler import __version__, iam, loader, model, workflow
from reconciler.apply import Outcome, Report, Result, Settings
from reconciler.connect import ClientFactory
from reconciler.diagnostics import LoadError
from reconciler.emulator.cli import emulator_command
from reconciler.errors import ReconcilerError
from reconciler.model import DesiredState
from reconciler.plan import Plan
from reconciler.render import FORMATS, render
from reconciler.render.apply import render_dry_run, render_result, render_summary
from reconciler.render.drift import render_drift

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


class _UsageError(click.UsageError):
    exit_code = 1


class _Cli(click.Group):
    """Usage errors exit 1, not click's 2: exit 2 means "changes" or "drift" in this contract."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            if isinstance(exc, _UsageError):
                raise
            raise _UsageError(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, _UsageError):
                raise
            raise _UsageError(exc.format_message(), exc.ctx) from None


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


endpoint_option = click.option(
    "--endpoint-url",
    metavar="URL",
    help="Connect endpoint to use instead of boto3's own settings (AWS_ENDPOINT_URL_CONNECT, profiles).",
)
instance_option = click.option("--instance", metavar="NAME", help="Only this instance (its `instance.name`).")
changed_since_option = click.option(
    "--changed-since",
    metavar="REV",
    help="Only change resources whose YAML changed since git revision REV; hold back reverting "
    "changes made outside git (for apply on merge).",
)
color_option = click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: only on a terminal)."
)


def _use_color(color: bool | None) -> bool:
    if color is not None:
        return color
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _write_atomically(path: str, text: str) -> None:
    """Write a whole file or nothing, so a crash never leaves half a plan behind."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ReconcilerError(f"cannot write {path}: {exc.strerror or exc}") from None


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", metavar="FILE", help="Save the plan (JSON) for `reconciler apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@changed_since_option
@endpoint_option
@color_option
@reports_errors
def plan(
    state_dir: str,
    instance: str | None,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    changed_since: str | None,
    endpoint_url: str | None,
    color: bool | None,
) -> None:
    """Read the live state, diff it against the desired state and print the plan.

    Exit 0 when the plan was made (with --detailed-exitcode: 0 no changes, 2 changes), 1 on error.
    """
    made = workflow.plan(
        state_dir, instance=instance, factory=workflow.make_factory(endpoint_url), changed_since=changed_since
    )
    if out:
        _write_atomically(out, made.to_json())
    click.echo(render(made, fmt, color=_use_color(color) and fmt == "text"), nl=False)
    if out:
        click.echo(f"Saved the plan to {out}; apply it with: reconciler apply {out}", err=True)
    if detailed_exitcode and made.has_changes:
        sys.exit(2)


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
        _fail(
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
        _fail("Apply cancelled; nothing was changed.")


def _run_apply(
    made: Plan,
    desired: DesiredState,
    factory: ClientFactory,
    *,
    journal_path: str | None,
    settings: Settings,
    lock: str,
    operation: str,
) -> Report:
    progress = _Progress()
    settings.on_result = progress
    try:
        return workflow.run_apply(
            made,
            desired,
            factory,
            journal_path=journal_path,
            settings=settings,
            lock=lock,
            operation=operation,
        )
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
@state_dir_option
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
@lock_option
@changed_since_option
@endpoint_option
@color_option
@reports_errors
def apply(
    planfile: str | None,
    state_dir: str,
    instance: str | None,
    dry_run: bool,
    auto_approve: bool,
    fail_fast: bool,
    journal_path: str | None,
    wait_timeout: float,
    lock: str,
    changed_since: str | None,
    endpoint_url: str | None,
    color: bool | None,
) -> None:
    """Execute a saved plan (PLANFILE), or make a plan and apply it.

    Every change is checked against a fresh read first: one changed by someone else since the plan
    was made is skipped as stale, never overwritten. Exit 0 when all changes applied, 1 otherwise.
    """
    factory = workflow.make_factory(endpoint_url)
    if planfile:
        if instance or changed_since:
            raise ReconcilerError(
                "--instance and --changed-since shape a new plan; a saved plan is applied as it was made"
            )
        made, desired = workflow.load_plan(planfile, state_dir)
    else:
        desired = workflow.load_desired(state_dir, instance)
        made = workflow.plan(state_dir, instance=instance, factory=factory, changed_since=changed_since)
    if not made.updates:
        click.echo(render(made, "text", color=_use_color(color)), nl=False)
        waiting = [c for c in made.blocked if not c.held]
        if waiting:
            _fail(f"Nothing can be applied: {len(waiting)} blocked change(s) wait for their group.")
        click.echo("Nothing to apply.")
        return
    if not dry_run and not auto_approve:
        click.echo(render(made, "text", color=_use_color(color)), nl=False)
        _confirm(len(made.updates))
    settings = Settings(fail_fast=fail_fast, dry_run=dry_run, wait_timeout=wait_timeout)
    report = _run_apply(
        made, desired, factory, journal_path=journal_path, settings=settings, lock=lock, operation="apply"
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
    endpoint_url: str | None,
    color: bool | None,
) -> None:
    """Restore the values an apply replaced, from its JOURNAL.

    A resource whose live value is no longer what that apply wrote is skipped as stale.
    Exit 0 when everything was restored, 1 otherwise.
    """
    made, desired = workflow.load_rollback(journal_file)
    if not made.updates:
        click.echo(f"{journal_file}: the apply changed nothing that can be rolled back.")
        return
    if not dry_run and not auto_approve:
        click.echo(render(made, "text", color=_use_color(color)), nl=False)
        _confirm(len(made.updates))
    factory = workflow.make_factory(endpoint_url)
    report = _run_apply(
        made,
        desired,
        factory,
        journal_path=journal_path,
        settings=Settings(dry_run=dry_run),
        lock=lock,
        operation="rollback",
    )
    click.echo(render_dry_run(made, report) if dry_run else render_summary(report), nl=False)
    if not report.ok:
        sys.exit(1)


@cli.command()
@state_dir_option
@instance_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--include-unmanaged", is_flag=True, help="Also list queues and groups that git does not mention."
)
@click.option("--out", metavar="FILE", help="Also write the report to FILE.")
@endpoint_option
@reports_errors
def drift(
    state_dir: str,
    instance: str | None,
    fmt: str,
    include_unmanaged: bool,
    out: str | None,
    endpoint_url: str | None,
) -> None:
    """Report how live Connect differs from the desired state. Never changes anything.

    Exit 0 no drift, 2 drift, 1 error.
    """
    report = workflow.drift_report(
        state_dir,
        instance=instance,
        factory=workflow.make_factory(endpoint_url),
        include_unmanaged=include_unmanaged,
    )
    text = render_drift(report, fmt)
    if out:
        _write_atomically(out, text)
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
    endpoint_url: str | None,
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
    spec = workflow.instance_spec({k: v for k, v in fields.items() if v is not None})
    files = workflow.export_instance(spec, workflow.make_factory(endpoint_url))
    for path in workflow.write_export(files, out_dir or os.path.join("desired-state", name), force=force):
        click.echo(f"wrote {path}")


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
    "--lock-table", metavar="TABLE", help="Apply mode: also allow the DynamoDB apply lock in TABLE."
)
@reports_errors
def iam_policy(state_dir: str, mode: str, lock_table: str | None) -> None:
    """Print the least-privilege IAM policy for the plan (read-only) or apply role."""
    desired = loader.load(state_dir)
    if lock_table and mode != "apply":
        raise ReconcilerError("--lock-table only applies to --mode apply (plans take no lock)")
    if any(i.spec.account is None for i in desired.instances):
        click.echo("warning: an instance has no accountId; its ARNs use '*' for the account", err=True)
    click.echo(json.dumps(iam.policy(desired, mode, lock_table), indent=2))


cli.add_command(emulator_command, "emulator")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="reconciler")
