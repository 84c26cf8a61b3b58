"""Stale-safety: a change someone else made between plan and apply, or during a long apply, is never
overwritten.

The verdicts (stale, already, write) are the applier's, so they are checked on the in-memory port,
where "someone else" changes its state directly. Two tests go end to end, real boto3 against the
emulator: the CLI's exit code and summary for a stale change, and a change made during a long
apply, caught by the DescribeQueue read right before the write.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.applying.results import Outcome, Result
from reconciler.connect import Connect
from reconciler.planning.live import Distribution

from ..support.cli import apply_saved, invoke
from ..support.connect import fast_settings, live_queue, make_plan, outcomes, run_apply, writes
from ..support.demo import (
    DEFAULT_GROUP,
    EAST,
    FLOW_SALES,
    INSTANCE_ID,
    NUMBER_2,
    NUMBER_3,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    QUEUES,
    WEST,
    edit_yaml,
    number_arn,
    write_desired,
)
from ..support.fake_connect import FakeConnect


def distribution(fake: FakeConnect, group_id: str) -> Distribution:
    found = fake.groups[group_id].distribution
    assert found is not None
    return found


def written(fake: FakeConnect) -> list[str]:
    """The queue IDs and group ARNs written to, in order."""
    return [c.target for c in fake.writes()]


def test_a_queue_changed_since_the_plan_is_skipped_as_stale_and_kept(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.set_queue(QUEUES["Sales"], caller_id_name="Sales (set by Alice)")

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.APPLIED,
        "Sales": Outcome.STALE,
        "Support": Outcome.APPLIED,
    }
    assert not report.ok
    stale = next(r for r in report.results if r.outcome is Outcome.STALE)
    assert stale.message == "changed since the plan was made (callerIdName); not overwritten"
    assert fake.queues[QUEUES["Sales"]].caller_id_name == "Sales (set by Alice)"
    assert QUEUES["Sales"] not in written(fake)
    assert fake.queues[QUEUES["Support"]].caller_id_number == NUMBER_TOLL_FREE
    assert distribution(fake, DEFAULT_GROUP).telephony == {EAST: 80, WEST: 20}


def test_a_number_changed_to_the_same_number_in_another_form_is_not_stale(
    fake: FakeConnect, state_dir: Path
) -> None:
    """Support's number was an ID at plan time; live now holds the ARN of the same number."""
    plan = make_plan(state_dir, fake)
    fake.set_queue(QUEUES["Support"], caller_id_number=number_arn(NUMBER_3))

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report)["Support"] is Outcome.APPLIED
    assert report.ok
    assert QUEUES["Support"] in written(fake)


