"""Problems in the desired state as reviewers read them: `file:line: key.path: message`.

pydantic reports errors as (loc, type, ctx); a pull-request reviewer needs the file, the line and a
sentence about Amazon Connect. This module turns one into the other, adds "did you mean" for
unknown keys, and holds the `Diagnostic` and `LoadError` types every command prints.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler.desired.model import (
    AlarmRef,
    GroupSpec,
    HaltOn,
    InstanceSpec,
    QueueSpec,
    RolloutSpec,
    StateFile,
)
from reconciler.desired.yamlsource import Document
from reconciler.errors import ReconcilerError


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: `file:line: key.path: message`.

    Problems found against the live state also say what they are about as values, so that a report
    (drift) never has to parse `path` back apart: `section` (`trafficDistributionGroups` or
    `queues`), the resource's `key` in the YAML, the `field` concerned (empty for the resource
    itself), and a `code`: `missing` (the key names nothing live), `unresolved` (a reference in a
    field names nothing), `duplicate` (two keys name one resource).
    """

    file: str
    line: int
    path: str
    message: str
    section: str = ""
    key: str = ""
    field: str = ""
    code: str = ""
    column: int = 0  # 1-based, for YAML syntax errors; 0 when not known
    context: tuple[str, ...] = ()  # lines shown under the message: the offending line and a caret

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        # One problem, one line: a key or file name may hold a newline or another control character.
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class LoadError(ReconcilerError):
    """The desired state is invalid; `diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    if not loc:
        return StateFile
    if loc[0] == "instance" and len(loc) == 1:
        return InstanceSpec
    if loc[0] == "trafficDistributionGroups" and len(loc) == 2:
        return GroupSpec
    if loc[0] == "queues" and len(loc) == 2:
        return QueueSpec
    if loc[0] == "trafficDistributionGroups" and len(loc) >= 3 and loc[2] == "rollout":
        nested: dict[int, type[BaseModel]] = {3: RolloutSpec, 4: HaltOn, 6: AlarmRef}
        return nested.get(len(loc))
    return None


def _keys_of(model_type: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model_type.model_fields.items()]


def translate(shown: str, doc: Document, err: Any) -> Diagnostic:
    loc: tuple[str | int, ...] = tuple(p for p in err["loc"] if p != "[key]")
    kind, given = err["type"], err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "rule" and ctx.get("at"):
        loc = (*loc, ctx["at"])
    path = ".".join(str(p) for p in loc)
    line = doc.line_of(loc)
    field = str(loc[-1]) if loc else ""
    message = _message(kind, err, given, field, loc)
    if kind == "missing":
        path = ".".join(str(p) for p in loc[:-1])
        line = doc.line_of(loc[:-1])
    return Diagnostic(shown, line, path, message)


def _message(kind: str, err: Any, given: Any, field: str, loc: tuple[str | int, ...]) -> str:
    if kind == "rule":
        return str(err["msg"])
    if field == "bake" and kind == "string_type":
        return f"must be a duration like 30s, 5m or 1h, got {given!r}"
    if kind == "missing":
        return f"required key {field!r} is missing"
    if kind == "extra_forbidden":
        allowed = _keys_of(_model_at(loc[:-1]) or StateFile)
        close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        return f"unknown key {field!r}{hint}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"must be a whole number, got {given!r}"
    if kind == "bool_type":
        return f"must be true or false, got {given!r}"
    if kind == "string_type":
        return f"must be text, got {given!r}"
    if kind in ("dict_type", "model_type", "model_attributes_type") and given is None:
        return "empty: give the fields to manage, or remove the key"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping, got {_describe(given)}"
    if field == "step" and kind in ("multiple_of", "greater_than_equal", "less_than_equal"):
        return f"{given} is not a step of 10 to 100 percentage points in multiples of 10"
    if field == "alarms" and kind in ("too_short", "too_long"):
        return "give 1 to 100 alarms (or leave haltOn out)"
    if kind == "literal_error":
        return f"{given!r} is not one of: {err.get('ctx', {}).get('expected', '')}"
    if kind == "multiple_of":
        return f"{given}% is not a multiple of 10 (Amazon Connect refuses it)"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{given}% is out of range, must be 0-100"
    if kind == "string_pattern_mismatch":
        return _pattern_message(field, given, loc)
    if kind in ("string_too_short", "string_too_long"):
        limits = {"callerIdName": "1-255 characters", "whisperFlow": "1-500 characters"}
        length = len(given) if isinstance(given, str) else 0
        return f"must be {limits.get(field, 'at least 1 character')}, got {length}"
    return str(err["msg"])


def _pattern_message(field: str, given: Any, loc: tuple[str | int, ...]) -> str:
    if field == "bake":
        return f"{given!r} is not a duration: a whole number and s, m or h (30s, 5m, 1h)"
    if field in ("region", "replicaRegion") or (len(loc) >= 4 and loc[0] == "trafficDistributionGroups"):
        return f"{given!r} is not a Region code like us-east-1"
    return {
        "accountId": f"{given!r} is not a 12-digit AWS account ID",
        "roleArn": f"{given!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        "name": f"{given!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    }.get(field, f"{given!r} has the wrong format")


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)
