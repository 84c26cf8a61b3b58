"""plan(desired, live) -> Plan: pure, no I/O, so the same inputs always give the same plan.

Both sides are normalised before they are compared, so that a plan straight after an apply is
empty: phone numbers are compared by identity (ID vs ARN), distributions as Region -> value maps
(order does not matter, a Region left out counts as 0%), and a field the user did not set is not
compared at all. A cheap `==` settles flat fields and unchanged resources; deepdiff judges nested
values (distributions) ignoring order, which keeps a 50,000-queue plan fast.

Requests carry every field (desired over live) because Connect does not document whether omitted
fields are kept or cleared. Phone numbers are sent as the ARN without `instance/`, which works from
either Region; traffic distributions are sent, by group ARN, to the Region that will handle most
of the traffic after the change, as AWS advises.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from reconciler.desired.diagnostics import Diagnostic, LoadError
from reconciler.desired.state import DesiredGroup, DesiredInstance, DesiredQueue, DesiredState, Source
from reconciler.planning import blocked
from reconciler.planning.calls import queue_request, traffic_request
from reconciler.planning.compare import (
    changed_fields,
    group_values,
    planned_fingerprint,
    queue_values,
)
from reconciler.planning.live import LiveGroup, LiveInstance, LiveQueue, LiveState, number_identity
from reconciler.planning.plan import Action, Change, FieldChange, InstanceSummary, Kind, Plan
from reconciler.planning.resolve import Resolver, Unresolved
from reconciler.planning.risks import group_risks, sign_in_after
from reconciler.planning.rollout import plan_rollout
from reconciler.planning.values import GroupValues, QueueValues

_KIND_RANK = {Kind.TRAFFIC: 0, Kind.QUEUE: 1}


def make_plan(desired: DesiredState, live: LiveState) -> Plan:
    """The plan that would make `live` equal `desired`; raises LoadError for unresolvable references."""
    problems: list[Diagnostic] = []
    changes: list[Change] = []
    summaries: list[InstanceSummary] = []
    for instance in desired.instances:
        live_instance = live.instance(instance.name)
        if live_instance is None:
            continue
        planned, unchanged, seen = _plan_instance(instance, live_instance, problems)
        changes.extend(planned)
        managed = len(instance.groups) + len(instance.queues)
        summaries.append(
            InstanceSummary(
                name=instance.name,
                id=live_instance.id,
                region=live_instance.region,
                replica_region=live_instance.replica_region,
                account=live_instance.account,
                managed=managed,
                unchanged=unchanged,
                read_calls=live_instance.calls,
                spec=instance.spec,
                read_region=live_instance.read_region or live_instance.region,
                seen=seen,
            )
        )
    if problems:
        raise LoadError(problems)
    return Plan(desired_digest=desired.digest, instances=tuple(summaries), changes=number_steps(changes))


def number_steps(changes: list[Change]) -> tuple[Change, ...]:
    """Sort into apply order and number the changes that will be applied (blocked ones get none)."""
    ordered = sorted(changes, key=lambda c: (c.instance, c.order, _KIND_RANK[c.kind], c.name, c.resource_id))
    step = 0
    result = []
    for change in ordered:
        if change.action is Action.UPDATE:
            step += 1
            result.append(change.model_copy(update={"step": step}))
        else:
            result.append(change.model_copy(update={"step": None}))
    return tuple(result)


def _plan_instance(
    instance: DesiredInstance, live: LiveInstance, problems: list[Diagnostic]
) -> tuple[list[Change], int, dict[str, str]]:
    resolver = Resolver(live)
    changes: list[Change] = []
    unchanged = 0
    resolved_groups: list[tuple[DesiredGroup, LiveGroup]] = []
    for group in instance.groups:
        try:
            resolved_groups.append((group, resolver.group(group.key)))
        except Unresolved as exc:
            if live.read_region and live.read_region != live.region:
                changes.append(blocked.unseen_group(instance, group, live))  # an outage, not a missing group
            else:
                problems.append(_problem(group.source, GROUPS, group.key, "", str(exc), "missing"))
    queues = [(q, _live_queue(q, resolver)) for q in instance.queues]
    twice = _defined_twice(resolved_groups, queues)
    problems.extend(twice)
    # A resource defined twice is planned once, from its first definition: two changes to one
    # resource would write it twice, and a report would count it twice.
    again = {(d.section, d.key) for d in twice}
    resolved_groups = [(g, lg) for g, lg in resolved_groups if (GROUPS, g.key) not in again]
    queues = [(q, lq) for q, lq in queues if (QUEUES, q.key) not in again]
    sign_in = sign_in_after(resolved_groups, live)
    planners: list[Callable[[], Change | None]] = [
        functools.partial(_group_change, instance, g, lg, live, sign_in) for g, lg in resolved_groups
    ]
    planners += [functools.partial(_queue_change, instance, q, lq, resolver) for q, lq in queues]
    for plan_one in planners:
        try:
            change = plan_one()
        except _Failed as exc:
            problems.extend(exc.problems)
            continue
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    return changes, unchanged, blocked.seen(resolved_groups, queues, live)


def _live_queue(queue: DesiredQueue, resolver: Resolver) -> LiveQueue | Diagnostic:
    """The live queue a desired key names, or the problem to report when it names none."""
    try:
        return resolver.queue(queue.key)
    except Unresolved as exc:
        return _problem(queue.source, QUEUES, queue.key, "", str(exc), "missing")


def _defined_twice(
    groups: list[tuple[DesiredGroup, LiveGroup]], queues: list[tuple[DesiredQueue, LiveQueue | Diagnostic]]
) -> list[Diagnostic]:
    """Two keys naming one resource (its name and its ID, say) would plan two writes to it."""
    keyed = [(GROUPS, "traffic distribution group", g.key, g.source, lg.id) for g, lg in groups]
    keyed += [
        (QUEUES, "queue", q.key, q.source, lq.id)
        for q, lq in queues
        if isinstance(lq, LiveQueue)  # an unresolved key is reported when its queue is planned
    ]
    first: dict[str, tuple[str, Source]] = {}
    found = []
    for section, what, key, source, resource_id in keyed:
        if resource_id in first:
            other, at = first[resource_id]
            message = f"names the same {what} as {other!r} at {at}; define it once"
            found.append(_problem(source, section, key, "", message, "duplicate"))
        else:
            first[resource_id] = (key, source)
    return found


class _Failed(Exception):
    """A resource that cannot be planned; its problems are reported together with all others."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        super().__init__()
        self.problems = problems


