"""Break-glass failover, wired: plan the move, record the override, preempt the lock, write, verify.

At 3 a.m. with a Region down, on-call cannot wait for a review, and must not be fought by the
tool afterwards. `reconciler failover` is a recorded act: the move is planned by the ordinary
planner (`reconciler.planning.overridden.failover_state`: 100% to the target Region, one wave),
applied by the ordinary applier (journalled with restore requests, so `reconciler rollback` undoes
it; written in whichever Region answers; read back), under the instance's lock taken in break-glass
mode: it replaces any holder, whose next pre-write check stops it without writing. If the lock
store cannot be reached (a DynamoDB table in the failed Region), the failover goes ahead, warns, and
records that. Its override record is created first and only if none exists, so of two failovers
started at once only one writes.

While the override is active, plan and apply hold the overridden groups back and drift reports
them (`overrides_of`); `--adopt` writes the live values into git (`reconciler.app.adopt`), `--clear`
ends it (the next apply fails back to git).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.app import environment
from reconciler.app.adopt import Adopted, adopt_groups
from reconciler.app.locking import LockedWrites, spec_account
from reconciler.app.overriding import key_of, override_store
from reconciler.app.run import Run, load_desired
from reconciler.applying import journal as journals
from reconciler.applying.applier import Applier
from reconciler.applying.holding import HeldLocks
from reconciler.applying.lock import Backend, lock_key, new_info
from reconciler.applying.overrides import OverrideStore
from reconciler.applying.reading import read_anywhere
from reconciler.applying.results import Report
from reconciler.applying.settings import Settings
from reconciler.desired.model import InstanceSpec
from reconciler.desired.state import DesiredGroup, DesiredInstance
from reconciler.errors import ReconcilerError
from reconciler.planning.compare import group_values
from reconciler.planning.live import Distribution, LiveInstance, LiveQueue, LiveState
from reconciler.planning.overridden import chosen_groups, failover_state, one_wave
from reconciler.planning.override import OverriddenGroup, Override, OverrideDamaged, OverrideExists
from reconciler.planning.plan import Plan
from reconciler.planning.planner import make_plan
from reconciler.planning.resolve import Resolver, Unresolved
from reconciler.planning.values import GroupValues
from reconciler.port import ConnectPort

OPERATION = "failover (break-glass)"


@dataclass(frozen=True)
class Prepared:
    """A failover planned and not yet made: what the user confirms."""

    spec: InstanceSpec
    plan: Plan
    to: str
    reason: str
    read_region: str


@dataclass
class Outcome:
    report: Report
    override: Override
    warnings: list[str] = field(default_factory=list)


def prepare(
    run: Run, state_dir: str, instance: str, to: str, reason: str, groups: tuple[str, ...]
) -> Prepared:
    """Read the instance wherever it answers and plan the move of its groups to `to`."""
    if not reason.strip():
        raise ReconcilerError("--reason: say why (an incident number, say): it is recorded with the override")
    desired = load_desired(state_dir, instance)
    chosen = desired.instances[0]
    picked = chosen_groups(chosen, groups)
    if not picked:
        raise ReconcilerError(f"{chosen.name} manages no traffic distribution group: nothing to fail over")
    live = read_anywhere(GroupsOnly(run.port), chosen.spec, [g.key for g in picked])
    moved = failover_state(desired, chosen, picked, live, to)
    plan = one_wave(make_plan(moved, LiveState(instances=(live,))))
    return Prepared(chosen.spec, plan, to, reason.strip(), live.read_region or live.region)


def execute(
    run: Run,
    prepared: Prepared,
    *,
    settings: Settings,
    journal_path: str | None,
    lock: str,
    identity: Callable[[InstanceSpec], str | None] = lambda spec: None,
) -> Outcome:
    """Record the override, preempt the lock, and make the move (a dry run: none of it)."""
    plan = prepared.plan
    if settings.dry_run:
        report = Applier(GroupsOnly(run.port), None, settings, operation=OPERATION).run(plan)
        return Outcome(report, _override(prepared, "", "", None))
    summary = plan.instances[0]
    key = key_of(run.port, summary)
    warnings: list[str] = []
    backend: Backend | None = None
    store: OverrideStore | None = None
    try:
        backend = environment.lock_backend(lock)
        store = override_store(backend)
    except ReconcilerError as exc:
        warnings.append(f"WARNING: the lock store cannot be used ({exc}); failing over without the lock")
    override = _override(prepared, key, "held", identity(prepared.spec))
    stored = "not stored"
    if store is not None:
        try:
            store.create(override)
            stored = store.where(key)
        except OverrideExists:
            raise
        except ReconcilerError as exc:
            warnings.append(
                f"WARNING: the override could not be stored ({exc}): other runners will not see it, "
                "and a later apply may revert this failover; it is recorded in the journal only"
            )
            stored = f"not stored: {exc}"
    locks = HeldLocks(backend, OPERATION) if backend is not None else None
    note = "held"
    if locks is not None:
        try:
            locks.take([key], seize=True)
            if locks.seized:
                note = "preempted " + "; ".join(i.describe() for i in locks.seized)
                warnings.append(f"{note}; that run stops before its next write")
        except ReconcilerError as exc:
            locks.release()
            locks = None
            note = f"unreachable: {exc}"
            warnings.append(f"WARNING: the lock could not be taken ({exc}); failing over without it")
    elif backend is None:
        note = "unreachable: the lock store cannot be used"
    override = override.model_copy(update={"lock": note})
    journal = _Journal(
        journal_path or journals.default_path(), journals.OverrideRecorded(override=override, stored=stored)
    )
    wrote: list[bool] = []
    check = locks.check if locks is not None else None

    def before_write() -> None:
        if check is not None:
            check()
        wrote.append(True)

    settings.before_write = before_write
    try:
        port = LockedWrites(GroupsOnly(run.port), check) if check is not None else GroupsOnly(run.port)
        with journal:
            report = Applier(port, journal, settings, operation=OPERATION).run(plan)
    except BaseException:
        # Stopped before any write (both Regions silent, the journal unwritable): no override stands.
        if store is not None and not wrote and stored == store.where(key):
            store.remove(key, override.token)
        raise
    finally:
        if locks is not None:
            locks.release()
    return Outcome(report, override.model_copy(update={"journal": journal.path}), warnings)


def _override(prepared: Prepared, key: str, lock: str, identity: str | None) -> Override:
    groups = tuple(
        OverriddenGroup(
            name=c.name,
            id=c.resource_id,
            arn=c.resource_arn,
            values=c.expected if isinstance(c.expected, GroupValues) else GroupValues(),
            before=c.planned_against if isinstance(c.planned_against, GroupValues) else GroupValues(),
        )
        for c in prepared.plan.updates
    )
    user = new_info(key or "-", OPERATION, 1).owner
    return Override(
        key=key or "-",
        instance=prepared.spec.name,
        instance_id=prepared.spec.instance_id,
        to_region=prepared.to,
        groups=groups,
        reason=prepared.reason,
        user=user,
        identity=identity,
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        written_from=prepared.read_region,
        lock=lock,
        token=uuid.uuid4().hex,
    )


class GroupsOnly:
    """The run's port, reading only groups where it can (`Connect.read_groups`): a failover moves
    groups only, and the queue pages (SearchQueues at 2/s) would cost seconds it has not got."""

    def __init__(self, port: ConnectPort) -> None:
        self.port = port

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        read_groups = getattr(self.port, "read_groups", None)
        if groups is not None and read_groups is not None:
            found: LiveInstance = read_groups(spec, groups, region=region)
            return found
        return self.port.read_instance(spec, groups, region=region)

    def search_queues(self, spec: InstanceSpec, *, region: str) -> Mapping[str, LiveQueue]:
        return self.port.search_queues(spec, region=region)

    def describe_queue(self, spec: InstanceSpec, queue_id: str, *, region: str) -> LiveQueue:
        return self.port.describe_queue(spec, queue_id, region=region)

    def group_status(self, spec: InstanceSpec, group_arn: str, *, region: str) -> str:
        return self.port.group_status(spec, group_arn, region=region)

    def traffic_distribution(self, spec: InstanceSpec, group_arn: str, *, region: str) -> Distribution:
        return self.port.traffic_distribution(spec, group_arn, region=region)

    def update_traffic_distribution(
        self, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        self.port.update_traffic_distribution(spec, group_arn, body, region=region)

    def update_queue_outbound_caller_config(
        self, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        self.port.update_queue_outbound_caller_config(spec, queue_id, body, region=region)


class _Journal(journals.Journal):
    """The apply journal, with the override recorded right after its header."""

    def __init__(self, path: str, extra: journals.Entry) -> None:
        super().__init__(path)
        self._extra: journals.Entry | None = extra

    def record(self, record: journals.Entry) -> None:
        super().record(record)
        if isinstance(record, journals.ApplyStarted) and self._extra is not None:
            extra, self._extra = self._extra, None
            super().record(extra)


def clear(run: Run, state_dir: str, instance: str, lock: str) -> Override | None:
    """End the instance's override; the next apply restores git's values (a failback)."""
    _, key = _instance_key(run, state_dir, instance)
    store = override_store(environment.lock_backend(lock))
    try:
        found = store.read(key)
    except OverrideDamaged:
        store.remove(key, None)
        return None
    if found is None:
        raise ReconcilerError(f"{instance} has no active override ({store.where(key)}); nothing was changed")
    if not store.remove(key, found.token):
        raise ReconcilerError(f"the override of {instance} changed meanwhile; run the command again")
    return found


def _instance_key(run: Run, state_dir: str, instance: str) -> tuple[DesiredInstance, str]:
    desired = load_desired(state_dir, instance).instances[0]
    return desired, lock_key(
        spec_account(desired.spec, run.port), desired.spec.region, desired.spec.instance_id
    )


def adopt(run: Run, state_dir: str, instance: str, lock: str) -> tuple[Override, list[Adopted]]:
    """Write the live values of the overridden groups into the YAML files that define them."""
    desired, key = _instance_key(run, state_dir, instance)
    store = override_store(environment.lock_backend(lock))
    override = store.read(key)
    if override is None:
        raise ReconcilerError(f"{instance} has no active override ({store.where(key)}); nothing to adopt")
    live = read_anywhere(run.port, desired.spec, [g.key for g in desired.groups])
    resolver = Resolver(live)
    pair = desired.spec.regions
    found: list[tuple[DesiredGroup, GroupValues]] = []
    for group in desired.groups:
        with contextlib.suppress(Unresolved):
            live_group = resolver.group(group.key)
            if live_group.id in override.group_ids and live_group.distribution is not None:
                found.append((group, group_values(live_group, pair)))
    if not found:
        raise ReconcilerError(
            f"none of the groups {instance}'s failover moved could be read live; nothing was written"
        )
    return override, adopt_groups(found)


def caller_identity(run: Run) -> Callable[[InstanceSpec], str | None]:
    """Who is failing over, as AWS knows them (STS), asked once and never waited for."""
    from reconciler.connect import Connect
    from reconciler.connect.identity import caller_arn

    def ask(spec: InstanceSpec) -> str | None:
        return caller_arn(spec, run.port.factory if isinstance(run.port, Connect) else None)

    return ask
