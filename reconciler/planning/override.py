"""The record of a break-glass override (pure values): who moved which groups where, when and why.

`reconciler failover` stores one per instance beside the instance's lock (see
`reconciler.applying.overrides`); planning reads it to hold back the overridden groups and drift
reports it. Records are typed and versioned, and read strictly: a damaged one is `OverrideDamaged`,
one clear line naming where it is.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.errors import ReconcilerError
from reconciler.planning.values import GroupValues

FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024  # a record names a few groups: a few KB


class OverriddenGroup(BaseModel):
    """One group the failover set: the values it set, and the values it replaced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    id: str
    arn: str
    values: GroupValues  # what the failover set (and verified)
    before: GroupValues  # what the group had before it


class Override(BaseModel):
    """An active break-glass override of one instance's traffic distribution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    key: str  # the instance's lock key (account, Region, instance ID)
    instance: str
    instance_id: str
    to_region: str
    groups: tuple[OverriddenGroup, ...]
    reason: str
    user: str  # the local user, host and CI run
    identity: str | None = None  # the AWS caller identity (an ARN), when STS answered
    at: str  # ISO time the override was recorded
    written_from: str  # the Region the writes were sent to (the one that answered)
    lock: str = "held"  # how the lock was taken: held, preempted ..., or unreachable ...
    journal: str | None = None  # the journal of the failover's writes
    token: str

    @property
    def group_ids(self) -> set[str]:
        return {g.id for g in self.groups}

    def who(self) -> str:
        return f"{self.user}" + (f" ({self.identity})" if self.identity else "")

    def describe(self) -> str:
        """Who, when and why, in one line."""
        return f"failover to {self.to_region} by {self.who()} at {self.at}: {self.reason}"


def adopt_command(instance: str) -> str:
    """The one command that writes an override's live values into git."""
    return f"reconciler failover --instance {instance} --adopt"


class OverrideExists(ReconcilerError):
    """Another failover already holds the instance's override: this one writes nothing."""

    def __init__(self, existing: Override, where: str) -> None:
        super().__init__(
            f"{existing.instance} is already overridden ({existing.describe()}; {where}); nothing was "
            f"changed: adopt it ({adopt_command(existing.instance)}) or end it "
            f"(reconciler failover --instance {existing.instance} --clear) first"
        )
        self.existing = existing


class OverrideDamaged(ReconcilerError):
    def __init__(self, where: str, problem: str, instance: str = "INSTANCE") -> None:
        super().__init__(
            f"the override record {where} is damaged ({problem}); "
            f"remove it with reconciler failover --instance {instance} --clear"
        )
        self.where = where


def parse_override(text: str | bytes, key: str, where: str) -> Override:
    """A stored record -> `Override`, or `OverrideDamaged` saying what is wrong."""
    if len(text) > MAX_BYTES:
        raise OverrideDamaged(where, f"more than {MAX_BYTES:,} bytes")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise OverrideDamaged(where, "not JSON") from None
    if not isinstance(raw, dict):
        raise OverrideDamaged(where, "not a JSON object")
    if raw.get("format_version") != FORMAT_VERSION:
        raise OverrideDamaged(where, f"format version {raw.get('format_version')!r} is not {FORMAT_VERSION}")
    try:
        found = Override.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise OverrideDamaged(where, f"{field}: {first['msg']}") from None
    if found.key != key:
        raise OverrideDamaged(where, "it is the override of another instance")
    return found
