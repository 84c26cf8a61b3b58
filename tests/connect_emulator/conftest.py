"""Fixtures for the emulator tests: started emulators and real boto3 clients pointing at them.

Clients get dummy credentials and their Region through client kwargs (never the environment),
and botocore retries are off by default so a test sees the raw error (``max_attempts=1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator

from ..support.demo import EAST, WEST
from .helpers import make_client


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh emulator with the demo state (quotas and faults off)."""
    with running_emulator() as running:
        yield running


@pytest.fixture
def east(emu: Emulator) -> Any:
    return make_client(emu, EAST)


@pytest.fixture
def west(emu: Emulator) -> Any:
    return make_client(emu, WEST)


@pytest.fixture(scope="module")
def big_fixture() -> dict[str, Any]:
    return generate_fixture(queues=1200, flows=1050, numbers=1500, groups=25, seed=3, agent_queues=40)


@pytest.fixture(scope="module")
def big_emu(big_fixture: dict[str, Any]) -> Iterator[Emulator]:
    """A read-only emulator with a generated fixture large enough to need several pages."""
    with running_emulator(big_fixture) as running:
        yield running
