"""Pagination over a generated fixture: page sizes, tokens, boto3 paginators, bad tokens."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator

from ..support.demo import EAST, WEST
from .helpers import error_of, make_client


def instance_id(big_fixture: dict[str, Any]) -> str:
    return str(big_fixture["instances"][0]["id"])


def test_search_queues_pages_of_500(big_emu: Emulator, big_fixture: dict[str, Any]) -> None:
    client = make_client(big_emu, EAST)
    iid = instance_id(big_fixture)
    pages = list(
        client.get_paginator("search_queues").paginate(InstanceId=iid, PaginationConfig={"PageSize": 500})
    )
    assert [len(p["Queues"]) for p in pages] == [500, 500, 200]
    ids = [q["QueueId"] for p in pages for q in p["Queues"]]
    assert len(set(ids)) == 1200  # STANDARD only; every queue exactly once, in order
    assert ids == [q["id"] for q in big_fixture["instances"][0]["queues"] if q["type"] == "STANDARD"]
    assert pages[0]["ApproximateTotalCount"] == 1200
    assert big_emu.calls()[-1]["operation"] == "SearchQueues"


def test_search_queues_default_page_and_max(big_emu: Emulator, big_fixture: dict[str, Any]) -> None:
    client = make_client(big_emu, EAST)
    first = client.search_queues(InstanceId=instance_id(big_fixture))
    assert len(first["Queues"]) == 100 and "NextToken" in first
    with pytest.raises(ClientError) as exc:
        client.search_queues(InstanceId=instance_id(big_fixture), MaxResults=501)
    assert error_of(exc) == ("InvalidParameterException", 400)


def test_list_queues_pages_of_1000(big_emu: Emulator, big_fixture: dict[str, Any]) -> None:
    client = make_client(big_emu, EAST)
    iid = instance_id(big_fixture)
    pages = list(
        client.get_paginator("list_queues").paginate(InstanceId=iid, PaginationConfig={"PageSize": 1000})
    )
    assert [len(p["QueueSummaryList"]) for p in pages] == [1000, 240]
    agent_pages = list(client.get_paginator("list_queues").paginate(InstanceId=iid, QueueTypes=["AGENT"]))
    assert sum(len(p["QueueSummaryList"]) for p in agent_pages) == 40


def test_list_contact_flows_and_numbers_paginate(big_emu: Emulator, big_fixture: dict[str, Any]) -> None:
    client = make_client(big_emu, EAST)
    iid = instance_id(big_fixture)
    flows = list(
        client.get_paginator("list_contact_flows").paginate(
            InstanceId=iid, PaginationConfig={"PageSize": 1000}
        )
    )
    assert [len(p["ContactFlowSummaryList"]) for p in flows] == [1000, 50]
    numbers = list(
        client.get_paginator("list_phone_numbers_v2").paginate(PaginationConfig={"PageSize": 1000})
    )
    got = [n["PhoneNumberId"] for p in numbers for n in p["ListPhoneNumbersSummaryList"]]
    assert len(numbers) == 2 and len(got) == len(set(got)) == 1500
    # every number's Region is us-east-1 (the instance's, or its group's: groups live there too)
    west_numbers = list(make_client(big_emu, WEST).get_paginator("list_phone_numbers_v2").paginate())
    assert [n for p in west_numbers for n in p["ListPhoneNumbersSummaryList"]] == []


def test_list_traffic_distribution_groups_pages_of_10(big_emu: Emulator) -> None:
    east_pages = list(make_client(big_emu, EAST).get_paginator("list_traffic_distribution_groups").paginate())
    assert [len(p["TrafficDistributionGroupSummaryList"]) for p in east_pages] == [10, 10, 5]
    west_pages = list(make_client(big_emu, WEST).get_paginator("list_traffic_distribution_groups").paginate())
    assert [len(p["TrafficDistributionGroupSummaryList"]) for p in west_pages] == [0]  # homed in us-east-1
    with pytest.raises(ClientError) as exc:
        make_client(big_emu, EAST).list_traffic_distribution_groups(MaxResults=11)
    assert error_of(exc) == ("InvalidRequestException", 400)


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("search_queues", "InvalidRequestException"),
        ("list_queues", "InvalidRequestException"),
        ("list_contact_flows", "InvalidRequestException"),
        ("list_phone_numbers_v2", "InvalidParameterException"),
        ("list_traffic_distribution_groups", "InvalidRequestException"),
    ],
)
def test_invalid_next_token(
    big_emu: Emulator, big_fixture: dict[str, Any], operation: str, code: str
) -> None:
    client = make_client(big_emu, EAST)
    kwargs: dict[str, Any] = {}
    if operation in ("search_queues", "list_queues", "list_contact_flows"):
        kwargs["InstanceId"] = instance_id(big_fixture)
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "k": "nope", "o": 3}).encode()).decode()
    for token in ("garbage!!", forged):
        with pytest.raises(ClientError) as exc:
            getattr(client, operation)(NextToken=token, **kwargs)
        assert error_of(exc) == (code, 400)


def test_token_of_another_listing_is_refused(big_emu: Emulator, big_fixture: dict[str, Any]) -> None:
    client = make_client(big_emu, EAST)
    iid = instance_id(big_fixture)
    token = client.list_queues(InstanceId=iid, MaxResults=5)["NextToken"]
    assert client.list_queues(InstanceId=iid, MaxResults=5, NextToken=token)["QueueSummaryList"]
    with pytest.raises(ClientError) as exc:
        client.list_queues(InstanceId=iid, QueueTypes=["AGENT"], NextToken=token)
    assert error_of(exc) == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as exc:
        client.list_contact_flows(InstanceId=iid, NextToken=token)
    assert error_of(exc) == ("InvalidRequestException", 400)
