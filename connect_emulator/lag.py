"""Optional read-after-write lag: the eventual consistency of Amazon Connect reads, made repeatable.

Right after UpdateQueueOutboundCallerConfig or UpdateTrafficDistribution, AWS may answer
DescribeQueue, SearchQueues or GetTrafficDistribution with the values the resource had before
the write. The reconciler verifies every write by reading it back with bounded re-reads; with
this option the emulator serves such stale reads, so that loop can be tested without fault
injection. It is off by default: the emulator is then strongly consistent.

The option (:class:`ReadLag`; ``Emulator(read_lag=...)``, ``reconciler emulator --read-lag N
--read-lag-ms MS``, ``PUT /_emulator/read-lag``) has two parts, and a write's lag lasts until
both have run out:

* ``reads``: the next N reads of the written resource show its values from before the write.
  Counting reads, not time, is what makes tests deterministic whatever the machine's speed.
* ``ms``: for this many milliseconds after the write, reads show the values from before it.

A *read* is one API response that carries the resource's written fields: DescribeQueue, one
queue on a SearchQueues or ListQueues page (whole ``Queue`` objects, or the summary's
``LastModifiedTime``), GetTrafficDistribution. Each resource (a queue of an instance, a group)
lags on its own, and reads from either Region of the pair count alike (unless queue config is
not replicated: then each Region's copy of a queue lags on its own, see
:mod:`connect_emulator.replication`). Only what the writes
change lags: resolution, search matching (names, tags) and a group's status use the current
state, and writes are checked against and applied to the current state. A write to a resource
that is still lagging restarts its lag and keeps the values readers see, so a reader never sees
a value older than one it has already seen. The truth is always at hand for tests: the admin
API (``GET /_emulator/state``) and ``Emulator.state`` never lag, an admin change (drift) shows
at once and ends its resource's lag, replacing the state ends every lag, and so does changing
the option.

The pending lags are :attr:`EmulatorState.lag <connect_emulator.state.EmulatorState.lag>`,
changed only under the state's lock (by the operations and the admin API).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: A lagging resource: ``("queue", instance ID, queue ID)`` or ``("group", group ID)``.
Key = tuple[str, ...]


class ReadLagError(ValueError):
    """A read-lag setting is malformed; ``str()`` is one line."""


@dataclass(frozen=True)
class ReadLag:
    """How long reads trail a write: ``reads`` reads and ``ms`` milliseconds, whichever is later."""

    reads: int = 0
    ms: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.reads, bool) or not isinstance(self.reads, int) or self.reads < 0:
            raise ReadLagError(f"reads must be a whole number >= 0, not {self.reads!r}")
        if isinstance(self.ms, bool) or not isinstance(self.ms, int | float) or not 0 <= self.ms < math.inf:
            raise ReadLagError(f"ms must be a finite number >= 0, not {self.ms!r}")

    @property
    def on(self) -> bool:
        return self.reads > 0 or self.ms > 0

    @classmethod
    def parse(cls, value: ReadLag | int | Mapping[str, Any] | None) -> ReadLag:
        """From a lag, a number of reads, or ``{"reads": N, "ms": T}`` (``None``: off)."""
        if value is None:
            return cls()
        if isinstance(value, ReadLag):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"reads", "ms"})
            if unknown:
                raise ReadLagError(f"unknown read-lag field {unknown[0]!r}: use reads and ms")
            return cls(value.get("reads", 0), value.get("ms", 0.0))
        return cls(value)

    def to_dict(self) -> dict[str, Any]:
        return {"reads": self.reads, "ms": self.ms}


def queue_key(instance_id: str, queue_id: str) -> Key:
    return ("queue", instance_id, queue_id)


def group_key(group_id: str) -> Key:
    return ("group", group_id)


@dataclass
class _Pending:
    stale: Any  # a copy of the resource as readers see it
    reads_left: int
    until: float  # wall-clock time (the operations' ``now``)

    def active(self, now: float) -> bool:
        return self.reads_left > 0 or now < self.until


class LagTracker:
    """The resources whose reads still trail a write, and what those reads show."""

    def __init__(self) -> None:
        self._pending: dict[Key, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def before_write(self, key: Key, current: Any, lag: ReadLag, now: float) -> None:
        """Call once a write to ``current`` has passed its checks and is about to change it."""
        if not lag.on:
            return
        pending = self._pending.get(key)
        stale = pending.stale if pending is not None and pending.active(now) else copy.deepcopy(current)
        self._pending[key] = _Pending(stale, lag.reads, now + lag.ms / 1000.0)

    def view(self, key: Key, current: T, now: float) -> T:
        """What one read of the resource shows: the stale copy while it lags, else ``current``."""
        if not self._pending:
            return current
        pending = self._pending.get(key)
        if pending is None:
            return current
        if not pending.active(now):
            del self._pending[key]
            return current
        pending.reads_left = max(pending.reads_left - 1, 0)
        stale: T = pending.stale
        return stale

    def forget(self, key: Key) -> None:
        """End the resource's lag (an admin change is visible at once)."""
        self._pending.pop(key, None)

    def clear(self) -> None:
        self._pending.clear()
