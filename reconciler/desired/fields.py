"""The building blocks of the desired-state models: strict fields and the rules' error type.

Kept apart from `model.py` so that the models read as the YAML they accept; everything here is
re-exported there.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.desired.patterns import INVISIBLE, REGION_RE, invisible_character
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
