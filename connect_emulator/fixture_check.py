"""Checking a fixture document: the rules a fixture must meet, with errors naming file and line.

A fixture (the format of ``fixtures/demo.yaml``) is checked strictly: unknown keys, wrong types,
duplicate IDs, Regions that do not belong to the instance and dangling references (a queue's
caller ID number or outbound flow that the instance does not have) are all refused, because a
typo in a fixture would otherwise show up later as a puzzling ``ResourceNotFoundException`` in a
test. Where Amazon Connect itself would never produce a state, the fixture is refused too: a
traffic distribution group exists only in its instance's (source) Region, because
CreateTrafficDistributionGroup is refused in the replica Region (admin guide, "Set up traffic
distribution groups"), so a group homed anywhere else is an error naming the group.

The checker works on plain data (``dict``/``list``); when the data came from YAML, each mapping
is a :class:`LineMap` that remembers its lines (:mod:`connect_emulator.fixture` builds them), so
errors read ``demo.yaml:42: instances[0].queues[3].type: ...``. The result is a
:class:`Fixture` of :mod:`connect_emulator.objects`; turning it into a served state is
:meth:`EmulatorState.from_fixture <connect_emulator.state.EmulatorState.from_fixture>`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any

from connect_emulator.objects import (
    DEFAULT_TIME,
    GROUP_STATUSES,
    Flow,
    Instance,
    PhoneNumber,
    Queue,
    TrafficGroup,
)

REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+){1,2}-[0-9]$")
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
FLOW_TYPES = [
    "CONTACT_FLOW",
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "CUSTOMER_WHISPER",
    "AGENT_HOLD",
    "AGENT_WHISPER",
    "OUTBOUND_WHISPER",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
    "CAMPAIGN",
]
NUMBER_TYPES = ["TOLL_FREE", "DID", "UIFN", "SHARED", "THIRD_PARTY_TF", "THIRD_PARTY_DID", "SHORT_CODE"]


class FixtureError(Exception):
    """A fixture could not be read; ``str()`` is one line naming the file (and line)."""


class LineMap(dict[str, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int | None = None
    key_lines: dict[str, int]


@dataclass
class Fixture:
    """A checked fixture: the accounts' Connect resources, ready to be served."""

    default_account: str = "111122223333"
    access_keys: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    #: Where it came from, for messages: a file path, ``dict``, ``PUT /_emulator/state``...
    source: str = "dict"


def check_fixture(data: Any, source: str = "dict") -> Fixture:
    """Check a fixture document and build its objects; raises :class:`FixtureError`."""
    return _Reader(source).fixture(data)


