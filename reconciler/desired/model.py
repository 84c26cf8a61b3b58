"""Frozen pydantic models of the desired state, and the rules one file can check on its own.

The YAML a reviewer reads in every pull request is exactly what these models accept, so the field
names are the YAML keys (camelCase) and every rule raises a message written for that reviewer.
Rules that need more than one file (Regions against the instance, duplicates across files) live in
`loader.py`; rules that need the live state (is this group really the default?) live in the planner.

A field left out is not managed: the live value is kept. No field can be cleared, because Amazon
Connect refuses empty values; the schema says so in each description.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    field_validator,
    model_serializer,
    model_validator,
)

from reconciler.desired.fields import (
    NOT_CLEARABLE,
    AsWritten,
    Boolean,
    Key,
    Number,
    Region,
    _Frozen,
    _plain_number,
    _rule,
)
from reconciler.desired.patterns import (
    ACCOUNT_RE,
    E164_RE,
    ENDPOINT_RE,
    INSTANCE_ARN_RE,
    INVISIBLE,
    NAME_RE,
    PHONE_ARN_RE,
    PHONE_INSTANCE_ARN_RE,
    ROLE_ARN_RE,
    UUID_RE,
    invisible_character,
)
from reconciler.desired.yamlsource import EXCERPT_NAME_CHARS, excerpt

__all__ = ["NOT_CLEARABLE", "AsWritten", "Boolean", "Key", "Number", "Region"]


class InstanceSpec(_Frozen):
    """The Connect instance a file (or a folder of files) manages."""

    name: StrictStr = Field(
        pattern=NAME_RE.pattern,
        description="Short name of this instance in plans and for --instance (letters, digits, . _ -).",
    )
    id: StrictStr = Field(description="Instance ID (UUID) or instance ARN.")
    region: Region = Field(description="The instance's own Region.")
    replica_region: Region = Field(alias="replicaRegion", description="Region of the replica instance.")
    account_id: StrictStr | None = Field(
        default=None, alias="accountId", pattern=ACCOUNT_RE.pattern, description="12-digit AWS account ID."
    )
    profile: StrictStr | None = Field(default=None, min_length=1, description="AWS profile to use.")
    role_arn: StrictStr | None = Field(
        default=None, alias="roleArn", pattern=ROLE_ARN_RE.pattern, description="IAM role to assume."
    )
    endpoints: dict[Region, Annotated[StrictStr, Field(pattern=ENDPOINT_RE.pattern)]] | None = Field(
        default=None,
        description="Connect endpoint URL per Region of the pair, e.g. an interface VPC endpoint "
        "(https://...). A Region not listed uses boto3's own settings.",
    )

    @model_validator(mode="after")
    def _check(self) -> InstanceSpec:
        if self.region == self.replica_region:
            raise _rule(f"replicaRegion must differ from region (both are {self.region})", at="replicaRegion")
        stray = sorted(set(self.endpoints or {}) - {self.region, self.replica_region})
        if stray:
            raise _rule(
                f"endpoints names {', '.join(stray)}, not a Region of this instance "
                f"({self.region}, {self.replica_region})",
                at="endpoints",
            )
        if UUID_RE.fullmatch(self.id):
            return self
        m = INSTANCE_ARN_RE.fullmatch(self.id)
        if not m:
            raise _rule(f"{self.id!r} is neither an instance ID (UUID) nor an instance ARN", at="id")
        arn_region, arn_account = m.group(1), m.group(2)
        if arn_region not in (self.region, self.replica_region):
            raise _rule(f"the ARN is in {arn_region}, but region is {self.region}", at="id")
        if self.account_id is not None and arn_account != self.account_id:
            raise _rule(f"the ARN is in account {arn_account}, but accountId is {self.account_id}", at="id")
        return self

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Dumped as the YAML has it (plans, journals): keys left out stay out, since an instance
        # block refuses empty values and a dumped spec must load again.
        dumped: dict[str, Any] = handler(self)
        return {k: v for k, v in dumped.items() if v is not None}

    @property
    def instance_id(self) -> str:
        m = INSTANCE_ARN_RE.fullmatch(self.id)
        return m.group(3) if m else self.id

    @property
    def account(self) -> str | None:
        m = INSTANCE_ARN_RE.fullmatch(self.id)
        return self.account_id or (m.group(2) if m else None)

    @property
    def regions(self) -> tuple[str, str]:
        return (self.region, self.replica_region)


Percent = Annotated[StrictInt, Field(ge=0, le=100, multiple_of=10), BeforeValidator(_plain_number)]


_DURATION_RE = r"^(0|[1-9][0-9]*)(s|m|h)$"
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def duration_seconds(text: str) -> int:
    """`5m` -> 300: a bake time as written (s, m or h)."""
    return int(text[:-1]) * _UNIT_SECONDS[text[-1]]


class AlarmRef(_Frozen):
    """A CloudWatch alarm named with its Region (default: the Region receiving traffic in a step)."""

    name: StrictStr = Field(min_length=1, max_length=255, description="CloudWatch alarm name.")
    region: Region | None = Field(
        default=None, description="Region of the alarm; default: the Region receiving traffic in that step."
    )


def _alarm_ref(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class HaltOn(_Frozen):
    """What halts a rollout."""

    alarms: Annotated[
        list[Annotated[AlarmRef, BeforeValidator(_alarm_ref)]],
        Field(min_length=1, max_length=100),
    ] = Field(description="CloudWatch alarms: a name, or {name, region}. Any in ALARM halts the rollout.")

    @field_validator("alarms")
    @classmethod
    def _unique(cls, alarms: list[AlarmRef]) -> list[AlarmRef]:
        seen: set[tuple[str, str | None]] = set()
        for alarm in alarms:
            if (alarm.name, alarm.region) in seen:
                raise _rule(f"alarm {excerpt(alarm.name, EXCERPT_NAME_CHARS)} is listed twice")
            seen.add((alarm.name, alarm.region))
        return alarms


class RolloutSpec(_Frozen):
    """A progressive shift of telephony: steps, a bake time after each, and alarms that halt it."""

    step: Annotated[StrictInt, Field(ge=10, le=100, multiple_of=10), BeforeValidator(_plain_number)] = Field(
        description="Percentage points of telephony moved per step: 10-100, a multiple of 10."
    )
    bake: StrictStr = Field(
        pattern=_DURATION_RE,
        description="Wait after each verified step, e.g. 30s, 5m, 1h (the alarms are polled meanwhile).",
    )
    halt_on: HaltOn | None = Field(default=None, alias="haltOn", description="Alarms that halt the rollout.")
    on_halt: Literal["previous", "stay"] = Field(
        default="previous",
        alias="onHalt",
        description="On a halt: previous (write back the last step that baked clean) or stay.",
    )

    @property
    def bake_seconds(self) -> int:
        return duration_seconds(self.bake)


class GroupSpec(_Frozen):
    """Desired traffic distribution of one traffic distribution group."""

    default: Boolean = Field(
        default=False, description="Set on the instance's default group; only it may carry signIn."
    )
    order: Number | None = Field(
        default=None, description="Apply wave: lower first (default 0). Overrides kind and name order."
    )
    telephony: dict[Region, Percent] | None = Field(
        default=None,
        description="Percent of telephony traffic per Region (both Regions, multiples of 10, sum 100). "
        + NOT_CLEARABLE,
    )
    agents: dict[Region, Percent] | None = Field(
        default=None,
        description="Percent of agents per Region (both Regions, multiples of 10, sum 100). " + NOT_CLEARABLE,
    )
    sign_in: dict[Region, Boolean] | None = Field(
        default=None,
        alias="signIn",
        description="Regions agents may sign in to (default group only; at least one true). " + NOT_CLEARABLE,
    )
    rollout: RolloutSpec | None = Field(
        default=None,
        description="Shift telephony progressively: in steps, baking after each, halted by alarms.",
    )

    @field_validator("telephony", "agents")
    @classmethod
    def _sum_is_100(cls, dist: dict[str, int] | None) -> dict[str, int] | None:
        # Range and steps of 10 are field constraints (they show in the schema); the sum needs them
        # all. A field validator, so that it is reported along with errors in the other fields.
        if dist is not None and (total := sum(dist.values())) != 100:
            raise _rule(f"percentages sum to {total}, must be 100")
        return dist

    @model_validator(mode="after")
    def _check(self) -> GroupSpec:
        if self.telephony is None and self.agents is None and self.sign_in is None:
            raise _rule("nothing to manage: give telephony (and optionally agents, signIn)")
        if self.telephony is None:
            given = " and ".join(
                k for k, v in (("agents", self.agents), ("signIn", self.sign_in)) if v is not None
            )
            raise _rule(
                f"telephony is required when {given} is given (Amazon Connect refuses an update without it)"
            )
        if self.sign_in is not None:
            if not self.default:
                raise _rule("signIn is only allowed on the default group (set default: true)", at="signIn")
            if not any(self.sign_in.values()):
                raise _rule("signIn must enable at least one Region", at="signIn")
        return self


class QueueSpec(_Frozen):
    """Desired outbound caller config of one queue."""

    order: Number | None = Field(
        default=None, description="Apply wave: lower first (default 0). Overrides kind and name order."
    )
    caller_id_name: StrictStr | None = Field(
        default=None,
        alias="callerIdName",
        min_length=1,
        max_length=255,
        description="Outbound caller ID name (1-255 characters). " + NOT_CLEARABLE,
    )
    caller_id_number: StrictStr | None = Field(
        default=None,
        alias="callerIdNumber",
        description="Outbound caller ID number: E.164 (+12065550100), phone-number ID or ARN. "
        + NOT_CLEARABLE,
    )
    whisper_flow: StrictStr | None = Field(
        default=None,
        alias="whisperFlow",
        min_length=1,
        max_length=500,
        description="Outbound whisper flow: name, ID or ARN. " + NOT_CLEARABLE,
    )

    @field_validator("caller_id_name")
    @classmethod
    def _visible(cls, name: str | None) -> str | None:
        # Shown on the phone of every customer called: a bidi override or a zero-width space would
        # change what they read, or hide it from the reviewer of the pull request.
        found = None if name is None else invisible_character(name)
        if found is not None:
            raise _rule(f"contains {found}, {INVISIBLE}")
        return name

    @model_validator(mode="after")
    def _check(self) -> QueueSpec:
        if self.caller_id_name is None and self.caller_id_number is None and self.whisper_flow is None:
            raise _rule("nothing to manage: give callerIdName, callerIdNumber or whisperFlow")
        if self.caller_id_name is not None and not self.caller_id_name.strip():
            raise _rule("callerIdName is blank", at="callerIdName")
        number = self.caller_id_number
        if number is not None and not (E164_RE.fullmatch(number) or UUID_RE.fullmatch(number)):
            if PHONE_INSTANCE_ARN_RE.fullmatch(number):
                raise _rule(
                    "use the phone-number ARN without 'instance/' "
                    "(arn:aws:connect:REGION:ACCOUNT:phone-number/ID)",
                    at="callerIdNumber",
                )
            if not PHONE_ARN_RE.fullmatch(number):
                raise _rule(
                    f"{number!r} is not an E.164 number (+12065550100), a phone-number ID or ARN",
                    at="callerIdNumber",
                )
        return self


class StateFile(_Frozen):
    """One desired-state YAML file: optionally the instance, then its groups and queues."""

    model_config = ConfigDict(
        title="connect-reconciler desired state",
        json_schema_extra={
            "description": "One file under desired-state/. A file with `instance` defines it; files "
            "without it belong to the instance defined in their folder or the nearest parent folder."
        },
    )

    instance: InstanceSpec | None = None
    traffic_distribution_groups: dict[Key, GroupSpec] = Field(
        default_factory=dict,
        alias="trafficDistributionGroups",
        description="Traffic distribution groups keyed by name, ID or ARN.",
    )
    queues: dict[Key, QueueSpec] = Field(default_factory=dict, description="Queues keyed by name or ID.")

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("trafficDistributionGroups", "queues"):
                if key in data and data[key] is None:
                    data = {**data, key: {}}
        return data


def json_schema() -> dict[str, Any]:
    """JSON Schema of one desired-state file, as editors' YAML language servers consume it."""
    schema = StateFile.model_json_schema(by_alias=True, mode="validation")
    _drop_null(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://connect-reconciler.dev/schema/desired-state.json"
    return schema


def _drop_null(node: Any) -> None:
    """Remove `null` from every `anyOf`: None is only the Python default for "not managed", and the
    YAML may not say null (`_no_empty_values` refuses it), so editors must flag `callerIdName:` too."""
    if isinstance(node, list):
        for item in node:
            _drop_null(item)
        return
    if not isinstance(node, dict):
        return
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del node["anyOf"]
        if "default" in node and node["default"] is None:
            del node["default"]
        if len(rest) == 1:
            node.update(rest[0])
        else:
            node["anyOf"] = rest
    for value in node.values():
        _drop_null(value)
