"""Active overrides, wired: where they are stored, and reading them for plan, apply and drift.

Overrides live beside the instance's lock, in the lock's own backend (`--lock`): a file next to the
lock file, or an item next to the lock item in the DynamoDB table, so every runner that would take
the lock sees them. Plan, apply and drift read them here and hand them to the pure code in
`reconciler.planning.overridden`; apply ends the ones git has adopted.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.app import environment
from reconciler.app.locking import instance_account
from reconciler.applying.lock import Backend, lock_key
from reconciler.applying.lockfile import FileBackend
from reconciler.applying.overrides import FileOverrides, OverrideStore
from reconciler.desired.patterns import ACCOUNT_RE
from reconciler.desired.state import DesiredState
from reconciler.errors import ReconcilerError
from reconciler.planning.live import LiveState
from reconciler.planning.override import Override
from reconciler.planning.plan import InstanceSummary
from reconciler.port import ConnectPort


def override_store(backend: Backend) -> OverrideStore:
    """Where overrides live: beside the lock, in the lock's own backend."""
    if isinstance(backend, FileBackend):
        return FileOverrides(backend.folder)
    from reconciler.connect.dynamolock import DynamoBackend
    from reconciler.connect.dynamooverrides import DynamoOverrides

    if isinstance(backend, DynamoBackend):
        return DynamoOverrides(backend)
    raise ReconcilerError("this lock backend keeps no overrides")  # pragma: no cover


def key_of(port: ConnectPort | None, summary: InstanceSummary) -> str:
    """The lock key of an instance: its override is stored beside it."""
    return lock_key(instance_account(summary, port), summary.spec.region, summary.spec.instance_id)


def overrides_of_live(
    port: ConnectPort | None, desired: DesiredState, live: LiveState, lock: str
) -> dict[str, Override]:
    """`overrides_of` for a drift report: the instances read live, by their live account."""
    store = override_store(environment.lock_backend(lock))
    found: dict[str, Override] = {}
    for instance in desired.instances:
        read = live.instance(instance.name)
        if read is None:
            continue
        account = _known_account(instance.spec.account, read.account)
        if account is None:
            continue  # no group read either (group ARNs name the account): nothing to override
        override = store.read(lock_key(account, instance.spec.region, instance.spec.instance_id))
        if override is not None:
            found[instance.name] = override
    return found


def overrides_of(
    port: ConnectPort | None, instances: tuple[InstanceSummary, ...], lock: str
) -> dict[str, Override]:
    """The active override of each instance, by instance name (reads the store beside the lock)."""
    if not instances:
        return {}
    store = override_store(environment.lock_backend(lock))
    found: dict[str, Override] = {}
    for summary in instances:
        account = _known_account(summary.spec.account, summary.account)
        if account is None:
            continue  # no group read either (group ARNs name the account): nothing to override
        override = store.read(lock_key(account, summary.spec.region, summary.spec.instance_id))
        if override is not None:
            found[summary.name] = override
    return found


def _known_account(*candidates: str | None) -> str | None:
    """The account the instance block or the live read names; never asks STS (plan and drift
    need no STS permission for this)."""
    return next((c for c in candidates if c and ACCOUNT_RE.fullmatch(c)), None)


def end_adopted(lock: str, overrides: Mapping[str, Override], adopted: list[str]) -> list[str]:
    """End the overrides git has adopted; what was ended, as notes."""
    store = override_store(environment.lock_backend(lock))
    notes = []
    for name in adopted:
        override = overrides[name]
        if store.remove(override.key, override.token):
            notes.append(
                f"{name}: git now equals the failover's values; the override ({override.describe()}) ended"
            )
    return notes
