"""Local Amazon Connect emulator: a rest-json HTTP server real boto3 clients can talk to.

Used by the integration tests, ``make demo`` and ``reconciler emulator``. Start here:
:class:`~reconciler.emulator.server.Emulator` (the server), :mod:`~reconciler.emulator.state`
(what it serves), :mod:`~reconciler.emulator.testing` (helpers for test suites).
"""

from reconciler.emulator.faults import FaultSpec
from reconciler.emulator.fixture import FixtureError
from reconciler.emulator.server import Emulator
from reconciler.emulator.state import EmulatorState

__all__ = ["Emulator", "EmulatorState", "FaultSpec", "FixtureError"]
