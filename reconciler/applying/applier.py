"""Execute a plan: refresh, refuse stale changes, write in order, journal, verify by reading back.

The rules, in the order apply meets them:
1. Before anything is written, the instances are read again (the same few paged calls as the
   planner). A change whose live values no longer match the fingerprint it was planned against is
   skipped as `stale`: someone else changed it, and it is never overwritten. One whose live values
   already equal the plan's result counts as `already` (a re-run converges).
2. Right before its write, each resource is read again on its own (DescribeQueue; for a group,
   its status until it is ACTIVE, then GetTrafficDistribution), and the same rules apply, so a
   change someone makes during the apply is not overwritten either. Those reads have quotas of
   their own: they cost no write throughput.
3. Changes run in the plan's order, in batches of consecutive steps of the same instance, wave and
   kind: batches one after another, the changes of a batch side by side within the rate limiter.
4. Each write is journalled before it is sent and after it returns. A group that is not ACTIVE, or
   answers ResourceConflictException, is waited for up to `wait_timeout`, then read again. A write
   whose Region does not answer goes to the other Region of the pair.
5. After a batch, each change is read back until it shows the planned values (`verify.py`).
One failure does not stop independent changes unless `fail_fast` is set.

The applier talks to Connect through the port only (`reconciler.port`), and needs nothing but the
plan: each instance's connection details travel in it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from itertools import groupby

from reconciler.applying import verify
from reconciler.applying.bookkeeping import InOrder, header, restore_request
from reconciler.applying.journal import (
    ApplyFinished,
    ChangeFinished,
    ChangeSkipped,
    ChangeStarted,
    Entry,
    Journal,
)
from reconciler.applying.reading import read_state
from reconciler.applying.results import Outcome, Report, Result
from reconciler.applying.rollout import run_rollout
from reconciler.applying.settings import Settings
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError, GroupNotActive, Stale, UnknownInstance
from reconciler.planning.compare import live_values
from reconciler.planning.live import LiveInstance, LiveState
from reconciler.planning.plan import Action, Change, Kind, Plan
from reconciler.planning.values import GroupValues, QueueValues
from reconciler.port import AlarmPort, ConnectPort

WRITE_WORKERS = 5


class Applier:
    """Runs one plan against live Connect through `port`, recording everything in `journal`."""

    def __init__(
        self,
        port: ConnectPort,
        journal: Journal | None = None,
        settings: Settings | None = None,
        *,
        operation: str = "apply",
        alarms: AlarmPort | None = None,
    ) -> None:
        self.port = port
        self.alarms = alarms  # CloudWatch, for rollouts that name alarms
        self.journal = journal
        self.settings = settings or Settings()
        self.operation = operation
        self.specs: dict[str, InstanceSpec] = {}
        self._done = 0
        self._total = 0
        self._started: set[tuple[str, str]] = set()  # changes journalled as change-started
        self.stop = threading.Event()  # set (by Ctrl-C): no new write starts; in-flight ones finish
        self._unjudged: set[tuple[str, str]] = set()  # groups busy at the refresh: stale check pending
        self._active_in: dict[tuple[str, str], str] = {}  # groups just read ACTIVE, by Region

    def run(self, plan: Plan, check: Callable[[LiveState], None] | None = None) -> Report:
        """Apply `plan`. `check` sees the refreshed live state before anything is journalled or
        written, and may refuse the plan by raising (a saved plan is replayed against git there)."""
        self.specs = {i.name: i.spec for i in plan.instances}
        missing = sorted({c.instance for c in plan.changes} - self.specs.keys())
        if missing:
            raise UnknownInstance(
                f"the plan has changes for instances it does not describe: {', '.join(missing)}"
            )
        self._total = len(plan.changes)
        live = self._refresh(plan)
        if check is not None:
            check(live)
        self._record(header(plan, self.specs, self.settings.dry_run, self.operation))
        results: list[Result] = []
        failed = False
        for _, batch_iter in groupby(plan.changes, key=lambda c: (c.instance, c.order, c.kind)):
            batch = list(batch_iter)
            if self.stop.is_set() or (failed and self.settings.fail_fast):
                why = INTERRUPTED if self.stop.is_set() else "not attempted: --fail-fast"
                results.extend(self._emit(Result(c, Outcome.SKIPPED, why)) for c in batch)
                continue
            batch_results = self._run_batch(batch, live)
            results.extend(batch_results)
            failed = failed or any(r.outcome is Outcome.FAILED for r in batch_results)
        notes = tuple(
            f"{i.name}: {i.region} unreachable; read from the replica in {i.read_region}"
            for i in live.instances
            if i.read_region and i.read_region != i.region
        )
        interrupted = self.stop.is_set()
        report = Report(tuple(results), self.journal.path if self.journal else None, notes, interrupted)
        summary = {o.value: report.count(o) for o in Outcome if report.count(o)}
        self._record(ApplyFinished(summary=summary, interrupted=interrupted))
        return report

    def _refresh(self, plan: Plan) -> LiveState:
        """The instances the plan touches: queues in pages (judged at once); groups without their
        distributions, which are read right before each group's write, once it is ACTIVE."""
        names = sorted({c.instance for c in plan.changes})
        return read_state(self.port, [(self.specs[n], []) for n in names])

    # --- one batch --------------------------------------------------------------------------

    def _run_batch(self, batch: list[Change], live: LiveState) -> list[Result]:
        """Pre-check, write side by side, read back; results reported in the batch's step order
        as each write completes (a change is reported once all earlier steps are)."""
        report = InOrder(len(batch), self._emit)
        ready: list[tuple[int, Change, LiveInstance]] = []
        for index, change in enumerate(batch):
            live_instance = live.instance(change.instance)
            verdict = self._precheck(change, live_instance)
            if verdict is not None:
                report.put(index, verdict)
            elif self.settings.dry_run:
                report.put(index, Result(change, Outcome.WOULD_APPLY, region=_region(change)))
            else:
                assert live_instance is not None
                ready.append((index, change, live_instance))
        if ready:
            with ThreadPoolExecutor(min(WRITE_WORKERS, len(ready)), thread_name_prefix="write") as pool:
                futures = {
                    pool.submit(self._write_change, change, inst): index for index, change, inst in ready
                }
                for future in as_completed(futures):
                    report.put(futures[future], future.result())
        results = report.results()
        written = [r for r in results if r.outcome is Outcome.APPLIED and r.change.rollout is None]
        if written and not self.stop.is_set():
            checked = {
                (r.change.instance, r.change.resource_id): r
                for r in verify.read_back(self.port, self.specs, written, self.settings, self._record)
            }
            for index, result in enumerate(results):
                final = checked.get((result.change.instance, result.change.resource_id), result)
                if final.outcome is not result.outcome:
                    self.settings.on_verified(final)
                results[index] = final
        return results

    def _precheck(self, change: Change, live: LiveInstance | None) -> Result | None:
        if change.action is Action.BLOCKED:
            return Result(change, Outcome.SKIPPED, f"blocked at plan time: {change.reason}")
        if live is None:
            return Result(change, Outcome.FAILED, "the instance could not be read")
        values = live_values(change, live)
        if values is None and change.kind is Kind.TRAFFIC and live.read_region != live.region:
            # Read from the replica, which may not list the source's groups: found by ARN at its write.
            self._unjudged.add((change.instance, change.resource_id))
            return None
        if values is None:
            return Result(change, Outcome.FAILED, "the resource no longer exists")
        group = live.groups_by_id.get(change.resource_id) if change.kind is Kind.TRAFFIC else None
        if group is not None and group.distribution is None:
            # Busy at the refresh (Connect shows no distribution then): judged once it is ACTIVE.
            self._unjudged.add((change.instance, change.resource_id))
            return None
        return verify.verdict(change, values, "since the plan was made")

    # --- writing ----------------------------------------------------------------------------

    def write_and_verify(self, change: Change, live: LiveInstance, rollout_step: int | None = None) -> Result:
        """One write with every rule of `_write`, read back at once (a rollout's steps: journalled
        with their number, 0 for the write back to the last clean step)."""
        result = self._write(change, live, rollout_step)
        if result.outcome is Outcome.APPLIED:
            result = next(
                iter(verify.read_back(self.port, self.specs, [result], self.settings, self._record))
            )
        return result

    def _write_change(self, change: Change, live: LiveInstance) -> Result:
        """A change's write: a rollout's steps one after another, or its one request."""
        if change.rollout is not None:
            return run_rollout(self, change, live, self.alarms)
        return self._write(change, live)

    def _write(self, change: Change, live: LiveInstance, rollout_step: int | None = None) -> Result:
        assert change.request is not None
        if self.stop.is_set():
            return Result(change, Outcome.SKIPPED, INTERRUPTED)
        started = time.monotonic()
        spec = self.specs[change.instance]
        verdict = self._judge_now(change, spec)
        if verdict is not None:
            return verdict
        self.settings.before_write()  # the lock still ours (raises LockLost), before the journal says so
        self._started.add((change.instance, change.resource_id))
        self._record(
            ChangeStarted.about(
                change,
                before=change.planned_against,
                expected=change.expected,
                request=change.request,
                restore=restore_request(change, live),
                rollout_step=rollout_step,
            )
        )
        try:
            region = self._send(change, spec)
        except _Already as done:
            self._finished(change, "already", str(done))
            return Result(change, Outcome.ALREADY, str(done))
        except Stale as moved:
            self._finished(change, "stale", str(moved))
            return Result(change, Outcome.STALE, str(moved))
        except GroupNotActive as busy:
            self._finished(change, "failed", str(busy), code="GroupNotActive")
            return Result(change, Outcome.FAILED, str(busy))
        except ConnectCallError as exc:
            self._finished(change, "failed", str(exc), code=exc.code)
            return Result(change, Outcome.FAILED, str(exc))
        self._finished(change, "sent", region=region)
        return Result(change, Outcome.APPLIED, region=region, seconds=time.monotonic() - started)

    def _finished(
        self,
        change: Change,
        outcome: str,
        message: str = "",
        *,
        code: str | None = None,
        region: str | None = None,
    ) -> None:
        self._record(ChangeFinished.about(change, outcome=outcome, message=message, code=code, region=region))

    def _send(self, change: Change, spec: InstanceSpec) -> str:
        """Write the change in the Region its request names, else in the other one; the Region used.

        Either Region serves the instance: a Region that does not answer (judged down by the port,
        or failing now) is left for the other. A refusal (4xx) is final: the other Region would
        refuse it too, and sending it twice would only confuse the record.
        """
        request = change.request
        assert request is not None
        deadline = time.monotonic() + self.settings.wait_timeout  # one wait, whichever Region
        regions = [request.region] + [r for r in spec.regions if r != request.region]
        last: ConnectCallError | None = None
        for region in regions:
            try:
                if change.kind is Kind.QUEUE:
                    self.port.update_queue_outbound_caller_config(
                        spec, change.resource_id, request.body, region=region
                    )
                else:
                    self._send_traffic(change, spec, region, deadline)
                return region
            except ConnectCallError as exc:
                if not exc.unreachable:
                    raise
                last = exc  # that Region is not answering: try the other one
        assert last is not None
        raise last

    def _send_traffic(self, change: Change, spec: InstanceSpec, region: str, deadline: float) -> None:
        """Write once the group is ACTIVE (status read first, unless the re-read just before found it
        ACTIVE here); a refusal is judged by its status read again, never by the error's code."""
        assert change.request is not None
        waited = False
        fresh = self._active_in.pop((change.instance, change.resource_id), None) == region
        while True:
            status = "ACTIVE" if fresh else self.port.group_status(spec, change.resource_arn, region=region)
            if status == "ACTIVE":
                if waited:  # someone else was changing it since we read it: is this change stale now?
                    self._recheck(change, spec, region)
                try:
                    self.port.update_traffic_distribution(
                        spec, change.resource_arn, change.request.body, region=region
                    )
                    return
                except ConnectCallError as exc:
                    if exc.code == "ResourceConflictException":
                        status = "busy (ResourceConflictException)"
                    elif fresh and not exc.unreachable:  # busy since the read? its status says
                        status = self.port.group_status(spec, change.resource_arn, region=region)
                        if status == "ACTIVE":
                            raise
                    else:
                        raise
            fresh = False
            if time.monotonic() >= deadline:
                raise GroupNotActive(
                    f"{change.instance}: group {change.name} is still {status} "
                    f"after waiting {self.settings.wait_timeout:g}s",
                    status=status,
                )
            waited = True
            self.settings.sleep(self.settings.poll_interval)

    def _judge_now(self, change: Change, spec: InstanceSpec) -> Result | None:
        """Read the resource again right before its write, in either Region: a verdict when it must
        not be written (someone changed it, or it already has the values), None to write it.

        A queue is read with DescribeQueue; a group once it is ACTIVE (Connect shows no
        distribution before), with GetTrafficDistribution. Both have quotas of their own, so the
        re-read costs no write throughput.
        """
        request = change.request
        assert request is not None
        unjudged = (change.instance, change.resource_id) in self._unjudged
        when = "since the plan was made" if unjudged else "during the apply"
        try:
            if change.kind is Kind.QUEUE:
                values = verify.read_anywhere(self.port, change, spec, request.region)
            else:
                values = self._group_now(change, spec)
        except GroupNotActive as busy:
            return Result(change, Outcome.FAILED, f"not written: {busy}")
        except ConnectCallError as exc:
            return Result(
                change, Outcome.FAILED, f"not written: reading it again before the write failed: {exc}"
            )
        return verify.verdict(change, values, when)

    def _group_now(self, change: Change, spec: InstanceSpec) -> QueueValues | GroupValues:
        """The group's distribution once it is ACTIVE, from its request's Region or the other."""
        request = change.request
        assert request is not None
        deadline = time.monotonic() + self.settings.wait_timeout
        last: ConnectCallError | None = None
        for region in [request.region] + [r for r in spec.regions if r != request.region]:
            try:
                self._wait_active(change, spec, region, deadline)
                values = verify.read_now(self.port, change, spec, region)
                self._active_in[(change.instance, change.resource_id)] = region  # seen ACTIVE just now
                return values
            except ConnectCallError as exc:
                if not exc.unreachable:
                    raise
                last = exc
        assert last is not None
        raise last

    def _wait_active(self, change: Change, spec: InstanceSpec, region: str, deadline: float) -> None:
        while (status := self.port.group_status(spec, change.resource_arn, region=region)) != "ACTIVE":
            if time.monotonic() >= deadline:
                raise GroupNotActive(
                    f"{change.instance}: group {change.name} is still {status} "
                    f"after waiting {self.settings.wait_timeout:g}s",
                    status=status,
                )
            self.settings.sleep(self.settings.poll_interval)

    def _recheck(self, change: Change, spec: InstanceSpec, region: str) -> None:
        """After waiting for a busy group: raise `Stale` when it moved from what the change was
        planned against, `_Already` when someone else made this very change meanwhile."""
        values = verify.read_now(self.port, change, spec, region)
        result = verify.verdict(change, values, "while the group was busy")
        if result is not None and result.outcome is Outcome.STALE:
            raise Stale(result.message)
        if result is not None and result.outcome is Outcome.ALREADY:
            raise _Already(f"{result.message} (set by someone else while the group was busy)")

    # --- bookkeeping ------------------------------------------------------------------------

    def _emit(self, result: Result) -> Result:
        self._done += 1
        written = (result.change.instance, result.change.resource_id) in self._started
        if result.outcome is not Outcome.APPLIED and not written:  # a write journals its own end
            self._record(
                ChangeSkipped.about(result.change, outcome=result.outcome.value, message=result.message)
            )
        self.settings.on_result(result, self._done, self._total)
        return result

    def _record(self, record: Entry) -> None:
        if self.journal is not None and not self.settings.dry_run:
            self.journal.record(record)


INTERRUPTED = "not attempted: the apply was interrupted"


class _Already(Exception):
    """The change's values were set by someone else while we waited: nothing to write."""


def _region(change: Change) -> str | None:
    return change.request.region if change.request else None
