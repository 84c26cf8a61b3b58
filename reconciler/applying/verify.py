"""Reading one resource now, judging it against a change, and reading writes back until they show.

The same three questions come up before a write (has someone else changed it?), after waiting for
a busy group (has it moved?), and after a write (does Connect show it yet?), so the rules live once:

- `verdict`: `already` when live has the planned values, `stale` when it moved away from what the
  change was planned against (only the fields the request sends are compared), None to write it.
- `read_back`: after a batch, each change is read again, in the Region that took the write, until
  it shows the planned values (bounded re-reads with backoff: Connect's reads are eventually
  consistent); one that never does is `failed`. Many queue changes of one instance are read back
  with SearchQueues pages, not one DescribeQueue each: that would cost as much quota as the writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

from reconciler.applying.journal import ChangeUnverified, ChangeVerified, Entry
from reconciler.applying.results import Outcome, Result
from reconciler.applying.settings import Settings
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError
from reconciler.planning.compare import compared_fields, distribution_values, fingerprint, queue_values
from reconciler.planning.live import LiveQueue
from reconciler.planning.plan import Change, Kind
from reconciler.planning.values import GroupValues, QueueValues
from reconciler.port import ConnectPort

BULK_READ_BACK = 10  # more queue changes than this in a batch: verify them with SearchQueues
ACTIVE = "ACTIVE"


def read_now(port: ConnectPort, change: Change, spec: InstanceSpec, region: str) -> QueueValues | GroupValues:
    """The normalised live values of the change's resource, read now in `region`."""
    if change.kind is Kind.QUEUE:
        return queue_values(port.describe_queue(spec, change.resource_id, region=region))
    distribution = port.traffic_distribution(spec, change.resource_arn, region=region)
    return distribution_values(distribution, spec.regions)


def read_anywhere(
    port: ConnectPort, change: Change, spec: InstanceSpec, first: str
) -> QueueValues | GroupValues:
    """`read_now` in `first`, or in the other Region of the pair when `first` does not answer."""
    try:
        return read_now(port, change, spec, first)
    except ConnectCallError as exc:
        if not exc.unreachable:
            raise
        other = next(r for r in spec.regions if r != first)
        return read_now(port, change, spec, other)


def verdict(change: Change, values: QueueValues | GroupValues, when: str) -> Result | None:
    """`already`, `stale` (it moved `when`: since the plan, during the apply...) or None: write it."""
    sent = change.expected.sent()
    if values.only(sent) == change.expected.only(sent):
        return Result(change, Outcome.ALREADY, "live already has the planned values")
    fields = compared_fields(change.planned_against, change.expected)
    current = values.only(fields)
    if fingerprint(current) != change.fingerprint:
        planned = change.planned_against.only(fields)
        moved = [k for k, v in current.items() if planned.get(k) != v]
        return Result(change, Outcome.STALE, f"changed {when} ({', '.join(moved)}); not overwritten")
    return None


def read_back(
    port: ConnectPort,
    specs: Mapping[str, InstanceSpec],
    written: list[Result],
    settings: Settings,
    record: Callable[[Entry], None],
) -> Iterator[Result]:
    """Each applied change once Connect shows it; `unverified` when it never does in the budget.

    Reads lag writes (AWS: typically seconds, sometimes minutes), and meanwhile may even answer
    404 or 400 for what was just written: those count as "not visible yet", as does a group that
    is still UPDATE_IN_PROGRESS. Re-reads back off (0.5 s, doubling to 8 s) until
    `settings.verify_timeout` (and `verify_attempts`, when set) runs out.
    """
    pending = [r for r in written if r.outcome is Outcome.APPLIED]
    yield from (r for r in written if r.outcome is not Outcome.APPLIED)
    deadline = settings.clock() + settings.verify_timeout
    delay, attempt = settings.verify_delay, 0
    while pending:
        attempt += 1
        still: list[Result] = []
        bulk = _bulk_queues(port, specs, pending)
        for result in pending:
            change = result.change
            seen = _seen(port, specs[change.instance], change, result.region, bulk)
            if seen is not None and seen == change.expected.only(change.expected.sent()):
                record(ChangeVerified.about(change, attempts=attempt))
                yield result
            else:
                still.append(result)
        pending = still
        left = deadline - settings.clock()
        if not pending or left <= 0 or attempt == settings.verify_attempts:
            break
        settings.sleep(min(delay, left))
        delay = min(delay * 2, 8.0)
    budget = _duration(settings.verify_timeout)
    for result in pending:
        message = (
            f"written, but Connect did not show the planned values within {budget} (its reads lag "
            "writes); run `reconciler plan` in a few minutes: no change there confirms it"
        )
        record(ChangeUnverified.about(result.change, message=message))
        yield Result(result.change, Outcome.UNVERIFIED, message, result.region)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes and rest else f"{minutes} min" if minutes else f"{rest} s"


def _bulk_queues(
    port: ConnectPort, specs: Mapping[str, InstanceSpec], pending: list[Result]
) -> dict[str, Mapping[str, LiveQueue]]:
    counts: dict[str, int] = {}
    for result in pending:
        if result.change.kind is Kind.QUEUE:
            counts[result.change.instance] = counts.get(result.change.instance, 0) + 1
    bulk: dict[str, Mapping[str, LiveQueue]] = {}
    for name, count in counts.items():
        if count > BULK_READ_BACK:
            spec = specs[name]
            with contextlib.suppress(ConnectCallError):  # fall back to one read per change
                bulk[name] = port.search_queues(spec, region=spec.region)
    return bulk


def _seen(
    port: ConnectPort,
    spec: InstanceSpec,
    change: Change,
    region: str | None,
    bulk: dict[str, Mapping[str, LiveQueue]],
) -> dict[str, object] | None:
    """What Connect shows now, read in the Region that took the write (after a failover the other
    may be down) or, when that one stops answering, in the other; None while it shows nothing."""
    known = bulk.get(change.instance, {}).get(change.resource_id)
    if known is not None:
        return queue_values(known).only(change.expected.sent())
    first = region or spec.region
    for where in (first, *(r for r in spec.regions if r != first)):
        try:
            if (
                change.kind is Kind.TRAFFIC
                and port.group_status(spec, change.resource_arn, region=where) != ACTIVE
            ):
                return None  # Connect shows a distribution only while the group is ACTIVE
            return read_now(port, change, spec, where).only(change.expected.sent())
        except ConnectCallError as exc:
            if not exc.unreachable:
                return None  # 404 or 400 for what was just written: not visible yet
    return None
