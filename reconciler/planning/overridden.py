"""Break-glass failover as planning sees it (pure): the failover's own changes, and overrides held back.

A failover is planned like any apply, so it gets the applier's guarantees for free (a fresh read
before each write, a journal with restore requests that `reconciler rollback` can undo, read-back):
`failover_state` rewrites the chosen groups of the desired state to 100% of telephony and agents
in the target Region (sign-in there enabled on the default group, the other Region's sign-in kept
as it is live), in one wave with no rollout steps, and the ordinary planner does the rest.

While an override is active, git and Connect disagree on purpose. `hold_overridden` holds back a
plan's changes to the overridden groups (blocked and `held`, like `--changed-since`, so they are
no failure), and says which overrides git has adopted: every overridden group is managed and the
plan has nothing to change on it. `overridden_findings` does the same for drift reports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from dataclasses import replace

from reconciler.desired.state import DesiredGroup, DesiredInstance, DesiredState
from reconciler.errors import ReconcilerError
from reconciler.planning.drift import DriftReport, Finding, FindingKind
from reconciler.planning.live import LiveInstance
from reconciler.planning.override import Override, adopt_command
from reconciler.planning.plan import Action, Change, Kind, Plan
from reconciler.planning.planner import number_steps
from reconciler.planning.resolve import Resolver, Unresolved


def chosen_groups(instance: DesiredInstance, names: Collection[str]) -> list[DesiredGroup]:
    """The groups `--group` names (by their key in git), every managed group when none is named."""
    if not names:
        return list(instance.groups)
    by_key = {g.key: g for g in instance.groups}
    unknown = [n for n in names if n not in by_key]
    if unknown:
        known = ", ".join(sorted(by_key)) or "none"
        raise ReconcilerError(
            f"{instance.name} manages no group {', '.join(map(repr, unknown))} (its groups: {known})"
        )
    return [by_key[n] for n in dict.fromkeys(names)]


def failover_state(
    desired: DesiredState, instance: DesiredInstance, groups: list[DesiredGroup], live: LiveInstance, to: str
) -> DesiredState:
    """`desired` narrowed to `instance`'s `groups`, each moved 100% to Region `to` in one wave."""
    pair = instance.spec.regions
    if to not in pair:
        raise ReconcilerError(f"--to {to}: {instance.name} runs in {pair[0]} and {pair[1]} only")
    other = pair[1] if to == pair[0] else pair[0]
    everything = {to: 100, other: 0}
    resolver = Resolver(live)
    moved = []
    for group in groups:
        # break-glass moves at once: a group's `rollout:` steps git's changes, never this one
        update: dict[str, object] = {
            "telephony": everything,
            "agents": everything,
            "order": None,
            "rollout": None,
        }
        live_group = None
        with contextlib.suppress(Unresolved):
            live_group = resolver.group(group.key)
        if live_group is not None and live_group.is_default:
            live_sign_in = live_group.distribution.sign_in if live_group.distribution else None
            kept = {r: bool((live_sign_in or {}).get(r, r != to)) for r in pair}
            update["sign_in"] = {**kept, to: True}
            update["default"] = True
        elif live_group is not None:
            update["sign_in"] = None
        moved.append(replace(group, spec=group.spec.model_copy(update=update)))
    narrowed = replace(instance, groups=tuple(moved), queues=())
    return replace(desired, instances=(narrowed,))


def one_wave(plan: Plan) -> Plan:
    """Every change of the failover in one batch: no rollout steps, groups side by side."""
    return plan.model_copy(
        update={
            "changes": number_steps(
                [c.model_copy(update={"order": 0, "rollout": None}) for c in plan.changes]
            )
        }
    )


def held_reason(override: Override) -> str:
    return f"overridden by failover: {override.reason}; adopt or clear"


def hold_overridden(plan: Plan, overrides: Mapping[str, Override]) -> tuple[Plan, list[str]]:
    """The plan with changes to overridden groups held back; the instances whose override git has
    adopted (every overridden group managed, read, and without a change)."""
    if not overrides:
        return plan, []
    touched = {(c.instance, c.resource_id) for c in plan.changes}
    adopted = [
        name
        for name, override in overrides.items()
        if (summary := next((i for i in plan.instances if i.name == name), None)) is not None
        and all(g.id in summary.seen and (name, g.id) not in touched for g in override.groups)
    ]

    def hold(change: Change) -> Change:
        override = overrides.get(change.instance)
        if (
            override is None
            or change.kind is not Kind.TRAFFIC
            or change.resource_id not in override.group_ids
        ):
            return change
        return change.model_copy(
            update={"action": Action.BLOCKED, "reason": held_reason(override), "held": True}
        )

    return plan.model_copy(update={"changes": number_steps([hold(c) for c in plan.changes])}), adopted


def overridden_findings(report: DriftReport, overrides: Mapping[str, Override]) -> DriftReport:
    """Differences on overridden groups reported as `overridden`, with who, when, why and the
    command that adopts them; other differences stay as they are."""
    if not overrides:
        return report
    findings: list[Finding] = []
    for found in report.findings:
        finding = found
        override = overrides.get(finding.instance)
        names = {g.name for g in override.groups} if override else set()
        if (
            override is not None
            and finding.finding is FindingKind.DIFFERS
            and finding.kind is Kind.TRAFFIC
            and finding.name in names
        ):
            finding = finding.model_copy(
                update={
                    "finding": FindingKind.OVERRIDDEN,
                    "labels": (),
                    "message": f"{override.describe()}; adopt it with: {adopt_command(override.instance)}",
                }
            )
        findings.append(finding)
    rank = {kind: index for index, kind in enumerate(FindingKind)}
    findings.sort(key=lambda f: (f.instance, rank[f.finding], f.kind.value, f.name))
    notes = report.notes + tuple(
        f"{name}: overridden ({o.describe()}); adopt it with: {adopt_command(name)}"
        for name, o in overrides.items()
    )
    return report.model_copy(update={"findings": tuple(findings), "notes": notes})
