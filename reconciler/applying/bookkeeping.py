"""The applier's bookkeeping: the journal's header, restore requests, results reported in order.

Kept apart so that `applier.py` reads as the rules of an apply and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.applying.journal import ApplyStarted
from reconciler.applying.results import Result
from reconciler.desired.model import InstanceSpec
from reconciler.planning.calls import queue_request, traffic_request
from reconciler.planning.live import LiveInstance
from reconciler.planning.plan import ApiRequest, Change, Plan
from reconciler.planning.values import GroupValues, QueueValues


class InOrder:
    """Results of a batch, passed on in the batch's order as soon as every earlier one is in."""

    def __init__(self, size: int, emit: Callable[[Result], Result]) -> None:
        self._results: list[Result | None] = [None] * size
        self._next = 0
        self._emit = emit

    def put(self, index: int, result: Result) -> None:
        self._results[index] = result
        while self._next < len(self._results) and (ready := self._results[self._next]) is not None:
            self._results[self._next] = self._emit(ready)
            self._next += 1

    def results(self) -> list[Result]:
        assert all(r is not None for r in self._results)
        return [r for r in self._results if r is not None]


def restore_request(change: Change, live: LiveInstance) -> ApiRequest | None:
    """The request that puts back the values this change replaces (for rollback)."""
    return restore_for(change.planned_against, change.resource_id, change.resource_arn, live)


def restore_for(
    before: QueueValues | GroupValues, resource_id: str, resource_arn: str, live: LiveInstance
) -> ApiRequest | None:
    """The request that puts `before` back on a resource: what apply journals, and what rollback
    derives again from a journal's values to refuse a restore request edited to write elsewhere."""
    if isinstance(before, QueueValues):
        queue = live.queues_by_id.get(resource_id)
        raw = queue.caller_id_number if queue else None
        return queue_request(live, resource_id, before, raw)[0]
    if before.telephony is None:
        return None
    return traffic_request(resource_arn, before, (live.region, live.replica_region))


def header(plan: Plan, specs: dict[str, InstanceSpec], dry_run: bool, operation: str) -> ApplyStarted:
    names = sorted({c.instance for c in plan.changes})
    return ApplyStarted(
        operation=operation,
        desired_digest=plan.desired_digest,
        plan_created_at=plan.meta.created_at if plan.meta else None,
        git_commit=plan.meta.git_commit if plan.meta else None,
        changes=len(plan.changes),
        dry_run=dry_run,
        instances=tuple(specs[n] for n in names if n in specs),
    )
