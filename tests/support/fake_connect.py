"""An in-memory Connect behind the port, for the applier's logic tests (no network, no boto3).

Like httpx's `MockTransport`, it stands in for the network at the one seam the reconciler has
(`reconciler.port.ConnectPort`): the applier cannot tell it from the boto3 port, and its rules run
in milliseconds. It keeps one instance's queues and groups, applies writes to them, and logs every
call (`read_instance` as one `ReadInstance` call: the real port makes a dozen listing calls for it).
Tests script the weather through plain attributes:

- `down`: Regions that do not answer (every call there fails as unreachable, retryable);
- `fail`: operation -> errors to raise on its next calls, in order (nothing is changed);
- `fail_after`: write operation -> errors to raise on its next calls *after* the write has landed
  (the answer lost on the way back: the caller cannot know that it worked);
- `busy`: group ID -> how many more status reads answer UPDATE_IN_PROGRESS;
- `lag`: resource ID -> how many more reads show the values from before its last write;
- `before_write`: called with (operation, resource ID) right before a write lands, to play
  someone else's change racing the apply.

Where it answers, it answers as the real port does over Connect (as the emulator models it):
distributions are read for the groups named (a name exactly, an ID or ARN in any case) and the
default group, whatever their status; a queue write stores the number and the flow as IDs
whatever form they were sent in, and keeps the fields it does not send; errors are
`ConnectCallError`s, retryable for throttling and 5xx as `reconciler.connect.errors` says.
End-to-end behaviour (the wire format, botocore's retries, the emulator's rules) is tested
against the emulator; this fake models only what the applier's decisions depend on.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.connect.errors import RETRYABLE_CODES
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import GROUP_ARN_RE
from reconciler.errors import ConnectCallError
from reconciler.planning.live import Distribution, LiveGroup, LiveInstance, LiveQueue

WRITES = ("UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig")


@dataclass(frozen=True)
class Call:
    operation: str
    region: str
    target: str  # the queue ID, group ARN or instance ID the call is about


def unreachable(operation: str, region: str) -> ConnectCallError:
    return ConnectCallError(
        f"{operation} in {region} failed: cannot reach the Connect endpoint",
        operation=operation,
        region=region,
        code="Unreachable",
        status=None,
        retryable=True,
    )


def refused(
    operation: str,
    region: str,
    code: str = "InvalidRequestException",
    status: int = 400,
    message: str = "",
) -> ConnectCallError:
    """The error the real port raises for a service answer `code` (HTTP `status`)."""
    return ConnectCallError(
        f"{operation} in {region} failed: {code}{': ' + message if message else ''}",
        operation=operation,
        region=region,
        code=code,
        status=status,
        retryable=code in RETRYABLE_CODES or status >= 500,
    )


def server_error(operation: str, region: str) -> ConnectCallError:
    """A 500 that botocore has retried to the end: the Region may simply be failing."""
    return refused(operation, region, "InternalServiceException", 500)


@dataclass
class FakeConnect:
    instance: LiveInstance
    down: set[str] = field(default_factory=set)
    fail: dict[str, list[ConnectCallError]] = field(default_factory=dict)
    fail_after: dict[str, list[ConnectCallError]] = field(default_factory=dict)
    busy: dict[str, int] = field(default_factory=dict)
    lag: dict[str, int] = field(default_factory=dict)
    before_write: Callable[[str, str], None] | None = None
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self.queues: dict[str, LiveQueue] = {q.id: q for q in self.instance.queues}
        self.groups: dict[str, LiveGroup] = {g.id: g for g in self.instance.groups}
        self._old: dict[str, LiveQueue | LiveGroup] = {}

    # --- what tests look at -------------------------------------------------------------------

    def ops(self, *names: str) -> list[Call]:
        """The calls to these operations (all calls when none is named), in order."""
        return [c for c in self.calls if not names or c.operation in names]

    def writes(self) -> list[Call]:
        return self.ops(*WRITES)

    def set_queue(self, queue_id: str, **fields: Any) -> None:
        """Someone else's change to a queue (fields of `LiveQueue`)."""
        with self._lock:
            self.queues[queue_id] = dataclasses.replace(self.queues[queue_id], **fields)

    def set_distribution(self, group_id: str, **fields: Any) -> None:
        """Someone else's change to a group's distribution (fields of `Distribution`)."""
        with self._lock:
            group = self.groups[group_id]
            assert group.distribution is not None
            self.groups[group_id] = dataclasses.replace(
                group, distribution=dataclasses.replace(group.distribution, **fields)
            )

    # --- the port -----------------------------------------------------------------------------

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        self._call("ReadInstance", region, spec.instance_id)
        with self._lock:
            shown = []
            for group in self.groups.values():
                read = _named(group, groups) or (bool(groups) and group.is_default)
                visible = self._visible(group)
                # Connect shows a distribution only while the group is ACTIVE (the port reads the
                # status first and skips the distribution otherwise).
                read = read and visible.status == "ACTIVE"
                shown.append(visible if read else dataclasses.replace(visible, distribution=None))
            return dataclasses.replace(
                self.instance,
                queues=tuple(self._visible(q) for q in self.queues.values()),
                groups=tuple(shown),
                read_region=region,
            )

    def search_queues(self, spec: InstanceSpec, *, region: str) -> Mapping[str, LiveQueue]:
        self._call("SearchQueues", region, spec.instance_id)
        with self._lock:
            return {q.id: self._visible(q) for q in self.queues.values()}

    def describe_queue(self, spec: InstanceSpec, queue_id: str, *, region: str) -> LiveQueue:
        self._call("DescribeQueue", region, queue_id)
        with self._lock:
            if queue_id not in self.queues:
                raise refused("DescribeQueue", region, "ResourceNotFoundException", 404)
            queue: LiveQueue = self._visible(self.queues[queue_id])
            return queue

    def group_status(self, spec: InstanceSpec, group_arn: str, *, region: str) -> str:
        self._call("DescribeTrafficDistributionGroup", region, group_arn)
        with self._lock:
            group = self._group(group_arn, "DescribeTrafficDistributionGroup", region)
            if self.busy.get(group.id, 0) > 0:
                self.busy[group.id] -= 1
                return "UPDATE_IN_PROGRESS"
            return group.status

    def traffic_distribution(self, spec: InstanceSpec, group_arn: str, *, region: str) -> Distribution:
        self._call("GetTrafficDistribution", region, group_arn)
        with self._lock:
            group: LiveGroup = self._visible(self._group(group_arn, "GetTrafficDistribution", region))
            if group.status != "ACTIVE":  # Connect answers only while a group is ACTIVE
                raise refused("GetTrafficDistribution", region)
            if group.distribution is None:
                raise refused("GetTrafficDistribution", region, "ResourceNotFoundException", 404)
            return group.distribution

    def update_traffic_distribution(
        self, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        operation = "UpdateTrafficDistribution"
        self._call(operation, region, group_arn)
        group = self._group(group_arn, operation, region)
        if self.before_write is not None:
            self.before_write(operation, group.id)
        with self._lock:
            group = self.groups[group.id]
            if group.status != "ACTIVE" or group.distribution is None:
                raise refused(operation, region)
            old = group.distribution
            new = Distribution(
                telephony=_percentages(body["TelephonyConfig"]),
                agents=_percentages(body["AgentConfig"]) if "AgentConfig" in body else old.agents,
                sign_in=_flags(body["SignInConfig"]) if "SignInConfig" in body else old.sign_in,
            )
            self._old[group.id] = group
            self.groups[group.id] = dataclasses.replace(group, distribution=new)
        self._answer_lost(operation)

    def update_queue_outbound_caller_config(
        self, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        operation = "UpdateQueueOutboundCallerConfig"
        self._call(operation, region, queue_id)
        if self.before_write is not None:
            self.before_write(operation, queue_id)
        with self._lock:
            if queue_id not in self.queues:
                raise refused(operation, region, "ResourceNotFoundException", 404)
            config = body["OutboundCallerConfig"]
            queue = self.queues[queue_id]
            self._old[queue_id] = queue
            number, flow = config.get("OutboundCallerIdNumberId"), config.get("OutboundFlowId")
            self.queues[queue_id] = dataclasses.replace(
                queue,
                caller_id_name=config.get("OutboundCallerIdName", queue.caller_id_name),
                caller_id_number=_id_of(number) if number else queue.caller_id_number,
                whisper_flow_id=_id_of(flow) if flow else queue.whisper_flow_id,
            )
        self._answer_lost(operation)

    # --- inside -------------------------------------------------------------------------------

    def _call(self, operation: str, region: str, target: str) -> None:
        with self._lock:
            self.calls.append(Call(operation, region, target))
            if region in self.down:
                raise unreachable(operation, region)
            scripted = self.fail.get(operation)
            if scripted:
                raise scripted.pop(0)

    def _answer_lost(self, operation: str) -> None:
        with self._lock:
            scripted = self.fail_after.get(operation)
            if scripted:
                raise scripted.pop(0)

    def _group(self, arn: str, operation: str, region: str) -> LiveGroup:
        found = next((g for g in self.groups.values() if arn in (g.arn, g.id)), None)
        if found is None:
            raise refused(operation, region, "ResourceNotFoundException", 404)
        return found

    def _visible(self, resource: Any) -> Any:
        """What a read shows: the value before the last write while its lag lasts."""
        if self.lag.get(resource.id, 0) > 0 and resource.id in self._old:
            self.lag[resource.id] -= 1
            return self._old[resource.id]
        return resource


def _named(group: LiveGroup, keys: Collection[str] | None) -> bool:
    """Whether a desired key names `group`, as the real port matches them (None names them all)."""
    if keys is None:
        return True
    ids = {group.id.lower(), group.arn.lower()}
    for key in keys:
        arn = GROUP_ARN_RE.match(key)
        if key == group.name or (arn.group(3) if arn else key).lower() in ids:
            return True
    return False


def _id_of(ref: str) -> str:
    """A number or flow as Connect stores it: its ID, also when it was sent as an ARN."""
    return ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref


def _percentages(config: Mapping[str, Any]) -> dict[str, int]:
    return {d["Region"]: int(d["Percentage"]) for d in config["Distributions"]}


def _flags(config: Mapping[str, Any]) -> dict[str, bool]:
    return {d["Region"]: bool(d["Enabled"]) for d in config["Distributions"]}
