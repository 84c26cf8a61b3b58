"""Apply on merge changes what the merge changed, not drift: `--changed-since REF` (pure).

A plan compares live Connect with git, so it also wants to revert everything changed outside git:
an emergency failover done in the console, a caller ID fixed by hand. Applying that on every merge
to main would silently undo those changes. With `--changed-since REF` (the commit before the
merge), a change whose desired definition is the same at REF as now is held back as blocked, with
the reason shown in the plan; only resources whose YAML changed are written. Reverting drift stays
possible, on purpose, by applying without the flag.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.desired.model import GroupSpec, QueueSpec
from reconciler.desired.state import DesiredState
from reconciler.planning.plan import Action, Change, Kind, Plan
from reconciler.planning.planner import number_steps


def _specs(state: DesiredState) -> dict[tuple[str, Kind, str], GroupSpec | QueueSpec]:
    """Every definition by (instance ID, kind, key): one lookup per change, not a scan. Instances
    are matched by ID, not name, so renaming an instance does not make all of it "changed"."""
    found: dict[tuple[str, Kind, str], GroupSpec | QueueSpec] = {}
    for instance in state.instances:
        iid = instance.spec.instance_id.lower()
        found.update(((iid, Kind.TRAFFIC, g.key), g.spec) for g in instance.groups)
        found.update(((iid, Kind.QUEUE, q.key), q.spec) for q in instance.queues)
    return found


def changed_since(plan: Plan, now: DesiredState, before: DesiredState | None, ref: str) -> Plan:
    """Hold back every update whose desired definition did not change since `ref`."""
    if before is None:
        return plan
    return changed_since_each(plan, now, {i.name: (before, ref) for i in plan.instances})


def changed_since_each(plan: Plan, now: DesiredState, scopes: Mapping[str, tuple[DesiredState, str]]) -> Plan:
    """Each instance's updates held back unless its YAML changed since that instance's revision
    (`scopes`: instance name -> (desired state at the revision, the revision)). Instances without
    a scope are left as they are."""
    ids = {i.name: i.spec.instance_id.lower() for i in now.instances}
    new_specs = _specs(now)
    old_specs = {ref: _specs(before) for before, ref in scopes.values()}

    def hold(change: Change) -> Change:
        scope = scopes.get(change.instance)
        if change.action is not Action.UPDATE or scope is None:
            return change
        ref = scope[1]
        address = (ids.get(change.instance, change.instance), change.kind, change.key)
        old = old_specs[ref].get(address)
        if old is None or old != new_specs.get(address):
            return change
        reason = (
            f"not changed in git since {ref[:12]}: live Connect was changed outside git; "
            "apply without --changed-since to revert it"
        )
        return change.model_copy(update={"action": Action.BLOCKED, "reason": reason, "held": True})

    return plan.model_copy(update={"changes": number_steps([hold(c) for c in plan.changes])})
