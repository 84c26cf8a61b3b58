"""Every call to Connect goes through `Caller`: it knows which Regions answer in this run.

`Reader` is what the read and write modules use: the calls of one instance in one Region,
counted (a plan reports how many it made), paginated to the end.

Traffic distribution exists for the day a Region fails, so a call must never spend minutes on a
Region that is down. A Region starts a run unknown; its first call is a probe (one attempt, short
timeouts, see `clients`), made by one thread while the others wait for the verdict. A Region that
answers (with data or with a 4xx: it is alive) is used with the normal settings. One that does
not answer the probe, or fails two calls in a row the way an outage does (no connection, timeouts,
502/503/504 after the retries), is judged down: every later call to it in the run fails at once,
as a retryable `ConnectCallError` with code `RegionDown`, so the layers above turn to the other
Region without waiting again. A 500 is a failed call, not an outage: the service answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from reconciler.connect.clients import ClientFactory, Target, target_of
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError

UP, DOWN = "up", "down"
OUTAGE_MISSES = 2  # outage-like failures in a row that judge a Region down, once it has answered
MAX_PAGES = 100_000


class Caller:
    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self._lock = threading.Lock()
        self._state: dict[str, str] = {}
        self._why: dict[str, str] = {}
        self._misses: dict[str, int] = {}  # outage-like failures in a row, per Region
        self._probes: dict[str, threading.Lock] = {}

    def down(self) -> set[str]:
        """The Regions judged down so far in this run."""
        with self._lock:
            return {r for r, s in self._state.items() if s == DOWN}

    def call(self, target: Target, operation: str, **kwargs: Any) -> dict[str, Any]:
        """`operation` with `kwargs` in `target.region`; botocore failures as ConnectCallError."""
        region = target.region
        self._refuse_if_down(target, operation)
        if self._state_of(region) != UP:
            with self._probe_lock(region):
                self._refuse_if_down(target, operation)
                if self._state_of(region) != UP:
                    return self._attempt(target, operation, kwargs, probe=True)
        return self._attempt(target, operation, kwargs, probe=False)

    def _attempt(
        self, target: Target, operation: str, kwargs: dict[str, Any], *, probe: bool
    ) -> dict[str, Any]:
        client = self.factory.connect(target, probe=probe)
        method: Callable[..., Any] = getattr(client, _snake(operation))
        try:
            response: dict[str, Any] = method(**kwargs)
        except AWS_ERRORS as exc:
            error = translate(exc, instance=target.instance, operation=operation, region=target.region)
            self._judge(target.region, error, probe=probe)
            raise error from None
        self._set(target.region, UP)
        return response

    def _judge(self, region: str, error: ConnectCallError, *, probe: bool) -> None:
        outage = error.code == "Unreachable" or error.status in (502, 503, 504)
        with self._lock:
            if outage:
                self._misses[region] = self._misses.get(region, 0) + 1
                if probe or self._misses[region] >= OUTAGE_MISSES:
                    self._state[region] = DOWN
                    self._why.setdefault(region, str(error))
                return
        if error.status is not None:
            self._set(region, UP)  # it answered, if only to say no

    def _refuse_if_down(self, target: Target, operation: str) -> None:
        with self._lock:
            if self._state.get(target.region) != DOWN:
                return
            why = self._why.get(target.region, "")
        raise ConnectCallError(
            f"{target.instance}: {operation} in {target.region} not sent: the Region did not answer "
            f"earlier in this run ({why})",
            operation=operation,
            region=target.region,
            code="RegionDown",
            status=None,
            retryable=True,
        )

    def _state_of(self, region: str) -> str | None:
        with self._lock:
            return self._state.get(region)

    def _set(self, region: str, state: str) -> None:
        with self._lock:
            self._misses[region] = 0
            if self._state.get(region) != DOWN:  # a Region judged down stays down for the run
                self._state[region] = state

    def _probe_lock(self, region: str) -> threading.Lock:
        with self._lock:
            return self._probes.setdefault(region, threading.Lock())


class Reader:
    """The calls of one instance in one Region, counted, with pagination followed to the end."""

    def __init__(self, caller: Caller, spec: InstanceSpec, region: str) -> None:
        self.caller = caller
        self.spec = spec
        self.region = region
        self.target = target_of(spec, region)
        self.calls = 0

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        return self.caller.call(self.target, operation, **kwargs)

    def pages(self, operation: str, list_key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of a paginated call, following NextToken to the end."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            response = self.call(operation, **kwargs, **({"NextToken": token} if token else {}))
            items.extend(response.get(list_key) or [])
            token = response.get("NextToken")
            if not token:
                return items
            if token in seen:
                raise self._broken(operation, "the service returned the same page token twice")
            seen.add(token)
        raise self._broken(operation, f"more than {MAX_PAGES} pages")

    def _broken(self, operation: str, why: str) -> ConnectCallError:
        message = f"{self.spec.name}: {operation} in {self.region} failed: {why}"
        return ConnectCallError(
            message, operation=operation, region=self.region, code="Pagination", status=None, retryable=False
        )


def _snake(operation: str) -> str:
    out = [operation[0].lower()]
    for ch in operation[1:]:
        out.append(f"_{ch.lower()}" if ch.isupper() else ch)
    return "".join(out)
