"""What apply reports: an outcome per change, and the report of a run (pure values, no I/O).

They live apart from the applier so that renderers and the CLI can show results without importing
anything that talks to Connect.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler.planning.plan import Change


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY = "already"  # live already had the planned values: nothing to write
    FAILED = "failed"
    UNVERIFIED = "unverified"  # written, but not seen in Connect within the verify budget
    STALE = "stale"  # live changed since the plan: not overwritten
    SKIPPED = "skipped"  # blocked at plan time, or not attempted after --fail-fast
    WOULD_APPLY = "would-apply"  # dry run
    HALTED = "halted"  # a rollout stopped by an alarm (or interrupted) part-way


@dataclass(frozen=True)
class Result:
    change: Change
    outcome: Outcome
    message: str = ""
    region: str | None = None
    seconds: float | None = None  # how long its read-before and write took, for progress lines


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    journal: str | None = None
    notes: tuple[str, ...] = ()  # e.g. an instance refreshed from its replica: its Region did not answer
    interrupted: bool = False  # stopped by Ctrl-C: changes not attempted are skipped

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        """True when everything asked for was done: nothing failed, stale, blocked or not attempted.

        Changes held back by --changed-since (reverts of changes made outside git) do not count.
        """
        bad = (Outcome.FAILED, Outcome.UNVERIFIED, Outcome.STALE, Outcome.SKIPPED, Outcome.HALTED)
        return not any(r.outcome in bad and not r.change.held for r in self.results)
