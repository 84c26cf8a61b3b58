"""Region outages: every API call signed for a down Region fails the way an outage does.

Global Resiliency exists for the day one Region of the pair stops answering; the reconciler must
then plan and apply through the other Region. A down Region (``Emulator(down_regions=...)``,
``Emulator.set_region_down(region, down)``, ``reconciler emulator --down-region R``, or
``PUT /_emulator/regions/R {"down": true}``) answers no call signed for it. Each call gets one of
three failures, the mix a client meets in a real outage:

``unavailable``
    503 ``ServiceUnavailableException`` (botocore retries it).
``reset``
    the connection is reset (TCP RST) without a response: ``ConnectionClosedError``.
``hang``
    no answer: the connection is held ``hang_seconds`` (default 30 s, longer than a sensibly
    configured client's read timeout), then closed without a response. The client times out
    (``ReadTimeoutError``) unless its timeout is longer; a held connection never keeps
    ``Emulator.stop()`` or the process waiting (see :mod:`connect_emulator.httpd`).

Which failure a call gets is drawn from the weights of :class:`OutageSpec` (``mix``) by a
generator seeded with ``(seed, Region)`` and restarted each time the Region goes down, so the
n-th call to a down Region fails the same way in every run whatever the threads do. A mix of a
single mode (``mix="hang"``) makes every call fail that way, for deterministic tests.

A call to a down Region reaches nothing behind the front door: it takes no quota token, does not
count for scripted faults and changes nothing. It is logged in the call log with its Region,
its operation when the route resolves, and ``outage`` (the mode). Admin calls (``/_emulator/``)
are never affected, so a test can always bring a Region back.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MODES: Final = ("unavailable", "reset", "hang")
DEFAULT_MIX: Final = {"unavailable": 1.0, "reset": 1.0, "hang": 1.0}
DEFAULT_HANG_SECONDS: Final = 30.0
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+){1,2}-[0-9]$")


class OutageError(ValueError):
    """An outage setting is malformed; ``str()`` is one line."""


def check_region(region: str) -> str:
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise OutageError(f"not a Region: {region!r}")
    return region


@dataclass(frozen=True)
class OutageSpec:
    """How calls to a down Region fail: mode weights, the seed, and how long a hang lasts."""

    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    seed: int = 0
    hang_seconds: float = DEFAULT_HANG_SECONDS

    def __post_init__(self) -> None:
        unknown = sorted(set(self.mix) - set(MODES))
        if unknown:
            raise OutageError(f"unknown outage mode {unknown[0]!r}: use {', '.join(MODES)}")
        for mode, weight in self.mix.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                or not 0 <= weight < float("inf")
            ):
                raise OutageError(f"outage weight of {mode} must be a finite number >= 0, not {weight!r}")
        if not any(self.mix.values()):
            raise OutageError("the outage mix needs a mode with a weight above 0")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise OutageError(f"outage seed must be an integer, not {self.seed!r}")
        hang = self.hang_seconds
        if isinstance(hang, bool) or not isinstance(hang, int | float) or not 0 <= hang < float("inf"):
            raise OutageError(f"outage hang seconds must be a finite number >= 0, not {hang!r}")

    @staticmethod
    def parse_mix(value: str | Mapping[str, float] | None) -> dict[str, float]:
        """A mix from weights, a single mode name (``"hang"``) or ``"unavailable=2,reset=1"``."""
        if value is None:
            return dict(DEFAULT_MIX)
        if isinstance(value, Mapping):
            return dict(value)
        text = value.strip()
        if text in MODES:
            return {text: 1.0}
        mix: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            mode, sep, weight = part.partition("=")
            try:
                if not sep:
                    raise ValueError(part)
                mix[mode.strip()] = float(weight)
            except ValueError:
                raise OutageError(
                    f"outage mix: {part!r} is not MODE=WEIGHT (or give one of {', '.join(MODES)} alone)"
                ) from None
        return mix

    def to_dict(self) -> dict[str, Any]:
        return {"mix": dict(self.mix), "seed": self.seed, "hangSeconds": self.hang_seconds}


class Outages:
    """The down Regions, and the seeded choice of how each call to one of them fails."""

    def __init__(self, spec: OutageSpec | None = None, down: Iterable[str] = ()) -> None:
        self.spec = spec or OutageSpec()
        self._down: set[str] = set()
        self._rngs: dict[str, random.Random] = {}
        self._lock = threading.Lock()
        for region in down:
            self.set_down(region, True)

    @property
    def down(self) -> list[str]:
        with self._lock:
            return sorted(self._down)

    def set_down(self, region: str, down: bool) -> None:
        """Take a Region down (its draws start afresh) or bring it back."""
        check_region(region)
        with self._lock:
            if down and region not in self._down:
                self._down.add(region)
                self._rngs[region] = random.Random(f"{self.spec.seed}/{region}")
            elif not down:
                self._down.discard(region)

    def decide(self, region: str | None) -> str | None:
        """The outage mode for one call signed for ``region`` (``None``: the Region is up)."""
        if region is None or not self._down:
            return None
        with self._lock:
            if region not in self._down:
                return None
            draw = self._rngs[region].random()
        modes = [(m, float(self.spec.mix.get(m, 0.0))) for m in MODES]
        point = draw * sum(w for _, w in modes)
        for mode, weight in modes:
            if point < weight:
                return mode
            point -= weight
        return next(m for m, w in reversed(modes) if w > 0)