GROUPS, QUEUES = "trafficDistributionGroups", "queues"


def _problem(source: Source, section: str, key: str, field: str, message: str, code: str) -> Diagnostic:
    path = ".".join(p for p in (section, key, field) if p)
    return Diagnostic(
        source.file, source.line, path, message, section=section, key=key, field=field, code=code
    )


# --- traffic distribution groups ----------------------------------------------------------------


def _group_change(
    instance: DesiredInstance,
    group: DesiredGroup,
    live_group: LiveGroup,
    live: LiveInstance,
    sign_in_after: dict[str, bool] | None,
) -> Change | None:
    spec = group.spec
    if spec.default and not live_group.is_default:
        actual = next((g.name for g in live.groups if g.is_default), None)
        which = f"the default group is {actual!r}" if actual else "the instance has no default group"
        raise _Failed(
            [
                _problem(
                    group.at("default"),
                    GROUPS,
                    group.key,
                    "default",
                    f"marked default, but in Connect {which}",
                    "unresolved",
                )
            ]
        )
    pair = instance.spec.regions
    live_values = group_values(live_group, pair)
    before = live_values.as_dict()
    managed: dict[str, Any] = {"telephony": dict(sorted(spec.telephony.items())) if spec.telephony else None}
    if spec.agents is not None:
        managed["agents"] = dict(sorted(spec.agents.items()))
    if spec.sign_in is not None:
        managed["signIn"] = dict(sorted(spec.sign_in.items()))
    fields = changed_fields(before, managed)
    if not fields:
        return None
    after = {**before, **managed}
    if not live_group.is_default:
        after["signIn"] = before["signIn"] = None  # sign-in is configured on the default group only
    expected = GroupValues.model_validate(after)
    planned_against = GroupValues.model_validate(before)
    risks, warnings = group_risks(
        before,
        after=after,
        fields=fields,
        agents_unmanaged=spec.agents is None,
        sign_in_after=sign_in_after,
        live_group=live_group,
    )
    blocked = live_group.status != "ACTIVE"
    rollout = (
        plan_rollout(spec.rollout, planned_against, expected, pair, live_group.arn) if spec.rollout else None
    )
    return Change(
        step=None,
        instance=instance.name,
        kind=Kind.TRAFFIC,
        name=live_group.name,
        resource_id=live_group.id,
        resource_arn=live_group.arn,
        action=Action.BLOCKED if blocked else Action.UPDATE,
        fields=tuple(FieldChange(field=f, before=before.get(f), after=after[f]) for f in fields),
        request=traffic_request(live_group.arn, expected, pair),
        fingerprint=planned_fingerprint(planned_against, expected),
        planned_against=planned_against,
        expected=expected,
        risks=risks,
        warnings=warnings,
        reason=f"group is {live_group.status}; Connect only changes ACTIVE groups" if blocked else None,
        source=str(group.source),
        key=group.key,
        order=spec.order or 0,
        rollout=rollout,
    )


