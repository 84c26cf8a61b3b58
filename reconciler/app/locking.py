"""The apply lock, wired: which locks a plan needs, and writes refused once a lock is lost.

A plan names the instances it writes to; each one's lock is named by the instance's account,
Region and instance ID. The account comes from the instance block (`accountId`, an instance ARN),
else from the live read (queue and group ARNs name it; a saved plan and a rollback carry it), else
from the instance's credentials (STS). An apply must never take a lock that another apply on the
same instance would not see, so an account nobody can tell is an error, not a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.applying.lock import Backend, LockDamaged, LockInfo, lock_key
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import ACCOUNT_RE
from reconciler.errors import ReconcilerError
from reconciler.planning.live import Distribution, LiveInstance, LiveQueue
from reconciler.planning.plan import InstanceSummary, Plan
from reconciler.port import ConnectPort


def lock_keys(plan: Plan, port: ConnectPort | None = None) -> list[str]:
    """One lock per instance the plan writes to, named by account, Region and instance ID.

    `port`: the run's, whose sessions (profiles, assumed roles) ask STS when it comes to that.
    """
    names = {c.instance for c in plan.updates}
    return [
        lock_key(instance_account(i, port), i.spec.region, i.spec.instance_id)
        for i in plan.instances
        if i.name in names
    ]


def instance_account(instance: InstanceSummary, port: ConnectPort | None = None) -> str:
    """The instance's account: written, else learned by the live read, else its credentials'."""
    for known in (instance.spec.account, instance.account):
        if known and ACCOUNT_RE.fullmatch(known):
            return known
    return spec_account(instance.spec, port)


def spec_account(spec: InstanceSpec, port: ConnectPort | None = None) -> str:
    """The account an instance block writes, else the one its credentials are in (STS)."""
    if spec.account:
        return spec.account
    from reconciler.connect import Connect
    from reconciler.connect.identity import caller_account

    return caller_account(spec, port.factory if isinstance(port, Connect) else None)


@dataclass(frozen=True)
class InstanceLock:
    """An instance's apply lock, where it lives, and who holds it (None: nobody)."""

    instance: str
    key: str
    where: str
    holder: LockInfo | None
    backend: Backend
    damaged: LockDamaged | None = None  # a lock that does not say who holds it (holder is None)


def instance_lock(spec: InstanceSpec, backend: Backend, port: ConnectPort | None = None) -> InstanceLock:
    """The lock an apply on `spec`'s instance takes, as it is now (`reconciler unlock` shows it)."""
    key = lock_key(spec_account(spec, port), spec.region, spec.instance_id)
    try:
        holder = backend.read(key)
    except LockDamaged as damaged:
        return InstanceLock(spec.name, key, backend.where(key), None, backend, damaged)
    return InstanceLock(spec.name, key, backend.where(key), holder, backend)


def remove_lock(found: InstanceLock) -> None:
    """Remove the lock `found` shows, only if it is still what was shown (same holder, or the
    same damaged lock); a folder where a lock file belongs is left for a person to remove."""
    if found.damaged is not None and found.damaged.folder:
        raise found.damaged
    token = found.holder.token if found.holder is not None else found.damaged.token if found.damaged else None
    if not found.backend.remove(found.key, token):
        raise ReconcilerError(
            f"the lock of {found.instance} changed hands or was removed meanwhile; nothing was removed "
            f"({found.where}): run reconciler unlock again to see who holds it now"
        )


class LockedWrites:
    """A port whose two writes first `check` the lock (reads pass through): a run that lost its
    lock sends nothing more, whichever code path writes."""

    def __init__(self, port: ConnectPort, check: Callable[[], None]) -> None:
        self.port = port
        self.check = check

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
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
        self.check()
        self.port.update_traffic_distribution(spec, group_arn, body, region=region)

    def update_queue_outbound_caller_config(
        self, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        self.check()
        self.port.update_queue_outbound_caller_config(spec, queue_id, body, region=region)
