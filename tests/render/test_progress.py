"""Progress lines, the terminal's status line and the interrupted apply's report, as pure text."""

from __future__ import annotations

from collections import Counter

from reconciler.applying.results import Outcome, Report, Result
from reconciler.render.apply import render_result
from reconciler.render.progress import render_interrupted, status_line

from .plans import demo_plan, hostile_names_plan


def test_a_progress_line_names_the_change_its_region_and_its_time() -> None:
    group, _, sales, _ = demo_plan().updates
    line = render_result(Result(sales, Outcome.APPLIED, region="us-east-1", seconds=0.42), 7, 54)
    assert line == '[7/54] applied queue "Sales" (us-east-1) 0.4 s'
    failed = render_result(Result(group, Outcome.FAILED, "AccessDenied\x1b[2J"), 1, 54)
    assert failed == '[1/54] failed traffic-distribution "anycompany-default": AccessDenied\\u001b[2J'


def test_failed_and_stale_lines_are_coloured_only_when_asked() -> None:
    sales = demo_plan().updates[2]
    for outcome, code in ((Outcome.FAILED, "\x1b[31m"), (Outcome.STALE, "\x1b[33m")):
        result = Result(sales, outcome, "moved")
        assert code in render_result(result, 1, 2, color=True)
        assert "\x1b" not in render_result(result, 1, 2)


def test_names_from_connect_are_escaped_in_progress_lines() -> None:
    change = hostile_names_plan().updates[0]
    hostile = change.model_copy(update={"name": "Sales\x1b]0;pwned\x07\n"})
    line = render_result(Result(hostile, Outcome.APPLIED, region="us-east-1"), 1, 1, color=True)
    assert "\x07" not in line and "\n" not in line and "\x1b]" not in line


def test_the_status_line_counts_the_rate_and_the_time_left() -> None:
    counts = Counter({Outcome.APPLIED: 10, Outcome.FAILED: 1, Outcome.STALE: 1})
    assert status_line(12, 54, 4.0, counts) == (
        "[12/54] 10 applied, 1 failed, 1 stale · 3.0 writes/s · about 14 s left"
    )
    assert status_line(54, 54, 9.0, Counter({Outcome.APPLIED: 54})) == "[54/54] 54 applied · 6.0 writes/s"
    assert status_line(0, 54, 0.0, Counter()) == "[0/54] starting"
    assert "about 2 min 00 s left" in status_line(1, 121, 1.0, Counter({Outcome.APPLIED: 1}))


def test_an_interrupted_apply_says_what_was_applied_and_how_to_undo_it() -> None:
    group, _, sales, support = demo_plan().updates
    why = "not attempted: the apply was interrupted"
    report = Report(
        (
            Result(group, Outcome.APPLIED, region="us-east-1"),
            Result(sales, Outcome.SKIPPED, why),
            Result(support, Outcome.SKIPPED, why),
        ),
        journal=".reconciler/journal/my apply.jsonl",
        interrupted=True,
    )
    text = render_interrupted(report)
    assert 'Applied (1):\n  traffic-distribution "anycompany-default" (anycompany-demo)\n' in text
    assert 'Not applied (2):\n  queue "Sales" (anycompany-demo): skipped\n' in text
    assert text.endswith(
        "Journal: .reconciler/journal/my apply.jsonl\n"
        "To undo what was applied: reconciler rollback '.reconciler/journal/my apply.jsonl'\n"
    )
