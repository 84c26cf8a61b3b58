"""Drift reports as text (logs), markdown (the drift issue's body) and JSON (tooling): pure functions.

Names, caller IDs and messages come from Connect and from YAML: as in the plan renderers, the text
form spells out non-printable characters (`values.clean`, `values.quote`) so a name cannot repaint
a CI log or forge a line, and the markdown form puts them through `mdsafe`, so that the drift issue
cannot grow a forged table row, a link or an @mention from a queue's name.

The words are neutral: a value that "differs from git" may have been changed in the console, or
may be a merge that was never applied. The labels are the plan's, so they say what applying git
would do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from reconciler.planning.drift import DriftReport, Finding, FindingKind
from reconciler.render import mdsafe
from reconciler.render.values import clean, plural, quote

GITHUB_BODY_LIMIT = 65536  # an issue body, like a comment, holds at most this many characters

_TITLES = {
    FindingKind.DIFFERS: "live differs from git",
    FindingKind.OVERRIDDEN: "moved by a break-glass failover, not yet adopted by git",
    FindingKind.MISSING: "named in git, missing in Connect",
    FindingKind.UNRESOLVED: "references that no longer resolve",
    FindingKind.DUPLICATE: "named twice in git",
    FindingKind.UNMANAGED: "in Connect, not in git",
}
_LABELS_NOTE = (
    "Labels are the plan's: they say what applying git would do (failover: a Region would go to 0% "
    "or 100% of calls). Nothing is changed automatically: update git to match Connect, or plan and "
    "apply to make Connect match git."
)


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{clean(str(k))} {_scalar(v)}" for k, v in value.items())
    return quote(value) if isinstance(value, str) else clean(str(value))


def _md_value(value: Any) -> str:
    """A value in a table cell: strings (literals from Connect or git) as code spans."""
    if isinstance(value, str):
        return mdsafe.code(value, table=True)
    return mdsafe.text(_value(value))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value}%" if isinstance(value, int) else clean(str(value))


def summary(report: DriftReport) -> str:
    if not report.has_drift:
        return f"No drift: {report.managed} managed resources match desired-state."
    counts = ", ".join(
        f"{sum(1 for f in report.findings if f.finding is kind)} {kind.value}"
        for kind in FindingKind
        if any(f.finding is kind for f in report.findings)
    )
    return f"Drift: {plural(len(report.findings), 'finding')} ({counts})."


def render_drift_text(report: DriftReport, *, color: bool = False) -> str:
    """The report as terminal text; with `color`, findings in red/yellow and git's values in green
    (styles wrap escaped text only, so a name from Connect never carries an escape of its own)."""

    def paint(text: str, **style: Any) -> str:
        return click.style(text, **style) if color and text else text

    lines: list[str] = [clean(note) for note in report.notes] + ([""] if report.notes else [])
    for kind in FindingKind:
        found = [f for f in report.findings if f.finding is kind]
        if not found:
            continue
        lines.append(paint(f"{kind.value}: {_TITLES[kind]}", bold=True))
        for finding in found:
            labels = f" [{', '.join(finding.labels)}]" if finding.labels else ""
            lines.append(
                f"  {paint('!', fg='red', bold=True)} {clean(finding.address)}{paint(labels, fg='yellow')}"
            )
            lines.extend(
                f"      {clean(f.field)}: live {paint(_value(f.live), fg='red')}; "
                f"git {paint(_value(f.desired), fg='green')}"
                for f in finding.fields
            )
            if finding.message:
                lines.append(f"      {clean(finding.message)}")
            if finding.source:
                lines.append(f"      defined at {clean(finding.source)}")
        lines.append("")
    if any(f.labels for f in report.findings):
        lines += [_LABELS_NOTE, ""]
    lines.append(paint(summary(report), bold=True) if report.has_drift else summary(report))
    return "\n".join(lines) + "\n"


def render_drift_markdown(report: DriftReport, *, limit: int = GITHUB_BODY_LIMIT) -> str:
    """The report as Markdown of at most `limit` characters: rows are dropped from the end, with a
    note saying how many, when the whole table does not fit."""
    lines = [drift_title(report.instances), ""]
    if report.notes:
        lines += ["> [!WARNING]", *(f"> {mdsafe.text(note)}" for note in report.notes), ""]
    lines += [f"**{mdsafe.text(summary(report))}**", ""]
    if not report.has_drift:
        return _cut("\n".join(lines), limit)
    if any(f.labels for f in report.findings):
        lines += [f"> {mdsafe.text(_LABELS_NOTE)}", ""]
    lines += ["| finding | resource | labels | live → git |", "|---|---|---|---|"]
    head = "\n".join(lines) + "\n"
    rows = [_row(finding) for finding in report.findings]
    kept, used = 0, len(head)
    while kept < len(rows) and used + len(rows[kept]) + len(_note(len(rows) - kept - 1, limit)) <= limit:
        used += len(rows[kept])
        kept += 1
    note = _note(len(rows) - kept, limit) if kept < len(rows) else ""
    return _cut(head + "".join(rows[:kept]) + note, limit)


def drift_title(instances: Sequence[str]) -> str:
    """The report's heading, naming its instances: the drift issue holds one report per instance."""
    names = ", ".join(mdsafe.code(name) for name in instances)
    return f"## Amazon Connect drift: {names}" if names else "## Amazon Connect drift"


def _row(finding: Finding) -> str:
    detail = "; ".join(
        f"{mdsafe.text(f.field)}: {_md_value(f.live)} → {_md_value(f.desired)}" for f in finding.fields
    )
    if finding.finding is FindingKind.OVERRIDDEN and finding.message:
        detail = f"{detail}; {mdsafe.text(finding.message)}" if detail else mdsafe.text(finding.message)
    detail = detail or mdsafe.text(finding.message)
    labels = ", ".join(mdsafe.text(label) for label in finding.labels)
    resource = mdsafe.code(finding.address, table=True)
    return f"| {finding.finding.value} | {resource} | {labels} | {detail} |\n"


def _note(left_out: int, limit: int) -> str:
    if left_out <= 0:
        return ""
    return (
        f"\n_{plural(left_out, 'more finding')} not shown, to fit the {limit:,}-character limit of a "
        "GitHub issue: run `reconciler drift` for the whole report._\n"
    )


def _cut(text: str, limit: int) -> str:
    """A last resort for limits smaller than the head: whole lines only."""
    if len(text) <= limit:
        return text
    kept = text[:limit]
    return kept[: kept.rfind("\n") + 1]


def render_drift_json(report: DriftReport) -> str:
    data = report.model_dump(mode="json")
    data["has_drift"] = report.has_drift
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_drift(
    report: DriftReport, fmt: str, *, limit: int = GITHUB_BODY_LIMIT, color: bool = False
) -> str:
    """The report in `fmt` (text, markdown or json); `limit` applies to markdown, `color` to text."""
    if fmt == "json":
        return render_drift_json(report)
    if fmt == "markdown":
        return render_drift_markdown(report, limit=limit)
    return render_drift_text(report, color=color)
