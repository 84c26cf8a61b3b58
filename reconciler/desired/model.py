"""Frozen pydantic models of the desired state, and the rules one file can check on its own.

The YAML a reviewer reads in every pull request is exactly what these models accept, so the field
names are the YAML keys (camelCase) and every rule raises a message written for that reviewer.
Rules that need more than one file (Regions against the instance, duplicates across files) live in
`loader.py`; rules that need the live state (is this group really the default?) live in the planner.

A field left out is not managed: the live value is kept. No field can be cleared, because Amazon
Connect refuses empty values; the schema says so in each description.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.desired.patterns import (
    ACCOUNT_RE,
    E164_RE,
    ENDPOINT_RE,
    INSTANCE_ARN_RE,
    INVISIBLE,
    NAME_RE,
    PHONE_ARN_RE,
    PHONE_INSTANCE_ARN_RE,
    REGION_RE,
    ROLE_ARN_RE,
    UUID_RE,
    invisible_character,
)
from reconciler.desired.yamlsource import EXCERPT_NAME_CHARS, excerpt

NOT_CLEARABLE = "Cannot be cleared: Amazon Connect refuses empty values. Leave it out to keep the live value."

Region = Annotated[
    StrictStr,
    Field(pattern=REGION_RE.pattern, description="An AWS Region code, e.g. us-east-1."),
]


def _rule(message: str, at: str | None = None) -> PydanticCustomError:
    """A rule violation shown to the user as is; `at` names the key below the model it concerns."""
    return PydanticCustomError("rule", message, {"at": at} if at else None)


# Control characters (Cc), format characters such as bidi overrides and zero-width spaces (Cf), and
# line and paragraph separators (Zl, Zp): text that shows differently from what it holds.
def _visible_key(key: str) -> str:
    found = invisible_character(key)
    if found is not None:
        raise _rule(f"key {excerpt(key, EXCERPT_NAME_CHARS)} contains {found}, {INVISIBLE}")
    return key


# Queue and group keys are matched against names in Amazon Connect and shown in every plan.
Key = Annotated[StrictStr, AfterValidator(_visible_key)]


class AsWritten(str):
    """A number or boolean written in another form than plain decimal digits or `true`/`false`.

    YAML 1.1 reads `062` as 50 (octal), `0x32` and `+50` as 50, `1:20` as 80 (base 60), `yes` and
    `on` as true; other YAML tools and reviewers read the same text differently. The loader passes
    the text as written, in place of the value read, and the rules below refuse it."""

    read_as: int | bool

    def __new__(cls, text: str, read_as: int | bool) -> AsWritten:
        written = super().__new__(cls, text)
        written.read_as = read_as
        return written


def _plain_number(value: Any) -> Any:
    if isinstance(value, AsWritten):
        raise _rule(
            f"{str(value)!r} is not a plain decimal number (it reads as {value.read_as}): "
            "write a plain decimal number"
        )
    return value


def _plain_boolean(value: Any) -> Any:
    if isinstance(value, AsWritten):
        read_as = str(value.read_as).lower()
        raise _rule(f"{str(value)!r} is not true or false (it reads as {read_as}): write true or false")
    return value


Number = Annotated[StrictInt, BeforeValidator(_plain_number)]
Boolean = Annotated[StrictBool, BeforeValidator(_plain_boolean)]


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, strict=True, serialize_by_alias=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_empty_values(cls, data: Any) -> Any:
        # `callerIdName:` with nothing after it reads as null; treating it as "not managed" would
        # silently ignore what was probably an attempt to clear the field, which Connect refuses.
        if isinstance(data, dict):
            for key, value in data.items():
                if value is None and key not in ("trafficDistributionGroups", "queues"):
                    raise _rule(
                        "empty: fields cannot be cleared; leave the key out to keep the live value",
                        at=str(key),
                    )
        return data


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
