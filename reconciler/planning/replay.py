"""A saved plan is applied only if git and the live values it recorded imply exactly its writes.

A saved plan is a file anyone with access to the CI artifacts or the working copy can edit. Its
desired-state digest ties it to the YAML, but not its requests: an edited body, a change added for
a queue git does not mention, or a traffic change pointed at another group would otherwise be
written as the file says. So before apply writes anything, the plan is made again (pure, as
`make_plan` makes every plan) from the desired state and the live values the plan recorded
(`planned_against`), with names resolved against the instance as read now, and each write of the
saved plan must be exactly one the replay makes: same resource, ARN, request, Region, expected
values and fingerprint, in the same order. The first difference is named and nothing is written.

What this does not catch: a change removed from the plan file (that writes less than reviewed,
never something else). Resources that changed in Connect after the plan are no concern here: the
stale check reads them again before each write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.desired.state import DesiredState
from reconciler.errors import ReconcilerError
from reconciler.planning.changed_since import changed_since_each
from reconciler.planning.live import Distribution, LiveInstance, LiveState, number_identity
from reconciler.planning.plan import Action, Kind, Plan
from reconciler.planning.planner import make_plan
from reconciler.planning.values import GroupValues, QueueValues

COMPARED = (
    "kind",
    "name",
    "resource_arn",
    "key",
    "order",
    "fields",
    "request",
    "planned_against",
    "expected",
    "fingerprint",
)


class PlanMismatch(ReconcilerError):
    """A saved plan whose writes are not what git and its recorded live values imply."""


def check(
    plan: Plan,
    desired: DesiredState,
    live: LiveState,
    origin: str,
    scopes: Mapping[str, tuple[DesiredState, str]] | None = None,
) -> None:
    """Raise PlanMismatch, naming the first difference, unless `plan`'s writes replay exactly.

    `scopes` is the plan's `--changed-since` scope, when it had one: instance name -> (the desired
    state at that instance's revision, the revision).
    """
    check_instances(plan, desired, origin)
    names = {i.name for i in plan.instances}
    scoped = replace(desired, instances=tuple(i for i in desired.instances if i.name in names))
    replayed = make_plan(scoped, LiveState(tuple(_as_planned(i, plan) for i in live.instances)))
    if scopes:
        replayed = changed_since_each(replayed, scoped, scopes)
    found = {(c.instance, c.resource_id): c for c in replayed.changes}
    order = [(c.instance, c.resource_id) for c in replayed.updates]
    seen: list[tuple[str, str]] = []
    for change in plan.updates:
        where = f"{origin}: step {change.step} ({change.address})"
        twin = found.get((change.instance, change.resource_id))
        if twin is None or twin.action is not Action.UPDATE:
            raise PlanMismatch(
                f"{where}: git and the live values the plan recorded imply no write to this resource; "
                "the plan was edited or made from other files: make a new plan"
            )
        for name in COMPARED:
            path = _first_difference(_dump(getattr(change, name)), _dump(getattr(twin, name)), name)
            if path is not None:
                raise PlanMismatch(
                    f"{where}: {path} is not what git and the live values the plan recorded imply; "
                    "the plan was edited: make a new plan"
                )
        seen.append((change.instance, change.resource_id))
    if seen != [key for key in order if key in set(seen)]:
        raise PlanMismatch(f"{origin}: the order of the changes was edited: make a new plan")


def check_instances(plan: Plan, desired: DesiredState, origin: str) -> None:
    """Each instance the plan writes to is the one git defines: same ID, Regions, account, role,
    endpoints. Checked before any call: an edited plan must not even read through another role."""
    described = {i.name for i in plan.instances}
    for change in plan.changes:
        if change.instance not in described:
            raise PlanMismatch(
                f"{origin}: {change.address}: the plan does not describe instance {change.instance!r}: "
                "make a new plan"
            )
    for summary in plan.instances:
        defined = desired.instance(summary.name)
        if defined is None:
            raise PlanMismatch(f"{origin}: instance {summary.name!r} is not in the desired state")
        path = _first_difference(
            summary.spec.model_dump(mode="json"), defined.spec.model_dump(mode="json"), "spec"
        )
        if path is None and summary.id != defined.spec.instance_id:
            path = "id"
        if path is not None:
            raise PlanMismatch(
                f"{origin}: instance {summary.name!r}: {path} differs from git: make a new plan"
            )


def _as_planned(live: LiveInstance, plan: Plan) -> LiveInstance:
    """`live` with each resource the plan writes set back to the values it recorded."""
    recorded = {c.resource_id: c for c in plan.updates if c.instance == live.name}
    if not recorded:
        return live
    queues = tuple(
        _queue_as(q, recorded[q.id].planned_against) if q.id in recorded else q for q in live.queues
    )
    groups = tuple(
        _group_as(g, recorded[g.id].planned_against) if g.id in recorded and g.arn else g for g in live.groups
    )
    return replace(live, queues=queues, groups=groups)


def _queue_as(queue: Any, values: QueueValues | GroupValues) -> Any:
    if not isinstance(values, QueueValues):
        return queue
    number = values.caller_id_number
    raw = queue.caller_id_number  # as Connect returned it: keep its form when it is that number
    if number is not None and raw is not None and number_identity(raw) == number:
        number = raw
    return replace(
        queue,
        caller_id_name=values.caller_id_name,
        caller_id_number=number,
        whisper_flow_id=values.whisper_flow,
    )


def _group_as(group: Any, values: QueueValues | GroupValues) -> Any:
    if not isinstance(values, GroupValues) or values.telephony is None:
        return group
    distribution = Distribution(telephony=values.telephony, agents=values.agents, sign_in=values.sign_in)
    if not group.is_default and group.distribution is not None:
        distribution = replace(distribution, sign_in=group.distribution.sign_in)
    return replace(group, status="ACTIVE", distribution=distribution)


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, Kind):
        return value.value
    return value


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    """The path of the first place where `a` and `b` differ, or None when they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted({*a, *b}, key=str):
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return None if a == b and type(a) is type(b) else path
