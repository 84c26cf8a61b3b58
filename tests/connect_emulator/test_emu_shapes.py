"""Shape agreement: every emulated response uses only members of botocore's output shape.

For each emulated operation a representative request is sent raw (so nothing is dropped by
botocore's parser) and the JSON is walked against the operation's output shape: no unknown
members anywhere, required members present, scalar types and enum values as modeled.
"""

from __future__ import annotations

from typing import Any

import botocore.loaders
import pytest
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from connect_emulator.ops import EMULATED_OPERATIONS
from connect_emulator.server import Emulator
from connect_emulator.testing import raw_request

from ..support.demo import DEFAULT_GROUP, INSTANCE_ID, NUMBER_1, QUEUES

MODEL = ServiceModel(botocore.loaders.create_loader().load_service_model("connect", "service-2"), "connect")

CASES: dict[str, tuple[str, str, Any]] = {
    "ListTrafficDistributionGroups": ("GET", "/traffic-distribution-groups?maxResults=10", None),
    "DescribeTrafficDistributionGroup": ("GET", f"/traffic-distribution-group/{DEFAULT_GROUP}", None),
    "GetTrafficDistribution": ("GET", f"/traffic-distribution/{DEFAULT_GROUP}", None),
    "UpdateTrafficDistribution": (
        "PUT",
        f"/traffic-distribution/{DEFAULT_GROUP}",
        {
            "TelephonyConfig": {
                "Distributions": [
                    {"Region": "us-east-1", "Percentage": 90},
                    {"Region": "us-west-2", "Percentage": 10},
                ]
            }
        },
    ),
    "SearchQueues": ("POST", "/search-queues", {"InstanceId": INSTANCE_ID, "MaxResults": 3}),
    "ListQueues": ("GET", f"/queues-summary/{INSTANCE_ID}?maxResults=20", None),
    "DescribeQueue": ("GET", f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}", None),
    "UpdateQueueOutboundCallerConfig": (
        "POST",
        f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config",
        {"OutboundCallerConfig": {"OutboundCallerIdName": "X"}},
    ),
    "ListPhoneNumbersV2": ("POST", "/phone-number/list", {"MaxResults": 2}),
    "DescribePhoneNumber": ("GET", f"/phone-number/{NUMBER_1}", None),
    "ListContactFlows": ("GET", f"/contact-flows-summary/{INSTANCE_ID}?maxResults=2", None),
    "DescribeInstance": ("GET", f"/instance/{INSTANCE_ID}", None),
}


def check(shape: Shape, value: Any, where: str, problems: list[str]) -> None:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object")
            return
        for key in value:
            if key not in shape.members:
                problems.append(f"{where}.{key}: not a member of {shape.name}")
        for key in shape.required_members:
            if key not in value:
                problems.append(f"{where}.{key}: required member missing")
        for key, member in shape.members.items():
            if key in value:
                check(member, value[key], f"{where}.{key}", problems)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list")
            return
        for i, item in enumerate(value):
            check(shape.member, item, f"{where}[{i}]", problems)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a map")
            return
        for key, item in value.items():
            check(shape.value, item, f"{where}[{key}]", problems)
    else:
        expected: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "integer": (int,),
            "long": (int,),
            "boolean": (bool,),
            "timestamp": (int, float),
            "double": (int, float),
        }
        types = expected.get(shape.type_name)
        if types and (
            not isinstance(value, types) or (shape.type_name != "boolean" and isinstance(value, bool))
        ):
            problems.append(f"{where}: {value!r} is not a {shape.type_name}")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(f"{where}: {value!r} not in enum {shape.name}")


def test_every_emulated_operation_has_a_case() -> None:
    assert set(CASES) == set(EMULATED_OPERATIONS)


@pytest.mark.parametrize("operation", sorted(CASES))
def test_response_matches_output_shape(emu: Emulator, operation: str) -> None:
    method, path, body = CASES[operation]
    resp = raw_request(emu, method, path, body)
    assert resp.status == 200, resp.body
    assert emu.calls()[-1]["operation"] == operation  # the route resolved to the intended operation
    output = MODEL.operation_model(operation).output_shape
    doc = resp.json()
    if output is None:
        assert doc in (None, {})
        return
    problems: list[str] = []
    check(output, doc or {}, operation, problems)
    assert problems == []
    assert doc or not output.members, f"{operation} returned an empty body"
