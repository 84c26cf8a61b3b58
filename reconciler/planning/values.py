"""Normalised values of one resource, typed: what plans compare, fingerprint, verify and restore.

A change carries two of these: the live values it was planned against and the values apply must
read back. Fields are named as the YAML names them (`callerIdName`, `signIn`), which is also how
they appear in saved plans and journals. A field that is None is "not set" on the live side and
"not sent" on the desired side: a request sends exactly the fields its expected values hold, so
only those fields of `planned_against` are compared (`sent`).

Queue numbers hold the number's identity (its UUID, lower-cased), so an ID and an ARN of the same
number compare equal; distributions hold Region -> value maps with every Region of the pair.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Values(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)

    FIELDS: ClassVar[tuple[str, ...]]

    def as_dict(self) -> dict[str, Any]:
        """Every field by its YAML name (None for not set / not sent)."""
        dumped = self.model_dump(exclude={"kind"})
        return {name: dumped[name] for name in self.FIELDS}

    def sent(self) -> tuple[str, ...]:
        """The fields that hold a value: for expected values, what the request sends."""
        return tuple(name for name, value in self.as_dict().items() if value is not None)

    def only(self, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
        values = self.as_dict()
        return {name: values.get(name) for name in fields}

    def get(self, name: str) -> Any:
        return self.as_dict().get(name)


class QueueValues(_Values):
    """A queue's outbound caller config."""

    FIELDS: ClassVar[tuple[str, ...]] = ("callerIdName", "callerIdNumber", "whisperFlow")

    kind: Literal["queue"] = "queue"
    caller_id_name: str | None = Field(default=None, alias="callerIdName")
    caller_id_number: str | None = Field(default=None, alias="callerIdNumber")  # the number's identity
    whisper_flow: str | None = Field(default=None, alias="whisperFlow")  # a flow ID


class GroupValues(_Values):
    """A traffic distribution group's distribution (sign-in: the default group only)."""

    FIELDS: ClassVar[tuple[str, ...]] = ("telephony", "agents", "signIn")

    kind: Literal["traffic-distribution"] = "traffic-distribution"
    telephony: dict[str, int] | None = None
    agents: dict[str, int] | None = None
    sign_in: dict[str, bool] | None = Field(default=None, alias="signIn")


Values = Annotated[QueueValues | GroupValues, Field(discriminator="kind")]


def values_like(template: QueueValues | GroupValues, fields: dict[str, Any]) -> QueueValues | GroupValues:
    """Values of the same kind as `template` from YAML-named fields (missing ones: None)."""
    return type(template).model_validate(fields)
