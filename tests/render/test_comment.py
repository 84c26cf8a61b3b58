"""Several plans in one pull-request comment: a fair share each, each saying what it left out."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.planning.plan import Plan
from reconciler.render.comment import fair_shares, render_comment, risk_labels
from reconciler.render.failure import Failure, Problem
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, MARKER, render_markdown

from .plans import demo_plan, hostile_names_plan, huge_plan, no_changes_plan, two_instances_plan

NOTE = re.compile(
    r"Shortened to fit (?:its ([\d,]+)-character share of this comment|the [\d,]+-character limit)"
)


def eu_failure() -> Failure:
    return Failure(
        instance="anycompany-eu",
        errors=(
            Problem(file="desired-state/eu/instance.yaml", line=14, message="telephony: sums to 90"),
            Problem(message="anycompany-eu: AccessDeniedException: not authorized @org/team"),
        ),
    )


def test_fair_shares_give_small_plans_what_they_need_and_split_the_rest() -> None:
    assert fair_shares([10, 100_000, 500, 100_000], 60_000) == [10, 29_745, 500, 29_745]
    assert fair_shares([10, 20], 1000) == [10, 20]
    assert fair_shares([], 1000) == []
    assert fair_shares([5, 5], -3) == [0, 0]


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=12), st.integers(0, 10**6))
def test_fair_shares_never_exceed_the_budget_nor_a_want(wants: list[int], budget: int) -> None:
    shares = fair_shares(wants, budget)
    assert sum(shares) <= budget
    assert all(0 <= share <= want for share, want in zip(shares, wants, strict=True))
    if sum(wants) <= budget:
        assert shares == wants


def test_one_plan_is_rendered_as_plan_markdown_renders_it() -> None:
    assert render_comment([demo_plan()]) == render_markdown(demo_plan())
    assert render_comment([huge_plan()], limit=9000) == render_markdown(huge_plan(), limit=9000)


def test_a_huge_plan_cannot_push_the_others_out() -> None:
    documents: list[Plan | Failure] = [demo_plan(), huge_plan(), eu_failure(), no_changes_plan()]

    text = render_comment(documents, limit=65_000)

    assert len(text) <= 65_000
    assert text.count(MARKER) == 1 and text.startswith(MARKER + "\n")
    parts = text.split("\n---\n\n## Amazon Connect plan")
    assert len(parts) == 5  # the overview, then one part per document, in order
    # the small ones are whole: no note, every details block kept
    assert NOTE.search(parts[1]) is None and parts[1].count("<details>") == 5
    assert "**The plan for `anycompany-eu` failed** with 2 problems" in parts[3]
    assert "No changes. Live state matches desired-state (9 unchanged)." in parts[4]
    # the huge one took the rest, and says so itself, at its end
    (share,) = NOTE.findall(text)
    assert int(share.replace(",", "")) > 50_000
    assert "the details of all 3000 changes" in parts[2]
    assert "_This plan is shortened to fit the comment: see the note at its end._" in parts[2]


def test_the_overview_names_each_instance_and_its_outcome() -> None:
    text = render_comment([demo_plan(), eu_failure(), no_changes_plan()])

    assert text.startswith(
        f"{MARKER}\n"
        "## Amazon Connect plans: 3 plans, 1 failed\n"
        "\n"
        "- `anycompany-demo`: 4 to change, 1 blocked (traffic-shift, failover, agents-shift)\n"
        "- `anycompany-eu`: **failed** (2 problems)\n"
        "- `anycompany-demo`: no changes\n"
    )
    # an error message is prose: the mention in it is shown, not sent
    assert "not authorized `@org/team`" in text


@pytest.mark.parametrize("limit", [65_000, 20_000, 8_000, 3_000, 1_500])
def test_every_limit_is_kept_and_no_table_row_is_cut(limit: int) -> None:
    documents: list[Plan | Failure] = [huge_plan(), two_instances_plan(), hostile_names_plan(), eu_failure()]

    text = render_comment(documents, limit=limit)

    assert len(text) <= limit
    assert text.count(MARKER) == 1
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.endswith("|"), line
    lines = text.splitlines()
    assert sum(line.startswith("<details><summary>") for line in lines) == lines.count("</details>")


def test_a_plan_alone_that_failed_has_the_marker_and_its_errors() -> None:
    text = render_comment([eu_failure()], limit=GITHUB_COMMENT_LIMIT)

    assert text.startswith(f"{MARKER}\n## Amazon Connect plan\n\n> [!CAUTION]\n")
    assert "- `desired-state/eu/instance.yaml:14`: telephony: sums to 90\n" in text


def test_a_failure_with_many_problems_lists_what_fits_and_counts_the_rest() -> None:
    many = Failure(
        errors=tuple(Problem(file="a.yaml", line=n, message=f"problem {n}") for n in range(1, 200))
    )

    text = render_comment([many, demo_plan()], limit=6000)

    assert len(text) <= 6000
    assert "- `a.yaml:1`: problem 1\n" in text
    listed = len(re.findall(r"^- `a\.yaml:\d+`", text, flags=re.MULTILINE))
    assert 0 < listed <= 50
    assert f"- … and {199 - listed} more: see the job log, or run `reconciler plan`.\n" in text


def test_risk_labels_in_enum_order_without_held_changes() -> None:
    plan = demo_plan()
    held = plan.changes[2].model_copy(update={"held": True})  # the overflow failover, held back
    assert [r.value for r in held.risks] == ["traffic-shift", "failover"]
    with_held = plan.model_copy(update={"changes": (plan.changes[0], plan.changes[1], held)})

    assert risk_labels([plan, eu_failure()]) == ["traffic-shift", "failover", "agents-shift"]
    assert risk_labels([with_held]) == ["traffic-shift", "agents-shift"]
    assert risk_labels([two_instances_plan()]) == [
        "traffic-shift",
        "failover",
        "sign-in-disabled",
        "agents-shift",
    ]
    assert risk_labels([no_changes_plan(), eu_failure()]) == []
