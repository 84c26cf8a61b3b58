"""Each read operation against the demo state, through real boto3 clients in both Regions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ..support.demo import (
    ACCOUNT,
    AGENT_QUEUE,
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
)
from .helpers import error_of, make_client

INSTANCE_ARN_EAST = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}"
INSTANCE_ARN_WEST = f"arn:aws:connect:{WEST}:{ACCOUNT}:instance/{INSTANCE_ID}"


def test_describe_instance_from_both_regions(east: Any, west: Any) -> None:
    inst = east.describe_instance(InstanceId=INSTANCE_ID)
    assert inst["Instance"]["Arn"] == INSTANCE_ARN_EAST
    assert inst["Instance"]["InstanceAlias"] == "anycompany-demo"
    assert inst["Instance"]["InstanceStatus"] == "ACTIVE"
    assert isinstance(inst["Instance"]["CreatedTime"], datetime.datetime)
    assert inst["ReplicationConfiguration"]["SourceRegion"] == EAST
    replica = west.describe_instance(InstanceId=INSTANCE_ARN_WEST)
    assert replica["Instance"]["Arn"] == INSTANCE_ARN_WEST


def test_instance_arn_must_name_the_calling_region(west: Any, east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        west.describe_instance(InstanceId=INSTANCE_ARN_EAST)
    assert error_of(exc) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as exc:
        east.describe_instance(InstanceId="4a1b2c3d-0000-4000-8000-00000000ffff")
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_instance_not_visible_from_unrelated_region(emu: Any) -> None:
    with pytest.raises(ClientError) as exc:
        make_client(emu, "eu-west-2").describe_instance(InstanceId=INSTANCE_ID)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_list_contact_flows_with_type_filter(east: Any) -> None:
    flows = east.list_contact_flows(InstanceId=INSTANCE_ID)["ContactFlowSummaryList"]
    assert len(flows) == 5
    whispers = east.list_contact_flows(InstanceId=INSTANCE_ID, ContactFlowTypes=["OUTBOUND_WHISPER"])
    names = [f["Name"] for f in whispers["ContactFlowSummaryList"]]
    assert names == ["Default outbound", "Sales outbound whisper", "Support outbound whisper"]
    first = whispers["ContactFlowSummaryList"][0]
    assert first["Arn"] == f"{INSTANCE_ARN_EAST}/contact-flow/{first['Id']}"
    assert first["ContactFlowState"] == "ACTIVE"


def test_list_queues_types(east: Any) -> None:
    everything = east.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]
    assert len(everything) == 14
    agents = east.list_queues(InstanceId=INSTANCE_ID, QueueTypes=["AGENT"])["QueueSummaryList"]
    assert [q["Id"] for q in agents] == [AGENT_QUEUE, "0e000000-0000-4000-8000-0000000000a2"]
    assert all("Name" not in q for q in agents)
    standard = east.list_queues(InstanceId=INSTANCE_ID, QueueTypes=["STANDARD"])["QueueSummaryList"]
    assert len(standard) == 12 and standard[0]["Name"] == "BasicQueue"
    assert standard[0]["Arn"] == f"{INSTANCE_ARN_EAST}/queue/{QUEUES['BasicQueue']}"


def test_describe_queue(east: Any, west: Any) -> None:
    queue = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"]
    assert queue["Name"] == "BasicQueue"
    assert queue["OutboundCallerConfig"] == {
        "OutboundCallerIdName": "AnyCompany",
        "OutboundCallerIdNumberId": NUMBER_1,
        "OutboundFlowId": "f0000000-0000-4000-8000-000000000001",
    }
    assert queue["Status"] == "ENABLED" and queue["Tags"] == {}
    assert isinstance(queue["LastModifiedTime"], datetime.datetime)
    assert (
        east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["Callbacks"])["Queue"][
            "OutboundCallerConfig"
        ]
        == {}
    )
    replica = west.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"]
    assert replica["QueueArn"] == f"{INSTANCE_ARN_WEST}/queue/{QUEUES['BasicQueue']}"
    agent = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=AGENT_QUEUE)["Queue"]
    assert "Name" not in agent
    with pytest.raises(ClientError) as exc:
        east.describe_queue(InstanceId=INSTANCE_ID, QueueId="0e000000-0000-4000-8000-00000000dead")
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_search_queues_returns_standard_queues_with_caller_config(east: Any) -> None:
    result = east.search_queues(InstanceId=INSTANCE_ID)
    queues = result["Queues"]
    assert len(queues) == 12 and result["ApproximateTotalCount"] == 12
    by_id = {q["QueueId"]: q for q in queues}
    assert AGENT_QUEUE not in by_id
    # stored as an ARN in the fixture: returned as stored
    assert by_id[QUEUES["VIP"]]["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == number_arn(
        NUMBER_TOLL_FREE
    )
    assert by_id[QUEUES["Callbacks"]]["OutboundCallerConfig"] == {}


def test_search_queues_criteria(east: Any) -> None:
    def names(criteria: dict[str, Any], **kw: Any) -> list[str]:
        return [
            q["Name"]
            for q in east.search_queues(InstanceId=INSTANCE_ID, SearchCriteria=criteria, **kw)["Queues"]
        ]

    assert names({"StringCondition": {"FieldName": "name", "Value": "Sales", "ComparisonType": "EXACT"}}) == [
        "Sales"
    ]
    assert names(
        {"StringCondition": {"FieldName": "name", "Value": "sup", "ComparisonType": "CONTAINS"}}
    ) == [
        "Support",
        "Tech Support",
    ]
    either = {
        "OrConditions": [
            {"StringCondition": {"FieldName": "name", "Value": "VIP", "ComparisonType": "EXACT"}},
            {
                "StringCondition": {
                    "FieldName": "resourceID",
                    "Value": QUEUES["BasicQueue"],
                    "ComparisonType": "EXACT",
                }
            },
        ]
    }
    assert names(either) == ["BasicQueue", "VIP"]
    assert len(names({"QueueTypeCondition": "STANDARD"})) == 12
    with pytest.raises(ClientError) as exc:
        names({"StringCondition": {"FieldName": "colour", "Value": "x", "ComparisonType": "EXACT"}})
    assert error_of(exc) == ("InvalidParameterException", 400)


def test_traffic_distribution_groups_listed_in_their_home_region(east: Any, west: Any) -> None:
    listed_east = east.list_traffic_distribution_groups()["TrafficDistributionGroupSummaryList"]
    assert [(g["Id"], g["IsDefault"], g["Status"]) for g in listed_east] == [
        (DEFAULT_GROUP, True, "ACTIVE"),
        (OVERFLOW_GROUP, False, "ACTIVE"),
    ]
    assert [g["Arn"] for g in listed_east] == [DEFAULT_GROUP_ARN, OVERFLOW_GROUP_ARN]
    assert listed_east[0]["InstanceArn"] == INSTANCE_ARN_EAST
    # every group is homed in the source Region: the replica Region lists none (by default)
    listed_west = west.list_traffic_distribution_groups(InstanceId=INSTANCE_ID)
    assert listed_west["TrafficDistributionGroupSummaryList"] == []


def test_describe_and_get_traffic_distribution(east: Any, west: Any) -> None:
    group = east.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
    assert group["TrafficDistributionGroup"]["Name"] == "anycompany-default"
    assert group["TrafficDistributionGroup"]["IsDefault"] is True
    dist = east.get_traffic_distribution(Id=DEFAULT_GROUP)
    assert dist["Id"] == DEFAULT_GROUP and dist["Arn"] == DEFAULT_GROUP_ARN
    assert dist["TelephonyConfig"]["Distributions"] == [
        {"Region": EAST, "Percentage": 100},
        {"Region": WEST, "Percentage": 0},
    ]
    assert dist["SignInConfig"]["Distributions"] == [
        {"Region": EAST, "Enabled": True},
        {"Region": WEST, "Enabled": False},
    ]
    assert "LastFailoverTime" not in dist
    overflow = west.get_traffic_distribution(Id=OVERFLOW_GROUP_ARN)
    assert "SignInConfig" not in overflow
    assert overflow["AgentConfig"]["Distributions"][0] == {"Region": EAST, "Percentage": 50}


def test_list_phone_numbers_by_target(east: Any, west: Any) -> None:
    claimed = east.list_phone_numbers_v2(TargetArn=INSTANCE_ARN_EAST)["ListPhoneNumbersSummaryList"]
    assert [n["PhoneNumberId"][-1] for n in claimed] == ["1", "2", "3"]
    assert claimed[0]["PhoneNumberArn"] == number_arn(NUMBER_1)
    assert claimed[0]["TargetArn"] == INSTANCE_ARN_EAST
    assert claimed[0]["InstanceId"] == INSTANCE_ID
    # a group ARN lists the group's numbers, from either Region of the pair
    for client in (east, west):
        numbers = client.list_phone_numbers_v2(TargetArn=OVERFLOW_GROUP_ARN)["ListPhoneNumbersSummaryList"]
        assert [(n["PhoneNumberId"], n["PhoneNumberArn"], n["TargetArn"]) for n in numbers] == [
            (NUMBER_OVERFLOW, number_arn(NUMBER_OVERFLOW), OVERFLOW_GROUP_ARN)
        ]
    by_instance = east.list_phone_numbers_v2(InstanceId=INSTANCE_ID)["ListPhoneNumbersSummaryList"]
    assert len(by_instance) == 5  # R = us-east-1: three instance numbers and the two groups'
    # no number of the demo has its Region in us-west-2
    assert west.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"] == []


def test_list_phone_numbers_filters(east: Any) -> None:
    def ids(**kw: Any) -> list[str]:
        return [n["PhoneNumber"] for n in east.list_phone_numbers_v2(**kw)["ListPhoneNumbersSummaryList"]]

    assert ids(PhoneNumberTypes=["TOLL_FREE"]) == ["+18885550199"]
    assert ids(PhoneNumberPrefix="+1206") == ["+12065550100", "+12065550101", "+12065550102"]
    assert ids(PhoneNumberPrefix="1888") == ["+18885550199"]
    assert ids(PhoneNumberCountryCodes=["GB"]) == []


def test_list_phone_numbers_bad_targets(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        east.list_phone_numbers_v2(TargetArn="not-an-arn")
    assert error_of(exc) == ("InvalidParameterException", 400)
    unknown = (
        f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/7d000000-0000-4000-8000-00000000ffff"
    )
    with pytest.raises(ClientError) as exc:
        east.list_phone_numbers_v2(TargetArn=unknown)
    assert error_of(exc) == ("ResourceNotFoundException", 404)


def test_describe_phone_number_addressing(east: Any, west: Any) -> None:
    summary = east.describe_phone_number(PhoneNumberId=NUMBER_1)["ClaimedPhoneNumberSummary"]
    assert summary["PhoneNumber"] == "+12065550100"
    assert summary["PhoneNumberStatus"] == {"Status": "CLAIMED"}
    assert summary["TargetArn"] == INSTANCE_ARN_EAST
    # a number of a group (homed in us-east-1): UUID only in us-east-1, ARN from both
    assert east.describe_phone_number(PhoneNumberId=NUMBER_OVERFLOW)["ClaimedPhoneNumberSummary"]
    arn = number_arn(NUMBER_OVERFLOW)
    assert west.describe_phone_number(PhoneNumberId=arn)["ClaimedPhoneNumberSummary"]["PhoneNumberArn"] == arn
    with pytest.raises(ClientError) as exc:
        west.describe_phone_number(PhoneNumberId=NUMBER_OVERFLOW)
    assert error_of(exc) == ("ResourceNotFoundException", 404)
