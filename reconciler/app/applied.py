"""`--changed-since applied`, wired: each instance's scope from its record, and the record written.

The scope of a plan made with `--changed-since applied` is taken per instance from the commit last
applied to it (`reconciler.applying.applied`), read where the lock lives, so the PR's plan and the
merge's plan see the same scope, and a push whose apply failed or was cancelled keeps its changes
in the next plan's scope. The commits are kept in the plan (`PlanMeta.applied_commits`), so a saved
plan is replayed with exactly the scope it was made with.

The record is written by an apply that did everything it was asked (applied or already there; a
change held back by the scope counts as done) for an instance, while it still holds that
instance's lock, and only for a plan made from a clean commit: a `-dirty` plan was not made from
any commit, so no commit can be said to be applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.app import git
from reconciler.app.locking import instance_account
from reconciler.applying.applied import AppliedStore, NoAppliedRecord, clean_commit, new_record
from reconciler.applying.lock import lock_key
from reconciler.applying.results import Outcome, Report
from reconciler.desired.state import DesiredState
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import InstanceSummary, Plan
from reconciler.port import ConnectPort

APPLIED = "applied"  # the `--changed-since` value that takes each instance's recorded commit
DONE = (Outcome.APPLIED, Outcome.ALREADY)


def key_of(instance: InstanceSummary, port: ConnectPort | None = None) -> str:
    return lock_key(instance_account(instance, port), instance.spec.region, instance.spec.instance_id)


def recorded_commits(plan: Plan, store: AppliedStore, port: ConnectPort | None = None) -> dict[str, str]:
    """Instance name -> the commit last applied to it; an instance with no record is refused."""
    commits: dict[str, str] = {}
    for instance in plan.instances:
        key = key_of(instance, port)
        record = store.read(key)
        if record is None:
            raise NoAppliedRecord(instance.name, store.where(key))
        commits[instance.name] = record.commit
    return commits


def scopes_at(commits: Mapping[str, str], state_dir: str) -> dict[str, tuple[DesiredState, str]]:
    """Instance name -> (the desired state at its commit, the commit); each commit loaded once."""
    loaded = {commit: git.desired_at(commit, state_dir) for commit in sorted(set(commits.values()))}
    return {name: (loaded[commit], commit) for name, commit in commits.items()}


def plan_scopes(plan: Plan, state_dir: str) -> dict[str, tuple[DesiredState, str]] | None:
    """The scope a saved plan was made with, to replay it: None when it had none."""
    meta = plan.meta
    if meta is None or not meta.changed_since:
        return None
    if meta.changed_since == APPLIED:
        return scopes_at(meta.applied_commits, state_dir)
    before = git.desired_at(meta.changed_since, state_dir)
    return {i.name: (before, meta.changed_since) for i in plan.instances}


def recordable(plan: Plan) -> str | None:
    """The commit a successful apply of `plan` records, None when it records nothing."""
    return clean_commit(plan.meta.git_commit) if plan.meta is not None else None


def done_instances(plan: Plan, report: Report) -> list[InstanceSummary]:
    """The plan's instances for which the run did everything asked."""
    if report.interrupted:
        return []
    finished = {i.name for i in plan.instances}
    for result in report.results:
        if result.outcome not in DONE and not (result.outcome is Outcome.SKIPPED and result.change.held):
            finished.discard(result.change.instance)
    return [i for i in plan.instances if i.name in finished]


def record(
    instances: Iterable[InstanceSummary],
    commit: str,
    store: AppliedStore,
    owner: str,
    plan_created_at: str = "",
    port: ConnectPort | None = None,
) -> list[str]:
    """Write the record of each instance; notes saying what was recorded, or why not."""
    notes = []
    for instance in instances:
        try:
            store.write(new_record(key_of(instance, port), instance.name, commit, owner, plan_created_at))
        except ReconcilerError as exc:
            notes.append(
                f"{instance.name}: applied, but the commit could not be recorded ({exc}): the next "
                "--changed-since applied plan starts from the commit recorded before"
            )
        else:
            notes.append(f"{instance.name}: recorded {commit[:12]} as the last commit applied")
    return notes
