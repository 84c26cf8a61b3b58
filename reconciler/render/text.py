"""The plan as terminal text: what `reconciler plan` prints by default, modelled on Terraform.

A reviewer reads it top to bottom before approving an apply, so it says exactly what apply will do
and in which order: one header per instance, then each change numbered by its apply `step`, its
field values before → after (traffic fields one Region per line, unchanged Regions shown without an
arrow so the whole distribution stays visible), the one API call apply will make, warnings (`!`)
and the YAML line the change comes from. Blocked changes carry no step: apply will not make them.
The last line is the summary CI greps for.

Colour is opt-in (`color=True`, decided by the CLI from the terminal): with it off the output holds
no escape codes at all, even when a name from Connect contains one (names are printed via `quote`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.planning.plan import Action, Change, InstanceSummary, Plan
from reconciler.planning.rollout import halt_line, rollout_line
from reconciler.render.values import (
    FieldRow,
    Shown,
    clean,
    display_path,
    field_rows,
    instance_order,
    instance_regions,
    no_changes_line,
    ordered_risks,
    plural,
    quote,
    read_note,
    short_id,
    summaries_by_name,
    summary_line,
)

ARROW = "→"
_LABELS = ("call", "reason", "source", "rollout", "halt on")
_INDENT = "  "


@dataclass(frozen=True)
class _Paint:
    """ANSI styles, or nothing at all when colour is off."""

    on: bool

    def _sgr(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text

    def bold(self, text: str) -> str:
        return self._sgr("1", text)

    def dim(self, text: str) -> str:
        return self._sgr("2", text)

    def alarm(self, text: str) -> str:
        return self._sgr("1;31", text)

    def red(self, text: str) -> str:
        return self._sgr("31", text)

    def green(self, text: str) -> str:
        return self._sgr("32", text)

    def yellow(self, text: str) -> str:
        return self._sgr("33", text)


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text, ending with a newline."""
    paint = _Paint(color)
    lines: list[str] = []
    if plan.meta is not None:
        meta = plan.meta
        commit = f" at commit {clean(short_id(meta.git_commit))}" if meta.git_commit else ""
        digest = clean(short_id(plan.desired_digest))
        lines += [
            paint.dim(
                f"Planned {clean(meta.created_at)} by reconciler {clean(meta.tool_version)} "
                f"from {clean(meta.state_dir)}{commit} (desired-state digest {digest})."
            ),
            "",
        ]
    notes = [note for note in (read_note(s) for s in plan.instances) if note]
    if notes:
        lines += [paint.alarm(note) for note in notes] + [""]
    if plan.updates:
        blocked = "; blocked changes will not be applied" if plan.blocked else ""
        lines += [f"Steps are numbered in the order apply will run them{blocked}.", ""]
    summaries = summaries_by_name(plan)
    width = max((len(f"{c.step}.") for c in plan.updates), default=2)
    for name in instance_order(plan):
        changes = [c for c in plan.changes if c.instance == name]
        lines += _instance_header(name, summaries.get(name), changes, paint)
        regions = instance_regions(summaries.get(name))
        for change in changes:
            lines.append("")
            lines += _change(change, regions, width, paint)
        lines.append("")
    if not plan.has_changes:
        lines.append(no_changes_line(plan))
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def _instance_header(
    name: str, summary: InstanceSummary | None, changes: list[Change], paint: _Paint
) -> list[str]:
    if summary is None:
        return [paint.bold(f"Instance {clean(name)}")]
    account = f", account {clean(summary.account)}" if summary.account else ""
    updates = sum(1 for c in changes if c.action is Action.UPDATE)
    blocked = len(changes) - updates
    if changes:
        counts = [f"{updates} to change"] + ([f"{blocked} blocked"] if blocked else [])
        counts.append(f"{summary.unchanged} unchanged")
        status = ", ".join(counts)
    else:
        status = paint.green("no changes")
    return [
        paint.bold(
            f"Instance {clean(name)}: {clean(summary.region)} {ARROW} replica {clean(summary.replica_region)}"
        ),
        f"{_INDENT}id {clean(summary.id)}{account}; read with {plural(summary.read_calls, 'API call')}",
        f"{_INDENT}{plural(summary.managed, 'managed resource')}: {status}",
    ]


def _change(change: Change, regions: tuple[str, ...], width: int, paint: _Paint) -> list[str]:
    risks = ordered_risks(change.risks)
    labels = f"  [{', '.join(paint.red(r.value) for r in risks)}]" if risks else ""
    what = f"{change.kind.value} {quote(change.name)}"
    if change.action is Action.BLOCKED:
        head = f"{_INDENT}{'':>{width}} {paint.alarm('blocked')} {what}{labels}"
    else:
        head = f"{_INDENT}{f'{change.step}.':>{width}} {paint.yellow('~')} {what}{labels}"
    rows = field_rows(change, regions)
    column = max([len(clean(r.field)) for r in rows] + [len(label) for label in _LABELS])
    pad = " " * (len(_INDENT) + width + 3)
    lines = [head]

    def labelled(label: str, text: str) -> None:
        lines.append(f"{pad}{label:<{column}}  {text}")

    if change.reason is not None:
        labelled("reason", paint.red(clean(change.reason)))
    # A blocked change's values are what was wanted, not what apply will set: no green for them.
    lines += _field_lines(rows, pad, column, paint if change.action is Action.UPDATE else _Paint(False))
    lines += [f"{pad}{paint.yellow('! ' + clean(w))}" for w in change.warnings]
    if change.request is not None and change.action is Action.UPDATE:  # a blocked change sends nothing
        req = change.request
        labelled(
            "call",
            f"{clean(req.operation)} in {clean(req.region)}: {clean(req.method)} {display_path(req.path)}",
        )
    if change.rollout is not None and change.action is Action.UPDATE:
        labelled("rollout", clean(rollout_line(change, regions)))
        labelled("halt on", clean(halt_line(change.rollout)))
    if change.source or change.order:
        wave = f" (order: {change.order})" if change.order else ""
        labelled("source", f"{clean(change.source) or '(unknown)'}{wave}")
    return lines


def _field_lines(rows: list[FieldRow], pad: str, column: int, paint: _Paint) -> list[str]:
    """`field  [Region]  before → after`; the field name only on its first row, values aligned.

    An unchanged Region has no arrow (and is dimmed in colour): it is shown only so that the whole
    distribution can be read at a glance.
    """
    region_width = max((len(clean(r.region)) for r in rows if r.region is not None), default=0)
    before_width: dict[str, int] = {}
    for row in rows:
        before_width[row.field] = max(before_width.get(row.field, 0), len(_plain(row.before)))
    numeric = {r.field for r in rows if all(_is_percent(x.before) for x in rows if x.field == r.field)}
    lines: list[str] = []
    previous = None
    for row in rows:
        label = clean(row.field) if row.field != previous else ""
        previous = row.field
        region = f"{clean(row.region):<{region_width}}  " if row.region is not None else ""
        before = _plain(row.before)
        if row.changed:
            align = ">" if row.field in numeric else "<"
            shown = f"{before:{align}{before_width[row.field]}}"
            value = f"{region}{shown} {ARROW} {paint.green(_plain(row.after))}"
        else:
            value = paint.dim(f"{region}{before}")
        lines.append(f"{pad}{label:<{column}}  {value}")
    return lines


def _is_percent(value: Shown) -> bool:
    return not value.literal and value.text.endswith("%")


def _plain(value: Shown) -> str:
    return quote(value.text) if value.literal else value.text
