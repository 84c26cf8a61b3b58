"""Drift: how the live state differs from git, classified for the scheduled drift check (pure).

Findings, per managed resource:
- `differs`: a managed field's live value differs from git (per field: live, desired). The words
  are neutral on purpose: the difference may be a change made in the console, or a merge that was
  never applied, and the report cannot tell which;
- `overridden`: a group a break-glass failover moved (`reconciler failover`), with who, when and
  why, and the command that adopts it into git (`reconciler.planning.overridden`);
- `missing`: git names a queue or group that no longer exists in Connect;
- `unresolved`: git references a flow or phone number that no longer resolves;
- `duplicate`: git names one live resource twice (by name and by ID, say); it is compared once;
- `unmanaged` (only when asked): live queues and groups that git does not mention.
A difference carries the risk labels the plan gives it (`traffic-shift`, `failover`...), computed
by the planner from live to desired: they say what applying git would do. A difference the plan
could not make now (a group that is not ACTIVE) is also labelled `blocked`. The drift check only
reports; it never changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.state import DesiredState
from reconciler.planning.live import LiveGroup, LiveQueue, LiveState
from reconciler.planning.plan import Change, Kind
from reconciler.planning.planner import plan_instance
from reconciler.planning.resolve import Resolver, Unresolved

FORMAT_VERSION = 2


class FindingKind(StrEnum):
    DIFFERS = "differs"
    OVERRIDDEN = "overridden"  # differs on purpose: a break-glass failover git has not adopted yet
    MISSING = "missing"
    UNRESOLVED = "unresolved"
    DUPLICATE = "duplicate"
    UNMANAGED = "unmanaged"


class FieldDifference(BaseModel):
    """One managed field: its value in Connect and the value git asks for (as shown in plans)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    live: Any
    desired: Any


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: str
    kind: Kind
    name: str
    finding: FindingKind
    fields: tuple[FieldDifference, ...] = ()
    labels: tuple[str, ...] = ()
    message: str = ""
    source: str = ""

    @property
    def address(self) -> str:
        return f"{self.instance}/{self.kind.value}/{self.name}"


class DriftReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    instances: tuple[str, ...]
    managed: int
    findings: tuple[Finding, ...]
    include_unmanaged: bool = False
    notes: tuple[str, ...] = ()  # e.g. an instance read from its replica: its Region did not answer

    @property
    def has_drift(self) -> bool:
        return bool(self.findings)


def drift(desired: DesiredState, live: LiveState, *, include_unmanaged: bool = False) -> DriftReport:
    findings: list[Finding] = []
    managed = 0
    for instance in desired.instances:
        live_instance = live.instance(instance.name)
        if live_instance is None:
            continue
        managed += len(instance.groups) + len(instance.queues)
        changes, _, problems = plan_instance(instance, live_instance)
        findings.extend(_differs(c) for c in changes)
        findings.extend(_problem(instance.name, p) for p in problems)
        if include_unmanaged:
            resolver = Resolver(live_instance)
            known_queues = _resolved_ids(resolver.queue, [q.key for q in instance.queues])
            known_groups = _resolved_ids(resolver.group, [g.key for g in instance.groups])
            findings.extend(
                Finding(instance=instance.name, kind=Kind.QUEUE, name=q.name, finding=FindingKind.UNMANAGED)
                for q in live_instance.queues
                if q.id not in known_queues
            )
            findings.extend(
                Finding(instance=instance.name, kind=Kind.TRAFFIC, name=g.name, finding=FindingKind.UNMANAGED)
                for g in live_instance.groups
                if g.id not in known_groups
            )
    order = {
        FindingKind.DIFFERS: 0,
        FindingKind.OVERRIDDEN: 0,
        FindingKind.MISSING: 1,
        FindingKind.UNRESOLVED: 2,
        FindingKind.DUPLICATE: 3,
        FindingKind.UNMANAGED: 4,
    }
    findings.sort(key=lambda f: (f.instance, order[f.finding], f.kind.value, f.name))
    notes = tuple(
        f"{i.name}: {i.region} unreachable; read from the replica in {i.read_region}"
        for i in live.instances
        if i.read_region and i.read_region != i.region
    )
    return DriftReport(
        instances=tuple(i.name for i in desired.instances),
        managed=managed,
        findings=tuple(findings),
        include_unmanaged=include_unmanaged,
        notes=notes,
    )


def _resolved_ids(lookup: Callable[[str], LiveQueue | LiveGroup], keys: list[str]) -> set[str]:
    ids = set()
    for key in keys:
        try:
            ids.add(lookup(key).id)
        except Unresolved:
            continue
    return ids


def _differs(change: Change) -> Finding:
    """The plan's change for a resource, read as a difference: same fields, same risk labels."""
    labels = [r.value for r in change.risks]
    if change.reason:
        labels.append("blocked")
    return Finding(
        instance=change.instance,
        kind=change.kind,
        name=change.name,
        finding=FindingKind.DIFFERS,
        fields=tuple(FieldDifference(field=f.field, live=f.before, desired=f.after) for f in change.fields),
        labels=tuple(labels),
        message=change.reason or "",
        source=change.source,
    )


def _problem(instance: str, problem: Diagnostic) -> Finding:
    kind = Kind.TRAFFIC if problem.section == "trafficDistributionGroups" else Kind.QUEUE
    return Finding(
        instance=instance,
        kind=kind,
        name=problem.key,
        finding=FindingKind(problem.code),
        message=problem.message,
        source=f"{problem.file}:{problem.line}",
    )
