"""Running `reconciler plan` in-process through click's CliRunner, as a user would run it."""

from __future__ import annotations

from click.testing import CliRunner, Result

from reconciler.cli import cli


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), prog_name="reconciler")
    # Whatever happened, no exception escaped (that would be a traceback for a user).
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result
