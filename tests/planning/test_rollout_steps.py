"""How a rollout's steps are chosen: pure, from the live and desired values."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.desired.model import RolloutSpec
from reconciler.planning.plan import Change
from reconciler.planning.rollout import describe, plan_rollout
from reconciler.planning.values import GroupValues

EAST, WEST = "us-east-1", "us-west-2"
PAIR = (EAST, WEST)
ARN = "arn:aws:connect:us-east-1:111122223333:traffic-distribution-group/g"


def values(east: int, agents_east: int | None = None, sign_in: dict[str, bool] | None = None) -> GroupValues:
    fields: dict[str, Any] = {"telephony": {EAST: east, WEST: 100 - east}}
    if agents_east is not None:
        fields["agents"] = {EAST: agents_east, WEST: 100 - agents_east}
    if sign_in is not None:
        fields["signIn"] = sign_in
    return GroupValues.model_validate(fields)


def spec(step: int = 10, **more: Any) -> RolloutSpec:
    return RolloutSpec.model_validate({"step": step, "bake": "5m", **more})


@pytest.mark.parametrize(
    ("start", "end", "step", "shares"),
    [
        (100, 50, 10, [90, 80, 70, 60, 50]),
        (0, 50, 30, [30, 50]),
        (50, 100, 20, [70, 90, 100]),
        (80, 70, 100, [70]),
    ],
)
def test_the_last_step_lands_exactly_on_the_desired_share(
    start: int, end: int, step: int, shares: list[int]
) -> None:
    rollout = plan_rollout(spec(step), values(start), values(end), PAIR, ARN)

    assert rollout is not None
    assert [s.values.telephony[EAST] for s in rollout.steps if s.values.telephony] == shares
    assert rollout.steps[-1].values == values(end)


def test_steps_are_written_in_the_region_gaining_calls_and_alarms_default_there() -> None:
    rollout = plan_rollout(
        spec(haltOn={"alarms": ["a", {"name": "b", "region": EAST}]}), values(100), values(50), PAIR, ARN
    )

    assert rollout is not None and rollout.receiving_region == WEST
    assert {s.request.region for s in rollout.steps} == {WEST}
    assert [(a.name, a.region) for a in rollout.alarms] == [("a", WEST), ("b", EAST)]


def test_agents_move_with_telephony_within_live_and_desired_and_end_on_desired() -> None:
    rollout = plan_rollout(spec(), values(100, 100), values(50, 30), PAIR, ARN)

    assert rollout is not None
    agents = [s.values.agents[EAST] for s in rollout.steps if s.values.agents]
    assert agents == [90, 80, 70, 60, 30]  # with telephony (never behind it), then the desired 30


def test_sign_in_opens_at_the_first_step_and_closes_only_at_the_last() -> None:
    before = values(100, 100, {EAST: True, WEST: False})
    after = values(0, 0, {EAST: False, WEST: True})

    rollout = plan_rollout(spec(step=50), before, after, PAIR, ARN)

    assert rollout is not None
    assert [(s.values.telephony, s.values.sign_in) for s in rollout.steps] == [
        ({EAST: 100, WEST: 0}, {EAST: True, WEST: True}),  # sign-in opens before any call moves
        ({EAST: 50, WEST: 50}, {EAST: True, WEST: True}),
        ({EAST: 0, WEST: 100}, {EAST: False, WEST: True}),
    ]
    assert describe(rollout, PAIR, before).startswith(f"sign-in on {WEST} first, then 2 steps of 50 points")


def test_no_rollout_when_telephony_does_not_move() -> None:
    assert plan_rollout(spec(), values(50, 100), values(50, 50), PAIR, ARN) is None


def test_the_plan_line_shows_steps_and_duration() -> None:
    rollout = plan_rollout(spec(), values(100), values(50), PAIR, ARN)
    assert rollout is not None

    assert describe(rollout, PAIR, values(100)) == (
        "5 steps of 10 points, bake 5m (about 25 min): 100/0 -> 90/10 -> 80/20 -> 70/30 -> 60/40 -> 50/50"
    )
    assert Change.model_fields["rollout"].default is None
