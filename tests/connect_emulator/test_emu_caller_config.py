"""UpdateQueueOutboundCallerConfig: lookups, empty values, number addressing, omitted fields."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import raw_request

from ..support.demo import (
    ACCOUNT,
    EAST,
    FLOW_DEFAULT,
    FLOW_SALES,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_2,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    QUEUES,
    WEST,
    number_arn,
)
from .helpers import error_of, make_client

CONFIG_PATH = f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config"


def caller_config(client: Any, queue_id: str = QUEUES["BasicQueue"]) -> dict[str, Any]:
    return dict(
        client.describe_queue(InstanceId=INSTANCE_ID, QueueId=queue_id)["Queue"]["OutboundCallerConfig"]
    )


def update(client: Any, queue_id: str = QUEUES["BasicQueue"], **config: str) -> None:
    client.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID, QueueId=queue_id, OutboundCallerConfig=config
    )


def test_full_update(east: Any) -> None:
    update(
        east, OutboundCallerIdName="New Name", OutboundCallerIdNumberId=NUMBER_2, OutboundFlowId=FLOW_SALES
    )
    assert caller_config(east) == {
        "OutboundCallerIdName": "New Name",
        "OutboundCallerIdNumberId": NUMBER_2,
        "OutboundFlowId": FLOW_SALES,
    }
    queue = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"]
    assert queue["LastModifiedRegion"] == EAST


def test_number_arn_is_stored_as_the_uuid(east: Any) -> None:
    update(east, OutboundCallerIdNumberId=number_arn(NUMBER_2))
    assert caller_config(east)["OutboundCallerIdNumberId"] == NUMBER_2


@pytest.mark.parametrize(
    ("queue_id", "config"),
    [
        ("0e000000-0000-4000-8000-00000000dead", {"OutboundCallerIdName": "x"}),
        (QUEUES["BasicQueue"], {"OutboundFlowId": "f0000000-0000-4000-8000-00000000dead"}),
        (QUEUES["BasicQueue"], {"OutboundCallerIdNumberId": "90000000-0000-4000-8000-00000000dead"}),
        (
            QUEUES["BasicQueue"],
            {"OutboundCallerIdNumberId": number_arn("90000000-0000-4000-8000-00000000dead")},
        ),
    ],
)
def test_unknown_queue_flow_or_number_is_not_found(east: Any, queue_id: str, config: dict[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        update(east, queue_id, **config)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_unknown_instance_is_not_found(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        east.update_queue_outbound_caller_config(
            InstanceId="4a1b2c3d-0000-4000-8000-00000000ffff",
            QueueId=QUEUES["BasicQueue"],
            OutboundCallerConfig={"OutboundCallerIdName": "x"},
        )
    assert error_of(exc) == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize("field", ["OutboundCallerIdNumberId", "OutboundFlowId"])
def test_empty_ids_are_invalid_parameter(east: Any, field: str) -> None:
    with pytest.raises(ClientError) as exc:
        update(east, **{field: ""})
    assert error_of(exc) == ("InvalidParameterException", 400)
    assert caller_config(east)["OutboundCallerIdName"] == "AnyCompany"


def test_empty_name_is_invalid_parameter_on_the_server(emu: Emulator) -> None:
    # botocore refuses a name shorter than 1 client-side, so send the request raw
    resp = raw_request(emu, "POST", CONFIG_PATH, {"OutboundCallerConfig": {"OutboundCallerIdName": ""}})
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    resp = raw_request(emu, "POST", CONFIG_PATH, {"OutboundCallerConfig": {"OutboundCallerIdName": "  "}})
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")


def test_missing_config_is_invalid_parameter(emu: Emulator) -> None:
    resp = raw_request(emu, "POST", CONFIG_PATH, {})
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    assert "must not be null" in resp.json()["Message"]


@pytest.mark.parametrize("number", [NUMBER_TOLL_FREE, NUMBER_OVERFLOW])
def test_uuid_of_a_group_number_from_the_other_region_is_not_found(east: Any, west: Any, number: str) -> None:
    # the API reference: from the Region other than the group's, only the full ARN works
    with pytest.raises(ClientError) as exc:
        update(west, OutboundCallerIdNumberId=number)
    assert error_of(exc) == ("ResourceNotFoundException", 404)
    update(west, OutboundCallerIdNumberId=number_arn(number))
    assert caller_config(west)["OutboundCallerIdNumberId"] == number  # stored as the UUID
    # the group's home Region takes either form
    update(east, OutboundCallerIdNumberId=NUMBER_2)
    update(east, OutboundCallerIdNumberId=number)
    update(east, OutboundCallerIdNumberId=number_arn(number))
    assert caller_config(east)["OutboundCallerIdNumberId"] == number


def test_uuid_of_an_instance_number_from_the_replica_region_is_not_found(west: Any) -> None:
    # undocumented; the emulator reads strictly: a UUID resolves only in the number's Region
    with pytest.raises(ClientError) as exc:
        update(west, OutboundCallerIdNumberId=NUMBER_1)
    assert error_of(exc) == ("ResourceNotFoundException", 404)
    update(west, OutboundCallerIdNumberId=number_arn(NUMBER_1))


def test_arn_with_wrong_region_is_not_found(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        update(east, OutboundCallerIdNumberId=number_arn(NUMBER_OVERFLOW, WEST))
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_instance_form_of_number_arn_is_invalid_parameter(east: Any) -> None:
    old_form = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}/phone-number/{NUMBER_1}"
    with pytest.raises(ClientError) as exc:
        update(east, OutboundCallerIdNumberId=old_form)
    assert error_of(exc) == ("InvalidParameterException", 400)


def test_number_of_another_instance_is_not_found(start_emulator: Any) -> None:
    fixture = EmulatorState.demo().to_dict()
    second = copy.deepcopy(fixture["instances"][0])
    second["id"] = "4a1b2c3d-0000-4000-8000-000000000002"
    second["alias"] = "second"
    second["trafficDistributionGroups"] = []
    second["phoneNumbers"] = [
        {"id": "91000000-0000-4000-8000-000000000001", "number": "+12065550999", "claimedTo": "instance"}
    ]
    second["queues"] = []
    fixture["instances"].append(second)
    emu = start_emulator(fixture)
    east = make_client(emu, EAST)
    with pytest.raises(ClientError) as exc:
        update(east, OutboundCallerIdNumberId="91000000-0000-4000-8000-000000000001")
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_omitted_fields_kept_by_default(east: Any) -> None:
    update(east, OutboundCallerIdName="Only Name")
    assert caller_config(east) == {
        "OutboundCallerIdName": "Only Name",
        "OutboundCallerIdNumberId": NUMBER_1,
        "OutboundFlowId": FLOW_DEFAULT,
    }


def test_omitted_fields_cleared_in_clear_mode(start_emulator: Any) -> None:
    emu = start_emulator(omitted_fields="clear")
    east = make_client(emu, EAST)
    update(east, OutboundCallerIdName="Only Name")
    assert caller_config(east) == {"OutboundCallerIdName": "Only Name"}
    update(east, QUEUES["Callbacks"], OutboundCallerIdNumberId=NUMBER_2, OutboundFlowId=FLOW_SALES)
    assert caller_config(east, QUEUES["Callbacks"]) == {
        "OutboundCallerIdNumberId": NUMBER_2,
        "OutboundFlowId": FLOW_SALES,
    }


def test_flow_arn_is_accepted_and_stored_as_id(east: Any) -> None:
    flow_arn = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}/contact-flow/{FLOW_SALES}"
    update(east, OutboundFlowId=flow_arn)
    assert caller_config(east)["OutboundFlowId"] == FLOW_SALES
