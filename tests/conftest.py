"""Suite-wide isolation: no test may reach AWS or read the developer's AWS configuration.

Every test gets dummy credentials and empty AWS config files, so boto3 can only ever talk to the
emulator endpoints the tests start on 127.0.0.1. Integration fixtures for the reconciler's own
commands live here too: an emulator with the demo state, and the endpoint set the way users set
it (AWS_ENDPOINT_URL_CONNECT).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run the larger reliability runs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="larger run: use --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path_factory.getbasetemp() / "aws-empty"
    empty.touch()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("RECONCILER_DEBUG", raising=False)
    # The suite runs in GitHub Actions too: its commands must not print annotations there unasked.
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # The machine-wide folders (group directory, locks) of the run under test: never the developer's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))


@pytest.fixture
def demo_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator with the demo live state, reachable through AWS_ENDPOINT_URL_CONNECT."""
    with running_emulator() as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", emu.url)
        yield emu


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Factory: `start_emulator(state, quotas=..., faults=...)`; every emulator is stopped after."""
    started: list[Emulator] = []

    def start(state: Any = None, **kwargs: Any) -> Emulator:
        kwargs.setdefault("update_in_progress_seconds", 0)  # the emulator's default is 2 s
        emu = Emulator(state, host="127.0.0.1", port=0, **kwargs).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()
