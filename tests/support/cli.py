"""Running the `reconciler` CLI in-process, as users and CI jobs call it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from reconciler.cli import cli


def invoke(*args: str, input: str | None = None, runner: CliRunner | None = None) -> Result:
    """Run the CLI in-process; it must never end in an escaped exception."""
    result = (runner or CliRunner()).invoke(cli, list(args), prog_name="reconciler", input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output, result.output
    return result


def apply_saved(planfile: Path, state_dir: Path, journal: Path, *flags: str) -> Result:
    """`reconciler apply PLANFILE --state-dir DIR --auto-approve --journal FILE FLAGS...`."""
    return invoke(
        "apply",
        str(planfile),
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        *flags,
        "--journal",
        str(journal),
    )
