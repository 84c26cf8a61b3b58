"""Region outages and busy groups, end to end: real boto3 against the emulator, as Connect fails.

The emulator's outages are what an outage looks like on the wire (503s, reset connections, calls
held open past the client's timeouts); its groups are UPDATE_IN_PROGRESS after each update, and
Get/UpdateTrafficDistribution refuse them then. Every test checks the emulator's call log: which
Region each call went to, and that nothing was written where nothing may be.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome, Result

from ..support.cli import invoke
from ..support.connect import emulator_port, fast_settings, make_plan, writes
from ..support.demo import DEFAULT_GROUP, DEFAULT_GROUP_ARN, EAST, OVERFLOW_GROUP, WEST, edit_yaml

NOTE = "anycompany-demo: us-east-1 unreachable; read from the replica in us-west-2"


def calls_to(emu: Emulator, region: str) -> list[dict[str, Any]]:
    return [c for c in emu.calls() if c["region"] == region]


def plan_json(state_dir: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    result = invoke("plan", "--state-dir", str(state_dir), "--format", "json", "--detailed-exitcode", *flags)
    assert result.exit_code in (0, 2), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, data


@pytest.mark.parametrize("mode", ["unavailable", "reset", "hang"])
def test_with_the_source_region_down_the_plan_is_read_from_the_replica_and_says_so(
    start_emulator: Callable[..., Emulator], state_dir: Path, mode: str
) -> None:
    healthy = start_emulator()
    _, expected = plan_json(state_dir)
    emu = start_emulator(down_regions=[EAST], outage_mix=mode, outage_hang_seconds=20)

    code, data = plan_json(state_dir)

    assert code == 2
    assert data["instances"][0]["read_region"] == WEST
    assert [(c["name"], c["fields"]) for c in data["changes"]] == [
        (c["name"], c["fields"]) for c in expected["changes"]
    ]
    # One call reached the dead Region: the probe. Everything else went to the replica.
    (probe,) = calls_to(emu, EAST)
    assert probe["outage"] == mode
    assert all(c["status"] == 200 for c in calls_to(emu, WEST))
    text = invoke("plan", "--state-dir", str(state_dir), "--no-color").stdout
    assert NOTE in text.split("Steps are numbered")[0]  # said first, before any change
    assert healthy.calls() and not calls_to(healthy, WEST)  # with both up, the replica is not asked


def test_on_a_machine_that_never_saw_the_source_queues_wait_and_traffic_still_moves(
    start_emulator: Callable[..., Emulator], state_dir: Path
) -> None:
    # Groups live in the source Region and numbers claimed to the instance are listed there only:
    # from the replica, a fresh runner finds a group by its ARN but not by its name, and cannot
    # tell which ID `+12065550101` is. Those wait, each with its reason; the ARN-keyed group moves.
    def key_default_by_arn(doc: dict[str, Any]) -> None:
        groups = doc["trafficDistributionGroups"]
        groups[DEFAULT_GROUP_ARN] = groups.pop("anycompany-default")

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", key_default_by_arn)
    start_emulator(down_regions=[EAST], outage_mix="unavailable")

    code, data = plan_json(state_dir)

    assert code == 2
    by_name = {c["name"]: c for c in data["changes"]}
    assert by_name["anycompany-default"]["action"] == "update"
    assert by_name["anycompany-overflow"]["reason"] == (
        "cannot find this group from us-west-2: groups live in us-east-1, which does not answer, and "
        "us-west-2 does not list them; key it by its ARN to manage it during an outage"
    )
    assert by_name["Sales"]["action"] == "blocked"
    assert by_name["Sales"]["reason"].startswith(
        "read from us-west-2 (us-east-1 does not answer), where no phone number named '+12065550101'"
    )


def test_with_the_replica_down_nothing_changes(
    start_emulator: Callable[..., Emulator], state_dir: Path
) -> None:
    emu = start_emulator(down_regions=[WEST])

    code, data = plan_json(state_dir)

    assert code == 2 and data["instances"][0]["read_region"] == EAST
    assert calls_to(emu, WEST) == []
    assert NOTE not in invoke("plan", "--state-dir", str(state_dir)).stdout


def test_both_regions_down_is_one_clear_error_and_nothing_is_written(
    start_emulator: Callable[..., Emulator], state_dir: Path, tmp_path: Path
) -> None:
    emu = start_emulator(down_regions=[EAST, WEST], outage_mix="unavailable")

    result = invoke(
        "apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", str(tmp_path / "j.jsonl")
    )

    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "error: anycompany-demo: neither us-east-1 nor us-west-2 answers, so nothing was read and "
        "nothing was written ("
    )
    assert writes(emu) == []
    assert len(calls_to(emu, EAST)) == len(calls_to(emu, WEST)) == 1  # one probe each, no retries


def test_a_failover_applied_while_the_source_is_down_lands_in_the_replica(
    start_emulator: Callable[..., Emulator], state_dir: Path, tmp_path: Path
) -> None:
    emu = start_emulator(outage_mix="reset")
    plan_json(state_dir)  # a plan while both answered: this machine has seen the instance's numbers
    emu.set_region_down(EAST, True)
    to_west = {EAST: 0, WEST: 100}

    def fail_over(doc: dict[str, Any]) -> None:
        for group in doc["trafficDistributionGroups"].values():
            group["telephony"] = dict(to_west)
            group["agents"] = dict(to_west)

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", fail_over)

    result = invoke(
        "apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", str(tmp_path / "j.jsonl")
    )

    assert result.exit_code == 0, result.stderr
    assert NOTE in result.stdout + result.stderr
    assert {(w["operation"], w["region"], w["status"]) for w in writes(emu)} == {
        ("UpdateTrafficDistribution", WEST, 200),
        ("UpdateQueueOutboundCallerConfig", WEST, 200),
    }
    emu.set_region_down(EAST, False)
    code, after = plan_json(state_dir)
    assert (code, after["changes"], after["instances"][0]["read_region"]) == (0, [], EAST)


def test_the_source_going_down_in_the_middle_of_an_apply_sends_the_rest_to_the_replica(
    start_emulator: Callable[..., Emulator], state_dir: Path
) -> None:
    emu = start_emulator(outage_mix="reset")
    port = emulator_port(emu)
    plan = make_plan(state_dir, port)

    def outage_after_first(result: Result, done: int, total: int) -> None:
        if done == 1:
            emu.set_region_down(EAST, True)

    report = Applier(port, None, fast_settings(on_result=outage_after_first)).run(plan)

    assert [(r.change.name, r.outcome, r.region) for r in report.results] == [
        ("anycompany-default", Outcome.APPLIED, EAST),
        ("Sales", Outcome.APPLIED, WEST),
        ("Support", Outcome.APPLIED, WEST),
    ]
    down = [c for c in calls_to(emu, EAST) if c["outage"]]
    # two attempts for each of at most three calls (a re-read and writes) until judged down
    assert down and len(down) <= 2 * 3
    emu.set_region_down(EAST, False)
    assert not make_plan(state_dir, emulator_port(emu)).has_changes


def test_the_region_that_took_a_write_going_down_during_verification_is_read_in_the_other(
    start_emulator: Callable[..., Emulator], state_dir: Path
) -> None:
    emu = start_emulator(read_lag=1, outage_mix="reset")  # the first read-back shows the old values
    port = emulator_port(emu)
    plan = make_plan(state_dir, port)

    def outage_while_waiting(_: float) -> None:
        emu.set_region_down(EAST, True)

    report = Applier(port, None, fast_settings(sleep=outage_while_waiting)).run(plan)

    assert report.ok, report
    assert {r.outcome for r in report.results} == {Outcome.APPLIED}
    first_write = min(c["seq"] for c in writes(emu))
    read_backs = [
        c
        for c in emu.calls()
        if c["seq"] > first_write and c["operation"] in ("GetTrafficDistribution", "DescribeQueue")
    ]
    assert {c["region"] for c in read_backs if c["status"] == 200} >= {WEST}


# --- busy groups ----------------------------------------------------------------------------


def _overflow_to(state_dir: Path, east: int) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["trafficDistributionGroups"]["anycompany-overflow"]["telephony"] = {EAST: east, WEST: 100 - east}

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", change)


def test_a_busy_group_at_plan_time_is_blocked_and_the_rest_is_planned(emu: Emulator, state_dir: Path) -> None:
    _overflow_to(state_dir, 60)
    emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")

    code, data = plan_json(state_dir, "--wait-timeout", "0")

    assert code == 2
    blocked = [c for c in data["changes"] if c["action"] == "blocked"]
    assert [(c["name"], c["reason"]) for c in blocked] == [
        ("anycompany-overflow", "group is UPDATE_IN_PROGRESS; Connect only changes ACTIVE groups")
    ]
    assert [c["name"] for c in data["changes"] if c["action"] == "update"] == [
        "anycompany-default",
        "Sales",
        "Support",
    ]
    get = [c for c in emu.calls() if c["operation"] == "GetTrafficDistribution"]
    assert [c["status"] for c in get] == [200]  # only the ACTIVE group's distribution was asked for
    drift = invoke("drift", "--state-dir", str(state_dir), "--format", "json", "--wait-timeout", "0")
    overflow = [f for f in json.loads(drift.stdout)["findings"] if f["name"] == "anycompany-overflow"]
    assert [(f["labels"][-1], f["message"]) for f in overflow] == [("blocked", blocked[0]["reason"])]


def test_a_group_busy_for_a_moment_at_plan_time_is_waited_for(emu: Emulator, state_dir: Path) -> None:
    _overflow_to(state_dir, 60)
    emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")
    timer = threading.Timer(0.5, emu.set_group_status, (OVERFLOW_GROUP, "ACTIVE"))
    timer.start()
    try:
        code, data = plan_json(state_dir, "--wait-timeout", "20")
    finally:
        timer.cancel()

    assert code == 2
    overflow = next(c for c in data["changes"] if c["name"] == "anycompany-overflow")
    assert overflow["action"] == "update"
    assert overflow["fields"] == [
        {"field": "telephony", "before": {EAST: 50, WEST: 50}, "after": {EAST: 60, WEST: 40}}
    ]


def test_after_each_write_the_group_is_busy_and_the_read_back_waits_for_it(
    start_emulator: Callable[..., Emulator], state_dir: Path
) -> None:
    emu = start_emulator(update_in_progress_seconds=0.6)
    port = emulator_port(emu)
    plan = make_plan(state_dir, port)

    report = Applier(port, None, fast_settings(verify_attempts=None, verify_delay=0.2)).run(plan)

    assert report.ok
    assert report.results[0].change.resource_id == DEFAULT_GROUP
    update = next(c for c in writes(emu) if c["operation"] == "UpdateTrafficDistribution")
    after = [c for c in emu.calls() if c["seq"] > update["seq"]]
    refused = [c for c in after if c["operation"] == "GetTrafficDistribution" and c["status"] != 200]
    assert refused == []  # the status is read first: a distribution is asked for only once ACTIVE
    statuses = [c for c in after if c["operation"] == "DescribeTrafficDistributionGroup"]
    assert len(statuses) >= 2  # at least one read found it busy
    # A plan right after waits for the busy group rather than showing it blocked.
    code, data = plan_json(state_dir, "--wait-timeout", "10")
    assert (code, data["changes"]) == (0, [])
