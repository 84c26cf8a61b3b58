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


def read_now(port: ConnectPort, change: Change, spec: InstanceSpec, region: str) -> QueueValues | GroupValues:
    """The normalised live values of the change's resource, read now in `region`."""
    if change.kind is Kind.QUEUE:
        return queue_values(port.describe_queue(spec, change.resource_id, region=region))
    distribution = port.traffic_distribution(spec, change.resource_arn, region=region)
    return distribution_values(distribution, spec.regions)


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
    """Each applied change once Connect shows it (or failed when it never does); others as given."""
    attempts, delay, sleep = settings.verify_attempts, settings.verify_delay, settings.sleep
    pending = [r for r in written if r.outcome is Outcome.APPLIED]
    yield from (r for r in written if r.outcome is not Outcome.APPLIED)
    for attempt in range(attempts):
        still: list[Result] = []
        bulk = _bulk_queues(port, specs, pending)
        for result in pending:
            change = result.change
            try:
                seen = _seen(port, specs[change.instance], change, result.region, bulk)
            except ConnectCallError:
                seen = None
            if seen is not None and seen == change.expected.only(change.expected.sent()):
                record(ChangeVerified.about(change, attempts=attempt + 1))
                yield result
            else:
                still.append(result)
        pending = still
        if not pending:
            return
        if attempt + 1 < attempts:  # no pointless wait after the last read
            sleep(delay)
            delay = min(delay * 2, 8.0)
    for result in pending:
        message = "written, but reading it back never showed the planned values"
        record(ChangeUnverified.about(result.change, message=message))
        yield Result(result.change, Outcome.FAILED, message, result.region)


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
) -> dict[str, object]:
    """Read in the Region that took the write: after a failover the other one may be down."""
    known = bulk.get(change.instance, {}).get(change.resource_id)
    values = queue_values(known) if known else read_now(port, change, spec, region or spec.region)
    return values.only(change.expected.sent())
