"""Normalised values of live resources: what plans compare, fingerprint, verify and restore.

The same normalisation serves four purposes, so it lives in one place: the planner diffs desired
against it, apply re-reads it to refuse stale changes and to verify its writes, and rollback builds
its requests from it. Numbers are compared by identity (an ID and an ARN of the same number are
equal) and distributions as Region -> value maps with missing percentages counted as 0.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.planning.live import Distribution, LiveGroup, LiveInstance, LiveQueue, number_identity
from reconciler.planning.plan import Change, Kind
from reconciler.planning.values import GroupValues, QueueValues


def fingerprint(values: dict[str, Any]) -> str:
    """A short stable digest of normalised live values: apply compares it with a fresh read."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level keys of `after` whose value differs from `before`.

    A plain `==` settles text, numbers and None (and every key of an unchanged resource, the
    common case); deepdiff, ignoring order, judges only the nested values that `==` finds unequal.
    Running deepdiff on every changed queue was the largest cost of a 50,000-queue plan.
    """
    unequal = [k for k, v in after.items() if before.get(k) != v]
    nested = [k for k in unequal if isinstance(after[k], _NESTED) or isinstance(before.get(k), _NESTED)]
    if not nested:
        return unequal
    from deepdiff import DeepDiff  # only plans with a changed distribution pay for its import (50 ms)

    diff = DeepDiff(
        {k: before.get(k) for k in nested}, {k: after[k] for k in nested}, ignore_order=True, view="tree"
    )
    differ = {str(node.path(output_format="list")[0]) for nodes in diff.values() for node in nodes}
    return [k for k in unequal if k not in nested or k in differ]


_NESTED = (dict, list, tuple, set)


def _fill(values: dict[str, Any] | None, regions: tuple[str, str], missing: Any) -> dict[str, Any] | None:
    if values is None:
        return None
    return {r: values.get(r, missing) for r in sorted({*regions, *values})}


def distribution_values(dist: Distribution | None, pair: tuple[str, str]) -> GroupValues:
    """A distribution as normalised values (all None when it could not be read)."""
    if dist is None:
        return GroupValues()
    return GroupValues(
        telephony=_fill(dist.telephony, pair, 0),
        agents=_fill(dist.agents, pair, 0),
        sign_in=dict(sorted(dist.sign_in.items())) if dist.sign_in is not None else None,
    )


def group_values(live_group: LiveGroup, pair: tuple[str, str]) -> GroupValues:
    return distribution_values(live_group.distribution, pair)


def queue_values(queue: LiveQueue) -> QueueValues:
    """A live queue's caller config, normalised for comparison (numbers by identity)."""
    number = queue.caller_id_number
    return QueueValues(
        caller_id_name=queue.caller_id_name,
        caller_id_number=number_identity(number) if number else None,
        whisper_flow=queue.whisper_flow_id,
    )


def live_values(change: Change, live: LiveInstance) -> QueueValues | GroupValues | None:
    """The normalised live values of `change`'s resource in a snapshot; None when it is gone."""
    if change.kind is Kind.QUEUE:
        queue = live.queues_by_id.get(change.resource_id)
        return None if queue is None else queue_values(queue)
    group = live.groups_by_id.get(change.resource_id)
    return None if group is None else group_values(group, (live.region, live.replica_region))


def seen_fingerprint(values: QueueValues | GroupValues) -> str:
    """The fingerprint of all of a resource's normalised live values (what a reviewer saw)."""
    return fingerprint(values.as_dict())


def compared_fields(
    planned_against: QueueValues | GroupValues, expected: QueueValues | GroupValues
) -> tuple[str, ...]:
    """The fields whose live values a change depends on: those it sets and those it replaces."""
    fields = {*expected.sent(), *planned_against.sent()}
    return tuple(f for f in expected.FIELDS if f in fields)


def planned_fingerprint(
    planned_against: QueueValues | GroupValues, expected: QueueValues | GroupValues
) -> str:
    """The fingerprint of the live values a change replaces: apply refuses to write over others."""
    return fingerprint(planned_against.only(compared_fields(planned_against, expected)))
