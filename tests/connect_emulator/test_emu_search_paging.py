"""Queue listings paged across many queues: every match exactly once, in order, through changes.

The emulator pages queue listings by scanning from a position recorded in the token (see
``resources.paginate_scan``), and SearchQueues caches its match count between pages. These tests
pin what that must not change: the pages of a listing are the one-shot result cut into pieces,
writes between pages neither skip nor repeat a queue, a replaced state resumes at the queue the
token points to, ``ApproximateTotalCount`` follows the state, and a token only continues the
listing (operation, Region, criteria, filter) it came from.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from connect_emulator.state import Queue
from connect_emulator.testing import running_emulator

from ..support.demo import EAST, WEST
from .helpers import error_of, make_client

STANDARD = {"QueueTypeCondition": "STANDARD"}


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    """600 STANDARD queues with an AGENT queue after every tenth, some tagged."""
    data = generate_fixture(queues=600, flows=20, numbers=30, groups=2, seed=11, agent_queues=60)
    queues = data["instances"][0]["queues"]
    standard = [q for q in queues if q["type"] == "STANDARD"]
    agents = [q for q in queues if q["type"] == "AGENT"]
    mixed: list[dict[str, Any]] = []
    for i, q in enumerate(standard):
        if i % 3 == 0:
            q["tags"] = {"team": "blue" if i % 2 else "red"}
        mixed.append(q)
        if i % 10 == 9:
            mixed.append(agents[i // 10])
    data["instances"][0]["queues"] = mixed
    return data


@pytest.fixture
def emu(fixture: dict[str, Any]) -> Iterator[Emulator]:
    with running_emulator(copy.deepcopy(fixture)) as running:
        yield running


def instance_id(fixture: dict[str, Any]) -> str:
    return str(fixture["instances"][0]["id"])


def standard_ids(fixture: dict[str, Any]) -> list[str]:
    return [q["id"] for q in fixture["instances"][0]["queues"] if q["type"] == "STANDARD"]


def test_pages_with_writes_between_return_every_queue_once(emu: Emulator, fixture: dict[str, Any]) -> None:
    client = make_client(emu, EAST)
    iid = instance_id(fixture)
    expected = standard_ids(fixture)
    kwargs: dict[str, Any] = {"InstanceId": iid, "MaxResults": 70, "SearchCriteria": STANDARD}
    got: list[str] = []
    renamed: dict[str, str] = {}
    pages = 0
    while True:
        page = client.search_queues(**kwargs)
        pages += 1
        assert page["ApproximateTotalCount"] == len(expected)
        for queue in page["Queues"]:
            got.append(queue["QueueId"])
            if queue["QueueId"] in renamed:  # a later page shows writes made before it
                assert queue["OutboundCallerConfig"]["OutboundCallerIdName"] == renamed[queue["QueueId"]]
        if "NextToken" not in page:
            break
        # Between pages: an API write to a queue still to come and an admin change to one already read.
        ahead = expected[min(len(got) + 5, len(expected) - 1)]
        renamed[ahead] = f"Renamed {pages}"
        client.update_queue_outbound_caller_config(
            InstanceId=iid, QueueId=ahead, OutboundCallerConfig={"OutboundCallerIdName": renamed[ahead]}
        )
        emu.set_queue_caller_config(iid, got[0], name=f"Drift {pages}")
        kwargs["NextToken"] = page["NextToken"]
    assert got == expected
    assert pages == 9  # 8 full pages of 70 and the last 40, which carries no token


def test_pages_equal_the_one_shot_result_for_criteria_and_tags(
    emu: Emulator, fixture: dict[str, Any]
) -> None:
    client = make_client(emu, EAST)
    iid = instance_id(fixture)
    queues = [q for q in fixture["instances"][0]["queues"] if q["type"] == "STANDARD"]
    cases: list[tuple[dict[str, Any], dict[str, Any], list[str]]] = [
        (
            {"StringCondition": {"FieldName": "name", "Value": "7", "ComparisonType": "CONTAINS"}},
            {},
            [q["id"] for q in queues if "7" in q["name"]],
        ),
        (
            {},
            {"TagFilter": {"TagCondition": {"TagKey": "team", "TagValue": "blue"}}},
            [q["id"] for q in queues if q.get("tags", {}).get("team") == "blue"],
        ),
    ]
    for criteria, search_filter, expected in cases:
        pages = list(
            client.get_paginator("search_queues").paginate(
                InstanceId=iid,
                SearchCriteria=criteria,
                SearchFilter=search_filter,
                PaginationConfig={"PageSize": 13},
            )
        )
        assert [q["QueueId"] for p in pages for q in p["Queues"]] == expected
        assert {p["ApproximateTotalCount"] for p in pages} == {len(expected)}
        assert len(pages) == -(-len(expected) // 13)


def test_list_queues_pages_skip_other_types(emu: Emulator, fixture: dict[str, Any]) -> None:
    client = make_client(emu, EAST)
    iid = instance_id(fixture)
    queues = fixture["instances"][0]["queues"]
    for types, size in ((["AGENT"], 7), (["STANDARD", "AGENT"], 100)):
        pages = list(
            client.get_paginator("list_queues").paginate(
                InstanceId=iid, QueueTypes=types, PaginationConfig={"PageSize": size}
            )
        )
        got = [s["Id"] for p in pages for s in p["QueueSummaryList"]]
        assert got == [q["id"] for q in queues if q["type"] in types]
        assert "NextToken" not in pages[-1] and len(pages) == -(-len(got) // size)


def test_replaced_state_resumes_at_the_token_queue(emu: Emulator, fixture: dict[str, Any]) -> None:
    client = make_client(emu, EAST)
    iid = instance_id(fixture)
    expected = standard_ids(fixture)
    first = client.search_queues(InstanceId=iid, MaxResults=100, SearchCriteria=STANDARD)
    read = [q["QueueId"] for q in first["Queues"]]
    # The new state lacks the first 50 queues (all read already): the rest must neither be
    # skipped nor repeated, and the count follows the new state.
    smaller = copy.deepcopy(fixture)
    smaller["instances"][0]["queues"] = smaller["instances"][0]["queues"][50:]
    emu.replace_state(smaller)
    remaining = [q["id"] for q in smaller["instances"][0]["queues"] if q["type"] == "STANDARD"]
    kwargs: dict[str, Any] = {"InstanceId": iid, "MaxResults": 100, "SearchCriteria": STANDARD}
    token = first["NextToken"]
    while token:
        page = client.search_queues(NextToken=token, **kwargs)
        assert page["ApproximateTotalCount"] == len(remaining)
        read += [q["QueueId"] for q in page["Queues"]]
        token = page.get("NextToken")
    assert read == expected


def test_queue_added_between_pages_is_listed_and_counted(emu: Emulator, fixture: dict[str, Any]) -> None:
    client = make_client(emu, EAST)
    iid = instance_id(fixture)
    expected = standard_ids(fixture)
    kwargs: dict[str, Any] = {"InstanceId": iid, "MaxResults": 250, "SearchCriteria": STANDARD}
    first = client.search_queues(**kwargs)
    with emu.state.lock:
        emu.state.instances[0].queues.append(
            Queue(id="0e000000-0000-4000-8000-0000000a0001", name="Late", type="STANDARD")
        )
    read = [q["QueueId"] for q in first["Queues"]]
    token = first["NextToken"]
    while token:
        page = client.search_queues(NextToken=token, **kwargs)
        assert page["ApproximateTotalCount"] == len(expected) + 1
        read += [q["QueueId"] for q in page["Queues"]]
        token = page.get("NextToken")
    assert read == [*expected, "0e000000-0000-4000-8000-0000000a0001"]


def test_token_continues_only_its_own_listing(emu: Emulator, fixture: dict[str, Any]) -> None:
    east, west = make_client(emu, EAST), make_client(emu, WEST)
    iid = instance_id(fixture)
    token = east.search_queues(InstanceId=iid, MaxResults=10, SearchCriteria=STANDARD)["NextToken"]
    assert (
        len(
            east.search_queues(InstanceId=iid, MaxResults=10, SearchCriteria=STANDARD, NextToken=token)[
                "Queues"
            ]
        )
        == 10
    )
    name_search = {
        "StringCondition": {"FieldName": "name", "Value": "Queue", "ComparisonType": "STARTS_WITH"}
    }
    tagged = {"TagFilter": {"TagCondition": {"TagKey": "team", "TagValue": "red"}}}
    refused: list[tuple[Any, dict[str, Any]]] = [
        (east, {"SearchCriteria": name_search}),  # other criteria
        (east, {"SearchCriteria": STANDARD, "SearchFilter": tagged}),  # other tag filter
        (east, {}),  # no criteria is another listing too
        (west, {"SearchCriteria": STANDARD}),  # the same listing from the other Region
    ]
    for client, kwargs in refused:
        with pytest.raises(ClientError) as exc:
            client.search_queues(InstanceId=iid, NextToken=token, **kwargs)
        assert error_of(exc) == ("InvalidRequestException", 400)
    list_token = east.list_queues(InstanceId=iid, MaxResults=10, QueueTypes=["STANDARD"])["NextToken"]
    with pytest.raises(ClientError) as exc:
        east.search_queues(InstanceId=iid, NextToken=list_token, SearchCriteria=STANDARD)
    assert error_of(exc) == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as exc:
        east.list_queues(InstanceId=iid, NextToken=token, QueueTypes=["STANDARD"])
    assert error_of(exc) == ("InvalidRequestException", 400)
