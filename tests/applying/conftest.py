"""Fixtures for the applier tests: a scratch working directory, a desired-state copy, ports.

`fake` is the in-memory port over the demo instance: the applier's logic tests run on it in
milliseconds. End-to-end tests use `emu` and `port`, real boto3 against the emulator. Creating
boto3 clients costs a few hundred milliseconds (botocore loads the Connect model), so those tests
share one emulator and one port for the whole session: `emu` resets that emulator to the demo
state (faults off, call log empty) before each test. Tests that need other emulator options
(quotas, omitted_fields) start their own with `start_emulator`. Every test runs in its own
temporary working directory, so nothing (journals above all) can be written into the repository
even when a command falls back to a relative default path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import running_emulator
from reconciler.connect import Connect

from ..support.connect import emulator_port
from ..support.demo import copy_demo
from ..support.fake_connect import FakeConnect
from ..support.live import demo_live


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """A copy of the demo desired state (3 changes against the demo live state)."""
    return copy_demo(tmp_path / "state")


@pytest.fixture
def fake() -> FakeConnect:
    """The demo instance in memory, behind the port (3 changes against the demo desired state)."""
    return FakeConnect(demo_live())


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture
def emu(shared_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The demo emulator, freshly reset; its endpoint is in AWS_ENDPOINT_URL_CONNECT (for the CLI)."""
    shared_emulator.set_faults(None)
    shared_emulator.replace_state(EmulatorState.demo())
    shared_emulator.reset_quotas()
    shared_emulator.clear_calls()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", shared_emulator.url)
    return shared_emulator


@pytest.fixture(scope="session")
def shared_port(shared_emulator: Emulator) -> Connect:
    return emulator_port(shared_emulator)


@pytest.fixture
def port(emu: Emulator, shared_port: Connect) -> Connect:
    """A port for `emu` without client-side rate limiting: the session's clients (created once),
    but a run of its own, so no test inherits what another learned of each Region's health."""
    return Connect(shared_port.factory)


@pytest.fixture
def start_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Emulator]]:
    """Factory: `start_emulator(state, quotas=..., faults=..., omitted_fields=...)`.

    The endpoint of the emulator started last is put in AWS_ENDPOINT_URL_CONNECT.
    """
    stack: list[Any] = []

    def start(state: Any = None, **kwargs: Any) -> Emulator:
        context = running_emulator(state, **kwargs)
        emulator = context.__enter__()
        stack.append(context)
        monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", emulator.url)
        return emulator

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)
