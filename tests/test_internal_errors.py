"""An unexpected failure is still one line and exit 1; RECONCILER_DEBUG=1 shows the traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from connect_emulator.server import Emulator
from reconciler.app import environment
from reconciler.app import run as workflow
from reconciler.cli import cli
from reconciler.connect import RateLimiter
from reconciler.desired.model import InstanceSpec

from .support.connect import emulator_port
from .support.demo import EAST, INSTANCE_BLOCK, REPO


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


class _BrokenLimiter(RateLimiter):
    """A rate limiter with a bug: its hook runs inside botocore's send, on every request."""

    def acquire(self, account: str, region: str, operation: str) -> None:
        raise KeyError(operation)


def test_a_bug_in_the_request_hook_is_an_internal_error_not_a_failed_call(
    demo_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: translate() turned any exception into a ConnectCallError, and a KeyError in the
    # limiter read as "SearchQueues in us-east-1 failed: KeyError". It is a bug: say so.
    port = emulator_port(demo_emulator, limiter=_BrokenLimiter())
    with pytest.raises(KeyError):
        port.search_queues(InstanceSpec.model_validate(INSTANCE_BLOCK), region=EAST)

    monkeypatch.setattr(environment, "rate_limiter", lambda setting: _BrokenLimiter())
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: KeyError: ")
    assert "failed" not in result.stderr
