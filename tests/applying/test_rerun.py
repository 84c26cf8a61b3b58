"""Re-running converges: after a failure mid-apply, and a plan after a good apply is empty.

Through the CLI with a saved plan, end to end against the emulator; the applier's share (what a
re-run skips as already done, what a fresh plan holds) on the in-memory port.
"""

from __future__ import annotations

from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.applying.results import Outcome

from ..support.cli import apply_saved, invoke
from ..support.connect import make_plan, run_apply, writes
from ..support.demo import DEFAULT_GROUP, EAST, QUEUES, WEST
from ..support.fake_connect import FakeConnect, refused, server_error

SECOND_QUEUE_WRITE_REFUSED = {
    "scripted": [
        {"operation": "UpdateQueueOutboundCallerConfig", "nth": 2, "code": "InvalidParameterException"}
    ]
}


def test_rerunning_a_saved_plan_after_a_failure_converges(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    assert invoke("plan", "--state-dir", str(state_dir), "--out", str(planfile)).exit_code == 0
    emu.set_faults(SECOND_QUEUE_WRITE_REFUSED)

    first = apply_saved(planfile, state_dir, tmp_path / "1.jsonl")
    assert first.exit_code == 1
    assert "Apply: 2 applied, 0 already, 1 failed, 0 stale, 0 skipped." in first.stdout

    emu.set_faults(None)
    emu.clear_calls()
    second = apply_saved(planfile, state_dir, tmp_path / "2.jsonl")

    assert second.exit_code == 0, second.output
    assert "Apply: 1 applied, 2 already, 0 failed, 0 stale, 0 skipped." in second.stdout
    assert len(writes(emu)) == 1
    after = invoke("plan", "--state-dir", str(state_dir), "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert "Plan: 0 to change, 9 unchanged, 0 blocked." in after.stdout


def test_a_fresh_plan_after_a_failure_holds_only_what_is_left(fake: FakeConnect, state_dir: Path) -> None:
    fake.fail["UpdateQueueOutboundCallerConfig"] = [
        refused("UpdateQueueOutboundCallerConfig", EAST, "InvalidParameterException")
    ]
    _, first = run_apply(state_dir, fake)
    failed = [r.change.name for r in first.results if r.outcome is Outcome.FAILED]
    assert len(failed) == 1
    fake.calls.clear()

    plan, second = run_apply(state_dir, fake)

    assert [c.name for c in plan.updates] == failed
    assert second.ok
    assert second.count(Outcome.APPLIED) == 1
    assert [c.target for c in fake.writes()] == [QUEUES[failed[0]]]
    assert make_plan(state_dir, fake).changes == ()


def test_a_write_that_landed_but_was_reported_failed_is_already_on_the_rerun(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    # The traffic write lands, but its answer is a 500 (lost on the way back), in both Regions:
    # the apply cannot know it worked.
    fake.fail_after["UpdateTrafficDistribution"] = [
        server_error("UpdateTrafficDistribution", EAST),
        server_error("UpdateTrafficDistribution", WEST),
    ]
    _, first = run_apply(state_dir, fake, plan)
    assert [r.outcome for r in first.results] == [Outcome.FAILED, Outcome.APPLIED, Outcome.APPLIED]
    group = fake.groups[DEFAULT_GROUP].distribution
    assert group is not None and group.telephony == {EAST: 80, WEST: 20}  # it did land
    fake.calls.clear()

    _, second = run_apply(state_dir, fake, plan)

    assert [r.outcome for r in second.results] == [Outcome.ALREADY] * 3
    assert second.ok
    assert fake.writes() == []
    assert make_plan(state_dir, fake).changes == ()


def test_a_plan_right_after_a_successful_apply_is_empty(fake: FakeConnect, state_dir: Path) -> None:
    plan, report = run_apply(state_dir, fake)
    assert len(plan.updates) == 3
    assert report.count(Outcome.APPLIED) == 3
    assert len(fake.writes()) == 3

    after = make_plan(state_dir, fake)

    assert after.changes == ()
    assert not after.has_changes
    assert sum(i.unchanged for i in after.instances) == 9  # 2 groups and 7 queues, all in line
