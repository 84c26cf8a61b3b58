"""Progress comes in step order, and a stop request (Ctrl-C) lets no new write start."""

from __future__ import annotations

import threading
from pathlib import Path

from reconciler.applying.applier import Applier
from reconciler.applying.journal import ApplyFinished, Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome, Result

from ..support.connect import fast_settings, make_plan
from ..support.fake_connect import FakeConnect


def test_results_arrive_in_step_order_even_when_a_later_write_finishes_first(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    queues = [c for c in plan.changes if c.kind.value == "queue"]
    assert len(queues) >= 2
    first_done = threading.Event()

    def slow_first(operation: str, target: str) -> None:
        # the batch's first queue write waits until a later one has been written
        if queues[0].resource_id in target:
            first_done.wait(timeout=0.2)
        elif queues[1].resource_id in target:
            first_done.set()

    fake.before_write = slow_first
    seen: list[tuple[str, int, int]] = []
    settings = fast_settings(on_result=lambda r, i, n: seen.append((r.change.name, i, n)))

    report = Applier(fake, None, settings).run(plan)

    assert [name for name, _, _ in seen] == [c.name for c in plan.changes]
    assert [i for _, i, _ in seen] == list(range(1, len(plan.changes) + 1))
    assert {n for _, _, n in seen} == {len(plan.changes)}
    assert all(r.outcome is Outcome.APPLIED for r in report.results)


def test_a_stop_request_starts_no_new_write_and_is_journalled(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, fake)
    applier: Applier

    def stop_after_first(result: Result, index: int, total: int) -> None:
        if index == 1:
            applier.stop.set()

    path = tmp_path / "journal.jsonl"
    with Journal(str(path)) as journal:
        applier = Applier(fake, journal, fast_settings(on_result=stop_after_first))
        report = applier.run(plan)

    assert report.interrupted
    assert report.results[0].outcome is Outcome.APPLIED
    assert [r.outcome for r in report.results[1:]] == [Outcome.SKIPPED] * (len(plan.changes) - 1)
    assert all("interrupted" in r.message for r in report.results[1:])
    assert len(fake.writes()) == 1
    finished = read_journal(str(path))[-1]
    assert isinstance(finished, ApplyFinished) and finished.interrupted
