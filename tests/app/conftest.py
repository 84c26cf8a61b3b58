"""Fixtures for the GitOps tests: a scratch working directory, a desired-state copy, emulators.

Each test runs in its own temporary working directory, so nothing (journals, exports written to a
default relative path) can land in the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator

from ..support.demo import copy_demo
from .helpers import apply_state


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def state_dir(workdir: Path) -> Path:
    """`desired-state/` (relative to the working directory): a copy of the repository's demo."""
    return copy_demo(workdir / "desired-state")


@pytest.fixture(scope="session")
def applied_snapshot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo live state after a real apply of desired-state/ (fixture format), made once.

    Session-scoped, so it runs before the suite's per-test AWS isolation: it sets the same dummy
    credentials and empty config itself.
    """
    empty = tmp_path_factory.mktemp("aws") / "empty"
    empty.touch()
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                mp.delenv(name)
        mp.setenv("AWS_CONFIG_FILE", str(empty))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST0000")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
        mp.setenv("AWS_REGION", "us-east-1")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        with running_emulator() as emu:
            assert apply_state(emu, copy_demo(tmp_path_factory.mktemp("applied") / "desired-state")) == 3
            return emu.state.to_dict()


@pytest.fixture
def applied(applied_snapshot: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """An emulator holding the demo with desired-state/ applied; endpoint in AWS_ENDPOINT_URL_CONNECT."""
    with running_emulator(applied_snapshot) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", emu.url)
        yield emu
