"""An unexpected failure is still one line and exit 1; RECONCILER_DEBUG=1 shows the traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reconciler.app import run as workflow
from reconciler.cli import cli


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("disk on fire")


def test_an_unexpected_error_is_one_line_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflow, "load_desired", _boom)
    result = CliRunner().invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert (
        result.stderr == "internal error: RuntimeError: disk on fire (set RECONCILER_DEBUG=1 for details)\n"
    )


def test_reconciler_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflow, "load_desired", _boom)
    monkeypatch.setenv("RECONCILER_DEBUG", "1")
    result = CliRunner().invoke(cli, ["plan"])
    assert isinstance(result.exception, RuntimeError)
