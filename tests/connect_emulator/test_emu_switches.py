"""Switches for what AWS leaves undocumented: each setting tested, and each one on the CLI."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from connect_emulator.cli import emulator_command
from connect_emulator.resources import Options
from connect_emulator.server import Emulator
from connect_emulator.testing import raw_request

from ..support.demo import (
    ACCOUNT,
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    INSTANCE_ID,
    NUMBER_OVERFLOW,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
)
from .helpers import emulator_process, error_of, make_client

WEST_INSTANCE_ARN = f"arn:aws:connect:{WEST}:{ACCOUNT}:instance/{INSTANCE_ID}"


def test_the_defaults() -> None:
    options = Options()
    assert (options.replica_lists_groups, options.list_numbers_of_inactive_groups) == (False, True)
    assert (options.queue_replication, options.omitted_fields, options.update_in_progress_seconds) == (
        "shared",
        "keep",
        2.0,
    )


# -- replica_lists_groups -------------------------------------------------------------------------


def listed(client: Any, **kwargs: Any) -> list[tuple[str, str]]:
    groups = client.list_traffic_distribution_groups(**kwargs)["TrafficDistributionGroupSummaryList"]
    return [(g["Arn"], g["Status"]) for g in groups]


def test_by_default_the_replica_region_lists_no_groups(emu: Emulator, west: Any) -> None:
    assert listed(west) == []
    assert listed(west, InstanceId=INSTANCE_ID) == []


def test_replica_lists_groups_lists_the_source_regions_groups(start_emulator: Any) -> None:
    emu = start_emulator(replica_lists_groups=True)
    east, west = make_client(emu, EAST), make_client(emu, WEST)
    emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")
    expected = [(DEFAULT_GROUP_ARN, "ACTIVE"), (OVERFLOW_GROUP_ARN, "UPDATE_IN_PROGRESS")]
    assert listed(west) == listed(east) == expected
    assert listed(west, InstanceId=WEST_INSTANCE_ARN) == expected
    summary = west.list_traffic_distribution_groups()["TrafficDistributionGroupSummaryList"][0]
    assert summary["InstanceArn"] == f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}"
    # listing does not change addressing: a bare ID from the replica is still not found
    with pytest.raises(ClientError) as exc:
        west.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


# -- list_numbers_of_inactive_groups --------------------------------------------------------------


def numbers_of(client: Any, group_arn: str) -> list[str]:
    numbers = client.list_phone_numbers_v2(TargetArn=group_arn)["ListPhoneNumbersSummaryList"]
    return [n["PhoneNumberId"] for n in numbers]


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "CREATION_FAILED", "PENDING_DELETION"])
def test_by_default_numbers_of_an_inactive_group_are_listed(
    emu: Emulator, east: Any, west: Any, status: str
) -> None:
    emu.set_group_status(OVERFLOW_GROUP, status)
    assert numbers_of(east, OVERFLOW_GROUP_ARN) == numbers_of(west, OVERFLOW_GROUP_ARN) == [NUMBER_OVERFLOW]


def test_off_an_inactive_group_is_refused_and_an_active_one_listed(start_emulator: Any) -> None:
    emu = start_emulator(list_numbers_of_inactive_groups=False, update_in_progress_seconds=30)
    east, west = make_client(emu, EAST), make_client(emu, WEST)
    assert numbers_of(west, OVERFLOW_GROUP_ARN) == [NUMBER_OVERFLOW]
    telephony = {"Distributions": [{"Region": EAST, "Percentage": 40}, {"Region": WEST, "Percentage": 60}]}
    east.update_traffic_distribution(Id=OVERFLOW_GROUP, TelephonyConfig=telephony)  # busy for 30 s
    for client in (east, west):
        with pytest.raises(ClientError) as exc:
            numbers_of(client, OVERFLOW_GROUP_ARN)
        assert error_of(exc) == ("InvalidParameterException", 400)
    assert numbers_of(east, DEFAULT_GROUP_ARN)  # the other group is ACTIVE
    assert len(east.list_phone_numbers_v2(InstanceId=INSTANCE_ID)["ListPhoneNumbersSummaryList"]) == 5


# -- the command line -----------------------------------------------------------------------------


def test_help_names_every_switch_and_its_default() -> None:
    result = CliRunner().invoke(emulator_command, ["--help"], terminal_width=400, max_content_width=400)
    text = " ".join(result.output.split())
    for flag, default in (
        ("--queue-replication", "default: shared"),
        ("--replica-lists-groups / --no-replica-lists-groups", "default: no-replica-lists-groups"),
        (
            "--list-numbers-of-inactive-groups / --no-list-numbers-of-inactive-groups",
            "default: list-numbers-of-inactive-groups",
        ),
        ("--update-in-progress-seconds", "default: 2.0"),
        ("--omitted-fields", "default: keep"),
        ("--outage-hang-seconds", "default: 30.0"),
        ("--down-region", "repeatable"),
    ):
        assert re.search(re.escape(flag) + r".*?" + re.escape(default), text), flag


def test_the_flags_reach_the_emulator() -> None:
    args = [
        "--queue-replication",
        "none",
        "--replica-lists-groups",
        "--no-list-numbers-of-inactive-groups",
        "--update-in-progress-seconds",
        "60",
    ]
    with emulator_process(*args) as (proc, line):
        url = line.split("listening on ", 1)[1].split(" ", 1)[0]
        groups = raw_request(url, "GET", "/traffic-distribution-groups", region=WEST).json()
        assert [g["Id"] for g in groups["TrafficDistributionGroupSummaryList"]] == [
            DEFAULT_GROUP,
            OVERFLOW_GROUP,
        ]
        body = {
            "TelephonyConfig": {
                "Distributions": [{"Region": EAST, "Percentage": 40}, {"Region": WEST, "Percentage": 60}]
            }
        }
        assert raw_request(url, "PUT", f"/traffic-distribution/{OVERFLOW_GROUP}", body).status == 200
        refused = raw_request(url, "POST", "/phone-number/list", {"TargetArn": OVERFLOW_GROUP_ARN})
        assert (refused.status, refused.error_type) == (400, "InvalidParameterException")
        path = f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config"
        write = {"OutboundCallerConfig": {"OutboundCallerIdName": "West only"}}
        assert raw_request(url, "POST", path, write, region=WEST).status == 200
        east_queue = raw_request(
            url, "GET", f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}", region=EAST
        ).json()
        assert east_queue["Queue"]["OutboundCallerConfig"]["OutboundCallerIdName"] == "AnyCompany"
        proc.terminate()
        proc.communicate(timeout=10)
