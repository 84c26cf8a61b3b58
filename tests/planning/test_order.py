"""The order apply will follow, blocked groups, and the planner's own rule about `default: true`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.desired import loader
from reconciler.desired.diagnostics import LoadError
from reconciler.planning.live import LiveInstance
from reconciler.planning.plan import Action, Plan
from reconciler.planning.planner import make_plan

from ..support.live import state_of, with_group
from .helpers import BODY_FIRST_LINE, INSTANCE_BLOCK, demo_live, load_desired, write_desired

ALL = """\
trafficDistributionGroups:
  anycompany-overflow:
    telephony: {us-east-1: 60, us-west-2: 40}
    agents: {us-east-1: 60, us-west-2: 40}
  anycompany-default:
    telephony: {us-east-1: 90, us-west-2: 10}
    agents: {us-east-1: 90, us-west-2: 10}
queues:
  Support: {callerIdName: S}
  BasicQueue: {callerIdName: B}
  VIP: {callerIdName: V}
  Billing: {callerIdName: Bi}
"""


def _plan(tmp_path: Path, body: str, live: LiveInstance | None = None) -> Plan:
    return make_plan(load_desired(tmp_path / "state", body), state_of(live or demo_live()))


def _order(made: Plan) -> list[tuple[int | None, str, str]]:
    return [(c.step, c.kind.value, c.name) for c in made.changes]


def test_traffic_before_queues_and_by_name_within_a_kind(tmp_path: Path) -> None:
    assert _order(_plan(tmp_path, ALL)) == [
        (1, "traffic-distribution", "anycompany-default"),
        (2, "traffic-distribution", "anycompany-overflow"),
        (3, "queue", "BasicQueue"),
        (4, "queue", "Billing"),
        (5, "queue", "Support"),
        (6, "queue", "VIP"),
    ]


def test_order_waves_override_kind_and_name(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        order: 2
        telephony: {us-east-1: 90, us-west-2: 10}
      anycompany-overflow:
        telephony: {us-east-1: 60, us-west-2: 40}
    queues:
      VIP: {callerIdName: V, order: -1}
      Support: {callerIdName: S, order: 2}
      BasicQueue: {callerIdName: B, order: 1}
      Billing: {callerIdName: Bi}
    """
    made = _plan(tmp_path, body)
    assert _order(made) == [
        (1, "queue", "VIP"),  # wave -1
        (2, "traffic-distribution", "anycompany-overflow"),  # wave 0
        (3, "queue", "Billing"),
        (4, "queue", "BasicQueue"),  # wave 1
        (5, "traffic-distribution", "anycompany-default"),  # wave 2: traffic still before queues
        (6, "queue", "Support"),
    ]
    assert [c.order for c in made.changes] == [-1, 0, 0, 1, 2, 2]


def test_changes_are_grouped_per_instance_and_numbered_across_them(tmp_path: Path) -> None:
    root = tmp_path / "state"
    eu_id = "5b2c3d4e-0000-4000-8000-000000000002"
    write_desired(root / "us", "queues:\n  VIP: {callerIdName: V, order: -5}\n  Sales: {callerIdName: S}\n")
    eu_block = INSTANCE_BLOCK.replace("name: demo", "name: alpha").replace(demo_live().id, eu_id)
    write_desired(
        root / "eu", "queues:\n  Sales: {callerIdName: S}\n  Billing: {callerIdName: B}\n", instance=eu_block
    )
    live = state_of(demo_live(), demo_live(name="alpha", id=eu_id))

    made = make_plan(loader.load(root), live)

    assert [(c.step, c.instance, c.name) for c in made.changes] == [
        (1, "alpha", "Billing"),
        (2, "alpha", "Sales"),
        (3, "demo", "VIP"),  # waves order within an instance, not across instances
        (4, "demo", "Sales"),
    ]
    assert [(i.name, i.managed, i.unchanged) for i in made.instances] == [("alpha", 2, 0), ("demo", 2, 0)]
    assert made.changes[2].request is not None
    assert made.changes[2].request.path.startswith(f"/queues/{demo_live().id}/")
    assert made.changes[0].request is not None
    assert made.changes[0].request.path.startswith(f"/queues/{eu_id}/")


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "CREATION_IN_PROGRESS", "PENDING_DELETION"])
def test_a_group_that_is_not_active_is_blocked_with_a_reason_and_no_step(tmp_path: Path, status: str) -> None:
    live = with_group(demo_live(), "anycompany-default", status=status)

    made = _plan(tmp_path, ALL, live)

    assert _order(made) == [
        (None, "traffic-distribution", "anycompany-default"),
        (1, "traffic-distribution", "anycompany-overflow"),
        (2, "queue", "BasicQueue"),
        (3, "queue", "Billing"),
        (4, "queue", "Support"),
        (5, "queue", "VIP"),
    ]
    blocked = made.changes[0]
    assert blocked.action is Action.BLOCKED
    assert blocked.reason == f"group is {status}; Connect only changes ACTIVE groups"
    assert [f.field for f in blocked.fields] == ["telephony", "agents"]
    assert made.blocked == (blocked,)
    assert len(made.updates) == 5
    assert made.changes[1].reason is None


def test_an_inactive_group_already_as_desired_is_simply_unchanged(tmp_path: Path) -> None:
    live = with_group(demo_live(), "anycompany-overflow", status="UPDATE_IN_PROGRESS")
    made = _plan(
        tmp_path,
        "trafficDistributionGroups:\n  anycompany-overflow:\n    telephony: {us-east-1: 50, us-west-2: 50}\n",
        live,
    )
    assert made.changes == ()
    assert made.instances[0].unchanged == 1


def test_default_true_on_a_group_that_is_not_the_default_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "state"
    desired = load_desired(
        root,
        """\
        trafficDistributionGroups:
          anycompany-overflow:
            default: true
            telephony: {us-east-1: 50, us-west-2: 50}
        """,
    )
    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{root / 'demo.yaml'}:{BODY_FIRST_LINE + 2}: trafficDistributionGroups.anycompany-overflow.default: "
        "marked default, but in Connect the default group is 'anycompany-default'"
    ]


def test_default_true_when_connect_has_no_default_group(tmp_path: Path) -> None:
    live = demo_live()
    live = replace(live, groups=tuple(replace(g, is_default=False) for g in live.groups))
    with pytest.raises(LoadError) as caught:
        _plan(
            tmp_path,
            "trafficDistributionGroups:\n  anycompany-default:\n    default: true\n"
            "    telephony: {us-east-1: 100, us-west-2: 0}\n",
            live,
        )
    assert (
        caught.value.diagnostics[0].message
        == "marked default, but in Connect the instance has no default group"
    )


def test_every_problem_is_reported_together_and_nothing_is_planned(tmp_path: Path) -> None:
    body = """\
    trafficDistributionGroups:
      anycompany-overflow:
        default: true
        telephony: {us-east-1: 50, us-west-2: 50}
    queues:
      Nope: {callerIdName: X}
      Sales: {callerIdName: Fine}
    """
    with pytest.raises(LoadError) as caught:
        _plan(tmp_path, body)
    assert [d.path for d in caught.value.diagnostics] == [
        "trafficDistributionGroups.anycompany-overflow.default",
        "queues.Nope",
    ]
