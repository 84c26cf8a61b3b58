"""A progressive traffic shift as plan data: the distribution after each step, and how to run it.

Pure like the rest of planning: a group with a `rollout:` block whose telephony moves gets a
`Rollout` in its change, and the applier (`applying/rollout.py`) runs its steps one after another.

How the steps are chosen (the plan shows them all, and apply writes exactly these):
- The receiving Region is the one whose telephony share grows. Its share moves from the live value
  toward the desired one by `step` points; the last step lands exactly on the desired value.
- Agents move with telephony at every step and never behind it: the receiving Region's agent
  share follows its telephony share, kept between the live and the desired agent shares; the
  last step sets the desired agents.
- Sign-in is enabled, on every step, wherever the live or desired state enables it; when the
  receiving Region's sign-in opens, a first step of its own does that (telephony unchanged, no
  bake), so agents can sign in there before any call is sent to it. The last step sets the
  desired sign-in (a Region is disabled only once the move is complete).
- Each step is written in the receiving Region (AWS: invoke it in the Region that should handle
  the traffic), and an alarm without a Region is read there.
"""

from __future__ import annotations

from reconciler.desired.model import RolloutSpec
from reconciler.planning.calls import traffic_request
from reconciler.planning.plan import Change, Rollout, RolloutAlarm, RolloutStep
from reconciler.planning.values import GroupValues


def rollout_line(change: Change, regions: tuple[str, ...]) -> str:
    """`5 steps of 10 points, bake 5m (about 25 min): 100/0 -> 90/10 -> ... -> 50/50`, the
    shares of telephony in the instance's Region / its replica."""
    assert change.rollout is not None
    start = change.planned_against
    assert isinstance(start, GroupValues)
    pair = tuple(regions) if len(regions) == 2 else tuple(sorted(start.telephony or {}))
    return describe(change.rollout, pair, start)


def halt_line(rollout: Rollout) -> str:
    """`alarms a (us-west-2), b (us-east-1); on halt: previous` (or `no alarms`)."""
    alarms = ", ".join(f"{a.name} ({a.region})" for a in rollout.alarms) or "no alarms"
    return f"{alarms}; on halt: {rollout.on_halt}"


def describe(rollout: Rollout, pair: tuple[str, ...], start: GroupValues) -> str:
    """The steps that move telephony, their bake time in all, the shares after each; a first step
    that only opens sign-in on the receiving Region is named before them."""
    moving = [s for s in rollout.steps if s.values.telephony != start.telephony]
    first = "" if len(moving) == len(rollout.steps) else f"sign-in on {rollout.receiving_region} first, then "
    count = len(moving)
    path = [start, *(s.values for s in moving)]
    shares = " -> ".join("/".join(str((v.telephony or {}).get(r, 0)) for r in pair) for v in path)
    total = _about(count * rollout.bake_seconds)
    noun = "step" if count == 1 else "steps"
    return f"{first}{count} {noun} of {rollout.step} points, bake {rollout.bake} ({total}): {shares}"


def _about(seconds: int) -> str:
    if seconds < 120:
        return f"about {seconds} s"
    if seconds < 7200:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def plan_rollout(
    spec: RolloutSpec,
    before: GroupValues,
    after: GroupValues,
    pair: tuple[str, str],
    group_arn: str,
) -> Rollout | None:
    """The rollout from `before` to `after`, or None when telephony does not move (nothing to step)."""
    live_t, want_t = before.telephony or {}, after.telephony or {}
    if not want_t or live_t == want_t:
        return None
    receiving = next((r for r in pair if want_t.get(r, 0) > live_t.get(r, 0)), pair[0])
    giving = next(r for r in pair if r != receiving)
    start, end = live_t.get(receiving, 0), want_t[receiving]
    shares = [*range(start + spec.step, end, spec.step), end]
    steps: list[RolloutStep] = []
    opens = bool((after.sign_in or {}).get(receiving)) and not (before.sign_in or {}).get(receiving)
    if opens:  # sign-in opens in a write of its own, before any call is sent
        values = before.model_copy(update={"sign_in": _union(before.sign_in, after.sign_in)})
        request = traffic_request(group_arn, values, pair).model_copy(update={"region": receiving})
        steps.append(RolloutStep(values=values, request=request))
    for index, share in enumerate(shares):
        last = index == len(shares) - 1
        values = after if last else _between(before, after, share, receiving, giving)
        request = traffic_request(group_arn, values, pair).model_copy(update={"region": receiving})
        steps.append(RolloutStep(values=values, request=request))
    default_region = receiving
    alarms = tuple(
        RolloutAlarm(name=a.name, region=a.region or default_region)
        for a in (spec.halt_on.alarms if spec.halt_on else [])
    )
    return Rollout(
        step=spec.step,
        bake=spec.bake,
        bake_seconds=spec.bake_seconds,
        receiving_region=receiving,
        alarms=alarms,
        on_halt=spec.on_halt,
        steps=tuple(steps),
    )


def _between(before: GroupValues, after: GroupValues, share: int, receiving: str, giving: str) -> GroupValues:
    telephony = {receiving: share, giving: 100 - share}
    agents = None
    if after.agents is not None:
        live_a = (before.agents or after.agents).get(receiving, 0)
        want_a = after.agents.get(receiving, 0)
        low, high = min(live_a, want_a), max(live_a, want_a)
        moved = max(low, min(high, share))
        agents = {receiving: moved, giving: 100 - moved}
    sign_in = _union(before.sign_in, after.sign_in)
    return GroupValues.model_validate(
        {"telephony": _ordered(telephony), "agents": _ordered(agents), "signIn": sign_in}
    )


def _union(before: dict[str, bool] | None, after: dict[str, bool] | None) -> dict[str, bool] | None:
    """Sign-in enabled wherever the live or the desired state enables it (None: not managed)."""
    if after is None:
        return None
    return {r: bool(v or (before or {}).get(r, False)) for r, v in after.items()}


def _ordered(dist: dict[str, int] | None) -> dict[str, int] | None:
    return dict(sorted(dist.items())) if dist is not None else None
