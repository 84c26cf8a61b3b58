"""Hold back what changed in Connect since a reviewer looked at it (`--reviewed PLANFILE`, pure).

A pull request is approved on the plan its reviewers saw. If someone changes one of its resources
in the console after that review, the plan made on merge plans against the new live value and
would overwrite it, with no stale verdict: the merge plan's own fingerprint is fresh. Each plan
records what it saw of every managed resource (`InstanceSummary.seen`); given the reviewed plans,
a change whose resource looked different to the reviewer than it does now is held back as blocked,
never written, with the plan it was reviewed in. Resources the reviewed plans did not see are left
to the scope (`--changed-since`) and the stale check.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.planning.compare import seen_fingerprint
from reconciler.planning.plan import Action, Change, Plan
from reconciler.planning.planner import number_steps


def hold_unreviewed(plan: Plan, reviewed: Sequence[tuple[str, Plan]]) -> Plan:
    """`plan` with each update whose resource changed since its review blocked (not held: it waits
    for a new review, it is not drift git leaves alone)."""
    saw: dict[tuple[str, str], tuple[str, str]] = {}
    for origin, other in reviewed:
        for summary in other.instances:
            for resource_id, fingerprint in summary.seen.items():
                saw[(summary.id.lower(), resource_id)] = (fingerprint, origin)
    ids = {i.name: i.id.lower() for i in plan.instances}

    def hold(change: Change) -> Change:
        if change.action is not Action.UPDATE:
            return change
        found = saw.get((ids.get(change.instance, ""), change.resource_id))
        if found is None or found[0] == seen_fingerprint(change.planned_against):
            return change
        reason = (
            f"changed in Connect since the reviewed plan {found[1]}: not overwritten; "
            "plan again and review the change"
        )
        return change.model_copy(update={"action": Action.BLOCKED, "reason": reason})

    return plan.model_copy(update={"changes": number_steps([hold(c) for c in plan.changes])})
