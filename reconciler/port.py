"""The one seam between the reconciler and Amazon Connect: the reads it needs and the two writes.

Like httpx's transport, everything that crosses the network goes through this narrow interface,
so that what lies above it is plain logic over plain values:

- `reconciler.connect.Connect` implements it with boto3 (the only code that imports boto3);
- the tests implement it in memory (`tests/support/fake_connect.py`), so the applier's rules run in
  milliseconds without a network, and end-to-end tests drive the real one against the emulator.

Every call says which Region it goes to: an instance is replicated to a second Region, either can
answer for it (groups and numbers addressed by ARN), and when one is down the other is all there
is. Failures are `ConnectCallError`s (`retryable` says whether the Region may simply be failing);
anything else a port raises is a bug.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.desired.model import InstanceSpec
from reconciler.planning.live import Distribution, LiveInstance, LiveQueue


class ConnectPort(Protocol):
    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        """Everything a plan needs about one instance, read in `region`, with the fewest calls.

        Distributions are read for the groups whose name, ID or ARN is in `groups` (None: all of
        them) and for the default group, and only while a group is ACTIVE.
        """
        ...

    def search_queues(self, spec: InstanceSpec, *, region: str) -> Mapping[str, LiveQueue]:
        """Every STANDARD queue of the instance by ID, in pages (bulk read-back)."""
        ...

    def describe_queue(self, spec: InstanceSpec, queue_id: str, *, region: str) -> LiveQueue: ...

    def group_status(self, spec: InstanceSpec, group_arn: str, *, region: str) -> str:
        """The group's Status (ACTIVE, UPDATE_IN_PROGRESS, ...): read before any distribution call."""
        ...

    def traffic_distribution(self, spec: InstanceSpec, group_arn: str, *, region: str) -> Distribution: ...

    def update_traffic_distribution(
        self, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], *, region: str
    ) -> None: ...

    def update_queue_outbound_caller_config(
        self, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], *, region: str
    ) -> None: ...


@dataclass(frozen=True)
class AlarmState:
    """One CloudWatch alarm as DescribeAlarms returns it (reason: external text, escape it)."""

    name: str
    region: str
    state: str  # OK, ALARM or INSUFFICIENT_DATA; MISSING when no alarm has that name
    reason: str = ""
    since: str = ""  # StateUpdatedTimestamp, ISO 8601


class AlarmPort(Protocol):
    """The Connect port's sibling for CloudWatch: the alarms that gate a progressive shift."""

    def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
        """The alarms named, read in `region` with as few DescribeAlarms calls as possible (one
        per 100 names); an alarm that does not exist comes back as MISSING."""
        ...
