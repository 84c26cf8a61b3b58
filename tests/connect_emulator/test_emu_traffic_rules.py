"""UpdateTrafficDistribution: each rule valid and invalid, and cross-Region group addressing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.resources import Options
from connect_emulator.server import Emulator

from ..support.demo import DEFAULT_GROUP, DEFAULT_GROUP_ARN, EAST, OVERFLOW_GROUP, OVERFLOW_GROUP_ARN, WEST
from .helpers import error_of, make_client


def pct(east: int, west: int) -> dict[str, Any]:
    return {"Distributions": [{"Region": EAST, "Percentage": east}, {"Region": WEST, "Percentage": west}]}


def sign_in(east: bool, west: bool) -> dict[str, Any]:
    return {"Distributions": [{"Region": EAST, "Enabled": east}, {"Region": WEST, "Enabled": west}]}


def test_valid_update_changes_distribution_and_failover_time(east: Any) -> None:
    before = time.time()
    east.update_traffic_distribution(
        Id=DEFAULT_GROUP,
        TelephonyConfig=pct(30, 70),
        AgentConfig=pct(40, 60),
        SignInConfig=sign_in(True, True),
    )
    dist = east.get_traffic_distribution(Id=DEFAULT_GROUP)
    assert dist["TelephonyConfig"] == pct(30, 70)
    assert dist["AgentConfig"] == pct(40, 60)
    assert dist["SignInConfig"] == sign_in(True, True)
    assert dist["LastFailoverTime"].timestamp() >= before - 1


def test_omitted_agent_and_sign_in_configs_are_kept(east: Any) -> None:
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(0, 100))
    dist = east.get_traffic_distribution(Id=DEFAULT_GROUP)
    assert dist["TelephonyConfig"] == pct(0, 100)
    assert dist["AgentConfig"] == pct(100, 0)
    assert dist["SignInConfig"] == sign_in(True, False)


def test_unchanged_telephony_keeps_last_failover_time(east: Any) -> None:
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(100, 0), AgentConfig=pct(50, 50))
    assert "LastFailoverTime" not in east.get_traffic_distribution(Id=DEFAULT_GROUP)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"AgentConfig": pct(50, 50)}, "no TelephonyConfig"),
        ({"TelephonyConfig": pct(55, 45)}, "not multiples of 10"),
        ({"TelephonyConfig": pct(60, 30)}, "sum is 90"),
        ({"TelephonyConfig": {"Distributions": [{"Region": EAST, "Percentage": 100}]}}, "missing Region"),
        (
            {
                "TelephonyConfig": {
                    "Distributions": [
                        {"Region": EAST, "Percentage": 50},
                        {"Region": EAST, "Percentage": 50},
                    ]
                }
            },
            "Region twice",
        ),
        (
            {
                "TelephonyConfig": {
                    "Distributions": [
                        {"Region": EAST, "Percentage": 50},
                        {"Region": "eu-west-2", "Percentage": 50},
                    ]
                }
            },
            "foreign Region",
        ),
        ({"TelephonyConfig": pct(100, 0), "AgentConfig": pct(70, 20)}, "agents sum to 90"),
        ({"TelephonyConfig": pct(100, 0), "SignInConfig": sign_in(False, False)}, "no sign-in Region"),
        (
            {
                "TelephonyConfig": pct(100, 0),
                "SignInConfig": {"Distributions": [{"Region": EAST, "Enabled": True}]},
            },
            "sign-in misses a Region",
        ),
    ],
)
def test_invalid_updates_are_invalid_request(east: Any, kwargs: dict[str, Any], why: str) -> None:
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(Id=DEFAULT_GROUP, **kwargs)
    assert error_of(exc) == ("InvalidRequestException", 400), why
    assert east.get_traffic_distribution(Id=DEFAULT_GROUP)["TelephonyConfig"] == pct(100, 0)


def test_sign_in_config_only_on_default_group(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(
            Id=OVERFLOW_GROUP, TelephonyConfig=pct(50, 50), SignInConfig=sign_in(True, True)
        )
    assert error_of(exc) == ("InvalidRequestException", 400)
    east.update_traffic_distribution(Id=OVERFLOW_GROUP, TelephonyConfig=pct(20, 80), AgentConfig=pct(20, 80))
    assert east.get_traffic_distribution(Id=OVERFLOW_GROUP)["AgentConfig"] == pct(20, 80)


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "CREATION_IN_PROGRESS", "PENDING_DELETION"])
def test_group_must_be_active(emu: Emulator, east: Any, status: str) -> None:
    emu.set_group_status(DEFAULT_GROUP, status)
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
    assert error_of(exc) == ("InvalidRequestException", 400)
    emu.set_group_status(DEFAULT_GROUP, "ACTIVE")
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "CREATION_IN_PROGRESS", "DELETION_FAILED"])
def test_get_answers_only_while_active(emu: Emulator, east: Any, west: Any, status: str) -> None:
    emu.set_group_status(DEFAULT_GROUP, status)
    for client, ident in ((east, DEFAULT_GROUP), (west, DEFAULT_GROUP_ARN)):
        with pytest.raises(ClientError) as exc:
            client.get_traffic_distribution(Id=ident)
        assert error_of(exc) == ("InvalidRequestException", 400)
        described = client.describe_traffic_distribution_group(TrafficDistributionGroupId=ident)
        assert described["TrafficDistributionGroup"]["Status"] == status
    listed = east.list_traffic_distribution_groups()["TrafficDistributionGroupSummaryList"]
    assert [g["Status"] for g in listed] == [status, "ACTIVE"]
    emu.set_group_status(DEFAULT_GROUP, "ACTIVE")
    assert east.get_traffic_distribution(Id=DEFAULT_GROUP)["Id"] == DEFAULT_GROUP


def test_the_emulator_default_is_a_two_second_busy_spell() -> None:
    assert Options().update_in_progress_seconds == 2.0
    with Emulator() as emu:  # not running_emulator: that one defaults to no spell at all
        assert emu.options.update_in_progress_seconds == 2.0
        east = make_client(emu, EAST)
        started = time.time()
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
        group = east.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
        assert group["TrafficDistributionGroup"]["Status"] == "UPDATE_IN_PROGRESS"
        calls: tuple[Callable[[], object], ...] = (
            lambda: east.get_traffic_distribution(Id=DEFAULT_GROUP),
            lambda: east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(100, 0)),
        )
        for call in calls:
            with pytest.raises(ClientError) as exc:
                call()
            assert error_of(exc) == ("InvalidRequestException", 400)
        busy_until = emu.state.instances[0].groups[0].busy_until
        assert started + 1.9 <= busy_until <= time.time() + 2.0


def test_running_emulator_has_no_busy_spell(emu: Emulator, east: Any) -> None:
    assert emu.options.update_in_progress_seconds == 0
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
    assert east.get_traffic_distribution(Id=DEFAULT_GROUP)["TelephonyConfig"] == pct(50, 50)


def test_update_in_progress_window(start_emulator: Any) -> None:
    emu = start_emulator(update_in_progress_seconds=0.3)
    east = make_client(emu, EAST)
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
    group = east.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
    assert group["TrafficDistributionGroup"]["Status"] == "UPDATE_IN_PROGRESS"
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(100, 0))
    assert error_of(exc) == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as exc:
        east.get_traffic_distribution(Id=DEFAULT_GROUP)
    assert error_of(exc) == ("InvalidRequestException", 400)
    time.sleep(0.35)
    assert (
        east.list_traffic_distribution_groups()["TrafficDistributionGroupSummaryList"][0]["Status"]
        == "ACTIVE"
    )
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(100, 0))


@pytest.mark.parametrize(
    ("group", "arn"), [(DEFAULT_GROUP, DEFAULT_GROUP_ARN), (OVERFLOW_GROUP, OVERFLOW_GROUP_ARN)]
)
def test_replica_region_needs_the_full_arn(east: Any, west: Any, group: str, arn: str) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: west.get_traffic_distribution(Id=group),
        lambda: west.describe_traffic_distribution_group(TrafficDistributionGroupId=group),
        lambda: west.update_traffic_distribution(Id=group, TelephonyConfig=pct(0, 100)),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("ResourceNotFoundException", 404)
    west.update_traffic_distribution(Id=arn, TelephonyConfig=pct(0, 100), AgentConfig=pct(0, 100))
    assert west.get_traffic_distribution(Id=arn)["Arn"] == arn  # the ARN names us-east-1
    described = west.describe_traffic_distribution_group(TrafficDistributionGroupId=arn)
    assert described["TrafficDistributionGroup"]["Arn"] == arn
    # the home Region reads the write, by ID or by ARN
    assert east.get_traffic_distribution(Id=group)["TelephonyConfig"] == pct(0, 100)
    assert east.describe_traffic_distribution_group(TrafficDistributionGroupId=arn)


def test_arn_naming_the_wrong_home_region_is_not_found(west: Any) -> None:
    wrong = DEFAULT_GROUP_ARN.replace(EAST, WEST)
    with pytest.raises(ClientError) as exc:
        west.get_traffic_distribution(Id=wrong)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_other_account_cannot_see_the_group(start_emulator: Any) -> None:
    from connect_emulator.state import EmulatorState

    state = EmulatorState.demo()
    state.access_keys["AKIAOTHERACCOUNT0000"] = "444455556666"
    emu = start_emulator(state)
    other = make_client(emu, EAST, access_key="AKIAOTHERACCOUNT0000")
    with pytest.raises(ClientError) as exc:
        other.get_traffic_distribution(Id=DEFAULT_GROUP_ARN)
    assert error_of(exc) == ("ResourceNotFoundException", 404)
    assert other.list_traffic_distribution_groups()["TrafficDistributionGroupSummaryList"] == []
    assert emu.calls()[-1]["account"] == "444455556666"
