"""Risk labels and warnings for reviewers, and the Region a traffic write is sent to."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.planning.live import Distribution, LiveInstance
from reconciler.planning.plan import Change, Plan, Risk
from reconciler.planning.planner import make_plan

from ..support.demo import EAST, WEST
from ..support.live import state_of, with_group
from .helpers import demo_live, load_desired

SHIFT, FAILOVER, SIGN_IN, AGENTS = Risk.TRAFFIC_SHIFT, Risk.FAILOVER, Risk.SIGN_IN_DISABLED, Risk.AGENTS_SHIFT
NO_SIGN_IN_WEST = (
    "telephony sends {pct}% of calls to us-west-2, where agents cannot sign in "
    "(sign-in is disabled there on the default group)"
)


def _plan(tmp_path: Path, body: str, live: LiveInstance | None = None) -> Plan:
    return make_plan(load_desired(tmp_path / "state", body), state_of(live or demo_live()))


def _change(made: Plan, name: str) -> Change:
    return next(c for c in made.changes if c.name == name)


def _overflow(telephony: tuple[int, int], agents: tuple[int, int] | None = None) -> str:
    text = "trafficDistributionGroups:\n  anycompany-overflow:\n"
    text += f"    telephony: {{us-east-1: {telephony[0]}, us-west-2: {telephony[1]}}}\n"
    if agents:
        text += f"    agents: {{us-east-1: {agents[0]}, us-west-2: {agents[1]}}}\n"
    return text


# Both sign-in Regions enabled, so the sign-in warning stays out of the way of these cases.
BOTH_SIGN_IN = with_group(
    demo_live(),
    "anycompany-default",
    distribution=Distribution({EAST: 100, WEST: 0}, {EAST: 100, WEST: 0}, {EAST: True, WEST: True}),
)


@pytest.mark.parametrize(
    ("telephony", "agents", "risks"),
    [
        ((60, 40), (60, 40), (SHIFT, AGENTS)),
        ((100, 0), (100, 0), (SHIFT, FAILOVER, AGENTS)),  # us-east-1 takes all: failover
        ((0, 100), (0, 100), (SHIFT, FAILOVER, AGENTS)),
        ((50, 50), (70, 30), (AGENTS,)),  # agents move, calls stay
        ((60, 40), (50, 50), (SHIFT,)),
    ],
    ids=["shift", "to-east-only", "to-west-only", "agents-only", "telephony-only"],
)
def test_risk_labels(
    tmp_path: Path, telephony: tuple[int, int], agents: tuple[int, int], risks: tuple[Risk, ...]
) -> None:
    change = _change(_plan(tmp_path, _overflow(telephony, agents), BOTH_SIGN_IN), "anycompany-overflow")
    assert change.risks == risks


def test_leaving_0_percent_is_a_shift_not_a_failover(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        telephony: {us-east-1: 80, us-west-2: 20}
        agents: {us-east-1: 80, us-west-2: 20}
    """
    assert _change(_plan(tmp_path, body, BOTH_SIGN_IN), "anycompany-default").risks == (SHIFT, AGENTS)


