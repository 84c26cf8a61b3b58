"""The plan as a GitHub pull-request comment: risks first, a table to scan, details to expand.

Reviewers decide from the top of the comment, so it opens with the summary line and every risk
label present (with counts and the resources concerned), then the warnings and blocked changes.
Each instance gets a table (step | kind | resource | changes | risks) and, under it, one collapsed
`<details>` block per change with every field before → after and the exact JSON body apply sends.

Two constraints shape the code:

- Names and values come from YAML and from Connect and may hold `|`, `<`, backticks, `@mentions`:
  every piece of such text goes through `mdsafe` (code spans for names and values, escaped prose
  for warnings, HTML escaping inside `<summary>`), so nothing a user typed can open a tag, a link
  or a table cell. The hidden marker comment lets a CI job find and update its previous comment.
- GitHub refuses comments over 65,536 characters. When the whole plan does not fit in `limit`,
  details are dropped first (from the end), then table rows (from the end), and a note says how
  many were left out and where the full plan is. The head (summary, risks, warnings, blocked) is
  always kept; its lists are capped so that it stays small however big the plan is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.planning.plan import Action, Change, InstanceSummary, Plan
from reconciler.planning.rollout import halt_line, rollout_line
from reconciler.render import mdsafe as md
from reconciler.render.values import (
    FieldRow,
    Shown,
    changed_rows,
    display_path,
    field_rows,
    instance_order,
    instance_regions,
    no_changes_line,
    ordered_risks,
    plural,
    read_note,
    short_id,
    summaries_by_name,
    summary_line,
)

GITHUB_COMMENT_LIMIT = 65536
MARKER = "<!-- connect-reconciler:plan -->"
PLAN_TITLE = "## Amazon Connect plan"
ARROW = "→"
SHORT_VALUE = 40  # characters of a value shown in the table; the details show it whole
LIST_CAP = 20  # resources per risk label, warnings and blocked changes listed in the head


def render_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT, part: bool = False) -> str:
    """The plan as Markdown of at most `limit` characters.

    With `part`, the plan is one of several in a comment (`render.comment`): no marker (the comment
    has one), a heading naming its instances, and `limit` is its share of the comment.
    """
    doc = _Document(plan, part=part)
    total = len(doc.order)
    if _fitting(lambda i: doc.row(i) + doc.detail(i), total, limit) == total:
        whole = doc.assemble(total, total, limit)
        if len(whole) <= limit:  # the estimates below reserve room for a note it does not need
            return whole
    # Rows and details are rendered lazily, in order, and only while they can still fit: a plan of
    # 50,000 changes costs what fits in one comment, not 50,000 details blocks.
    if _fitting(doc.row, total, limit) == total and len(doc.assemble(total, 0, limit)) <= limit:
        used = len(doc.assemble(total, 0, limit))
        details = _fitting(doc.detail, total, limit - used)
        return _largest(doc, total, details, limit, keep="rows")
    if len(doc.assemble(0, 0, limit)) <= limit:
        rows = _fitting(doc.row, total, limit - len(doc.assemble(0, 0, limit)))
        return _largest(doc, rows, 0, limit, keep="details")
    # A limit too small even for the head: as many of its whole blocks as fit, then the note.
    note = doc.note(0, 0, limit)
    kept = ""
    for block in doc.head.split("\n\n"):
        if len(kept) + len(block) + 2 + len(note) > limit:
            break
        kept += block + "\n\n"
    return (kept + note)[:limit]


def _fitting(piece: Callable[[int], str], total: int, budget: int) -> int:
    """How many pieces, from the first, fit in `budget` characters."""
    used = count = 0
    while count < total and used + len(piece(count)) <= budget:
        used += len(piece(count))
        count += 1
    return count


def _largest(doc: _Document, rows: int, details: int, limit: int, *, keep: str) -> str:
    """The comment with at most `rows` rows and `details` details, fewer while it is too long.

    The estimate ignores the small text around the pieces (table heads, the note's numbers), so
    it may be over by a piece or two: drop details (or rows) one at a time until it fits.
    """
    text = doc.assemble(rows, details, limit)
    while len(text) > limit:
        if keep == "rows":
            details -= 1
        else:
            rows -= 1
        text = doc.assemble(rows, details, limit)
    return text


@dataclass(frozen=True)
class _Section:
    """One instance: its heading and which changes (by display index) are its own."""

    start: int  # index of its first change in display order
    count: int
    header: str


class _Document:
    """The comment's parts; table rows and details blocks are rendered on first use and kept."""

    def __init__(self, plan: Plan, *, part: bool = False) -> None:
        summaries = summaries_by_name(plan)
        self.part = part
        self.multi = len(instance_order(plan)) > 1
        self.head = _head(plan, self.multi, part)
        self.footer = _footer(plan)
        self.sections: list[_Section] = []
        self.order: list[Change] = []  # changes in display order: by instance, then plan order
        self.regions: list[tuple[str, ...]] = []
        for name in instance_order(plan):
            changes = [c for c in plan.changes if c.instance == name]
            summary = summaries.get(name)
            header = _instance_header(name, summary, changes)
            self.sections.append(_Section(start=len(self.order), count=len(changes), header=header))
            self.order += changes
            self.regions += [instance_regions(summary)] * len(changes)
        self._rows: dict[int, str] = {}
        self._details: dict[int, str] = {}

    def row(self, index: int) -> str:
        if index not in self._rows:
            self._rows[index] = _row(self.order[index], self.regions[index])
        return self._rows[index]

    def detail(self, index: int) -> str:
        if index not in self._details:
            self._details[index] = _details(self.order[index], self.regions[index], self.multi)
        return self._details[index]

    def assemble(self, rows: int, details: int, limit: int) -> str:
        """The comment with the first `rows` table rows and the first `details` details blocks."""
        total = len(self.order)
        shortened = rows < total or details < total
        out = [self.head]
        if shortened and self.part:
            out.append("_This plan is shortened to fit the comment: see the note at its end._\n\n")
        elif shortened:
            out.append("_This comment is shortened to fit GitHub's size limit: see the note at the end._\n\n")
        for section in self.sections:
            out.append(section.header)
            end = section.start + section.count
            kept = max(0, min(rows, end) - section.start)
            if kept:
                out += [_TABLE_HEAD, *(self.row(i) for i in range(section.start, section.start + kept)), "\n"]
            if kept < section.count:
                missing = plural(section.count - kept, "more change" if kept else "change")
                out.append(f"_{missing} not shown here; see the note at the end._\n\n")
            out += (self.detail(i) for i in range(section.start, min(details, end)))
        if shortened:
            out.append(self.note(rows, details, limit))
        out.append(self.footer)
        return "".join(out)

    def note(self, rows: int, details: int, limit: int) -> str:
        total = len(self.order)
        if details == 0:
            left_out = [f"the details of all {plural(total, 'change')}"]
        else:
            left_out = [f"the details of {total - details} of {plural(total, 'change')}"]
        if rows == 0:
            left_out.append(f"all {plural(total, 'table row')}")
        elif rows < total:
            left_out.append(f"{total - rows} of {total} table rows")
        budget = (
            f"its {limit:,}-character share of this comment"
            if self.part
            else f"the {limit:,}-character limit of a GitHub comment"
        )
        return (
            "---\n\n> [!NOTE]\n"
            f"> Shortened to fit {budget}: {' and '.join(left_out)} are not shown. The full plan is in "
            "the saved plan artifact (`reconciler plan --out`): `reconciler show PLANFILE` prints it, "
            "or run `reconciler plan --format text`.\n\n"
        )


_TABLE_HEAD = "| step | kind | resource | changes | risks |\n|---:|---|---|---|---|\n"


def _head(plan: Plan, multi: bool, part: bool) -> str:
    if part:
        names = ", ".join(md.code(name) for name in instance_order(plan))
        out = [f"{PLAN_TITLE}: {names}" if names else PLAN_TITLE, ""]
    else:
        out = [MARKER, PLAN_TITLE, ""]
    notes = [note for note in (read_note(s) for s in plan.instances) if note]
    if notes:
        out += ["> [!WARNING]", *(f"> {md.text(note)}" for note in notes), ""]
    out += [f"**{summary_line(plan)}**", ""]
    if not plan.has_changes:
        return "\n".join([*out, no_changes_line(plan), "", ""])
    risks = ordered_risks(r for c in plan.changes for r in c.risks)
    if risks:
        out += ["> [!CAUTION]", "> **Risks** in this plan:"]
        for risk in risks:
            hit = [c for c in plan.changes if risk in c.risks]
            out.append(f"> - **{risk.value}** ({len(hit)}): {_names(hit, multi)}")
    else:
        out.append("**Risks:** none.")
    out.append("")
    warned = [(c, w) for c in plan.changes for w in c.warnings]
    if warned:
        out.append("**Warnings**")
        out += [f"- {_resource(c, multi)}: {md.text(w)}" for c, w in warned[:LIST_CAP]]
        out += _more(len(warned))
        out.append("")
    if plan.blocked:
        out.append("**Blocked**: apply will not make these changes.")
        out += [f"- {_resource(c, multi)}: {md.text(c.reason or 'blocked')}" for c in plan.blocked[:LIST_CAP]]
        out += _more(len(plan.blocked))
        out.append("")
    return "\n".join(out) + "\n"


def _footer(plan: Plan) -> str:
    """Where the plan comes from, in small print: what a reviewer checks against the artifact."""
    facts = f"Desired-state digest {md.code(short_id(plan.desired_digest))}"
    if plan.meta is not None:
        meta = plan.meta
        commit = f" at commit {md.code(short_id(meta.git_commit))}" if meta.git_commit else ""
        facts += (
            f", planned {md.text(meta.created_at)} by reconciler {md.text(meta.tool_version)} "
            f"from {md.code(meta.state_dir)}{commit}"
        )
    return f"<sub>{facts}.</sub>\n"


def _more(count: int) -> list[str]:
    return [f"- … and {count - LIST_CAP} more"] if count > LIST_CAP else []


def _names(changes: Sequence[Change], multi: bool) -> str:
    shown = ", ".join(_resource(c, multi) for c in changes[:LIST_CAP])
    return shown + (f" and {len(changes) - LIST_CAP} more" if len(changes) > LIST_CAP else "")


def _resource(change: Change, multi: bool) -> str:
    name = md.code(change.name)
    return f"{name} in {md.code(change.instance)}" if multi else name


def _instance_header(name: str, summary: InstanceSummary | None, changes: list[Change]) -> str:
    if summary is None:
        return f"### {md.code(name)}\n\n"
    updates = sum(1 for c in changes if c.action is Action.UPDATE)
    blocked = len(changes) - updates
    if changes:
        counts = [f"{updates} to change"] + ([f"{blocked} blocked"] if blocked else [])
        status = ", ".join([*counts, f"{summary.unchanged} unchanged"])
    else:
        status = "no changes"
    account = f" in account {md.code(summary.account)}" if summary.account else ""
    return (
        f"### {md.code(name)}: {md.text(summary.region)} {ARROW} "
        f"replica {md.text(summary.replica_region)}\n\n"
        f"Instance {md.code(summary.id)}{account}: "
        f"{plural(summary.managed, 'managed resource')}, {status}.\n\n"
    )


def _row(change: Change, regions: tuple[str, ...]) -> str:
    if change.action is Action.BLOCKED:
        wanted = _short(changed_rows(change, regions))
        step, what = "—", f"**blocked**: {md.text(change.reason or '')}" + (f"<br>{wanted}" if wanted else "")
    else:
        step, what = str(change.step), _short(changed_rows(change, regions))
    risks = ", ".join(r.value for r in ordered_risks(change.risks))
    return f"| {step} | {change.kind.value} | {md.code(change.name, table=True)} | {what} | {risks} |\n"


def _short(rows: list[FieldRow]) -> str:
    """The changed values in a few words: `field: Region before → after, ...` per field."""
    fields: dict[str, list[str]] = {}
    for row in rows:
        region = f"{md.text(row.region)} " if row.region is not None else ""
        before, after = _value(row.before, short=True), _value(row.after, short=True)
        fields.setdefault(row.field, []).append(f"{region}{before} {ARROW} {after}")
    return "<br>".join(f"{md.text(f)}: {', '.join(parts)}" for f, parts in fields.items())


def _details(change: Change, regions: tuple[str, ...], multi: bool) -> str:
    if change.action is Action.BLOCKED:
        title = f"Blocked: {change.kind.value} {md.html_code(change.name)}"
    else:
        title = f"Step {change.step}: {change.kind.value} {md.html_code(change.name)}"
    if multi:
        title += f" in {md.html_code(change.instance)}"
    risks = ordered_risks(change.risks)
    if risks:
        title += f" ({', '.join(r.value for r in risks)})"
    out = [f"<details><summary>{title}</summary>", ""]
    if change.reason is not None:
        out += [f"**Blocked:** {md.text(change.reason.rstrip('.'))}. Apply will not make this change.", ""]
    rows = field_rows(change, regions)
    if rows:
        out += [*_field_table(rows), ""]
    out += [f"**Warning:** {md.text(w)}\n" for w in change.warnings]
    if change.request is not None and change.action is Action.UPDATE:  # a blocked change sends nothing
        req = change.request
        out += [
            f"Request: {md.code(req.operation)} in {md.code(req.region)}: "
            f"{md.code(f'{req.method} {display_path(req.path)}')}",
            "",
            *md.json_block(req.body),
            "",
        ]
    if change.rollout is not None and change.action is Action.UPDATE:
        out += [
            f"**Rollout:** {md.text(rollout_line(change, regions))}; halt on "
            f"{md.text(halt_line(change.rollout))}.",
            "",
        ]
    facts = [f"Resource {md.code(change.resource_arn or change.resource_id)}"]
    if change.source:
        facts.append(f"defined at {md.code(change.source)}")
    if change.order:
        facts.append(f"order {change.order}")
    out += [f"{'; '.join(facts)}.", "", "</details>", "", ""]
    return "\n".join(out)


def _field_table(rows: list[FieldRow]) -> list[str]:
    by_region = any(r.region is not None for r in rows)
    head = "| field | Region | before | after |" if by_region else "| field | before | after |"
    lines = [head, "|---|---|---|---|" if by_region else "|---|---|---|"]
    previous = None
    for row in rows:
        field = md.text(row.field) if row.field != previous else ""
        previous = row.field
        after = _value(row.after) if row.changed else "(unchanged)"
        cells = [field, *([md.text(row.region or "")] if by_region else [])]
        cells += [_value(row.before), after]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _value(value: Shown, *, short: bool = False) -> str:
    """A field value for a table cell: labels as text, literals as code spans."""
    if not value.literal:
        return md.text(value.text)
    text = value.text
    if short and len(text) > SHORT_VALUE:
        text = text[: SHORT_VALUE - 1] + "…"
    return md.code(text, table=True)
