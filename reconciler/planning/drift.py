"""Drift: how the live state differs from git, classified for the scheduled drift check (pure).

Findings, per managed resource:
- `changed`: a managed field was changed outside git (live vs desired, per field);
- `missing`: git names a queue or group that no longer exists in Connect;
- `unresolved`: git references a flow or phone number that no longer resolves;
- `duplicate`: git names one live resource twice (by name and by ID, say); it is compared once;
- `unmanaged` (only when asked): live queues and groups that git does not mention.
A traffic distribution that moved to 0% or 100% of a Region outside git, as an emergency failover
does, carries the `failover` label; the drift check only reports, it never reverts anything.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.state import DesiredState
from reconciler.planning.live import LiveGroup, LiveQueue, LiveState
from reconciler.planning.plan import Change, FieldChange, Kind
from reconciler.planning.planner import plan_instance
from reconciler.planning.resolve import Resolver, Unresolved

FORMAT_VERSION = 1


class FindingKind(StrEnum):
    CHANGED = "changed"
    MISSING = "missing"
    UNRESOLVED = "unresolved"
    DUPLICATE = "duplicate"
    UNMANAGED = "unmanaged"


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: str
    kind: Kind
    name: str
    finding: FindingKind
    fields: tuple[FieldChange, ...] = ()  # before = live, after = desired
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
        findings.extend(_changed(c) for c in changes)
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
        FindingKind.CHANGED: 0,
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


def _changed(change: Change) -> Finding:
    labels = [r.value for r in change.risks if r.value != "failover"]
    if change.kind is Kind.TRAFFIC and _looks_like_failover(change):
        labels.insert(0, "failover")
    if change.reason:
        labels.append("blocked")
    return Finding(
        instance=change.instance,
        kind=change.kind,
        name=change.name,
        finding=FindingKind.CHANGED,
        fields=change.fields,
        labels=tuple(labels),
        message=change.reason or "",
        source=change.source,
    )


def _looks_like_failover(change: Change) -> bool:
    """Live telephony puts a Region at 0% or 100% where git does not: an emergency failover."""
    for field in change.fields:
        if field.field == "telephony" and isinstance(field.before, dict) and isinstance(field.after, dict):
            return any(pct in (0, 100) and field.after.get(r) != pct for r, pct in field.before.items())
    return False


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
