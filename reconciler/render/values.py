"""How a change's field values read to a reviewer, shared by the text and Markdown renderers.

The planner hands over raw values: for traffic fields a dict Region -> percent or Region -> bool
(or None when the live value could not be read), for queue fields a string or None (None meaning
"not set" in Connect). Both human formats must show them the same way, so the rules live here once:

- traffic fields become one row per Region, the instance's Region first, then its replica Region,
  then any other Region in alphabetical order; a Region whose value does not change is still shown
  (the renderers draw it without an arrow), so the whole distribution is always visible;
- percentages read `80%`, sign-in flags `enabled` / `disabled`;
- `(none)` means "not set in Connect", `(unknown)` means "the live value could not be read" (a
  traffic field's `before` of None);
- strings from the desired state or from Connect (names, caller IDs) are *literals*: each renderer
  quotes (text) or code-spans (Markdown) them, so that `(none)` the label can never be confused with
  a queue literally named "(none)".

`clean` and `quote` make user text safe to print: names come from Connect and from YAML, and a name
holding an escape sequence or a newline must not repaint a terminal or forge a line of the plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from reconciler.planning.plan import Change, InstanceSummary, Kind, Plan, Risk

_MISSING = object()
DIRTY = "-dirty"  # after a plan's commit: the state directory had uncommitted changes
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def read_note(summary: InstanceSummary) -> str | None:
    """What every output says first when an instance was read from its replica's Region."""
    if not summary.read_region or summary.read_region == summary.region:
        return None
    return (
        f"{clean(summary.name)}: {clean(summary.region)} unreachable; "
        f"read from the replica in {clean(summary.read_region)}"
    )


def clean(text: str) -> str:
    """`text` with every non-printable character (controls, escapes, bidi marks...) as `\\uXXXX`."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def quote(text: str) -> str:
    """`text` in double quotes, with `\\` and `"` escaped and non-printable characters spelled out."""
    return '"' + clean(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


@dataclass(frozen=True)
class Shown:
    """A value as displayed: `literal` text came from a user or from Connect and must be quoted."""

    text: str
    literal: bool = False


NONE = Shown("(none)")
UNKNOWN = Shown("(unknown)")


@dataclass(frozen=True)
class FieldRow:
    """One displayed line of a field: a whole queue field, or one Region of a traffic field."""

    field: str
    region: str | None
    before: Shown
    after: Shown
    changed: bool


def show(value: Any) -> Shown:
    """A scalar field value (queue fields): None is "not set" in Connect."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return Shown(value, literal=True)
    if isinstance(value, bool):
        return Shown("true" if value else "false")
    if isinstance(value, int | float):
        return Shown(str(value))
    return Shown(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), literal=True)


def show_region_value(value: Any) -> Shown:
    """One Region's entry of a traffic field: a percentage or a sign-in flag."""
    if isinstance(value, bool):
        return Shown("enabled" if value else "disabled")
    if isinstance(value, int):
        return Shown(f"{value}%")
    return show(value)


def region_order(keys: Iterable[str], preferred: Sequence[str]) -> list[str]:
    """The instance's Region, then its replica Region, then any other Region alphabetically."""
    present = set(keys)
    first = [r for r in dict.fromkeys(preferred) if r in present]
    return first + sorted(present - set(first))


def field_rows(change: Change, regions: Sequence[str] = ()) -> list[FieldRow]:
    """Every displayed row of a change's fields, in field order; `regions` orders traffic rows."""
    rows: list[FieldRow] = []
    for fc in change.fields:
        before, after = fc.before, fc.after
        if isinstance(before, dict) or isinstance(after, dict):
            rows.extend(_region_rows(fc.field, before, after, regions))
        elif change.kind is Kind.TRAFFIC:
            # A traffic field that is not a dict is None or malformed: show it whole. A None before
            # is a distribution that could not be read; a None after is one that is not set.
            before_shown = UNKNOWN if before is None else show(before)
            rows.append(FieldRow(fc.field, None, before_shown, show(after), before != after))
        else:
            rows.append(FieldRow(fc.field, None, show(before), show(after), before != after))
    return rows


def _region_rows(field: str, before: Any, after: Any, regions: Sequence[str]) -> list[FieldRow]:
    old = before if isinstance(before, dict) else None
    new = after if isinstance(after, dict) else None
    keys = [*(old or {}), *(new or {})]
    rows = []
    for region in region_order((str(k) for k in keys), regions):
        rows.append(
            FieldRow(
                field,
                region,
                _entry(old, region, before, UNKNOWN),
                _entry(new, region, after, NONE),
                old is None or new is None or old.get(region, _MISSING) != new.get(region, _MISSING),
            )
        )
    return rows


def _entry(values: dict[str, Any] | None, region: str, whole: Any, if_none: Shown) -> Shown:
    if values is None:
        return if_none if whole is None else show(whole)
    if region not in values:
        return NONE
    return show_region_value(values[region])


def changed_rows(change: Change, regions: Sequence[str] = ()) -> list[FieldRow]:
    return [row for row in field_rows(change, regions) if row.changed]


def instance_regions(summary: InstanceSummary | None) -> tuple[str, ...]:
    return (summary.region, summary.replica_region) if summary else ()


def summaries_by_name(plan: Plan) -> dict[str, InstanceSummary]:
    return {i.name: i for i in plan.instances}


def instance_order(plan: Plan) -> list[str]:
    """Instances in plan order, then any instance named only by a change (should not happen)."""
    names = [i.name for i in plan.instances]
    return list(dict.fromkeys([*names, *(c.instance for c in plan.changes)]))


def ordered_risks(risks: Iterable[Risk]) -> list[Risk]:
    """Distinct risks in the order the `Risk` enum declares them."""
    present = set(risks)
    return [r for r in Risk if r in present]


def summary_line(plan: Plan) -> str:
    """The last line of every human plan; CI greps it, so its wording is a contract."""
    return f"Plan: {len(plan.updates)} to change, {plan.unchanged} unchanged, {len(plan.blocked)} blocked."


def no_changes_line(plan: Plan) -> str:
    return f"No changes. Live state matches desired-state ({plan.unchanged} unchanged)."


def display_path(path: str) -> str:
    """An API path for people: percent-escapes decoded (a group ARN reads as an ARN), then cleaned.

    The JSON plan keeps the exact, encoded path that is sent.
    """
    return clean(unquote(path))


def short_id(value: str) -> str:
    """The first 12 characters of a digest or commit (after any `algorithm:` prefix), as in git;
    a commit's `-dirty` mark (uncommitted changes in the state directory) is kept."""
    if value.endswith(DIRTY):
        return short_id(value.removesuffix(DIRTY)) + DIRTY
    algorithm, _, digits = value.rpartition(":")
    return f"{algorithm}:{digits[:12]}" if algorithm else value[:12]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
