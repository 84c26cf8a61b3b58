"""The emulator's in-memory Amazon Connect: the objects it serves, one lock, and the dump.

The state is a fixture made live: the instances of :mod:`connect_emulator.objects` (each with
an optional replica Region, owning flows, claimed numbers, groups and queues) of every account,
behind one lock. Every request handler and every admin change takes :attr:`EmulatorState.lock`
for its whole duration, so a request sees one consistent state. By default the emulator is
strongly consistent; AWS is not, and the ``read_lag`` option makes reads trail writes like
AWS's may (see :mod:`connect_emulator.lag`: the pending lags live in :attr:`EmulatorState.lag`,
the objects here always hold the truth). :meth:`EmulatorState.to_dict` gives the fixture format
back, so ``load -> dump -> load`` is the identity and ``GET /_emulator/state`` can be diffed or
saved as a fixture. Loading and checking fixtures are functions of
:mod:`connect_emulator.fixture`, which knows nothing of this class: the constructors here
(:meth:`EmulatorState.demo`, ``from_file``, ``from_dict``) call them.

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

from connect_emulator.fixture import DEMO_FIXTURE, Fixture, fixture_from_data, load_fixture_file
from connect_emulator.lag import LagTracker
from connect_emulator.objects import Flow, Instance, PhoneNumber, Queue, TrafficGroup

__all__ = ["EmulatorState", "Flow", "Instance", "PhoneNumber", "Queue", "TrafficGroup"]


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
    def from_fixture(cls, fixture: Fixture) -> EmulatorState:
        """Serve a checked fixture (see :mod:`connect_emulator.fixture` for loading one)."""
        return cls(
            default_account=fixture.default_account,
            access_keys=dict(fixture.access_keys),
            instances=fixture.instances,
            source=fixture.source,
        )

    @classmethod
    def demo(cls) -> EmulatorState:
        """The bundled demo fixture (``fixtures/demo.yaml``)."""
        state = cls.from_fixture(load_fixture_file(DEMO_FIXTURE))
        state.source = "demo"
        return state

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorState:
        """Load a YAML/JSON fixture; raises :class:`~connect_emulator.fixture.FixtureError`."""
        return cls.from_fixture(load_fixture_file(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "dict") -> EmulatorState:
        """Build from a fixture-format mapping; raises ``FixtureError`` naming ``source``."""
        return cls.from_fixture(fixture_from_data(data, source))

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
    if q.replica is not None:
        r = q.replica
        out["replica"] = _drop_none(
            {
                "callerIdName": r.caller_id_name,
                "callerIdNumberId": r.caller_id_number_id,
                "outboundFlowId": r.outbound_flow_id,
                "lastModifiedTime": r.last_modified_time,
                "lastModifiedRegion": r.last_modified_region,
            }
        )
    return out
