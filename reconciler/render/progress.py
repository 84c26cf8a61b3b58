"""The live status line of an apply on a terminal, and what an interrupted apply tells its user.

Pure text, so tests check it without a terminal: the CLI rewrites the status line in place under
the per-change lines (`render.apply.render_result`), and prints `render_interrupted` once a Ctrl-C
has let the in-flight writes finish. The on-call engineer reading it needs three things: how far
the apply got, how fast it goes, and, when stopped, exactly how to undo what was written.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from reconciler.applying.results import Outcome, Report
from reconciler.render.values import clean, quote


def status_line(done: int, total: int, elapsed: float, counts: Mapping[Outcome, int]) -> str:
    """`[12/54] 10 applied, 1 failed, 1 stale · 3.2 writes/s · about 14 s left`."""
    tally = ", ".join(f"{n} {outcome.value}" for outcome, n in counts.items() if n) or "starting"
    parts = [f"[{done}/{total}] {tally}"]
    if done and elapsed > 0:
        rate = done / elapsed
        parts.append(f"{rate:.1f} writes/s")
        if done < total:
            parts.append(f"about {_duration((total - done) / rate)} left")
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def render_interrupted(report: Report, command: str = "reconciler rollback") -> str:
    """What an apply stopped by Ctrl-C wrote and did not, and how to undo what it wrote."""
    written = [r for r in report.results if r.outcome in (Outcome.APPLIED, Outcome.UNVERIFIED)]
    others = [r for r in report.results if r not in written]
    lines = ["Interrupted: no new write was started; the writes in flight finished and are journalled."]
    lines.append(f"Applied ({len(written)}):")
    lines.extend(
        f"  {r.change.kind.value} {quote(r.change.name)} ({clean(r.change.instance)})" for r in written
    )
    lines.append(f"Not applied ({len(others)}):")
    lines.extend(
        f"  {r.change.kind.value} {quote(r.change.name)} ({clean(r.change.instance)}): {r.outcome.value}"
        for r in others
    )
    if report.journal:
        lines.append(f"Journal: {clean(report.journal)}")
        if written:
            lines.append(f"To undo what was applied: {command} {shlex.quote(clean(report.journal))}")
    return "\n".join(lines) + "\n"
