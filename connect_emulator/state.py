"""The emulator's in-memory Amazon Connect: the objects it serves, one lock, and the dump.

The state is the fixture model made live: instances (each with an optional replica Region) own
flows, claimed phone numbers, traffic distribution groups and queues. Every request handler and
every admin change takes :attr:`EmulatorState.lock` for its whole duration, so a request sees one
consistent state. By default the emulator is strongly consistent; AWS is not, and the
``read_lag`` option makes reads trail writes like AWS's may (see :mod:`connect_emulator.lag`:
the pending lags live in :attr:`EmulatorState.lag`, the objects here always hold the truth).
:meth:`EmulatorState.to_dict` gives the fixture format back, so ``load -> dump -> load`` is the
identity and ``GET /_emulator/state`` can be diffed or saved as a fixture. Parsing and
validating fixtures lives in :mod:`connect_emulator.fixture`.

Instances carry two caches for their (possibly tens of thousands of) queues: an ID -> position
index, checked on every hit so it can never lie, and the match counts of recent queue searches.
A count is stamped with :attr:`EmulatorState.version` (bumped by every API write, admin change and
state replacement) and the number of queues, and is only reused by the later pages of a listing:
the first page always counts afresh, so even an edit made to the objects from Python (which moves
no version) shows in the next listing's count.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connect_emulator.lag import LagTracker

#: Default timestamps are fixed so that dumps and responses are reproducible.
DEFAULT_TIME = 1_700_000_000.0


@dataclass
class Flow:
    id: str
    name: str
    type: str
    state: str = "ACTIVE"
    status: str = "PUBLISHED"
    description: str | None = None


@dataclass
class PhoneNumber:
    id: str
    number: str
    country_code: str
    type: str
    #: ``"instance"`` or the ID of a traffic distribution group of the same instance.
    claimed_to: str
    description: str | None = None
    #: Region of a number claimed to the instance (``None``: the instance's own Region).
    region: str | None = None


@dataclass
class TrafficGroup:
    id: str
    name: str
    #: Home Region: where the group was created and where its bare ID resolves.
    region: str
    is_default: bool
    status: str
    telephony: dict[str, int]
    agents: dict[str, int] | None = None
    sign_in: dict[str, bool] | None = None
    description: str | None = None
    last_failover_time: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: Monotonic-free wall-clock time until which the group reports UPDATE_IN_PROGRESS.
    busy_until: float = 0.0

    def status_at(self, now: float) -> str:
        return "UPDATE_IN_PROGRESS" if now < self.busy_until else self.status


@dataclass
class Queue:
    id: str
    name: str | None
    type: str
    caller_id_name: str | None = None
    caller_id_number_id: str | None = None
    outbound_flow_id: str | None = None
    description: str | None = None
    hours_of_operation_id: str | None = None
    max_contacts: int | None = None
    status: str = "ENABLED"
    tags: dict[str, str] = field(default_factory=dict)
    last_modified_time: float = DEFAULT_TIME
    last_modified_region: str | None = None


@dataclass
class Instance:
    id: str
    account: str
    region: str
    alias: str
    replica_region: str | None = None
    flows: list[Flow] = field(default_factory=list)
    phone_numbers: list[PhoneNumber] = field(default_factory=list)
    groups: list[TrafficGroup] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    created_time: float = DEFAULT_TIME
    identity_management_type: str = "CONNECT_MANAGED"
    status: str = "ACTIVE"
    inbound_calls_enabled: bool = True
    outbound_calls_enabled: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    _queue_index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    #: Queue-search match counts by search key, each with the ``(state version, queue count)``
    #: it was computed at (see :func:`connect_emulator.ops_queues.search_queues`).
    search_counts: dict[str, tuple[tuple[int, int], int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def regions(self) -> tuple[str, ...]:
        """The instance's Region, then its replica Region when it has one."""
        return (self.region, self.replica_region) if self.replica_region else (self.region,)

    def queue(self, queue_id: str) -> Queue | None:
        pos = self.queue_position(queue_id)
        return self.queues[pos] if pos is not None else None

    def queue_position(self, queue_id: str) -> int | None:
        """Where the queue is in :attr:`queues` (``None``: no such queue)."""
        # Queues are many (thousands) and looked up per request: keep an ID -> position index,
        # checked on every hit and rebuilt on a miss, so edits to the list can never make it lie.
        pos = self._queue_index.get(queue_id)
        if pos is None or pos >= len(self.queues) or self.queues[pos].id != queue_id:
            self._queue_index = {q.id: i for i, q in enumerate(self.queues)}
            pos = self._queue_index.get(queue_id)
        return pos

    def flow(self, flow_id: str) -> Flow | None:
        return next((f for f in self.flows if f.id == flow_id), None)

    def group(self, group_id: str) -> TrafficGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def number(self, number_id: str) -> PhoneNumber | None:
        return next((n for n in self.phone_numbers if n.id == number_id), None)

    def number_region(self, number: PhoneNumber) -> str:
        """Region R of the number's ARN: the group's home Region, else the instance's Region."""
        if number.claimed_to == "instance":
            return number.region or self.region
        group = self.group(number.claimed_to)
        return group.region if group else self.region


