"""Apply on merge changes what the merge changed, not drift: `--changed-since REF` (pure).

A plan compares live Connect with git, so it also wants to revert everything changed outside git:
an emergency failover done in the console, a caller ID fixed by hand. Applying that on every merge
to main would silently undo those changes. With `--changed-since REF` (the commit before the
merge), a change whose desired definition is the same at REF as now is held back as blocked, with
the reason shown in the plan; only resources whose YAML changed are written. Reverting drift stays
possible, on purpose, by applying without the flag.
"""

from __future__ import annotations

from reconciler.model import DesiredInstance, DesiredState, GroupSpec, QueueSpec
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.planner import number_steps


def _spec(instance: DesiredInstance | None, change: Change) -> GroupSpec | QueueSpec | None:
    if instance is None:
        return None
    if change.kind is Kind.TRAFFIC:
        return next((g.spec for g in instance.groups if g.key == change.key), None)
    return next((q.spec for q in instance.queues if q.key == change.key), None)


def changed_since(plan: Plan, now: DesiredState, before: DesiredState | None, ref: str) -> Plan:
    """Hold back every update whose desired definition did not change since `ref`."""
    if before is None:
        return plan
    reason = (
        f"not changed in git since {ref[:12]}: live Connect was changed outside git; "
        "apply without --changed-since to revert it"
    )

    def hold(change: Change) -> Change:
        if change.action is not Action.UPDATE:
            return change
        old = _spec(before.instance(change.instance), change)
        if old is None or old != _spec(now.instance(change.instance), change):
            return change
        return change.model_copy(update={"action": Action.BLOCKED, "reason": reason, "held": True})

    return plan.model_copy(update={"changes": number_steps([hold(c) for c in plan.changes])})
