"""The replica Region serves the replicated instance, and the queue_replication switch.

Same instance ID and resource IDs in both Regions, ARNs naming the Region of the call; queue
reads and UpdateQueueOutboundCallerConfig, ListContactFlows and ListPhoneNumbersV2 all work in
us-west-2. Whether queue config written in one Region shows in the other is undocumented: the
``queue_replication`` option is ``shared`` (default) or ``none``, and both are tested here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.fixture import FixtureError
from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import raw_request

from ..support.demo import (
    ACCOUNT,
    EAST,
    FLOW_SALES,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_2,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
)
from .helpers import error_of, make_client

NUMBER_IN_WEST = "90000000-0000-4000-8000-000000000006"  # claimed to the instance in us-west-2


def arn_prefix(region: str) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:instance/{INSTANCE_ID}"


def with_a_west_number() -> dict[str, Any]:
    fixture = EmulatorState.demo().to_dict()
    fixture["instances"][0]["phoneNumbers"].append(
        {"id": NUMBER_IN_WEST, "number": "+15035550199", "claimedTo": "instance", "region": WEST}
    )
    return fixture


def caller_config(client: Any, queue_id: str = QUEUES["BasicQueue"]) -> dict[str, Any]:
    return dict(
        client.describe_queue(InstanceId=INSTANCE_ID, QueueId=queue_id)["Queue"]["OutboundCallerConfig"]
    )


def update(client: Any, **config: str) -> None:
    client.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"], OutboundCallerConfig=config
    )


# -- the replica serves the instance ------------------------------------------------------------


def test_queue_reads_give_the_same_ids_and_arns_naming_the_replica(east: Any, west: Any) -> None:
    reads: tuple[Callable[[Any], list[tuple[str, str]]], ...] = (
        lambda c: [(q["QueueId"], q["QueueArn"]) for q in c.search_queues(InstanceId=INSTANCE_ID)["Queues"]],
        lambda c: [(q["Id"], q["Arn"]) for q in c.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]],
        lambda c: [
            (f["Id"], f["Arn"])
            for f in c.list_contact_flows(InstanceId=INSTANCE_ID)["ContactFlowSummaryList"]
        ],
    )
    for read in reads:
        in_east, in_west = read(east), read(west)
        assert [i for i, _ in in_east] == [i for i, _ in in_west] and in_east
        assert all(a.startswith(arn_prefix(EAST) + "/") for _, a in in_east)
        assert [a for _, a in in_west] == [a.replace(EAST, WEST, 1) for _, a in in_east]
    queue = west.describe_queue(InstanceId=arn_prefix(WEST), QueueId=QUEUES["BasicQueue"])["Queue"]
    assert queue["QueueArn"] == f"{arn_prefix(WEST)}/queue/{QUEUES['BasicQueue']}"
    assert queue["OutboundCallerConfig"] == caller_config(east)


def test_the_instance_arn_must_name_the_calling_region(west: Any) -> None:
    with pytest.raises(ClientError) as exc:
        west.list_queues(InstanceId=arn_prefix(EAST))
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_list_phone_numbers_in_the_replica_region(start_emulator: Any) -> None:
    emu = start_emulator(with_a_west_number())
    east, west = make_client(emu, EAST), make_client(emu, WEST)
    by_target = west.list_phone_numbers_v2(TargetArn=arn_prefix(WEST))["ListPhoneNumbersSummaryList"]
    assert [(n["PhoneNumberId"], n["PhoneNumberArn"], n["TargetArn"]) for n in by_target] == [
        (NUMBER_IN_WEST, number_arn(NUMBER_IN_WEST, WEST), arn_prefix(WEST))
    ]
    assert [n["PhoneNumberId"] for n in west.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]] == [
        NUMBER_IN_WEST
    ]
    listed = west.list_phone_numbers_v2(InstanceId=INSTANCE_ID)["ListPhoneNumbersSummaryList"]
    assert [n["PhoneNumberId"] for n in listed] == [NUMBER_IN_WEST]
    assert NUMBER_IN_WEST not in {
        n["PhoneNumberId"] for n in east.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]
    }
    # a group's numbers, listed by the group's ARN from the replica Region
    of_group = west.list_phone_numbers_v2(TargetArn=OVERFLOW_GROUP_ARN)["ListPhoneNumbersSummaryList"]
    assert [n["PhoneNumberArn"] for n in of_group] == [number_arn(NUMBER_OVERFLOW, EAST)]
    # a number of the replica Region: its UUID works there, its ARN from both
    update(west, OutboundCallerIdNumberId=NUMBER_IN_WEST)
    update(east, OutboundCallerIdNumberId=number_arn(NUMBER_IN_WEST, WEST))
    with pytest.raises(ClientError) as exc:
        update(east, OutboundCallerIdNumberId=NUMBER_IN_WEST)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize("number", [NUMBER_TOLL_FREE, NUMBER_OVERFLOW])
def test_a_group_number_from_the_replica_region_needs_its_arn(west: Any, number: str) -> None:
    for call in (
        lambda ref: update(west, OutboundCallerIdNumberId=ref),
        lambda ref: west.describe_phone_number(PhoneNumberId=ref),
    ):
        with pytest.raises(ClientError) as exc:
            call(number)
        assert error_of(exc) == ("ResourceNotFoundException", 404)
        call(number_arn(number, EAST))  # the form ListPhoneNumbersV2 returns: no `instance/`
        with pytest.raises(ClientError) as exc:
            call(f"{arn_prefix(EAST)}/phone-number/{number}")
        assert error_of(exc) == ("InvalidParameterException", 400)


# -- queue_replication=shared (default) ---------------------------------------------------------


def test_shared_a_write_in_either_region_is_read_in_both(emu: Emulator, east: Any, west: Any) -> None:
    assert emu.options.queue_replication == "shared"
    update(west, OutboundCallerIdName="Written in west", OutboundFlowId=FLOW_SALES)
    assert caller_config(east)["OutboundCallerIdName"] == "Written in west"
    queue = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"]
    assert queue["LastModifiedRegion"] == WEST
    update(east, OutboundCallerIdNumberId=NUMBER_2)
    assert caller_config(west)["OutboundCallerIdNumberId"] == NUMBER_2
    assert "replica" not in emu.state.to_dict()["instances"][0]["queues"][0]


# -- queue_replication=none ---------------------------------------------------------------------


@pytest.fixture
def separate(start_emulator: Any) -> Emulator:
    emu: Emulator = start_emulator(queue_replication="none")
    return emu


def test_none_each_region_reads_only_its_own_writes(separate: Emulator) -> None:
    east, west = make_client(separate, EAST), make_client(separate, WEST)
    before = caller_config(east)
    update(east, OutboundCallerIdName="East only")
    assert caller_config(east)["OutboundCallerIdName"] == "East only"
    assert caller_config(west) == before  # the source Region's write is not replicated
    update(west, OutboundCallerIdName="West only", OutboundCallerIdNumberId=number_arn(NUMBER_2))
    assert caller_config(west)["OutboundCallerIdName"] == "West only"
    assert caller_config(east) == {**before, "OutboundCallerIdName": "East only"}
    for client, region in ((east, EAST), (west, WEST)):
        searched = {q["QueueId"]: q for q in client.search_queues(InstanceId=INSTANCE_ID)["Queues"]}
        assert searched[QUEUES["BasicQueue"]]["OutboundCallerConfig"] == caller_config(client)
        assert searched[QUEUES["BasicQueue"]]["LastModifiedRegion"] == region
        listed = {q["Id"]: q for q in client.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]}
        assert listed[QUEUES["BasicQueue"]]["LastModifiedRegion"] == region


def test_none_the_dump_shows_both_copies_and_loads_back(separate: Emulator) -> None:
    update(make_client(separate, WEST), OutboundCallerIdName="West only")
    dumped = raw_request(separate, "GET", "/_emulator/state", region=None).json()
    queue = dumped["instances"][0]["queues"][0]
    assert queue["callerIdName"] == "AnyCompany"
    assert queue["replica"]["callerIdName"] == "West only"
    assert queue["replica"]["lastModifiedRegion"] == WEST
    assert queue["replica"]["callerIdNumberId"] == NUMBER_1
    assert EmulatorState.from_dict(dumped).to_dict() == dumped
    assert raw_request(separate, "PUT", "/_emulator/state", dumped, region=None).status == 204
    assert caller_config(make_client(separate, WEST))["OutboundCallerIdName"] == "West only"


def test_none_admin_drift_changes_one_regions_copy(separate: Emulator) -> None:
    east, west = make_client(separate, EAST), make_client(separate, WEST)
    separate.set_queue_caller_config(INSTANCE_ID, QUEUES["BasicQueue"], name="Console in west", region=WEST)
    assert caller_config(west)["OutboundCallerIdName"] == "Console in west"
    assert caller_config(east)["OutboundCallerIdName"] == "AnyCompany"
    path = f"/_emulator/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config"
    resp = raw_request(separate, "POST", path, {"callerIdName": "Console in east"}, region=None)
    assert resp.status == 204
    assert (caller_config(east)["OutboundCallerIdName"], caller_config(west)["OutboundCallerIdName"]) == (
        "Console in east",
        "Console in west",
    )
    bad = raw_request(separate, "POST", path, {"callerIdName": "x", "region": "eu-west-2"}, region=None)
    assert bad.status == 400


def test_shared_admin_drift_with_a_region_changes_the_one_store(emu: Emulator, east: Any) -> None:
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["BasicQueue"], name="Console in west", region=WEST)
    assert caller_config(east)["OutboundCallerIdName"] == "Console in west"


def test_none_read_lag_belongs_to_one_regions_copy(start_emulator: Any) -> None:
    emu = start_emulator(queue_replication="none", read_lag=1)
    east, west = make_client(emu, EAST), make_client(emu, WEST)
    update(west, OutboundCallerIdName="West only")
    assert caller_config(east)["OutboundCallerIdName"] == "AnyCompany"  # not replicated, not lag
    assert caller_config(west)["OutboundCallerIdName"] == "AnyCompany"  # the one lagging read
    assert caller_config(west)["OutboundCallerIdName"] == "West only"


def test_a_fixture_can_plant_a_replica_copy_and_it_is_checked() -> None:
    fixture = EmulatorState.demo().to_dict()
    fixture["instances"][0]["queues"][0]["replica"] = {"callerIdName": "Planted", "outboundFlowId": "nope"}
    with pytest.raises(FixtureError, match=r"queues\[0\]\.replica\.outboundFlowId: no such flow"):
        EmulatorState.from_dict(fixture)
    fixture["instances"][0]["queues"][0]["replica"] = {"callerIdName": "Planted", "colour": "red"}
    with pytest.raises(FixtureError, match=r"queues\[0\]\.replica\.colour: unknown field"):
        EmulatorState.from_dict(fixture)
    no_replica = copy.deepcopy(fixture)
    inst = no_replica["instances"][0]
    del inst["replicaRegion"]
    inst["trafficDistributionGroups"] = []
    inst["phoneNumbers"] = [n for n in inst["phoneNumbers"] if n["claimedTo"] == "instance"]
    inst["queues"] = [{"id": "q", "name": "Q", "replica": {"callerIdName": "Planted"}}]
    with pytest.raises(FixtureError, match="replica copy needs an instance with replicaRegion"):
        EmulatorState.from_dict(no_replica)


def test_a_planted_replica_copy_is_read_only_when_not_replicated(start_emulator: Any) -> None:
    fixture = EmulatorState.demo().to_dict()
    fixture["instances"][0]["queues"][0]["replica"] = {"callerIdName": "Planted"}
    shared = start_emulator(fixture)
    assert caller_config(make_client(shared, WEST))["OutboundCallerIdName"] == "AnyCompany"
    separate = start_emulator(fixture, queue_replication="none")
    assert caller_config(make_client(separate, WEST)) == {"OutboundCallerIdName": "Planted"}


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="queue_replication"):
        Emulator(queue_replication="eventually")