def test_a_group_changed_since_the_plan_is_stale_and_its_distribution_kept(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.set_distribution(DEFAULT_GROUP, telephony={EAST: 90, WEST: 10})

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.STALE,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    message = report.results[0].message
    assert message == "changed since the plan was made (telephony); not overwritten"
    assert [c.operation for c in fake.writes()] == ["UpdateQueueOutboundCallerConfig"] * 2
    group = distribution(fake, DEFAULT_GROUP)
    assert group.telephony == {EAST: 90, WEST: 10}
    assert group.sign_in == {EAST: True, WEST: False}


def test_live_already_equal_to_the_planned_result_counts_as_already(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.set_queue(
        QUEUES["Sales"],
        caller_id_name="AnyCompany Sales Team",
        caller_id_number=NUMBER_2,
        whisper_flow_id=FLOW_SALES,
    )
    fake.set_distribution(
        DEFAULT_GROUP,
        telephony={EAST: 80, WEST: 20},
        agents={EAST: 80, WEST: 20},
        sign_in={EAST: True, WEST: True},
    )

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.ALREADY,
        "Sales": Outcome.ALREADY,
        "Support": Outcome.APPLIED,
    }
    assert report.ok
    assert (report.count(Outcome.ALREADY), report.count(Outcome.STALE)) == (2, 0)
    assert written(fake) == [QUEUES["Support"]]


def test_stale_exits_1_through_the_cli_and_the_summary_counts_it(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    assert invoke("plan", "--state-dir", str(state_dir), "--out", str(planfile)).exit_code == 0
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Support"], flow_id=FLOW_SALES)

    result = apply_saved(planfile, state_dir, tmp_path / "j.jsonl")

    assert result.exit_code == 1
    assert "Apply: 2 applied, 0 already, 0 failed, 1 stale, 0 skipped." in result.stdout
    assert '[3/3] stale queue "Support": changed since the plan was made' in result.stderr
    assert "changed since the plan was made (whisperFlow); not overwritten" in result.stderr
    assert live_queue(emu, "Support")["outboundFlowId"] == FLOW_SALES
    assert live_queue(emu, "Support")["callerIdNumberId"] == NUMBER_3


def test_a_field_sent_but_not_managed_is_also_protected(fake: FakeConnect, tmp_path: Path) -> None:
    """The request carries live values of unmanaged fields: if they moved, sending would undo that."""
    state = write_desired(
        tmp_path / "state",
        groups={"anycompany-overflow": {"telephony": {EAST: 70, WEST: 30}}},
        queues={"Billing": {"callerIdName": "Billing desk"}},
    )
    plan = make_plan(state, fake)
    fake.set_queue(QUEUES["Billing"], whisper_flow_id=FLOW_SALES)
    fake.set_distribution(OVERFLOW_GROUP, agents={EAST: 20, WEST: 80})

    _, report = run_apply(state, fake, plan)

    assert outcomes(report) == {"anycompany-overflow": Outcome.STALE, "Billing": Outcome.STALE}
    assert [r.message for r in report.results] == [
        "changed since the plan was made (agents); not overwritten",
        "changed since the plan was made (whisperFlow); not overwritten",
    ]
    assert fake.writes() == []
    assert fake.queues[QUEUES["Billing"]].whisper_flow_id == FLOW_SALES
    assert distribution(fake, OVERFLOW_GROUP).agents == {EAST: 20, WEST: 80}


# --- during a long apply: each resource is read again right before its write ---------------------


def _after_first_result(action: Callable[[], None]) -> Callable[[Result, int, int], None]:
    """An `on_result` hook that runs `action` once, when the first batch has finished."""
    done: list[bool] = []

    def hook(result: Result, index: int, total: int) -> None:
        if not done:
            done.append(True)
            action()

    return hook


def test_a_queue_changed_during_a_long_apply_is_not_overwritten(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    # The group's batch runs first; Alice edits Sales while it runs, after apply's refresh.
    plan = make_plan(state_dir, port)
    alice = _after_first_result(
        lambda: emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (set by Alice)")
    )
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan, settings=fast_settings(on_result=alice))

    assert outcomes(report) == {
        "anycompany-default": Outcome.APPLIED,
        "Sales": Outcome.STALE,
        "Support": Outcome.APPLIED,
    }
    stale = next(r for r in report.results if r.outcome is Outcome.STALE)
    assert stale.message == "changed during the apply (callerIdName); not overwritten"
    assert live_queue(emu, "Sales")["callerIdName"] == "Sales (set by Alice)"
    assert all(f"/{QUEUES['Sales']}/" not in c["path"] for c in writes(emu))
    assert live_queue(emu, "Support")["callerIdNumberId"] == NUMBER_TOLL_FREE


def test_a_group_changed_during_a_long_apply_is_not_overwritten(fake: FakeConnect, state_dir: Path) -> None:
    # Sales goes first (wave -1); the group's distribution is changed while it is written.
    edit_yaml(state_dir / "anycompany-demo" / "queues.yaml", lambda d: d["queues"]["Sales"].update(order=-1))
    plan = make_plan(state_dir, fake)
    failover = _after_first_result(
        lambda: fake.set_distribution(DEFAULT_GROUP, telephony={EAST: 0, WEST: 100})
    )

    _, report = run_apply(state_dir, fake, plan, settings=fast_settings(on_result=failover))

    assert [(r.change.name, r.outcome) for r in report.results] == [
        ("Sales", Outcome.APPLIED),
        ("anycompany-default", Outcome.STALE),
        ("Support", Outcome.APPLIED),
    ]
    assert report.results[1].message == "changed since the plan was made (telephony); not overwritten"
    assert distribution(fake, DEFAULT_GROUP).telephony == {EAST: 0, WEST: 100}
    assert "UpdateTrafficDistribution" not in [c.operation for c in fake.writes()]


def test_a_resource_already_changed_the_same_way_during_the_apply_is_not_written_again(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    sales = next(c for c in plan.changes if c.name == "Sales")
    same = _after_first_result(
        lambda: fake.set_queue(QUEUES["Sales"], caller_id_name=sales.expected.get("callerIdName"))
    )

    _, report = run_apply(state_dir, fake, plan, settings=fast_settings(on_result=same))

    assert outcomes(report)["Sales"] is Outcome.ALREADY
    assert report.ok
    assert QUEUES["Sales"] not in written(fake)
    assert QUEUES["Support"] in written(fake)


def test_each_resource_is_read_again_right_before_its_own_write(fake: FakeConnect, state_dir: Path) -> None:
    # A change made 1.4 s into an apply was once overwritten: the apply trusted its first read for
    # 30 s. Now each resource is read right before its write, and once after it: DescribeQueue for
    # queues; for the group, its status, then GetTrafficDistribution. The refresh itself is one read
    # of the instance, without group distributions (they are read right before each write).
    plan = make_plan(state_dir, fake)
    fake.calls.clear()

    _, report = run_apply(state_dir, fake, plan)

    assert report.ok
    operations = [c.operation for c in fake.calls]
    assert operations.count("ReadInstance") == 1
    assert operations.count("DescribeQueue") == 2 * 2
    assert operations.count("GetTrafficDistribution") == 2
    for write in fake.writes():
        reads = [
            i
            for i, c in enumerate(fake.calls)
            if c.target == write.target and c.operation in ("DescribeQueue", "GetTrafficDistribution")
        ]
        assert min(reads) < fake.calls.index(write) < max(reads)  # read before, and read back after
