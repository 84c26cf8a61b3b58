"""A snapshot of the live Connect state, as plain frozen values, so that planning needs no I/O.

`reconciler.connect` fills these from the few paginated calls the API allows; the planner, the
drift report and the tests only ever see these values. Lookups are indexed once per snapshot, since
a plan over 50,000 queues resolves names many times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from reconciler.desired.patterns import PHONE_ARN_RE, PHONE_INSTANCE_ARN_RE, UUID_RE


def number_identity(value: str) -> str:
    """The identity of a phone number held as an ID or as an ARN: its UUID, lower-cased.

    Connect reads may return the ID where a plan sent the ARN; comparing raw strings would make a
    perpetual diff, so both sides are compared by this identity.
    """
    match = PHONE_ARN_RE.match(value) or PHONE_INSTANCE_ARN_RE.match(value)
    if match:
        return match.group(3).lower()
    return value.lower() if UUID_RE.match(value) else value


@dataclass(frozen=True)
class LiveQueue:
    id: str
    arn: str
    name: str
    caller_id_name: str | None = None
    caller_id_number: str | None = None  # as Connect returned it: an ID or an ARN
    whisper_flow_id: str | None = None


@dataclass(frozen=True)
class LiveFlow:
    id: str
    arn: str
    name: str
    type: str


@dataclass(frozen=True)
class LivePhoneNumber:
    id: str
    arn: str  # arn:aws:connect:REGION:ACCOUNT:phone-number/ID, the form that works from either Region
    number: str  # E.164
    target_arn: str  # the instance or traffic distribution group it is claimed to


@dataclass(frozen=True)
class Distribution:
    """Telephony and agent percentages and sign-in flags, keyed by Region."""

    telephony: dict[str, int]
    agents: dict[str, int] | None = None
    sign_in: dict[str, bool] | None = None


@dataclass(frozen=True)
class LiveGroup:
    id: str
    arn: str
    name: str
    status: str
    is_default: bool
    distribution: Distribution | None = None  # read for managed groups only

    @property
    def home_region(self) -> str:
        return self.arn.split(":")[3]


@dataclass(frozen=True)
class LiveInstance:
    """Everything the planner needs about one instance, read at one moment."""

    name: str
    id: str
    region: str
    replica_region: str
    account: str | None
    queues: tuple[LiveQueue, ...] = ()
    flows: tuple[LiveFlow, ...] = ()
    numbers: tuple[LivePhoneNumber, ...] = ()
    groups: tuple[LiveGroup, ...] = ()
    calls: int = 0  # API calls the read took, for the plan summary and benchmarks
    read_region: str = ""  # the Region it was read in, when not `region` (the source was down)

    @cached_property
    def numbers_by_identity(self) -> dict[str, LivePhoneNumber]:
        return {number_identity(n.id): n for n in self.numbers}

    @cached_property
    def flows_by_id(self) -> dict[str, LiveFlow]:
        return {f.id: f for f in self.flows}

    @cached_property
    def queues_by_id(self) -> dict[str, LiveQueue]:
        """Apply looks up every changed queue: a scan each would be quadratic at 50,000 queues."""
        return {q.id: q for q in self.queues}

    @cached_property
    def groups_by_id(self) -> dict[str, LiveGroup]:
        return {g.id: g for g in self.groups}


@dataclass(frozen=True)
class LiveState:
    instances: tuple[LiveInstance, ...] = field(default_factory=tuple)

    def instance(self, name: str) -> LiveInstance | None:
        return next((i for i in self.instances if i.name == name), None)
