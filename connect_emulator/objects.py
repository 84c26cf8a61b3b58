"""The Amazon Connect resources the emulator serves: plain data, no loading, no locking.

Instances (each with an optional replica Region) own contact flows, claimed phone numbers,
traffic distribution groups and queues. These classes are what fixtures are read into
(:mod:`connect_emulator.fixture`), what :class:`~connect_emulator.state.EmulatorState` holds
under its lock, and what the operations read and change. They sit at the bottom of the import
graph on purpose: every other module may use them, they use nothing of the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

#: Default timestamps are fixed so that dumps and responses are reproducible.
DEFAULT_TIME: Final = 1_700_000_000.0

#: ``TrafficDistributionGroupStatus`` of the service model.
GROUP_STATUSES: Final = (
    "CREATION_IN_PROGRESS",
    "ACTIVE",
    "CREATION_FAILED",
    "PENDING_DELETION",
    "DELETION_FAILED",
    "UPDATE_IN_PROGRESS",
)


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
    #: Home Region: where the group was created, where its bare ID resolves and which its ARN
    #: names. Connect creates groups in the instance's (source) Region only, so a fixture can
    #: set nothing else (:mod:`connect_emulator.fixture_check`).
    region: str
    is_default: bool
    status: str
    telephony: dict[str, int]
    agents: dict[str, int] | None = None
    sign_in: dict[str, bool] | None = None
    description: str | None = None
    last_failover_time: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: Wall-clock time until which the group reports UPDATE_IN_PROGRESS.
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
    #: The replica Region's own copy once the Regions' queue config has diverged, which only
    #: happens with ``queue_replication="none"`` (:mod:`connect_emulator.replication`);
    #: ``None``: both Regions read this object.
    replica: Queue | None = field(default=None, repr=False)


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
