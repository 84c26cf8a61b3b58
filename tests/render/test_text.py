"""The text renderer: colour only when asked, the summary line as a contract, the layout rules."""

from __future__ import annotations

import re

import pytest

from reconciler.render.text import render_text

from .plans import CASES, demo_plan, hostile_names_plan, huge_plan, no_changes_plan

SUMMARY = re.compile(r"^Plan: \d+ to change, \d+ unchanged, \d+ blocked\.$")


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_escape_codes_without_colour(case: str) -> None:
    assert "\x1b" not in render_text(CASES[case]())


def test_colour_when_asked() -> None:
    coloured = render_text(demo_plan(), color=True)
    assert "\x1b[33m~\x1b[0m" in coloured  # yellow update marker
    assert "\x1b[31mfailover\x1b[0m" in coloured  # red risk label
    assert "\x1b[1;31mblocked\x1b[0m" in coloured
    assert "\x1b[32m80%\x1b[0m" in coloured  # green after value


def test_colour_changes_nothing_but_escape_codes() -> None:
    plain = render_text(demo_plan())
    coloured = render_text(demo_plan(), color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_hostile_names_cannot_inject_escapes_or_lines() -> None:
    text = render_text(hostile_names_plan(), color=True)
    assert "\x1b[31m red" not in text and "\x1b[2J" not in text
    assert '"Ops\\u001b[31m red\\nsecond line\\u202e"' in text
    assert "\nsecond line" not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_last_line_is_the_summary(case: str) -> None:
    plan = CASES[case]()
    last = render_text(plan).splitlines()[-1]
    assert SUMMARY.match(last)
    assert last == (
        f"Plan: {len(plan.updates)} to change, {plan.unchanged} unchanged, {len(plan.blocked)} blocked."
    )


def test_demo_summary() -> None:
    assert render_text(demo_plan()).endswith("\nPlan: 4 to change, 5 unchanged, 1 blocked.\n")


def test_no_changes_says_so() -> None:
    lines = render_text(no_changes_plan()).splitlines()
    assert lines[-2:] == [
        "No changes. Live state matches desired-state (9 unchanged).",
        "Plan: 0 to change, 9 unchanged, 0 blocked.",
    ]


def test_steps_in_plan_order_and_blocked_without_step() -> None:
    text = render_text(demo_plan())
    heads = [line.strip() for line in text.splitlines() if " ~ " in line or "blocked traffic" in line]
    assert heads == [
        'blocked traffic-distribution "anycompany-campaigns"',
        '1. ~ traffic-distribution "anycompany-default"  [traffic-shift, agents-shift]',
        '2. ~ traffic-distribution "anycompany-overflow"  [traffic-shift, failover]',
        '3. ~ queue "Sales"',
        '4. ~ queue "Support"',
    ]
    assert "reason     group is UPDATE_IN_PROGRESS; Connect only changes ACTIVE groups\n" in text
    blocked = text[text.index("blocked traffic") : text.index("1. ~")]
    assert "call" not in blocked  # apply sends nothing for a blocked change


def test_traffic_fields_one_region_per_line() -> None:
    text = render_text(demo_plan())
    assert "telephony  us-east-1  100% → 80%\n" in text
    assert "           us-west-2    0% → 20%\n" in text
    assert "signIn     us-east-1  enabled\n" in text  # unchanged Region: no arrow
    assert "           us-west-2  disabled → enabled\n" in text


def test_call_source_warning_and_none_values() -> None:
    text = render_text(demo_plan())
    assert (
        "call       UpdateTrafficDistribution in us-east-1: PUT /traffic-distribution/"
        "arn:aws:connect:us-east-1:111122223333:traffic-distribution-group/7d000000-0000-4000-8000-000000000001\n"
    ) in text
    assert "source     desired-state/anycompany-demo/instance.yaml:14\n" in text
    assert "! agents stay at us-east-1 50%" in text
    assert "telephony  us-east-1  (unknown) → 70%" in text


def test_huge_plan_lists_every_change() -> None:
    text = render_text(huge_plan())
    assert text.count(' ~ queue "Queue ') == 3000
    assert '3000. ~ queue "Queue 3000"' in text
    assert text.endswith("Plan: 3000 to change, 2000 unchanged, 0 blocked.\n")