class _Reader:
    """Walks the fixture, converting and checking each field; errors carry path and line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: Any, path: str, message: str, key: str | None = None) -> FixtureError:
        line = None
        if isinstance(where, LineMap):
            line = where.key_lines.get(key, where.line) if key else where.line
        loc = f"{self.source}:{line}" if line else self.source
        return FixtureError(f"{loc}: {path}: {message}")

    def mapping(self, value: Any, path: str, allowed: Set[str], parent: Any = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(parent, path, f"expected a mapping, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                raise self.fail(value, f"{path}.{key}", "unknown field", key)
        return value

    def get(self, d: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], **kw: Any) -> Any:
        if key not in d or d[key] is None:
            if "default" in kw:
                return kw["default"]
            raise self.fail(d, f"{path}.{key}", "required field is missing", key)
        value = d[key]
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # e.g. an unquoted account number
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(d, f"{path}.{key}", f"expected {names}, got {value!r}", key)
        choices = kw.get("choices")
        if choices is not None and value not in choices:
            raise self.fail(d, f"{path}.{key}", f"must be one of {', '.join(choices)}", key)
        if kind is str and not value:
            raise self.fail(d, f"{path}.{key}", "must not be empty", key)
        return value

    def items(self, d: dict[str, Any], key: str, path: str) -> list[Any]:
        value = d.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(d, f"{path}.{key}", "expected a list", key)
        return value

    def str_map(self, d: dict[str, Any], key: str, path: str) -> dict[str, str]:
        value = d.get(key) or {}
        if not isinstance(value, dict):
            raise self.fail(d, f"{path}.{key}", "expected a mapping", key)
        return {str(k): str(v) for k, v in value.items()}

    # -- the fixture ------------------------------------------------------------------------

    def fixture(self, data: Any) -> Fixture:
        top = self.mapping(data, "fixture", {"defaultAccount", "accessKeys", "instances"})
        fixture = Fixture(
            default_account=self.get(top, "defaultAccount", "fixture", str, default="111122223333"),
            access_keys=self.str_map(top, "accessKeys", "fixture"),
            source=self.source,
        )
        seen: set[str] = set()
        for i, raw in enumerate(self.items(top, "instances", "fixture")):
            inst = self.instance(raw, f"instances[{i}]", fixture.default_account, top)
            if inst.id in seen:
                raise self.fail(raw, f"instances[{i}].id", f"duplicate instance ID {inst.id}", "id")
            seen.add(inst.id)
            fixture.instances.append(inst)
        return fixture

    def instance(self, raw: Any, path: str, account: str, parent: Any) -> Instance:
        d = self.mapping(raw, path, INSTANCE_KEYS, parent)
        inst = Instance(
            id=self.get(d, "id", path, str),
            account=self.get(d, "account", path, str, default=account),
            region=self.region(d, "region", path),
            alias=self.get(d, "alias", path, str, default="instance"),
            replica_region=self.region(d, "replicaRegion", path, required=False),
            created_time=self.get(d, "createdTime", path, float, default=DEFAULT_TIME),
            identity_management_type=self.get(
                d,
                "identityManagementType",
                path,
                str,
                default="CONNECT_MANAGED",
                choices=["SAML", "CONNECT_MANAGED", "EXISTING_DIRECTORY"],
            ),
            status=self.get(
                d, "status", path, str, default="ACTIVE", choices=["CREATION_IN_PROGRESS", "ACTIVE"]
            ),
            inbound_calls_enabled=self.get(d, "inboundCallsEnabled", path, bool, default=True),
            outbound_calls_enabled=self.get(d, "outboundCallsEnabled", path, bool, default=True),
            tags=self.str_map(d, "tags", path),
        )
        if inst.replica_region == inst.region:
            raise self.fail(d, f"{path}.replicaRegion", "must differ from region", "replicaRegion")
        for j, f in enumerate(self.items(d, "flows", path)):
            inst.flows.append(self.flow(f, f"{path}.flows[{j}]", d))
        for j, g in enumerate(self.items(d, "trafficDistributionGroups", path)):
            inst.groups.append(self.group(g, f"{path}.trafficDistributionGroups[{j}]", inst, d))
        for j, n in enumerate(self.items(d, "phoneNumbers", path)):
            inst.phone_numbers.append(self.number(n, f"{path}.phoneNumbers[{j}]", inst, d))
        for j, q in enumerate(self.items(d, "queues", path)):
            inst.queues.append(self.queue(q, f"{path}.queues[{j}]", inst, d))
        for kind, objs in (
            ("flow", inst.flows),
            ("group", inst.groups),
            ("number", inst.phone_numbers),
            ("queue", inst.queues),
        ):
            dupes = [x for x, n in Counter(o.id for o in objs).items() if n > 1]
            if dupes:
                raise self.fail(d, path, f"duplicate {kind} ID {dupes[0]}")
        if sum(g.is_default for g in inst.groups) > 1:
            raise self.fail(d, f"{path}.trafficDistributionGroups", "more than one default group")
        return inst

    def region(self, d: dict[str, Any], key: str, path: str, required: bool = True) -> Any:
        value = self.get(d, key, path, str, **({} if required else {"default": None}))
        if value is not None and not REGION_RE.match(value):
            raise self.fail(d, f"{path}.{key}", f"not a Region: {value!r}", key)
        return value

    def flow(self, raw: Any, path: str, parent: Any) -> Flow:
        d = self.mapping(raw, path, {"id", "name", "type", "state", "status", "description"}, parent)
        return Flow(
            id=self.get(d, "id", path, str),
            name=self.get(d, "name", path, str),
            type=self.get(d, "type", path, str, choices=FLOW_TYPES),
            state=self.get(d, "state", path, str, default="ACTIVE", choices=["ACTIVE", "ARCHIVED"]),
            status=self.get(d, "status", path, str, default="PUBLISHED", choices=["PUBLISHED", "SAVED"]),
            description=self.get(d, "description", path, str, default=None),
        )

    def group(self, raw: Any, path: str, inst: Instance, parent: Any) -> TrafficGroup:
        d = self.mapping(raw, path, GROUP_KEYS, parent)
        if inst.replica_region is None:
            raise self.fail(d, path, "traffic distribution groups need an instance with replicaRegion")
        group_id = self.get(d, "id", path, str)
        name = self.get(d, "name", path, str)
        region = self.region(d, "region", path, required=False) or inst.region
        if region != inst.region:
            raise self.fail(
                d,
                f"{path}.region",
                f"group {name} ({group_id}) is homed in {region}, but traffic distribution groups "
                f"exist only in the instance's Region {inst.region} (Connect creates them in the "
                "source Region only; the replica Region reaches them by ARN)",
                "region",
            )
        is_default = self.get(d, "isDefault", path, bool, default=False)
        telephony = self.distribution(d, "telephony", path, inst, int)
        agents = self.distribution(d, "agents", path, inst, int, required=False)
        sign_in = self.distribution(d, "signIn", path, inst, bool, required=False)
        if sign_in is not None and not is_default:
            raise self.fail(d, f"{path}.signIn", "only the default group has a sign-in config", "signIn")
        if sign_in is None and is_default:
            sign_in = dict.fromkeys(inst.regions, True)
        return TrafficGroup(
            id=group_id,
            name=name,
            region=region,
            is_default=is_default,
            status=self.get(d, "status", path, str, default="ACTIVE", choices=GROUP_STATUSES),
            telephony=telephony,
            agents=agents,
            sign_in=sign_in,
            description=self.get(d, "description", path, str, default=None),
            last_failover_time=self.get(d, "lastFailoverTime", path, float, default=None),
            tags=self.str_map(d, "tags", path),
        )

    def distribution(
        self, d: dict[str, Any], key: str, path: str, inst: Instance, kind: type, required: bool = True
    ) -> Any:
        value = d.get(key)
        if value is None:
            if required:
                raise self.fail(d, f"{path}.{key}", "required field is missing", key)
            return None
        if not isinstance(value, dict) or set(value) != set(inst.regions):
            raise self.fail(d, f"{path}.{key}", f"needs exactly the Regions {', '.join(inst.regions)}", key)
        for region, v in value.items():
            if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
                raise self.fail(d, f"{path}.{key}.{region}", f"expected {kind.__name__}, got {v!r}", key)
        return dict(value)

    def number(self, raw: Any, path: str, inst: Instance, parent: Any) -> PhoneNumber:
        d = self.mapping(
            raw, path, {"id", "number", "countryCode", "type", "claimedTo", "region", "description"}, parent
        )
        number = PhoneNumber(
            id=self.get(d, "id", path, str),
            number=self.get(d, "number", path, str),
            country_code=self.get(d, "countryCode", path, str, default="US"),
            type=self.get(d, "type", path, str, default="DID", choices=NUMBER_TYPES),
            claimed_to=self.get(d, "claimedTo", path, str, default="instance"),
            region=self.region(d, "region", path, required=False),
            description=self.get(d, "description", path, str, default=None),
        )
        if not E164_RE.match(number.number):
            raise self.fail(d, f"{path}.number", "must be E.164, e.g. +12065550100", "number")
        if number.claimed_to != "instance" and inst.group(number.claimed_to) is None:
            raise self.fail(
                d, f"{path}.claimedTo", "must be 'instance' or a traffic distribution group ID", "claimedTo"
            )
        if number.region is not None and (
            number.claimed_to != "instance" or number.region not in inst.regions
        ):
            raise self.fail(d, f"{path}.region", "only for instance numbers, one of the instance Regions")
        return number

    def queue(self, raw: Any, path: str, inst: Instance, parent: Any) -> Queue:
        d = self.mapping(raw, path, QUEUE_KEYS, parent)
        qtype = self.get(d, "type", path, str, default="STANDARD", choices=["STANDARD", "AGENT"])
        name = self.get(d, "name", path, str, default=None)
        if name is None and qtype == "STANDARD":
            raise self.fail(d, f"{path}.name", "a STANDARD queue needs a name", "name")
        queue = Queue(
            id=self.get(d, "id", path, str),
            name=name,
            type=qtype,
            caller_id_name=self.get(d, "callerIdName", path, str, default=None),
            caller_id_number_id=self.get(d, "callerIdNumberId", path, str, default=None),
            outbound_flow_id=self.get(d, "outboundFlowId", path, str, default=None),
            description=self.get(d, "description", path, str, default=None),
            hours_of_operation_id=self.get(d, "hoursOfOperationId", path, str, default=None),
            max_contacts=self.get(d, "maxContacts", path, int, default=None),
            status=self.get(d, "status", path, str, default="ENABLED", choices=["ENABLED", "DISABLED"]),
            tags=self.str_map(d, "tags", path),
            last_modified_time=self.get(d, "lastModifiedTime", path, float, default=DEFAULT_TIME),
            last_modified_region=self.region(d, "lastModifiedRegion", path, required=False),
        )
        self.references(d, path, inst, queue)
        replica = d.get("replica")
        if replica is not None:
            where = f"{path}.replica"
            if inst.replica_region is None:
                raise self.fail(d, where, "a replica copy needs an instance with replicaRegion", "replica")
            r = self.mapping(replica, where, REPLICA_KEYS, d)
            queue.replica = dataclasses.replace(
                queue,
                caller_id_name=self.get(r, "callerIdName", where, str, default=None),
                caller_id_number_id=self.get(r, "callerIdNumberId", where, str, default=None),
                outbound_flow_id=self.get(r, "outboundFlowId", where, str, default=None),
                last_modified_time=self.get(r, "lastModifiedTime", where, float, default=DEFAULT_TIME),
                last_modified_region=self.region(r, "lastModifiedRegion", where, required=False),
                tags=dict(queue.tags),
            )
            self.references(r, where, inst, queue.replica)
        return queue

    def references(self, d: dict[str, Any], path: str, inst: Instance, queue: Queue) -> None:
        """The queue's outbound flow and caller ID number must be the instance's own."""
        if queue.outbound_flow_id is not None and inst.flow(queue.outbound_flow_id) is None:
            raise self.fail(d, f"{path}.outboundFlowId", "no such flow in this instance", "outboundFlowId")
        ref = queue.caller_id_number_id
        if ref is not None and inst.number(ref.rsplit("/", 1)[-1]) is None:
            raise self.fail(
                d, f"{path}.callerIdNumberId", "no such phone number in this instance", "callerIdNumberId"
            )


def _fields(names: str) -> frozenset[str]:
    return frozenset(names.split())


# The fields each kind of fixture mapping may have (anything else is refused as a typo).
INSTANCE_KEYS = _fields(
    "id account region replicaRegion alias createdTime identityManagementType status "
    "inboundCallsEnabled outboundCallsEnabled tags flows phoneNumbers trafficDistributionGroups queues"
)
GROUP_KEYS = _fields(
    "id name region isDefault status description telephony agents signIn lastFailoverTime tags"
)
QUEUE_KEYS = _fields(
    "id name type callerIdName callerIdNumberId outboundFlowId description hoursOfOperationId "
    "maxContacts status tags lastModifiedTime lastModifiedRegion replica"
)
#: The replica Region's own copy of a queue's caller config (``queue_replication="none"``).
REPLICA_KEYS = _fields("callerIdName callerIdNumberId outboundFlowId lastModifiedTime lastModifiedRegion")
