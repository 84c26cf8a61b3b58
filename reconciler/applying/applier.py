"""Execute a plan: refresh, refuse stale changes, write in order, journal, verify by reading back.

The rules, in the order apply meets them:
1. Right before writing, the live values of every resource in the plan are read again (the same
   few calls as the planner). A change whose live values no longer match the fingerprint it was
   planned against is skipped as `stale`: someone else changed it, and it is never overwritten.
   One whose live values already equal the plan's result counts as `already` (a re-run converges).
   Once that read is older than `recheck_after` (a long apply: 2 writes/s is 40 minutes for 5,000
   queues), each resource is read again on its own right before its write, and the same rules
   apply: a change made by someone else during the apply is not overwritten either. Those reads
   use DescribeQueue and GetTrafficDistribution, whose quotas are not the writes' own.
2. Changes run in the plan's order, in batches of consecutive steps of the same instance, wave and
   kind: batches one after another, the changes of a batch side by side within the rate limiter.
3. Each write is journalled before it is sent and after it returns. A group that is not ACTIVE, or
   answers ResourceConflictException, is waited for up to `wait_timeout`, then read again: someone
   else was changing it, so if its values moved the change is `stale`. A traffic write whose
   Region cannot be reached after retries is sent to the other Region of the pair.
4. After a batch, each change is read back, in the Region that took the write, until it shows the
   planned values (bounded re-reads for eventual consistency); one that does not converge is `failed`.
   Many queue changes are read back with SearchQueues pages, not one DescribeQueue each.
One failure does not stop independent changes unless `fail_fast` is set.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from typing import Any

from reconciler.applying.journal import Journal
from reconciler.connect import ClientFactory, ConnectCallError, writes
from reconciler.connect.clients import Target
from reconciler.connect.reads import read_queues, target_of
from reconciler.desired.model import InstanceSpec
from reconciler.planning.calls import queue_request, traffic_request
from reconciler.planning.compare import fingerprint, group_values, live_values, queue_values
from reconciler.planning.live import LiveGroup, LiveInstance, LiveQueue, LiveState
from reconciler.planning.plan import Action, ApiRequest, Change, Kind, Plan

WRITE_WORKERS = 5
BULK_READ_BACK = 10  # more queue changes than this in a batch: verify them with SearchQueues


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY = "already"  # live already had the planned values: nothing to write
    FAILED = "failed"
    STALE = "stale"  # live changed since the plan: not overwritten
    SKIPPED = "skipped"  # blocked at plan time, or not attempted after --fail-fast
    WOULD_APPLY = "would-apply"  # dry run


@dataclass(frozen=True)
class Result:
    change: Change
    outcome: Outcome
    message: str = ""
    region: str | None = None


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    journal: str | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        """True when everything asked for was done: nothing failed, stale, blocked or not attempted.

        Changes held back by --changed-since (reverts of changes made outside git) do not count.
        """
        bad = (Outcome.FAILED, Outcome.STALE, Outcome.SKIPPED)
        return not any(r.outcome in bad and not r.change.held for r in self.results)


@dataclass
class Settings:
    fail_fast: bool = False
    dry_run: bool = False
    wait_timeout: float = 300.0
    poll_interval: float = 2.0
    verify_attempts: int = 6
    verify_delay: float = 0.5
    recheck_after: float = 30.0  # seconds: an older refresh is re-read per resource before writing
    sleep: Callable[[float], None] = time.sleep
    on_result: Callable[[Result, int, int], None] = field(default=lambda r, i, n: None)


Reader = Callable[[tuple[InstanceSpec, ...]], LiveState]


class Applier:
    """Runs one plan against live Connect, recording everything in `journal`."""

    def __init__(
        self,
        factory: ClientFactory,
        specs: dict[str, InstanceSpec],
        read: Reader,
        journal: Journal | None,
        settings: Settings | None = None,
    ) -> None:
        self.factory = factory
        self.specs = specs
        self.read = read
        self.journal = journal
        self.settings = settings or Settings()
        self._done = 0
        self._total = 0
        self._read_at = 0.0  # when the refresh was read (time.monotonic)
        self._started: set[tuple[str, str]] = set()  # changes journalled as change-started

    def run(self, plan: Plan) -> Report:
        missing = sorted({c.instance for c in plan.changes} - self.specs.keys())
        if missing:
            raise ConnectCallError(
                f"the plan names instances that are not in the desired state: {', '.join(missing)}",
                operation="apply",
                region="-",
                code="UnknownInstance",
                status=None,
                retryable=False,
            )
        self._total = len(plan.changes)
        self._journal("apply-started", **_header(plan, self.specs, self.settings.dry_run))
        live = self.read(tuple(self.specs[name] for name in sorted({c.instance for c in plan.changes})))
        self._read_at = time.monotonic()
        results: list[Result] = []
        failed = False
        for _, batch_iter in groupby(plan.changes, key=lambda c: (c.instance, c.order, c.kind)):
            batch = list(batch_iter)
            if failed and self.settings.fail_fast:
                results.extend(
                    self._emit(Result(c, Outcome.SKIPPED, "not attempted: --fail-fast")) for c in batch
                )
                continue
            batch_results = self._run_batch(batch, live)
            results.extend(batch_results)
            failed = failed or any(r.outcome is Outcome.FAILED for r in batch_results)
        report = Report(tuple(results), self.journal.path if self.journal else None)
        self._journal(
            "apply-finished", summary={o.value: report.count(o) for o in Outcome if report.count(o)}
        )
        return report

    # --- one batch --------------------------------------------------------------------------

    def _run_batch(self, batch: list[Change], live: LiveState) -> list[Result]:
        ready: list[tuple[Change, LiveInstance]] = []
        results: dict[tuple[str, str], Result] = {}  # by resource ID: names need not be unique
        for change in batch:
            live_instance = live.instance(change.instance)
            verdict = self._precheck(change, live_instance)
            if verdict is not None:
                results[(change.instance, change.resource_id)] = self._emit(verdict)
            else:
                assert live_instance is not None
                ready.append((change, live_instance))
        if self.settings.dry_run:
            for change, _ in ready:
                results[(change.instance, change.resource_id)] = self._emit(
                    Result(change, Outcome.WOULD_APPLY, region=_region(change))
                )
        elif ready:
            with ThreadPoolExecutor(min(WRITE_WORKERS, len(ready)), thread_name_prefix="write") as pool:
                written = list(pool.map(lambda item: self._write(*item), ready))
            for result in self._verify(written):
                results[(result.change.instance, result.change.resource_id)] = self._emit(result)
        return [results[(c.instance, c.resource_id)] for c in batch]

    def _precheck(self, change: Change, live: LiveInstance | None) -> Result | None:
        if change.action is Action.BLOCKED:
            return Result(change, Outcome.SKIPPED, f"blocked at plan time: {change.reason}")
        if live is None:
            return Result(change, Outcome.FAILED, "the instance could not be read")
        values = live_values(change, live, [*change.planned_against, *change.expected])
        if values is None:
            return Result(change, Outcome.FAILED, "the resource no longer exists")
        return _verdict(change, values, "since the plan was made")

    # --- writing ----------------------------------------------------------------------------

    def _write(self, change: Change, live: LiveInstance) -> Result:
        assert change.request is not None
        spec = self.specs[change.instance]
        if time.monotonic() - self._read_at > self.settings.recheck_after:
            verdict = self._recheck_before_write(change, spec)
            if verdict is not None:
                return verdict
        restore = _restore_request(change, live)
        self._started.add((change.instance, change.resource_id))
        self._journal(
            "change-started",
            **_identity(change),
            before=change.planned_against,
            expected=change.expected,
            request=change.request.model_dump(mode="json"),
            restore=restore.model_dump(mode="json") if restore else None,
        )
        try:
            region = self._send(change, spec, live)
        except _Moved as moved:
            self._journal("change-finished", **_identity(change), outcome="stale", message=str(moved))
            return Result(change, Outcome.STALE, str(moved))
        except ConnectCallError as exc:
            self._journal(
                "change-finished", **_identity(change), outcome="failed", message=str(exc), code=exc.code
            )
            return Result(change, Outcome.FAILED, str(exc))
        self._journal("change-finished", **_identity(change), outcome="sent", region=region)
        return Result(change, Outcome.APPLIED, region=region)

    def _send(self, change: Change, spec: InstanceSpec, live: LiveInstance) -> str:
        request = change.request
        assert request is not None
        if change.kind is Kind.QUEUE:
            writes.update_queue_outbound_caller_config(
                self.factory, target_of(spec, request.region), live.id, change.resource_id, request.body
            )
            return request.region
        regions = [request.region] + [r for r in (live.region, live.replica_region) if r != request.region]
        last: ConnectCallError | None = None
        for region in regions:
            try:
                self._send_traffic(change, spec, region)
                return region
            except ConnectCallError as exc:
                if not exc.retryable:
                    raise
                last = exc  # that Region's endpoint is failing: try the other one
        assert last is not None
        raise last

    def _send_traffic(self, change: Change, spec: InstanceSpec, region: str) -> None:
        assert change.request is not None
        target = target_of(spec, region)
        deadline = time.monotonic() + self.settings.wait_timeout
        waited = False
        while True:
            status = writes.group_status(self.factory, target, change.resource_arn)
            if status == "ACTIVE":
                if waited:  # a busy group was being changed by someone else: is this change stale now?
                    self._recheck(change, spec, target)
                try:
                    writes.update_traffic_distribution(
                        self.factory, target, change.resource_arn, change.request.body
                    )
                    return
                except ConnectCallError as exc:
                    if exc.code != "ResourceConflictException":
                        raise
                    status = "busy (ResourceConflictException)"
            if time.monotonic() >= deadline:
                raise ConnectCallError(
                    f"{change.instance}: group {change.name} is still {status} "
                    f"after waiting {self.settings.wait_timeout:g}s",
                    operation="UpdateTrafficDistribution",
                    region=region,
                    code="GroupNotActive",
                    status=None,
                    retryable=False,
                )
            waited = True
            self.settings.sleep(self.settings.poll_interval)

    def _recheck_before_write(self, change: Change, spec: InstanceSpec) -> Result | None:
        """The refresh is old: read this resource again now; a verdict when it must not be written."""
        try:
            values = self._read_now(change, spec, target_of(spec))
        except ConnectCallError as exc:
            return Result(
                change, Outcome.FAILED, f"not written: reading it again before the write failed: {exc}"
            )
        return _verdict(change, values, "during the apply")

    def _recheck(self, change: Change, spec: InstanceSpec, target: Target) -> None:
        """Raise `_Moved` when the group no longer has the values the change was planned against."""
        values = self._read_now(change, spec, target)
        current = {k: values.get(k) for k in change.planned_against}
        if fingerprint(current) != change.fingerprint and current != change.expected:
            raise _Moved(_stale_message(change, current))

    # --- verifying --------------------------------------------------------------------------

    def _verify(self, written: list[Result]) -> Iterator[Result]:
        pending = [r for r in written if r.outcome is Outcome.APPLIED]
        yield from (r for r in written if r.outcome is not Outcome.APPLIED)
        delay = self.settings.verify_delay
        for attempt in range(self.settings.verify_attempts):
            still: list[Result] = []
            bulk = self._bulk_queues(pending)
            for result in pending:
                try:
                    seen = self._read_back(result.change, result.region, bulk)
                except ConnectCallError as exc:
                    seen = {"error": str(exc)}
                if seen == result.change.expected:
                    self._journal("change-verified", **_identity(result.change), attempts=attempt + 1)
                    yield result
                else:
                    still.append(result)
            pending = still
            if not pending:
                return
            if attempt + 1 < self.settings.verify_attempts:  # no pointless wait after the last read
                self.settings.sleep(delay)
                delay = min(delay * 2, 8.0)
        for result in pending:
            message = "written, but reading it back never showed the planned values"
            self._journal("change-unverified", **_identity(result.change), message=message)
            yield Result(result.change, Outcome.FAILED, message, result.region)

    def _bulk_queues(self, pending: list[Result]) -> dict[str, dict[str, LiveQueue]]:
        """Queues read in pages of 500 for instances with many changes to verify.

        One DescribeQueue per change would cost as much quota as the writes themselves; above
        BULK_READ_BACK changes, SearchQueues pages read them all for a fraction of the calls.
        """
        counts: dict[str, int] = {}
        for result in pending:
            if result.change.kind is Kind.QUEUE:
                counts[result.change.instance] = counts.get(result.change.instance, 0) + 1
        bulk: dict[str, dict[str, LiveQueue]] = {}
        for name, count in counts.items():
            if count > BULK_READ_BACK:
                with contextlib.suppress(ConnectCallError):  # fall back to one read per change
                    bulk[name] = read_queues(self.factory, self.specs[name])
        return bulk

    def _read_back(
        self, change: Change, region: str | None, bulk: dict[str, dict[str, LiveQueue]] | None = None
    ) -> dict[str, Any]:
        """Read in the Region that took the write: after a failover the other one may be down."""
        spec = self.specs[change.instance]
        known = (bulk or {}).get(change.instance, {}).get(change.resource_id)
        values = queue_values(known) if known else self._read_now(change, spec, target_of(spec, region))
        return {k: values.get(k) for k in change.expected}

    def _read_now(self, change: Change, spec: InstanceSpec, target: Target) -> dict[str, Any]:
        """The normalised live values of the change's resource, read now: DescribeQueue for a
        queue, GetTrafficDistribution for a group."""
        if change.kind is Kind.QUEUE:
            return queue_values(
                writes.describe_queue(self.factory, target, spec.instance_id, change.resource_id)
            )
        distribution = writes.traffic_distribution(self.factory, target, change.resource_arn)
        group = LiveGroup(change.resource_id, change.resource_arn, change.name, "ACTIVE", False, distribution)
        return group_values(group, spec.regions)

    # --- bookkeeping ------------------------------------------------------------------------

    def _emit(self, result: Result) -> Result:
        self._done += 1
        written = (result.change.instance, result.change.resource_id) in self._started
        if result.outcome is not Outcome.APPLIED and not written:  # a write journals its own end
            self._journal(
                "change-skipped",
                **_identity(result.change),
                outcome=result.outcome.value,
                message=result.message,
            )
        self.settings.on_result(result, self._done, self._total)
        return result

    def _journal(self, event: str, **fields: Any) -> None:
        if self.journal is not None and not self.settings.dry_run:
            self.journal.record(event, **fields)


class _Moved(Exception):
    """Live values changed after the refresh (seen after waiting for a busy group): stale."""


def _verdict(change: Change, values: dict[str, Any], when: str) -> Result | None:
    """`already` when live has the planned result, `stale` when it moved from what was planned
    against (`when`: since the plan, during the apply), None when the change is to be written."""
    if {k: values.get(k) for k in change.expected} == change.expected:
        return Result(change, Outcome.ALREADY, "live already has the planned values")
    current = {k: values.get(k) for k in change.planned_against}
    if fingerprint(current) != change.fingerprint:
        return Result(change, Outcome.STALE, _stale_message(change, current, when))
    return None


def _stale_message(change: Change, current: dict[str, Any], when: str = "since the plan was made") -> str:
    changed = [k for k, v in current.items() if change.planned_against.get(k) != v]
    return f"changed {when} ({', '.join(changed)}); not overwritten"


def _region(change: Change) -> str | None:
    return change.request.region if change.request else None


def _identity(change: Change) -> dict[str, Any]:
    return {
        "step": change.step,
        "address": change.address,
        "instance": change.instance,
        "kind": change.kind.value,
        "name": change.name,
        "resource_id": change.resource_id,
        "resource_arn": change.resource_arn,
    }


def _restore_request(change: Change, live: LiveInstance) -> ApiRequest | None:
    """The request that puts back the values this change replaces (for rollback)."""
    before = change.planned_against
    if change.kind is Kind.QUEUE:
        queue = live.queues_by_id.get(change.resource_id)
        raw = queue.caller_id_number if queue else None
        return queue_request(live, change.resource_id, before, raw)[0]
    if before.get("telephony") is None:
        return None
    return traffic_request(change.resource_arn, before, (live.region, live.replica_region))


def _header(plan: Plan, specs: dict[str, InstanceSpec], dry_run: bool) -> dict[str, Any]:
    names = sorted({c.instance for c in plan.changes})
    return {
        "desired_digest": plan.desired_digest,
        "plan_created_at": plan.meta.created_at if plan.meta else None,
        "git_commit": plan.meta.git_commit if plan.meta else None,
        "changes": len(plan.changes),
        "dry_run": dry_run,
        "instances": [
            specs[n].model_dump(mode="json", by_alias=True, exclude_none=True) for n in names if n in specs
        ],
    }
