"""The failover as planning sees it (pure): the move's changes, and overrides held back or adopted."""

from __future__ import annotations

from reconciler.desired import loader
from reconciler.planning.drift import FindingKind, drift
from reconciler.planning.overridden import (
    chosen_groups,
    failover_state,
    hold_overridden,
    one_wave,
    overridden_findings,
)
from reconciler.planning.override import OverriddenGroup, Override
from reconciler.planning.plan import Action
from reconciler.planning.planner import make_plan
from reconciler.planning.values import GroupValues

from ..support.demo import DEFAULT_GROUP, DEMO_STATE, EAST, INSTANCE, OVERFLOW_GROUP, WEST
from ..support.live import demo_live, state_of

WEST_ALL = {EAST: 0, WEST: 100}


def override(*groups: str) -> Override:
    return Override(
        key="k",
        instance=INSTANCE,
        instance_id="i",
        to_region=WEST,
        groups=tuple(
            OverriddenGroup(name=name, id=gid, arn="", values=GroupValues(), before=GroupValues())
            for gid, name in ((DEFAULT_GROUP, "anycompany-default"), (OVERFLOW_GROUP, "anycompany-overflow"))
            if gid in groups
        ),
        reason="INC-1",
        user="oncall@laptop",
        at="2026-12-01T03:00:00+00:00",
        written_from=WEST,
        token="t",
    )


def test_the_failover_moves_every_group_in_one_wave_and_keeps_the_other_regions_sign_in() -> None:
    desired = loader.load(str(DEMO_STATE))
    instance = desired.instances[0]
    live = demo_live()
    plan = one_wave(
        make_plan(failover_state(desired, instance, chosen_groups(instance, ()), live, WEST), state_of(live))
    )
    assert {c.resource_id for c in plan.updates} == {DEFAULT_GROUP, OVERFLOW_GROUP}
    assert {c.order for c in plan.changes} == {0}
    for change in plan.updates:
        assert change.expected.get("telephony") == WEST_ALL
        assert change.expected.get("agents") == WEST_ALL
        assert change.request is not None and change.request.region == WEST
    default = next(c for c in plan.updates if c.resource_id == DEFAULT_GROUP)
    assert default.expected.get("signIn") == {EAST: True, WEST: True}  # east as it was live
    overflow = next(c for c in plan.updates if c.resource_id == OVERFLOW_GROUP)
    assert overflow.expected.get("signIn") is None


def test_overridden_groups_are_held_back_and_an_adopted_override_is_named() -> None:
    desired = loader.load(str(DEMO_STATE))
    plan = make_plan(desired, state_of(demo_live()))
    held, adopted = hold_overridden(plan, {INSTANCE: override(DEFAULT_GROUP)})
    default = next(c for c in held.changes if c.resource_id == DEFAULT_GROUP)
    assert (default.action, default.held, default.step) == (Action.BLOCKED, True, None)
    assert default.reason == "overridden by failover: INC-1; adopt or clear"
    assert adopted == []
    # The overflow group has no change against the demo: an override of it alone is adopted.
    assert not any(c.resource_id == OVERFLOW_GROUP for c in plan.changes)
    assert hold_overridden(plan, {INSTANCE: override(OVERFLOW_GROUP)})[1] == [INSTANCE]


def test_drift_reports_overridden_groups_apart_with_the_adopt_command() -> None:
    desired = loader.load(str(DEMO_STATE))
    report = overridden_findings(drift(desired, state_of(demo_live())), {INSTANCE: override(DEFAULT_GROUP)})
    found = {f.name: f for f in report.findings}
    assert found["anycompany-default"].finding is FindingKind.OVERRIDDEN
    assert "oncall@laptop" in found["anycompany-default"].message
    assert f"reconciler failover --instance {INSTANCE} --adopt" in found["anycompany-default"].message
    assert any(f.finding is FindingKind.DIFFERS for f in report.findings)  # the unexplained ones stay
    assert report.has_drift
