"""Traffic writes: Region choice, addressing by ARN, failover to the other Region, busy groups."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import quote

from connect_emulator.server import Emulator
from reconciler.app.run import rollback_of
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.results import Outcome
from reconciler.connect import ClientFactory, Connect, RateLimiter
from reconciler.connect.clients import Target
from reconciler.desired.model import InstanceSpec
from reconciler.planning.live import LiveInstance

from ..support.connect import (
    attempts,
    emulator_port,
    fast_settings,
    live_group,
    make_plan,
    outcomes,
    run_apply,
)
from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    WEST,
    write_desired,
)


def split(east: int) -> dict[str, int]:
    return {EAST: east, WEST: 100 - east}


def traffic_calls(emu: Emulator, operation: str = "UpdateTrafficDistribution") -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["operation"] == operation]


def default_group(east: int) -> dict[str, Any]:
    return {
        "anycompany-default": {
            "default": True,
            "telephony": split(east),
            "agents": split(east),
            "signIn": {EAST: True, WEST: True},
        }
    }


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


def test_a_tie_is_written_in_the_instance_region(emu: Emulator, port: Connect, tmp_path: Path) -> None:
    state = write_desired(tmp_path / "state", groups=default_group(50))

    _, report = run_apply(state, port)

    assert report.results[0].region == EAST
    assert [c["region"] for c in traffic_calls(emu)] == [EAST]
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(50)


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


def test_when_both_regions_fail_the_change_fails_and_the_rest_is_applied(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults({"rules": [{"operation": "UpdateTrafficDistribution", "error500": 1.0}]})
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    message = report.results[0].message
    assert message.startswith(
        "anycompany-demo: UpdateTrafficDistribution in us-west-2 failed: InternalServiceException"
    )
    regions = [c["region"] for c in traffic_calls(emu)]
    assert regions == [EAST] * attempts(port) + [WEST] * attempts(port)
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(100)


def test_a_busy_group_is_waited_for(emu: Emulator, port: Connect, state_dir: Path) -> None:
    plan = make_plan(state_dir, port)
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")
    emu.clear_calls()
    flipped: list[float] = []

    def finish_update() -> None:
        emu.set_group_status(DEFAULT_GROUP, "ACTIVE")
        flipped.append(time.time())

    timer = threading.Timer(0.4, finish_update)
    timer.start()
    try:
        _, report = run_apply(state_dir, port, plan, settings=fast_settings(poll_interval=0.05))
    finally:
        timer.join()

    assert outcomes(report)["anycompany-default"] is Outcome.APPLIED
    (update,) = traffic_calls(emu)
    assert update["status"] == 200
    assert update["time"] >= flipped[0]
    polls = [c for c in traffic_calls(emu, "DescribeTrafficDistributionGroup") if c["seq"] < update["seq"]]
    assert len(polls) >= 3
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(80)


def test_a_group_busy_for_longer_than_the_wait_timeout_fails_clearly(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")
    emu.clear_calls()
    started = time.monotonic()

    _, report = run_apply(state_dir, port, plan, settings=fast_settings(wait_timeout=0.3, poll_interval=0.05))

    assert time.monotonic() - started < 5
    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    message = report.results[0].message
    assert message.startswith(
        "anycompany-demo: group anycompany-default is still UPDATE_IN_PROGRESS after waiting"
    )
    assert traffic_calls(emu) == []  # never written, and not sent to the other Region either
    assert {c["region"] for c in traffic_calls(emu, "DescribeTrafficDistributionGroup")} == {EAST}
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(100)


def test_a_conflict_answer_is_waited_out_and_the_write_sent_again(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults(
        {
            "scripted": [
                {"operation": "UpdateTrafficDistribution", "nth": 1, "code": "ResourceConflictException"}
            ]
        }
    )
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report)["anycompany-default"] is Outcome.APPLIED
    assert [(c["region"], c["status"]) for c in traffic_calls(emu)] == [(EAST, 409), (EAST, 200)]
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(80)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RegionOutage(ClientFactory):
    """Real clients for the emulator, except that a Region in `down` is reached on a closed port."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__(endpoint_url=emu.url, limiter=RateLimiter(rate=0))
        self.dead = ClientFactory(
            endpoint_url=f"http://127.0.0.1:{closed_port()}", limiter=RateLimiter(rate=0)
        )
        self.down: set[str] = set()

    def connect(self, target: Target) -> Any:
        if target.region in self.down:
            return self.dead.connect(target)
        return super().connect(target)


class OutageAfterRefresh(Connect):
    """The boto3 port over `RegionOutage`: `region` stops answering right after the first read."""

    def __init__(self, emu: Emulator, region: str) -> None:
        self.outage = RegionOutage(emu)
        super().__init__(self.outage)
        self.region = region

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        live = super().read_instance(spec, groups, region=region)
        self.outage.down.add(self.region)
        return live


def test_when_the_instance_region_goes_down_mid_apply_the_write_lands_in_the_other_and_is_verified_there(
    emu: Emulator, state_dir: Path
) -> None:
    plan = make_plan(state_dir, emulator_port(emu))
    emu.clear_calls()

    # us-east-1 stops answering right after the refresh
    report = Applier(OutageAfterRefresh(emu, EAST), None, fast_settings()).run(plan)

    traffic = report.results[0]
    assert (traffic.change.name, traffic.outcome, traffic.region) == (
        "anycompany-default",
        Outcome.APPLIED,
        WEST,
    )
    (update,) = traffic_calls(emu)  # the us-east-1 attempts never reached the service
    assert (update["region"], update["status"]) == (WEST, 200)
    read_backs = [c for c in traffic_calls(emu, "GetTrafficDistribution") if c["seq"] > update["seq"]]
    assert [(c["region"], c["status"]) for c in read_backs] == [(WEST, 200)]
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(80)
    # Queue writes have no other Region to go to: they fail, clearly, and nothing else is hurt.
    assert [r.outcome for r in report.results[1:]] == [Outcome.FAILED, Outcome.FAILED]
    assert "cannot reach the Connect endpoint" in report.results[1].message


def test_a_group_someone_else_was_updating_is_not_overwritten_once_it_is_active_again(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    """UPDATE_IN_PROGRESS means another update is landing: once it has, ours is stale."""
    plan = make_plan(state_dir, port)
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")

    def their_update_lands() -> None:
        emu.set_traffic_distribution(DEFAULT_GROUP, telephony=split(60), agents=split(60), status="ACTIVE")

    timer = threading.Timer(0.3, their_update_lands)
    timer.start()
    try:
        with Journal(str(state_dir.parent / "journal.jsonl")) as journal:
            _, report = run_apply(
                state_dir, port, plan, journal=journal, settings=fast_settings(poll_interval=0.05)
            )
    finally:
        timer.join()

    traffic = report.results[0]
    assert traffic.outcome is Outcome.STALE
    assert traffic.message == "changed while the group was busy (telephony, agents); not overwritten"
    assert traffic_calls(emu) == []
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == split(60)
    assert [r.outcome for r in report.results[1:]] == [Outcome.APPLIED, Outcome.APPLIED]
    assert not report.ok
    # Nothing was written to the group, so rolling this apply back leaves it alone too.
    rollback = rollback_of(str(state_dir.parent / "journal.jsonl"))
    assert [c.name for c in rollback.updates] == ["Support", "Sales"]
