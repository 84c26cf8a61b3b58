"""The plan: a frozen value saying exactly what apply will do, and nothing else.

Like Terraform's `plans` package, a plan is data: one `Change` per resource with its field-level
before/after, the exact API request apply will send, a fingerprint of the live values it was
planned against (apply refuses to write over anything else), and risk labels for reviewers. It is
saved as versioned JSON (`--out`), and a saved plan is what `apply PLANFILE` executes.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.desired.model import InstanceSpec
from reconciler.errors import ReconcilerError
from reconciler.planning import jsontext
from reconciler.planning.values import GroupValues, Values

FORMAT_VERSION = 3  # 3: changes carry `rollout`
READABLE_VERSIONS = (2, 3)  # a version 2 plan is a version 3 plan without rollouts
MAX_PLAN_BYTES = 256 * 1024 * 1024  # 50,000 changes are about 100 MB of JSON


class Kind(StrEnum):
    TRAFFIC = "traffic-distribution"
    QUEUE = "queue"


class Action(StrEnum):
    UPDATE = "update"
    BLOCKED = "blocked"


class Risk(StrEnum):
    TRAFFIC_SHIFT = "traffic-shift"  # telephony percentages move between Regions
    FAILOVER = "failover"  # a Region goes to 0% or 100% of telephony
    SIGN_IN_DISABLED = "sign-in-disabled"  # agents can no longer sign in to a Region
    AGENTS_SHIFT = "agents-shift"  # agent percentages move between Regions


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Value):
    """One managed field: its live value and the value apply will set (as shown to reviewers)."""

    field: str
    before: Any
    after: Any


class ApiRequest(_Value):
    """The exact call apply sends: operation, Region, HTTP method and path, JSON body."""

    operation: str
    region: str
    method: str
    path: str
    body: dict[str, Any]


POLL_SECONDS = 30.0  # alarms are read every 30 s during a bake, or a tenth of the bake if shorter


class RolloutAlarm(_Value):
    """A CloudWatch alarm that halts the rollout when it is in ALARM, read in `region`."""

    name: str
    region: str


class RolloutStep(_Value):
    """One step: the values it sets and the exact call that sets them."""

    values: GroupValues
    request: ApiRequest


class Rollout(_Value):
    """The steps of a progressive shift (the last one is the change's own result)."""

    step: int  # percentage points of telephony per step
    bake: str  # as written: 30s, 5m, 1h
    bake_seconds: int
    receiving_region: str
    alarms: tuple[RolloutAlarm, ...]
    on_halt: Literal["previous", "stay"]
    steps: tuple[RolloutStep, ...]

    @property
    def poll_seconds(self) -> float:
        return min(POLL_SECONDS, self.bake_seconds / 10)


class Change(_Value):
    """What will happen to one resource (instance / kind / name)."""

    step: int | None  # position in the apply order; None when blocked
    instance: str
    kind: Kind
    name: str
    resource_id: str
    resource_arn: str
    action: Action
    fields: tuple[FieldChange, ...]
    request: ApiRequest | None
    fingerprint: str  # of `planned_against`'s sent fields; apply skips the change as stale if live differs
    planned_against: Values  # normalised live values; the fields `expected` holds are compared
    expected: Values  # normalised values the request sets, which apply must read back afterwards
    risks: tuple[Risk, ...] = ()
    warnings: tuple[str, ...] = ()
    reason: str | None = None  # why a blocked change cannot be made now
    source: str = ""  # file:line of the desired definition
    key: str = ""  # the key it has in the desired state (a name, ID or ARN)
    held: bool = False  # blocked on purpose by --changed-since: a revert of drift, not a failure
    order: int = 0  # the wave the user set (`order:`), 0 by default
    rollout: Rollout | None = None  # a progressive shift: apply writes these steps, not `request`

    @property
    def address(self) -> str:
        return f"{self.instance}/{self.kind.value}/{self.name}"


class InstanceSummary(_Value):
    """One instance planned: how to reach it (so a saved plan needs nothing else) and counts."""

    name: str
    id: str
    region: str
    replica_region: str
    account: str | None  # as written, or learned from the live ARNs
    managed: int  # resources in the desired state for this instance
    unchanged: int
    read_calls: int
    spec: InstanceSpec  # the instance block as written: profile, role, Regions, endpoints
    read_region: str  # the Region the live state was read in
    # resource ID -> fingerprint of its live values, for every managed resource read: what a
    # reviewer saw, so that a later plan can hold back what changed since (`--reviewed`)
    seen: dict[str, str] = {}


class PlanMeta(_Value):
    """Where and when a saved plan was made (added by the CLI: planning itself is pure)."""

    created_at: str
    tool_version: str
    state_dir: str
    git_commit: str | None = None
    changed_since: str | None = None  # the revision the plan's scope was taken from, if any
    # with `--changed-since applied`: instance name -> the commit last applied to it (its scope)
    applied_commits: dict[str, str] = {}


class Plan(_Value):
    format_version: int = FORMAT_VERSION
    desired_digest: str
    instances: tuple[InstanceSummary, ...]
    changes: tuple[Change, ...]
    meta: PlanMeta | None = None

    @property
    def updates(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.UPDATE)

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.BLOCKED)

    @property
    def unchanged(self) -> int:
        return sum(i.unchanged for i in self.instances)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def to_json(self) -> str:
        """Stable JSON: sorted keys, two-space indent, newline at the end."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, origin: str) -> Plan:
        """Read a saved plan, refusing unknown format versions with a clear message."""
        if len(text) > MAX_PLAN_BYTES:
            raise ReconcilerError(f"{origin}: {len(text):,} characters is too large for a saved plan")
        try:
            raw = jsontext.loads(text)
        except jsontext.BadJson as exc:  # also NaN, nesting past Python's limit, 5,000-digit integers
            where = f"{origin}:{exc.lineno}" if exc.lineno else origin
            raise ReconcilerError(f"{where}: not a saved plan: {exc.reason}{exc.detail}") from None
        if not isinstance(raw, dict) or "format_version" not in raw:
            raise ReconcilerError(f"{origin}: not a saved plan (no format_version)")
        version = raw["format_version"]
        if type(version) is not int or version not in READABLE_VERSIONS:
            raise ReconcilerError(
                f"{origin}: plan format version {_short(version)} is not supported "
                f"(this reconciler reads version {FORMAT_VERSION}); make the plan again"
            )
        try:
            made = cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _short(".".join(str(p) for p in first["loc"]), 120)
            raise ReconcilerError(f"{origin}: not a valid saved plan: {where}: {first['msg']}") from None
        except RecursionError:
            raise ReconcilerError(f"{origin}: not a saved plan: JSON nested too deep") from None
        for change in made.updates:
            if change.request is None:
                raise ReconcilerError(
                    f"{origin}: not a valid saved plan: {change.address}: an update without a request"
                )
        return made


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) or limit == 40 else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
