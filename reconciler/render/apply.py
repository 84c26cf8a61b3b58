"""Apply output as text: the dry-run call list, one progress line per change, and the summary.

Pure functions of results, so CI logs and golden tests see exactly what a terminal sees (minus the
progress line rewriting, which the CLI does on a TTY only).
"""

from __future__ import annotations

import json

import click

from reconciler.applying.results import Outcome, Report, Result
from reconciler.planning.plan import Plan
from reconciler.render.values import clean, quote

_ORDER = (
    Outcome.APPLIED,
    Outcome.ALREADY,
    Outcome.FAILED,
    Outcome.UNVERIFIED,
    Outcome.STALE,
    Outcome.SKIPPED,
    Outcome.HALTED,
)


def render_dry_run(plan: Plan, report: Report) -> str:
    """Every call apply would send, in order, with its exact body; and what it would not send."""
    lines = ["Dry run: no write is made. These calls would be sent, in this order:", ""]
    sent = [r for r in report.results if r.outcome is Outcome.WOULD_APPLY]
    for result in sent:
        rollout = result.change.rollout
        requests = [s.request for s in rollout.steps] if rollout else [result.change.request]
        for index, request in enumerate(requests, 1):
            assert request is not None
            step = f"{result.change.step}" + (f".{index}" if rollout else "")
            call = f"{request.operation} in {clean(request.region)}: {request.method} {clean(request.path)}"
            lines.append(f"  {step}. {call}")
            lines.append(f"     {clean(result.change.address)}")
            if rollout:
                lines.append(
                    f"     rollout step {index} of {len(requests)}, then bake {rollout.bake} watching "
                    + (", ".join(clean(a.name) for a in rollout.alarms) or "no alarms")
                )
            # JSON escapes every control character (ensure_ascii keeps bidi marks and the like out too)
            body = json.dumps(request.body, indent=2, sort_keys=True, ensure_ascii=True)
            lines.extend(f"     {line}" for line in body.splitlines())
    if not sent:
        lines.append("  (none)")
    others = [r for r in report.results if r.outcome is not Outcome.WOULD_APPLY]
    if others:
        lines += ["", "Not sent:"]
        lines.extend(f"  {clean(r.change.address)}: {r.outcome.value}: {clean(r.message)}" for r in others)
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in _ORDER if report.count(o))
    lines += [
        "",
        f"Dry run: {len(sent)} call{'s' if len(sent) != 1 else ''} would be sent"
        + (f"; {counts}" if counts else "")
        + ".",
    ]
    return "\n".join(lines) + "\n"


_STYLES = {
    Outcome.APPLIED: {"fg": "green"},
    Outcome.FAILED: {"fg": "red", "bold": True},
    Outcome.STALE: {"fg": "yellow", "bold": True},
    Outcome.UNVERIFIED: {"fg": "yellow"},
    Outcome.SKIPPED: {"fg": "yellow"},
}


def render_result(result: Result, done: int, total: int, *, color: bool = False) -> str:
    """One progress line, written as the change completes:
    `[3/12] applied  queue "Sales" (us-east-1) 0.4 s`; failed and stale ones say why."""
    change = result.change
    where = f" ({clean(result.region)})" if result.region else ""
    took = f" {result.seconds:.1f} s" if result.seconds is not None else ""
    why = f": {clean(result.message)}" if result.message and result.outcome is not Outcome.APPLIED else ""
    outcome = result.outcome.value
    style = _STYLES.get(result.outcome)
    if color and style:
        outcome = click.style(outcome, **style)  # type: ignore[arg-type]
    return f"[{done}/{total}] {outcome} {change.kind.value} {quote(change.name)}{where}{took}{why}"


def render_summary(report: Report) -> str:
    counts = ", ".join(
        f"{report.count(o)} {o.value}"
        for o in _ORDER
        if o is not Outcome.UNVERIFIED and (o is not Outcome.HALTED or report.count(o))
    )
    if report.count(Outcome.UNVERIFIED):
        counts += f", {report.count(Outcome.UNVERIFIED)} unverified"
    text = "".join(f"{clean(note)}\n" for note in report.notes) + f"Apply: {counts}."
    if report.journal:
        text += f"\nJournal: {report.journal}"
    if report.count(Outcome.UNVERIFIED):
        text += (
            "\nUnverified: written, but Connect's reads did not show them yet (they lag writes, "
            "sometimes by minutes). Run `reconciler plan` in a few minutes: if they show no change, "
            "they are done; if they do, apply again."
        )
    if report.count(Outcome.STALE):
        text += "\nStale: changed in Connect by someone else since the plan, so not overwritten."
    if report.count(Outcome.HALTED):
        text += "\nHalted: a progressive shift stopped part-way:"
        text += "".join(
            f"\n  {clean(r.change.address)}: {clean(r.message)}"
            for r in report.results
            if r.outcome is Outcome.HALTED
        )
    if not report.ok:
        text += "\nRe-run `reconciler plan` to see what is left."
    return text + "\n"
