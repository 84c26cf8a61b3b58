"""One run wired end to end: options -> load -> read -> plan -> apply, through one Connect port.

The CLI makes one `Run` per command and calls it once per stage it shows to the user (plan, then
apply after confirming), so a run builds its clients and rate limiter once. Pure parts (`desired`,
`planning`, renderers) know nothing of AWS and `reconciler.connect` knows nothing of plans: this
module wires them, and stamps a plan with where and when it was made. Tests pass their own port.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from reconciler import __version__
from reconciler.app import applied, environment, git, overriding
from reconciler.app.locking import InstanceLock, LockedWrites, instance_lock, lock_keys, remove_lock
from reconciler.applying import journal as journals
from reconciler.applying import journal_check
from reconciler.applying.applier import Applier
from reconciler.applying.holding import held
from reconciler.applying.lock import LockInfo
from reconciler.applying.reading import read_state, wait_for_groups
from reconciler.applying.results import Report
from reconciler.applying.rollback import rollback_plan
from reconciler.applying.settings import Settings
from reconciler.desired import loader
from reconciler.desired.diagnostics import LoadError
from reconciler.desired.model import InstanceSpec
from reconciler.desired.state import DesiredState
from reconciler.errors import ReconcilerError
from reconciler.gcpause import paused
from reconciler.planning import changed_since as scope
from reconciler.planning import replay
from reconciler.planning.drift import DriftReport, drift
from reconciler.planning.export import already_defined, export_documents
from reconciler.planning.live import LiveState
from reconciler.planning.overridden import hold_overridden, overridden_findings
from reconciler.planning.plan import Plan, PlanMeta
from reconciler.planning.planner import make_plan
from reconciler.planning.reviewed import hold_unreviewed
from reconciler.port import AlarmPort, ConnectPort

DEFAULT_STATE_DIR = "desired-state"

__all__ = [
    "DEFAULT_STATE_DIR",
    "Run",
    "instance_spec",
    "load_desired",
    "lock_keys",
    "rollback_of",
    "saved_plan",
]


class Run:
    """The stages of one command, sharing one port to Connect."""

    def __init__(
        self,
        *,
        endpoints: Sequence[str] = (),
        port: ConnectPort | None = None,
        alarms: AlarmPort | None = None,
    ) -> None:
        self._endpoints = tuple(endpoints)
        if port is not None:
            self.__dict__["port"] = port
        if alarms is not None:
            self.__dict__["alarms"] = alarms

    @cached_property
    def port(self) -> ConnectPort:
        return environment.connect_port(self._endpoints)

    @cached_property
    def alarms(self) -> AlarmPort | None:
        """CloudWatch, for rollouts that name alarms: same credentials as the Connect port."""
        return environment.alarm_port(self.port)

    # --- reading and planning ---------------------------------------------------------------

    def read(self, desired: DesiredState, *, wait_timeout: float = 0.0) -> LiveState:
        """Every desired instance, with full distributions for the groups it manages; a managed
        group that is busy (someone else's update in progress) is waited for up to `wait_timeout`."""
        live = read_state(self.port, [(i.spec, [g.key for g in i.groups]) for i in desired.instances])
        if wait_timeout <= 0:
            return live
        waited = []
        for instance in desired.instances:
            found = live.instance(instance.name)
            if found is not None:
                keys = [g.key for g in instance.groups]
                found = wait_for_groups(self.port, found, instance.spec, keys, timeout=wait_timeout)
                waited.append(found)
        return LiveState(instances=tuple(waited))

    @paused()
    def plan(
        self,
        state_dir: str,
        *,
        instance: str | None = None,
        changed_since: str | None = None,
        wait_timeout: float = 0.0,
        reviewed: Sequence[str] = (),
        lock: str | None = None,
        lock_later: bool = False,
    ) -> Plan:
        """Load, read, plan, and stamp the plan with where and when it was made.

        With `changed_since`, updates to resources whose YAML is unchanged since that git revision
        are held back as blocked (see `reconciler.planning.changed_since`); `applied` takes each
        instance's revision from the commit last applied to it, kept beside its `lock`
        (`reconciler.app.applied`). With `reviewed` (saved plans), a change whose resource looks
        different now than it did in them is held back (`reconciler.planning.reviewed`). With
        `lock` (the lock backend, where break-glass overrides live), changes to groups a failover
        overrode are held back (see `reconciler.planning.overridden`); `lock_later`: an override
        store that cannot be read now is read again by apply under the lock.
        """
        by_record = changed_since == applied.APPLIED
        before = git.desired_at(changed_since, state_dir) if changed_since and not by_record else None
        reviewed_plans = [(path, read_plan(path)) for path in reviewed]  # a bad file: before any call
        desired = load_desired(state_dir, instance)
        made = make_plan(desired, self.read(desired, wait_timeout=wait_timeout))
        commits: dict[str, str] = {}
        if by_record:
            store = environment.applied_store(environment.lock_backend(lock or "file"))
            commits = applied.recorded_commits(made, store, self.port)
            made = scope.changed_since_each(made, desired, applied.scopes_at(commits, state_dir))
        elif changed_since:
            made = scope.changed_since(made, desired, before, changed_since)
        if reviewed_plans:
            made = hold_unreviewed(made, reviewed_plans)
        if lock is not None:
            try:
                overrides = overriding.overrides_of(self.port, made.instances, lock)
            except ReconcilerError:
                if not lock_later:
                    raise
                overrides = {}  # apply reads them again under the lock, and says what is wrong there
            made, _ = hold_overridden(made, overrides)
        meta = PlanMeta(
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            tool_version=__version__,
            state_dir=state_dir,
            git_commit=git.git_commit(state_dir),
            changed_since=changed_since,
            applied_commits=commits,
        )
        return made.model_copy(update={"meta": meta})

    @paused()
    def drift(
        self,
        state_dir: str,
        *,
        instance: str | None,
        include_unmanaged: bool,
        wait_timeout: float = 0.0,
        lock: str | None = None,
    ) -> DriftReport:
        """Live vs desired for every managed resource (reads only); with `lock`, groups a
        break-glass failover overrode are reported as `overridden`."""
        desired = load_desired(state_dir, instance)
        live = self.read(desired, wait_timeout=wait_timeout)
        report = drift(desired, live, include_unmanaged=include_unmanaged)
        if lock is None:
            return report
        return overridden_findings(report, overriding.overrides_of_live(self.port, desired, live, lock))

    def export(
        self, spec: InstanceSpec, *, state_dir: str | None = None, force: bool = False
    ) -> dict[str, str]:
        """Desired-state YAML files for one live instance, every group read in full.

        With `state_dir` (the CLI always gives one), refused before any call to Connect when that
        folder already defines the instance (by name or by instance ID): a second definition would
        make the desired state invalid. `force` exports anyway (to overwrite that definition's
        files with --out, say).
        """
        if state_dir is not None and not force:
            _refuse_a_second_definition(spec, state_dir)
        with paused():
            live = self.port.read_instance(spec, None, region=spec.region)
        return export_documents(spec, live)

    # --- applying ---------------------------------------------------------------------------

    def apply(
        self,
        plan: Plan,
        *,
        settings: Settings,
        journal_path: str | None,
        lock: str,
        operation: str,
        saved: SavedPlan | None = None,
        lock_timeout: float = 0.0,
        on_lock_wait: Callable[[LockInfo], None] | None = None,
        stop: threading.Event | None = None,
    ) -> Report:
        """Apply (or roll back) under the per-instance lock, journalled; a dry run takes neither.

        A saved plan is replayed against git and the live values it recorded before anything is
        written (`reconciler.planning.replay`): an edited plan is refused. A lock held by another
        run is waited for up to `lock_timeout` seconds (`on_lock_wait` is told whom it waits for),
        then refused naming the holder. Setting `stop` (the CLI does on Ctrl-C) starts no new
        write: those in flight finish and are journalled, the rest are skipped as interrupted.
        """
        check = None
        if saved is not None:
            replay.check_instances(saved.plan, saved.desired, saved.origin)  # before any call
            check = saved.check
        if settings.dry_run:
            return _stoppable(
                Applier(self.port, None, settings, operation=operation, alarms=self.alarms), stop
            ).run(plan, check)
        commit = applied.recordable(plan) if operation == "apply" else None
        with contextlib.ExitStack() as stack:
            keys = lock_keys(plan, self.port)
            if commit is not None:  # the record of every instance is written under its lock
                keys += [applied.key_of(i, self.port) for i in plan.instances]
            backend = environment.lock_backend(lock)
            locks = stack.enter_context(
                held(backend, keys, operation, timeout=lock_timeout, on_wait=on_lock_wait)
            )
            # A run that lost its lock writes nothing more: the applier asks before each write
            # (`settings.before_write`), and the port refuses a write anyway.
            previous, settings.before_write = settings.before_write, locks.check
            stack.callback(setattr, settings, "before_write", previous)
            journal = stack.enter_context(journals.Journal(journal_path or journals.default_path()))
            port = LockedWrites(self.port, locks.check)
            # Groups a break-glass failover overrode are held back, read under the lock: a saved
            # plan made before the failover must not revert it. Overrides git adopted end here.
            overrides = overriding.overrides_of(self.port, plan.instances, lock)
            plan, adopted = hold_overridden(plan, overrides)
            report = _stoppable(
                Applier(port, journal, settings, operation=operation, alarms=self.alarms), stop
            ).run(plan, check)
            if adopted and report.ok:
                notes = overriding.end_adopted(lock, overrides, adopted)
                report = replace(report, notes=report.notes + tuple(notes))
            done = applied.done_instances(plan, report)
            if commit is None or not done or not locks.ok():
                return report
            owner = locks.infos[0].owner if locks.infos else ""
            store = environment.applied_store(backend)
            created = plan.meta.created_at if plan.meta else ""
            notes = applied.record(done, commit, store, owner, created, self.port)
            return replace(report, notes=(*report.notes, *notes))

    def end_adopted(self, plan: Plan, lock: str) -> tuple[str, ...]:
        """With nothing to apply: end the overrides git has adopted (git equals their values)."""
        try:
            overrides = overriding.overrides_of(self.port, plan.instances, lock)
            _, adopted = hold_overridden(plan, overrides)
            return tuple(overriding.end_adopted(lock, overrides, adopted)) if adopted else ()
        except ReconcilerError:
            return ()  # the store cannot be read now: the override ends at a later apply

    def settle(
        self,
        plan: Plan,
        *,
        lock: str,
        lock_timeout: float = 0.0,
        on_lock_wait: Callable[[LockInfo], None] | None = None,
    ) -> tuple[str, ...]:
        """A plan with nothing to write (everything matches, or is held back by its scope) means
        its instances are at its commit: record it, under their locks, as apply would."""
        commit = applied.recordable(plan)
        waiting = {c.instance for c in plan.blocked if not c.held}
        done = [i for i in plan.instances if i.name not in waiting]
        if commit is None or plan.updates or not done:
            return ()
        backend = environment.lock_backend(lock)
        keys = [applied.key_of(i, self.port) for i in done]
        with held(backend, keys, "apply", timeout=lock_timeout, on_wait=on_lock_wait) as locks:
            owner = locks.infos[0].owner if locks.infos else ""
            created = plan.meta.created_at if plan.meta else ""
            store = environment.applied_store(backend)
            return tuple(applied.record(done, commit, store, owner, created, self.port))

    # --- the lock ---------------------------------------------------------------------------

    def lock_of(self, state_dir: str, instance: str, lock: str) -> InstanceLock:
        """The apply lock of one instance of the desired state, and who holds it now."""
        spec = load_desired(state_dir, instance).instances[0].spec
        return instance_lock(spec, environment.lock_backend(lock), self.port)

    def unlock(self, found: InstanceLock) -> None:
        """Remove the lock `found` shows, if its holder still holds it (else a clear error)."""
        remove_lock(found)


def _stoppable(applier: Applier, stop: threading.Event | None) -> Applier:
    if stop is not None:
        applier.stop = stop
    return applier


def _refuse_a_second_definition(spec: InstanceSpec, state_dir: str) -> None:
    if not Path(state_dir).exists():
        return  # the first instance exported: nothing can clash
    try:
        clash = already_defined(loader.load(state_dir), spec)
    except LoadError as exc:
        raise ReconcilerError(
            f"cannot tell whether {spec.name!r} is already defined: {state_dir} has "
            f"{len(exc.diagnostics)} problem(s) (see `reconciler validate --state-dir {state_dir}`); "
            "pass --force to export anyway"
        ) from None
    if clash:
        raise ReconcilerError(
            f"{clash}: exporting it again would define it twice in {state_dir}; edit that file, or "
            "pass --force to export anyway (and overwrite files with --out)"
        )


def load_desired(state_dir: str, instance: str | None = None) -> DesiredState:
    """Load the desired state, narrowed to one instance when `instance` is given."""
    desired = loader.load(state_dir)
    if instance is None:
        return desired
    chosen = desired.instance(instance)
    if chosen is None:
        known = ", ".join(i.name for i in desired.instances)
        raise ReconcilerError(f"no instance named {instance!r} in {state_dir} (instances: {known})")
    return replace(desired, instances=(chosen,))


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan with the desired state it was made from (checked by digest)."""

    plan: Plan
    desired: DesiredState
    origin: str
    state_dir: str

    def check(self, live: LiveState) -> None:
        """Refuse the plan unless git and the live values it recorded imply exactly its writes."""
        scopes = applied.plan_scopes(self.plan, self.state_dir)
        replay.check(self.plan, self.desired, live, self.origin, scopes)


def saved_plan(planfile: str, state_dir: str | None) -> SavedPlan:
    """A saved plan, refused if the desired-state files changed since it was made.

    The plan says which state directory it was made from; `state_dir` overrides that (a plan made
    in one checkout and applied in another).
    """
    saved = read_plan(planfile)
    folder = state_dir or (saved.meta.state_dir if saved.meta else DEFAULT_STATE_DIR)
    desired = loader.load(folder)
    if desired.digest != saved.desired_digest:
        raise ReconcilerError(
            f"{planfile}: the files in {folder} changed since this plan was made "
            f"(plan {saved.desired_digest[:12]}, now {desired.digest[:12]}); make a new plan"
        )
    return SavedPlan(saved, desired, planfile, folder)


def read_plan(planfile: str) -> Plan:
    """A saved plan file, or one clear error."""
    try:
        text = Path(planfile).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReconcilerError(f"cannot read the plan {planfile}: not UTF-8 text") from None
    except OSError as exc:
        raise ReconcilerError(f"cannot read the plan {planfile}: {exc.strerror or exc}") from None
    return Plan.from_json(text, planfile)


def rollback_of(journal_file: str) -> Plan:
    """The plan restoring what a journalled apply changed; it carries the instances it names.

    The journal is checked whole (`journal_check`) before anything is planned from it: an edited or
    damaged journal is refused, naming its line, before any call to Connect."""
    return rollback_plan(journal_check.read_checked(journal_file), journal_file)


def instance_spec(fields: dict[str, str]) -> InstanceSpec:
    """An InstanceSpec from command-line values, with the loader's rules and messages."""
    try:
        return InstanceSpec.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or (first.get("ctx") or {}).get("at", "instance")
        raise ReconcilerError(f"invalid instance option {where}: {first['msg']}") from None
