"""Local Amazon Connect emulator: a rest-json HTTP server real boto3 clients can talk to.

Used by the integration tests, ``make demo`` and ``reconciler emulator``. Start here:
:class:`~connect_emulator.server.Emulator` (the server), :mod:`~connect_emulator.state`
(what it serves), :mod:`~connect_emulator.testing` (helpers for test suites).
"""

from connect_emulator.faults import FaultSpec
from connect_emulator.fixture import FixtureError
from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState

__all__ = ["Emulator", "EmulatorState", "FaultSpec", "FixtureError"]