@dataclass
class EmulatorState:
    """All accounts' Connect resources, guarded by one re-entrant lock."""

    default_account: str = "111122223333"
    access_keys: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    #: Where the state came from, for messages: ``demo``, a file path, or ``dict``.
    source: str = "dict"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    #: Bumped (under the lock) by every change through the API or the admin API; data derived
    #: from the state and cached (queue-search counts) is recomputed when it moves.
    version: int = field(default=0, repr=False, compare=False)
    #: Resources whose reads still show their values from before an API write (the read lag).
    lag: LagTracker = field(default_factory=LagTracker, repr=False, compare=False)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def demo(cls) -> EmulatorState:
        """The bundled demo fixture (``fixtures/demo.yaml``)."""
        from connect_emulator.fixture import load_fixture_file

        state = load_fixture_file(Path(__file__).parent / "fixtures" / "demo.yaml")
        state.source = "demo"
        return state

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorState:
        """Load a YAML/JSON fixture; raises :class:`~connect_emulator.fixture.FixtureError`."""
        from connect_emulator.fixture import load_fixture_file

        return load_fixture_file(Path(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "dict") -> EmulatorState:
        """Build from a fixture-format mapping; raises ``FixtureError`` naming ``source``."""
        from connect_emulator.fixture import state_from_dict

        return state_from_dict(data, source)

    def replace_with(self, other: EmulatorState) -> None:
        """Swap in another state's contents, keeping this object (and its lock) alive."""
        with self.lock:
            self.default_account = other.default_account
            self.access_keys = dict(other.access_keys)
            self.instances = other.instances
            self.source = other.source
            self.lag.clear()
            self.changed()

    def changed(self) -> None:
        """Record a change (call it holding :attr:`lock`): bumps :attr:`version`."""
        self.version += 1

    # -- lookups ------------------------------------------------------------------------------

    def account_for(self, access_key: str) -> str:
        return self.access_keys.get(access_key, self.default_account)

    def instances_in(self, account: str, region: str) -> list[Instance]:
        """Instances of ``account`` reachable from ``region`` (their Region or replica Region)."""
        return [i for i in self.instances if i.account == account and region in i.regions]

    def find_group(self, group_id: str) -> tuple[Instance, TrafficGroup] | None:
        for inst in self.instances:
            group = inst.group(group_id)
            if group is not None:
                return inst, group
        return None

    # -- dump ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole state in the fixture format (what ``GET /_emulator/state`` returns)."""
        with self.lock:
            out: dict[str, Any] = {"defaultAccount": self.default_account}
            if self.access_keys:
                out["accessKeys"] = dict(self.access_keys)
            out["instances"] = [_dump_instance(i) for i in self.instances]
            return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _dump_instance(inst: Instance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": inst.id,
        "account": inst.account,
        "region": inst.region,
        "replicaRegion": inst.replica_region,
        "alias": inst.alias,
        "createdTime": inst.created_time,
        "identityManagementType": inst.identity_management_type,
        "status": inst.status,
        "inboundCallsEnabled": inst.inbound_calls_enabled,
        "outboundCallsEnabled": inst.outbound_calls_enabled,
    }
    out = _drop_none(out)
    if inst.tags:
        out["tags"] = dict(inst.tags)
    out["flows"] = [
        _drop_none(
            {
                "id": f.id,
                "name": f.name,
                "type": f.type,
                "state": f.state,
                "status": f.status,
                "description": f.description,
            }
        )
        for f in inst.flows
    ]
    out["phoneNumbers"] = [
        _drop_none(
            {
                "id": n.id,
                "number": n.number,
                "countryCode": n.country_code,
                "type": n.type,
                "claimedTo": n.claimed_to,
                "region": n.region,
                "description": n.description,
            }
        )
        for n in inst.phone_numbers
    ]
    out["trafficDistributionGroups"] = [_dump_group(g) for g in inst.groups]
    out["queues"] = [_dump_queue(q) for q in inst.queues]
    return out


def _dump_group(g: TrafficGroup) -> dict[str, Any]:
    out = _drop_none(
        {
            "id": g.id,
            "name": g.name,
            "region": g.region,
            "isDefault": g.is_default,
            "status": g.status,
            "description": g.description,
            "telephony": dict(g.telephony),
            "agents": dict(g.agents) if g.agents is not None else None,
            "signIn": dict(g.sign_in) if g.sign_in is not None else None,
            "lastFailoverTime": g.last_failover_time,
        }
    )
    if g.tags:
        out["tags"] = dict(g.tags)
    return out


def _dump_queue(q: Queue) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "name": q.name, "type": q.type}
    out.update(
        _drop_none(
            {
                "callerIdName": q.caller_id_name,
                "callerIdNumberId": q.caller_id_number_id,
                "outboundFlowId": q.outbound_flow_id,
                "description": q.description,
                "hoursOfOperationId": q.hours_of_operation_id,
                "maxContacts": q.max_contacts,
                "status": q.status,
                "lastModifiedTime": q.last_modified_time,
                "lastModifiedRegion": q.last_modified_region,
            }
        )
    )
    if q.tags:
        out["tags"] = dict(q.tags)
    return out