def test_disabling_sign_in_is_labelled(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        default: true
        telephony: {us-east-1: 100, us-west-2: 0}
        signIn: {us-east-1: true, us-west-2: false}
    """
    change = _change(_plan(tmp_path, body, BOTH_SIGN_IN), "anycompany-default")
    assert change.risks == (SIGN_IN,)
    assert change.warnings == ()


def test_enabling_sign_in_is_not_a_risk(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        default: true
        telephony: {us-east-1: 100, us-west-2: 0}
        signIn: {us-east-1: true, us-west-2: true}
    """
    assert _change(_plan(tmp_path, body), "anycompany-default").risks == ()


# --- warnings ------------------------------------------------------------------------------------


def test_telephony_to_a_region_where_sign_in_is_disabled_warns(tmp_path: Path) -> None:
    # The default group (live) disables sign-in in us-west-2; another group sends calls there.
    change = _change(_plan(tmp_path, _overflow((40, 60), (40, 60))), "anycompany-overflow")
    assert change.warnings == (NO_SIGN_IN_WEST.format(pct=60),)


def test_no_warning_when_the_same_plan_enables_sign_in_there(tmp_path: Path) -> None:
    body = _overflow((40, 60), (40, 60)) + (
        "  anycompany-default:\n    default: true\n    telephony: {us-east-1: 100, us-west-2: 0}\n"
        "    signIn: {us-east-1: true, us-west-2: true}\n"
    )
    made = _plan(tmp_path, body)
    assert _change(made, "anycompany-overflow").warnings == ()
    assert _change(made, "anycompany-default").warnings == ()


def test_warning_when_the_same_plan_disables_sign_in_where_calls_go(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        default: true
        telephony: {us-east-1: 50, us-west-2: 50}
        agents: {us-east-1: 50, us-west-2: 50}
        signIn: {us-east-1: true, us-west-2: false}
    """
    change = _change(_plan(tmp_path, body, BOTH_SIGN_IN), "anycompany-default")
    assert change.risks == (SHIFT, AGENTS, SIGN_IN)
    assert change.warnings == (NO_SIGN_IN_WEST.format(pct=50),)


def test_agents_stay_warning_when_telephony_moves_and_agents_are_not_managed(tmp_path: Path) -> None:
    change = _change(_plan(tmp_path, _overflow((70, 30)), BOTH_SIGN_IN), "anycompany-overflow")
    assert change.risks == (SHIFT,)
    assert change.warnings == (
        "agents stay at us-east-1 50%, us-west-2 50% while telephony moves; "
        "AWS advises moving agents with telephony",
    )
    assert change.request is not None
    assert change.request.body["AgentConfig"] == {
        "Distributions": [{"Region": EAST, "Percentage": 50}, {"Region": WEST, "Percentage": 50}]
    }


def test_no_agents_warning_when_live_agents_already_match_the_new_telephony(tmp_path: Path) -> None:
    live = with_group(
        BOTH_SIGN_IN,
        "anycompany-overflow",
        distribution=Distribution({EAST: 50, WEST: 50}, {EAST: 70, WEST: 30}, None),
    )
    change = _change(_plan(tmp_path, _overflow((70, 30)), live), "anycompany-overflow")
    assert change.warnings == ()


# --- where traffic writes go ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("telephony", "region"),
    [((70, 30), EAST), ((30, 70), WEST), ((0, 100), WEST), ((100, 0), EAST), ((50, 50), EAST)],
    ids=["east-larger", "west-larger", "all-west", "all-east", "tie-goes-to-the-instance-region"],
)
def test_traffic_writes_go_to_the_region_with_the_larger_telephony_share(
    tmp_path: Path, telephony: tuple[int, int], region: str
) -> None:
    live = with_group(
        BOTH_SIGN_IN,
        "anycompany-overflow",
        distribution=Distribution({EAST: 60, WEST: 40}, {EAST: 60, WEST: 40}, None),
    )
    change = _change(_plan(tmp_path, _overflow(telephony, telephony), live), "anycompany-overflow")
    assert change.request is not None
    assert change.request.region == region
    # Addressed by the full ARN, which works from either Region.
    assert change.request.path.endswith("traffic-distribution-group%2F7d000000-0000-4000-8000-000000000002")


def test_a_blocked_default_group_does_not_count_as_enabling_sign_in(tmp_path: Path) -> None:
    # The plan would enable sign-in in us-west-2, but the default group is busy: that change is
    # blocked, sign-in stays disabled there, and calls sent there still deserve the warning.
    live = with_group(demo_live(), "anycompany-default", status="UPDATE_IN_PROGRESS")
    body = _overflow((40, 60), (40, 60)) + (
        "  anycompany-default:\n    default: true\n    telephony: {us-east-1: 100, us-west-2: 0}\n"
        "    signIn: {us-east-1: true, us-west-2: true}\n"
    )
    made = _plan(tmp_path, body, live)
    assert [c.action.value for c in made.changes] == ["blocked", "update"]
    assert _change(made, "anycompany-overflow").warnings == (NO_SIGN_IN_WEST.format(pct=60),)
