"""Fixtures of the planner tests: emulators started on 127.0.0.1 and stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reconciler.emulator.server import Emulator


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Factory: `start_emulator(state, quotas=..., faults=...)`; every emulator is stopped after."""
    started: list[Emulator] = []

    def start(state: Any = None, **kwargs: Any) -> Emulator:
        emu = Emulator(state, host="127.0.0.1", port=0, **kwargs).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()
