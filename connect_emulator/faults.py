"""Seeded, reproducible fault injection: errors, throttles, dropped connections and latency.

A fault spec (a mapping, inline JSON, or a YAML/JSON file)::

    seed: 7
    rules:                          # probabilistic, per operation or "*" (any operation)
      - operation: UpdateQueueOutboundCallerConfig
        error500: 0.1               # 500 InternalServiceException
        throttle: 0.05              # 429 ThrottlingException
        drop: 0.02                  # close the connection without a response
        latencyMs: 20               # added to every matching call
        phase: before               # before (default) or after: apply the write, then fail
    scripted:                       # deterministic: the nth call (1-based) of an operation
      - {operation: UpdateQueueOutboundCallerConfig, nth: 3, status: 500}
      - {operation: UpdateTrafficDistribution, nth: [1, 2], status: 409, code: ResourceConflictException}
      - {operation: DescribeQueue, nth: 2, drop: true}

For each call the injector counts the call (per operation, since the spec was installed) and
draws one number from a generator seeded with ``(seed, operation)``, so the decisions for an
operation depend only on the seed and on how many calls of that operation came before: the
same run against the same spec fails the same calls, whatever the thread interleaving of other
operations. An operation-specific rule wins over ``*``; a scripted fault wins over the rules.
``phase: after`` makes the failure happen after the operation ran (the write is applied but
the client sees an error or a dropped connection), the ambiguous outcome retries must handle.

Injected errors keep to the service model, as the emulator's own answers do: 5xx errors and
dropped connections are fine for any operation (no operation models them, every client must
survive them); ``throttle`` answers ThrottlingException where the operation models it, else 503
(DescribeInstance). A scripted 4xx code must be one the operation models (for ``*``: every
emulated operation), else the spec is refused; the one exception is AccessDeniedException, which
IAM answers before any operation runs (the Connect API reference lists it among the common
errors of every action), so a test can play a missing permission on any call.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from botocore.model import OperationNotFoundError

from connect_emulator.errors import CODE_BY_STATUS, STATUS_BY_CODE
from connect_emulator.model import modelled_errors, service_model
from connect_emulator.ops import EMULATED_OPERATIONS

#: A 4xx code any operation may be given by a scripted fault (IAM answers it, not the operation).
ANY_OPERATION_CODES = frozenset({"AccessDeniedException"})


class FaultSpecError(ValueError):
    """The fault spec is malformed; ``str()`` is one line."""


@dataclass(frozen=True)
class Rule:
    operation: str
    error500: float = 0.0
    throttle: float = 0.0
    drop: float = 0.0
    latency_ms: float = 0.0
    phase: str = "before"


@dataclass(frozen=True)
class Scripted:
    operation: str
    nth: tuple[int, ...]
    status: int = 500
    code: str = "InternalServiceException"
    message: str = "Injected fault"
    drop: bool = False
    latency_ms: float = 0.0
    phase: str = "before"


@dataclass(frozen=True)
class FaultSpec:
    seed: int = 0
    rules: tuple[Rule, ...] = ()
    scripted: tuple[Scripted, ...] = ()

    @classmethod
    def parse(cls, value: FaultSpec | Mapping[str, Any] | str | Path | None) -> FaultSpec:
        """From a spec, a mapping, inline JSON (``{...}``) or a YAML/JSON file path."""
        if value is None:
            return cls()
        if isinstance(value, FaultSpec):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        text = str(value).strip()
        if text.startswith("{"):
            try:
                return cls.from_dict(json.loads(text))
            except ValueError as exc:
                raise FaultSpecError(f"fault spec: invalid JSON: {exc}") from None
        path = Path(text)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FaultSpecError(f"{path}: cannot read fault spec: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise FaultSpecError(f"{where}: invalid YAML in fault spec") from None
        try:
            return cls.from_dict(data or {})
        except FaultSpecError as exc:
            raise FaultSpecError(f"{path}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Any) -> FaultSpec:
        top = _mapping(data, "fault spec", {"seed", "rules", "scripted"})
        seed = top.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise FaultSpecError("fault spec: seed must be an integer")
        rules = tuple(_rule(r, f"rules[{i}]") for i, r in enumerate(_list(top, "rules")))
        scripted = tuple(_scripted(s, f"scripted[{i}]") for i, s in enumerate(_list(top, "scripted")))
        return cls(seed, rules, scripted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "rules": [
                {
                    "operation": r.operation,
                    "error500": r.error500,
                    "throttle": r.throttle,
                    "drop": r.drop,
                    "latencyMs": r.latency_ms,
                    "phase": r.phase,
                }
                for r in self.rules
            ],
            "scripted": [
                {
                    "operation": s.operation,
                    "nth": list(s.nth),
                    "status": s.status,
                    "code": s.code,
                    "message": s.message,
                    "drop": s.drop,
                    "latencyMs": s.latency_ms,
                    "phase": s.phase,
                }
                for s in self.scripted
            ],
        }


def _mapping(value: Any, where: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FaultSpecError(f"{where}: expected a mapping")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise FaultSpecError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    return value


def _list(top: Mapping[str, Any], key: str) -> list[Any]:
    value = top.get(key) or []
    if not isinstance(value, list):
        raise FaultSpecError(f"fault spec: {key} must be a list")
    return value


def _number(d: Mapping[str, Any], key: str, where: str, *, probability: bool = False) -> float:
    value = d.get(key, 0)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise FaultSpecError(f"{where}.{key}: must be a number >= 0")
    if probability and value > 1:
        raise FaultSpecError(f"{where}.{key}: a probability must be between 0 and 1")
    return float(value)


def _operation(d: Mapping[str, Any], where: str) -> str:
    op = d.get("operation")
    if not isinstance(op, str) or not op:
        raise FaultSpecError(f"{where}.operation: required (an operation name or '*')")
    return op


def _phase(d: Mapping[str, Any], where: str) -> str:
    phase = d.get("phase", "before")
    if phase not in ("before", "after"):
        raise FaultSpecError(f"{where}.phase: must be 'before' or 'after'")
    return str(phase)


def _rule(raw: Any, where: str) -> Rule:
    d = _mapping(raw, where, {"operation", "error500", "throttle", "drop", "latencyMs", "phase"})
    rule = Rule(
        operation=_operation(d, where),
        error500=_number(d, "error500", where, probability=True),
        throttle=_number(d, "throttle", where, probability=True),
        drop=_number(d, "drop", where, probability=True),
        latency_ms=_number(d, "latencyMs", where),
        phase=_phase(d, where),
    )
    if rule.error500 + rule.throttle + rule.drop > 1:
        raise FaultSpecError(f"{where}: error500 + throttle + drop must not exceed 1")
    return rule


def _scripted(raw: Any, where: str) -> Scripted:
    d = _mapping(raw, where, {"operation", "nth", "status", "code", "message", "drop", "latencyMs", "phase"})
    nth_raw = d.get("nth")
    raw_list: list[Any] = nth_raw if isinstance(nth_raw, list) else [nth_raw]
    nth = tuple(n for n in raw_list if isinstance(n, int) and not isinstance(n, bool) and n >= 1)
    if not nth or len(nth) != len(raw_list):
        raise FaultSpecError(f"{where}.nth: must be a call number >= 1 or a list of them")
    drop = d.get("drop", False)
    if not isinstance(drop, bool):
        raise FaultSpecError(f"{where}.drop: must be true or false")
    code = d.get("code")
    status = d.get("status")
    if status is None:
        status = STATUS_BY_CODE.get(code, 500) if isinstance(code, str) else 500
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise FaultSpecError(f"{where}.status: must be an HTTP error status (400-599)")
    if code is None:
        code = CODE_BY_STATUS.get(status)
        if code is None:
            raise FaultSpecError(f"{where}.code: required for status {status}")
    if not isinstance(code, str) or not code:
        raise FaultSpecError(f"{where}.code: must be an error code such as InternalServiceException")
    message = d.get("message", "Injected fault")
    operation = _operation(d, where)
    if status < 500 and code not in ANY_OPERATION_CODES:
        _check_modelled(operation, code, where)
    return Scripted(
        operation=operation,
        nth=nth,
        status=status,
        code=code,
        message=str(message),
        drop=drop,
        latency_ms=_number(d, "latencyMs", where),
        phase=_phase(d, where),
    )


def _check_modelled(operation: str, code: str, where: str) -> None:
    model = service_model()
    for name in EMULATED_OPERATIONS if operation == "*" else (operation,):
        try:
            modelled = modelled_errors(model.operation_model(name))
        except OperationNotFoundError:
            raise FaultSpecError(f"{where}.operation: {name!r} is not a Connect operation") from None
        if code not in modelled:
            raise FaultSpecError(
                f"{where}.code: {name} does not answer {code} (its modelled errors: "
                f"{', '.join(sorted(modelled))}); use one of them or a 5xx status"
            )


@dataclass(frozen=True)
class Fault:
    """What to do with one call: ``kind`` is ``none``, ``error`` or ``drop``."""

    kind: str = "none"
    status: int = 0
    code: str = ""
    message: str = ""
    phase: str = "before"
    latency_ms: float = 0.0
    reason: str = ""


NO_FAULT = Fault()


class FaultInjector:
    """Decides the fault for each call; thread-safe, reproducible per (seed, operation)."""

    def __init__(self, spec: FaultSpec | None = None) -> None:
        self.spec = spec or FaultSpec()
        self._counts: dict[str, int] = {}
        self._rngs: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    def install(self, spec: FaultSpec) -> None:
        """Replace the spec and restart call counting and the random streams."""
        with self._lock:
            self.spec = spec
            self._counts.clear()
            self._rngs.clear()

    def decide(self, operation: str) -> Fault:
        spec = self.spec
        if not spec.rules and not spec.scripted:
            return NO_FAULT
        with self._lock:
            n = self._counts.get(operation, 0) + 1
            self._counts[operation] = n
            rng = self._rngs.get(operation)
            if rng is None:
                rng = self._rngs[operation] = random.Random(f"{spec.seed}/{operation}")
            draw = rng.random()
        rule = next((r for r in spec.rules if r.operation == operation), None)
        rule = rule or next((r for r in spec.rules if r.operation == "*"), None)
        latency = rule.latency_ms if rule else 0.0
        for s in spec.scripted:
            if s.operation in (operation, "*") and n in s.nth:
                kind = "drop" if s.drop else "error"
                reason = f"scripted call {n}"
                return Fault(kind, s.status, s.code, s.message, s.phase, latency + s.latency_ms, reason)
        if rule is None:
            return NO_FAULT
        if draw < rule.error500:
            return Fault(
                "error", 500, "InternalServiceException", "Injected fault", rule.phase, latency, "error500"
            )
        if draw < rule.error500 + rule.throttle:
            return Fault(
                "error", 429, "ThrottlingException", "Rate exceeded", rule.phase, latency, "throttle"
            )
        if draw < rule.error500 + rule.throttle + rule.drop:
            return Fault("drop", 0, "", "", rule.phase, latency, "drop")
        return Fault(latency_ms=latency)
