"""Re-running converges: after a failure mid-apply, and a plan after a good apply is empty."""

from __future__ import annotations

from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.cli import apply_saved, invoke
from ..support.connect import attempts, make_plan, run_apply, writes

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


def test_a_fresh_plan_after_a_failure_holds_only_what_is_left(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    emu.set_faults(SECOND_QUEUE_WRITE_REFUSED)
    _, first = run_apply(state_dir, port)
    failed = [r.change.name for r in first.results if r.outcome is Outcome.FAILED]
    assert len(failed) == 1
    emu.set_faults(None)

    plan, second = run_apply(state_dir, port)

    assert [c.name for c in plan.updates] == failed
    assert second.ok
    assert second.count(Outcome.APPLIED) == 1
    assert make_plan(state_dir, port).changes == ()


def test_a_write_that_landed_but_was_reported_failed_is_already_on_the_rerun(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    # Every attempt of the traffic write lands, but each answer is a 500 (lost on the way back),
    # in both Regions: the apply cannot know it worked.
    lost = list(range(1, 2 * attempts(port) + 1))
    emu.set_faults(
        {
            "scripted": [
                {"operation": "UpdateTrafficDistribution", "nth": lost, "status": 500, "phase": "after"}
            ]
        }
    )
    _, first = run_apply(state_dir, port, plan)
    assert [r.outcome for r in first.results] == [Outcome.FAILED, Outcome.APPLIED, Outcome.APPLIED]
    emu.set_faults(None)
    emu.clear_calls()

    _, second = run_apply(state_dir, port, plan)

    assert [r.outcome for r in second.results] == [Outcome.ALREADY] * 3
    assert second.ok
    assert writes(emu) == []
    assert make_plan(state_dir, port).changes == ()


def test_a_plan_right_after_a_successful_apply_is_empty(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan, report = run_apply(state_dir, port)
    assert len(plan.updates) == 3
    assert report.count(Outcome.APPLIED) == 3

    after = make_plan(state_dir, port)

    assert after.changes == ()
    assert not after.has_changes
    assert sum(i.unchanged for i in after.instances) == 9  # 2 groups and 7 queues, all in line
