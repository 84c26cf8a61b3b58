"""Drift reports as text (logs), markdown (the drift issue's body) and JSON (tooling): pure functions.

Names, caller IDs and messages come from Connect and from YAML: as in the plan renderers, the text
form spells out non-printable characters (`values.clean`, `values.quote`) so a name cannot repaint
a CI log or forge a line, and the markdown form puts them through `mdsafe`, so that the drift issue
cannot grow a forged table row, a link or an @mention from a queue's name.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.planning.drift import DriftReport, FindingKind
from reconciler.render import mdsafe
from reconciler.render.values import clean, quote

_TITLES = {
    FindingKind.CHANGED: "changed outside git",
    FindingKind.MISSING: "named in git, missing in Connect",
    FindingKind.UNRESOLVED: "references that no longer resolve",
    FindingKind.DUPLICATE: "named twice in git",
    FindingKind.UNMANAGED: "in Connect, not in git",
}


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_scalar(v)}" for k, v in value.items())
    return quote(value) if isinstance(value, str) else str(value)


def _md_value(value: Any) -> str:
    """A value in a table cell: strings (literals from Connect or git) as code spans."""
    if isinstance(value, str):
        return mdsafe.code(value, table=True)
    return _value(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value}%" if isinstance(value, int) else str(value)


def summary(report: DriftReport) -> str:
    if not report.has_drift:
        return f"No drift: {report.managed} managed resources match desired-state."
    counts = ", ".join(
        f"{sum(1 for f in report.findings if f.finding is kind)} {kind.value}"
        for kind in FindingKind
        if any(f.finding is kind for f in report.findings)
    )
    return f"Drift: {len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({counts})."


def render_drift_text(report: DriftReport) -> str:
    lines: list[str] = [clean(note) for note in report.notes] + ([""] if report.notes else [])
    for kind in FindingKind:
        found = [f for f in report.findings if f.finding is kind]
        if not found:
            continue
        lines.append(f"{kind.value}: {_TITLES[kind]}")
        for finding in found:
            labels = f" [{', '.join(finding.labels)}]" if finding.labels else ""
            lines.append(f"  ! {clean(finding.address)}{labels}")
            lines.extend(
                f"      {f.field}: live {_value(f.before)}; git {_value(f.after)}" for f in finding.fields
            )
            if finding.message:
                lines.append(f"      {clean(finding.message)}")
            if finding.source:
                lines.append(f"      defined at {clean(finding.source)}")
        lines.append("")
    if any("failover" in f.labels for f in report.findings):
        lines.append(
            "A failover label means live traffic was moved outside git, as in an emergency; nothing is"
        )
        lines.append("reverted automatically. Update git to match, or plan and apply to move traffic back.")
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_drift_markdown(report: DriftReport) -> str:
    lines = ["## Amazon Connect drift", ""]
    if report.notes:
        lines += ["> [!WARNING]", *(f"> {mdsafe.text(note)}" for note in report.notes), ""]
    lines += [f"**{summary(report)}**", ""]
    if not report.has_drift:
        return "\n".join(lines)
    if any("failover" in f.labels for f in report.findings):
        lines += [
            "> **failover**: live traffic was moved outside git. Nothing is reverted automatically.",
            "",
        ]
    lines += ["| finding | resource | labels | live → git |", "|---|---|---|---|"]
    for finding in report.findings:
        detail = "; ".join(f"{f.field}: {_md_value(f.before)} → {_md_value(f.after)}" for f in finding.fields)
        detail = detail or mdsafe.text(finding.message)
        labels = ", ".join(finding.labels)
        resource = mdsafe.code(finding.address, table=True)
        lines.append(f"| {finding.finding.value} | {resource} | {labels} | {detail} |")
    return "\n".join(lines) + "\n"


def render_drift_json(report: DriftReport) -> str:
    data = report.model_dump(mode="json")
    data["has_drift"] = report.has_drift
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_drift(report: DriftReport, fmt: str) -> str:
    if fmt == "json":
        return render_drift_json(report)
    if fmt == "markdown":
        return render_drift_markdown(report)
    return render_drift_text(report)
