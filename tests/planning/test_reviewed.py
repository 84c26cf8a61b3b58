"""`--reviewed`: a change whose resource moved in Connect since the review is held back, not written."""

from __future__ import annotations

from pathlib import Path

from reconciler.planning.plan import Action
from reconciler.planning.planner import make_plan
from reconciler.planning.reviewed import hold_unreviewed

from ..support.demo import QUEUES
from ..support.live import state_of, with_queue
from .helpers import demo_live, load_desired

BODY = """\
queues:
  Sales: {callerIdName: AnyCompany Sales Team}
  Support: {callerIdName: AnyCompany Support Desk}
"""


def test_a_change_whose_resource_moved_since_the_review_is_held(tmp_path: Path) -> None:
    desired = load_desired(tmp_path / "state", BODY)
    reviewed = make_plan(desired, state_of(demo_live()))
    # After the review, someone renames Sales' caller ID in the console.
    moved = with_queue(demo_live(), "Sales", caller_id_name="Sales (temp)")

    merged = hold_unreviewed(make_plan(desired, state_of(moved)), [("pr-42.plan.json", reviewed)])

    by_name = {c.name: c for c in merged.changes}
    assert by_name["Sales"].action is Action.BLOCKED
    assert by_name["Sales"].step is None and not by_name["Sales"].held
    assert by_name["Sales"].reason == (
        "changed in Connect since the reviewed plan pr-42.plan.json: not overwritten; "
        "plan again and review the change"
    )
    assert (by_name["Support"].action, by_name["Support"].step) == (Action.UPDATE, 1)


def test_nothing_is_held_when_connect_looks_as_the_reviewer_saw_it(tmp_path: Path) -> None:
    desired = load_desired(tmp_path / "state", BODY)
    reviewed = make_plan(desired, state_of(demo_live()))

    merged = hold_unreviewed(make_plan(desired, state_of(demo_live())), [("pr.json", reviewed)])

    assert [c.action for c in merged.changes] == [Action.UPDATE, Action.UPDATE]


def test_a_plan_records_what_it_saw_of_every_managed_resource(tmp_path: Path) -> None:
    desired = load_desired(tmp_path / "state", BODY)
    made = make_plan(desired, state_of(demo_live()))
    assert set(made.instances[0].seen) == {QUEUES["Sales"], QUEUES["Support"]}
    other = make_plan(desired, state_of(with_queue(demo_live(), "Support", whisper_flow_id=None)))
    assert made.instances[0].seen[QUEUES["Sales"]] == other.instances[0].seen[QUEUES["Sales"]]
    assert made.instances[0].seen[QUEUES["Support"]] != other.instances[0].seen[QUEUES["Support"]]


def test_resources_the_review_did_not_see_are_left_to_the_scope(tmp_path: Path) -> None:
    reviewed = make_plan(
        load_desired(tmp_path / "a", "queues:\n  Support: {callerIdName: X}\n"), state_of(demo_live())
    )
    desired = load_desired(tmp_path / "b", BODY)
    moved = with_queue(demo_live(), "Sales", caller_id_name="Sales (temp)")

    merged = hold_unreviewed(make_plan(desired, state_of(moved)), [("pr.json", reviewed)])

    assert {c.name: c.action for c in merged.changes}["Sales"] is Action.UPDATE
