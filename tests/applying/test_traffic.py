"""Traffic writes: Region choice, addressing by ARN, failover to the other Region, busy groups.

End to end, real boto3 against the emulator: the request as it goes on the wire (the Region and
the ARN path, which the emulator's addressing rules check), botocore's retries before the other
Region is tried, and waiting through real status reads for a busy group. The applier's decisions
around them (a tie, both Regions failing, a Region going down, conflicts, a group busy for too
long or changed while busy) are checked on the in-memory port.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from connect_emulator.server import Emulator
from reconciler.app.run import rollback_of
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.results import Outcome
from reconciler.connect import Connect
from reconciler.desired.model import InstanceSpec
from reconciler.planning.live import Distribution, LiveInstance

from ..support.connect import attempts, fast_settings, live_group, make_plan, outcomes, run_apply
from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    WEST,
    write_desired,
)
from ..support.fake_connect import FakeConnect, refused, server_error
from ..support.live import demo_live


def split(east: int) -> dict[str, int]:
    return {EAST: east, WEST: 100 - east}


def traffic_calls(emu: Emulator, operation: str = "UpdateTrafficDistribution") -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["operation"] == operation]


def distribution(fake: FakeConnect, group_id: str = DEFAULT_GROUP) -> Distribution:
    found = fake.groups[group_id].distribution
    assert found is not None
    return found


def default_group(east: int) -> dict[str, Any]:
    return {
        "anycompany-default": {
            "default": True,
            "telephony": split(east),
            "agents": split(east),
            "signIn": {EAST: True, WEST: True},
        }
    }


# --- on the wire, end to end -----------------------------------------------------------------


def test_written_in_the_region_with_the_larger_telephony_share_by_arn(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    state = write_desired(tmp_path / "state", groups=default_group(30))

    plan, report = run_apply(state, port)

    assert plan.updates[0].request is not None and plan.updates[0].request.region == WEST
    assert outcomes(report) == {"anycompany-default": Outcome.APPLIED}
    assert report.results[0].region == WEST
    (call,) = traffic_calls(emu)
    assert (call["region"], call["status"]) == (WEST, 200)
    # From the replica Region only the full ARN works: the group is homed in us-east-1.
    assert call["path"] == f"/traffic-distribution/{quote(DEFAULT_GROUP_ARN, safe='')}"
    group = live_group(emu, DEFAULT_GROUP)
    assert (group["telephony"], group["agents"]) == (split(30), split(30))
    assert group["signIn"] == {EAST: True, WEST: True}


def test_a_group_created_in_the_replica_region_is_written_by_arn_from_the_instance_region(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    groups = {"anycompany-overflow": {"telephony": split(70), "agents": split(70)}}
    state = write_desired(tmp_path / "state", groups=groups)

    plan, report = run_apply(state, port)

    change = plan.updates[0]
    assert change.resource_arn == OVERFLOW_GROUP_ARN
    assert change.request is not None and "SignInConfig" not in change.request.body
    assert outcomes(report) == {"anycompany-overflow": Outcome.APPLIED}
    (call,) = traffic_calls(emu)
    assert (call["region"], call["status"]) == (EAST, 200)
    assert call["path"] == f"/traffic-distribution/{quote(OVERFLOW_GROUP_ARN, safe='')}"
    group = live_group(emu, OVERFLOW_GROUP)
    assert (group["telephony"], group["agents"]) == (split(70), split(70))


def test_when_the_chosen_region_keeps_failing_the_other_region_is_used(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    assert plan.updates[0].request is not None and plan.updates[0].request.region == EAST
    every_attempt = list(range(1, attempts(port) + 1))
    emu.set_faults(
        {"scripted": [{"operation": "UpdateTrafficDistribution", "nth": every_attempt, "status": 500}]}
    )
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.APPLIED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    assert report.results[0].region == WEST
    seen = [(c["region"], c["status"]) for c in traffic_calls(emu)]
    assert seen == [(EAST, 500)] * attempts(port) + [(WEST, 200)]
    assert quote(DEFAULT_GROUP_ARN, safe="") in traffic_calls(emu)[-1]["path"]
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(80)


def test_a_busy_group_is_waited_for(emu: Emulator, port: Connect, state_dir: Path) -> None:
    plan = make_plan(state_dir, port)
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")
    emu.clear_calls()
    waits: list[float] = []

    def wait(seconds: float) -> None:  # the other update finishes during the applier's third wait
        waits.append(seconds)
        if len(waits) == 3:
            emu.set_group_status(DEFAULT_GROUP, "ACTIVE")

    _, report = run_apply(state_dir, port, plan, settings=fast_settings(poll_interval=0.05, sleep=wait))

    assert outcomes(report)["anycompany-default"] is Outcome.APPLIED
    assert waits == [0.05] * 3
    (update,) = traffic_calls(emu)
    assert update["status"] == 200
    polls = [c for c in traffic_calls(emu, "DescribeTrafficDistributionGroup") if c["seq"] < update["seq"]]
    # the re-read right before the write: three answered UPDATE_IN_PROGRESS, then one ACTIVE, on
    # which the write relies (no second status read of its own)
    assert len(polls) == 3 + 1
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(80)


# --- the applier's decisions, on the in-memory port --------------------------------------------


def test_a_tie_is_written_in_the_instance_region(fake: FakeConnect, tmp_path: Path) -> None:
    state = write_desired(tmp_path / "state", groups=default_group(50))

    _, report = run_apply(state, fake)

    assert report.results[0].region == EAST
    assert [(c.region, c.target) for c in fake.writes()] == [(EAST, DEFAULT_GROUP_ARN)]
    assert distribution(fake).telephony == split(50)


def test_when_both_regions_fail_the_change_fails_and_the_rest_is_applied(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    last = server_error("UpdateTrafficDistribution", WEST)
    fake.fail["UpdateTrafficDistribution"] = [server_error("UpdateTrafficDistribution", EAST), last]

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    assert report.results[0].message == str(last)  # the error of the last Region tried
    assert [c.region for c in fake.ops("UpdateTrafficDistribution")] == [EAST, WEST]
    assert distribution(fake).telephony == split(100)


def test_a_group_busy_for_longer_than_the_wait_timeout_fails_clearly(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.busy[DEFAULT_GROUP] = 1_000_000
    started = time.monotonic()

    _, report = run_apply(
        state_dir, fake, plan, settings=fast_settings(wait_timeout=0.05, poll_interval=0.01)
    )

    assert time.monotonic() - started < 5
    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    message = report.results[0].message
    assert message.startswith(
        "not written: anycompany-demo: group anycompany-default is still UPDATE_IN_PROGRESS after waiting"
    )
    polls = fake.ops("DescribeTrafficDistributionGroup")
    assert len(polls) >= 2  # it did wait, polling
    assert fake.ops("UpdateTrafficDistribution") == []  # never written,
    assert {c.region for c in polls} == {EAST}  # and not sent to the other Region either
    assert distribution(fake).telephony == split(100)


def test_a_conflict_answer_is_waited_out_and_the_write_sent_again(fake: FakeConnect, state_dir: Path) -> None:
    plan = make_plan(state_dir, fake)
    fake.fail["UpdateTrafficDistribution"] = [
        refused("UpdateTrafficDistribution", EAST, "ResourceConflictException", 409)
    ]
    waits: list[float] = []

    _, report = run_apply(state_dir, fake, plan, settings=fast_settings(sleep=waits.append))

    assert outcomes(report)["anycompany-default"] is Outcome.APPLIED
    assert [c.region for c in fake.ops("UpdateTrafficDistribution")] == [EAST, EAST]
    assert waits == [fast_settings().poll_interval]  # waited once before sending it again
    assert distribution(fake).telephony == split(80)


@dataclass
class OutageAfterRefresh(FakeConnect):
    """The fake, except that `outage` stops answering right after the first read of the instance."""

    outage: str = EAST

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        live = super().read_instance(spec, groups, region=region)
        self.down.add(self.outage)
        return live


def test_when_the_instance_region_goes_down_mid_apply_the_write_lands_in_the_other_and_is_verified_there(
    fake: FakeConnect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, fake)
    outage = OutageAfterRefresh(demo_live(), outage=EAST)  # us-east-1 stops right after the refresh

    report = Applier(outage, None, fast_settings()).run(plan)

    traffic = report.results[0]
    assert (traffic.change.name, traffic.outcome, traffic.region) == (
        "anycompany-default",
        Outcome.APPLIED,
        WEST,
    )
    (update,) = outage.ops("UpdateTrafficDistribution")  # us-east-1 failed at the status read
    assert (update.region, update.target) == (WEST, DEFAULT_GROUP_ARN)
    after = outage.calls[outage.calls.index(update) :]
    assert [c.region for c in after if c.operation == "GetTrafficDistribution"] == [WEST]
    assert distribution(outage).telephony == split(80)
    # Queue writes go to the replica too, which serves the same instance, and are read back there.
    assert [(r.outcome, r.region) for r in report.results[1:]] == [(Outcome.APPLIED, WEST)] * 2
    for queue in report.results[1:]:  # each tried in its own Region first, then in the replica's
        tried = [
            c.region
            for c in outage.ops("UpdateQueueOutboundCallerConfig")
            if c.target == queue.change.resource_id
        ]
        assert tried == [EAST, WEST]
    assert report.ok


def test_a_group_someone_else_was_updating_is_not_overwritten_once_it_is_active_again(
    fake: FakeConnect, state_dir: Path
) -> None:
    """UPDATE_IN_PROGRESS means another update is landing: once it has, ours is stale."""
    plan = make_plan(state_dir, fake)
    fake.busy[DEFAULT_GROUP] = 2

    def their_update_lands(_: float) -> None:
        fake.set_distribution(DEFAULT_GROUP, telephony=split(60), agents=split(60))

    with Journal(str(state_dir.parent / "journal.jsonl")) as journal:
        _, report = run_apply(
            state_dir, fake, plan, journal=journal, settings=fast_settings(sleep=their_update_lands)
        )

    traffic = report.results[0]
    assert traffic.outcome is Outcome.STALE
    assert traffic.message == "changed since the plan was made (telephony, agents); not overwritten"
    assert fake.ops("UpdateTrafficDistribution") == []
    assert distribution(fake).telephony == split(60)
    assert [r.outcome for r in report.results[1:]] == [Outcome.APPLIED, Outcome.APPLIED]
    assert not report.ok
    # Nothing was written to the group, so rolling this apply back leaves it alone too.
    rollback = rollback_of(str(state_dir.parent / "journal.jsonl"))
    assert [c.name for c in rollback.updates] == ["Support", "Sales"]


def test_a_group_busy_again_between_the_re_read_and_the_write_is_judged_by_its_status(
    fake: FakeConnect, state_dir: Path
) -> None:
    """The write follows the pre-write re-read (which read the status first) without a second
    status read; when someone starts an update in between, the refusal is judged by the status
    read again, whatever its error code: waited for, checked for staleness, then written."""
    import dataclasses

    plan = make_plan(state_dir, fake)
    refusals: list[str] = []

    def someone_starts_an_update(operation: str, group_id: str) -> None:
        if not refusals:
            refusals.append(group_id)
            fake.groups[group_id] = dataclasses.replace(fake.groups[group_id], status="UPDATE_IN_PROGRESS")

    def their_update_ends(seconds: float) -> None:
        group_id = refusals[0]
        fake.groups[group_id] = dataclasses.replace(fake.groups[group_id], status="ACTIVE")

    fake.before_write = someone_starts_an_update
    _, report = run_apply(state_dir, fake, plan, settings=fast_settings(sleep=their_update_ends))

    assert outcomes(report)["anycompany-default"] is Outcome.APPLIED
    traffic = [c.operation for c in fake.calls if c.target == DEFAULT_GROUP_ARN]
    assert traffic[:7] == [
        "DescribeTrafficDistributionGroup",  # the re-read right before the write: status first
        "GetTrafficDistribution",
        "UpdateTrafficDistribution",  # refused: the group went busy in between
        "DescribeTrafficDistributionGroup",  # so its status is read: UPDATE_IN_PROGRESS, wait
        "DescribeTrafficDistributionGroup",  # ACTIVE again
        "GetTrafficDistribution",  # not changed by them: not stale
        "UpdateTrafficDistribution",
    ]
    assert distribution(fake).telephony == split(80)