def _queue_change(
    instance: DesiredInstance, queue: DesiredQueue, live_queue: LiveQueue | Diagnostic, resolver: Resolver
) -> Change | None:
    spec = queue.spec
    if isinstance(live_queue, Diagnostic):
        raise _Failed([live_queue])
    managed: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    if spec.caller_id_name is not None:
        managed["callerIdName"] = spec.caller_id_name
    if spec.caller_id_number is not None:
        try:
            managed["callerIdNumber"] = number_identity(resolver.number(spec.caller_id_number).id)
        except Unresolved as exc:
            problems.append(
                _problem(
                    queue.at("callerIdNumber"), QUEUES, queue.key, "callerIdNumber", str(exc), "unresolved"
                )
            )
    if spec.whisper_flow is not None:
        try:
            managed["whisperFlow"] = resolver.flow(spec.whisper_flow).id
        except Unresolved as exc:
            problems.append(
                _problem(queue.at("whisperFlow"), QUEUES, queue.key, "whisperFlow", str(exc), "unresolved")
            )
    live = resolver.live
    if problems and live.read_region and live.read_region != live.region:
        # Read from the replica while the source is down: some references are listed in the source
        # Region only (numbers claimed to the instance). Not a mistake in git: this queue waits.
        reason = f"read from {live.read_region} ({live.region} does not answer), where " + "; ".join(
            p.message for p in problems
        )
        return blocked.blocked_queue(instance, queue, live_queue, reason)
    if problems:
        raise _Failed(problems)
    live_values = queue_values(live_queue)
    before = live_values.as_dict()
    fields = changed_fields(before, managed)
    if not fields:
        return None
    expected = QueueValues.model_validate({**before, **managed})
    request, warnings = queue_request(resolver.live, live_queue.id, expected, live_queue.caller_id_number)
    return Change(
        step=None,
        instance=instance.name,
        kind=Kind.QUEUE,
        name=live_queue.name,
        resource_id=live_queue.id,
        resource_arn=live_queue.arn,
        action=Action.UPDATE,
        fields=tuple(
            FieldChange(
                field=f,
                before=_shown(f, before[f], resolver),
                after=_shown(f, expected.get(f), resolver),
            )
            for f in fields
        ),
        request=request,
        fingerprint=planned_fingerprint(live_values, expected),
        planned_against=live_values,
        expected=expected,
        warnings=tuple(warnings),
        source=str(queue.source),
        key=queue.key,
        order=spec.order or 0,
    )


def _shown(field: str, value: Any, resolver: Resolver) -> Any:
    """How a reviewer reads a value: E.164 for numbers, names for flows."""
    if value is None:
        return None
    if field == "callerIdNumber":
        number = resolver.live.numbers_by_identity.get(value)
        return number.number if number else value
    if field == "whisperFlow":
        flow = resolver.live.flows_by_id.get(value)
        return flow.name if flow else value
    return value


def plan_instance(
    instance: DesiredInstance, live: LiveInstance
) -> tuple[list[Change], int, list[Diagnostic]]:
    """One instance's changes, unchanged count and problems, without raising (for drift reports)."""
    problems: list[Diagnostic] = []
    changes, unchanged, _ = _plan_instance(instance, live, problems)
    return changes, unchanged, problems
