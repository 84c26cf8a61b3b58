"""Every served operation answers only the errors botocore's model lists for it.

One battery of failing requests per operation (unknown resources, the wrong Region's address,
groups that are not ACTIVE, invalid values and bodies, bad tokens), plus throttling by quota and
by fault, is sent raw, so that nothing is refused client-side; then every error in the call
log is checked against ``error_shapes`` of its operation's model. The only other answers
allowed are the unmodelled 5xx/connection failures that no client may assume away (503
ServiceUnavailableException, for a throttled DescribeInstance, which models no throttling).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

import pytest

from connect_emulator.model import modelled_errors, service_model
from connect_emulator.ops import EMULATED_OPERATIONS
from connect_emulator.server import Emulator
from connect_emulator.testing import raw_request, running_emulator

from ..support.demo import (
    ACCOUNT,
    DEFAULT_GROUP,
    EAST,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    QUEUES,
    WEST,
    number_arn,
)

GHOST = "4a1b2c3d-0000-4000-8000-00000000ffff"
NO_QUEUE = "0e000000-0000-4000-8000-00000000dead"
NO_GROUP = "7d000000-0000-4000-8000-00000000ffff"
BAD_TOKEN = "bm90LWEtdG9rZW4"
WEST_INSTANCE_ARN = f"arn:aws:connect:{WEST}:{ACCOUNT}:instance/{INSTANCE_ID}"
GROUP_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/"


def split(east: int, west: int) -> dict[str, Any]:
    return {"Distributions": [{"Region": EAST, "Percentage": east}, {"Region": WEST, "Percentage": west}]}


def caller(**config: Any) -> dict[str, Any]:
    return {"OutboundCallerConfig": config}


#: (operation, method, path, body, Region): requests that must fail.
FAILING: list[tuple[str, str, str, Any, str]] = [
    # ListTrafficDistributionGroups
    ("ListTrafficDistributionGroups", "GET", f"/traffic-distribution-groups?instanceId={GHOST}", None, EAST),
    (
        "ListTrafficDistributionGroups",
        "GET",
        "/traffic-distribution-groups?instanceId=" + quote(WEST_INSTANCE_ARN, safe=""),
        None,
        EAST,
    ),
    (
        "ListTrafficDistributionGroups",
        "GET",
        f"/traffic-distribution-groups?nextToken={BAD_TOKEN}",
        None,
        EAST,
    ),
    ("ListTrafficDistributionGroups", "GET", "/traffic-distribution-groups?maxResults=11", None, EAST),
    # DescribeTrafficDistributionGroup
    ("DescribeTrafficDistributionGroup", "GET", f"/traffic-distribution-group/{NO_GROUP}", None, EAST),
    ("DescribeTrafficDistributionGroup", "GET", f"/traffic-distribution-group/{DEFAULT_GROUP}", None, WEST),
    ("DescribeTrafficDistributionGroup", "GET", "/traffic-distribution-group/not-a-uuid", None, EAST),
    # GetTrafficDistribution (OVERFLOW_GROUP is made busy below)
    ("GetTrafficDistribution", "GET", f"/traffic-distribution/{NO_GROUP}", None, EAST),
    ("GetTrafficDistribution", "GET", f"/traffic-distribution/{DEFAULT_GROUP}", None, WEST),
    ("GetTrafficDistribution", "GET", f"/traffic-distribution/{OVERFLOW_GROUP}", None, EAST),
    ("GetTrafficDistribution", "GET", "/traffic-distribution/x", None, EAST),
    # UpdateTrafficDistribution
    (
        "UpdateTrafficDistribution",
        "PUT",
        f"/traffic-distribution/{NO_GROUP}",
        {"TelephonyConfig": split(50, 50)},
        EAST,
    ),
    (
        "UpdateTrafficDistribution",
        "PUT",
        f"/traffic-distribution/{DEFAULT_GROUP}",
        {"TelephonyConfig": split(50, 50)},
        WEST,
    ),
    (
        "UpdateTrafficDistribution",
        "PUT",
        f"/traffic-distribution/{OVERFLOW_GROUP}",
        {"TelephonyConfig": split(50, 50)},
        EAST,
    ),
    (
        "UpdateTrafficDistribution",
        "PUT",
        f"/traffic-distribution/{DEFAULT_GROUP}",
        {"TelephonyConfig": split(55, 45)},
        EAST,
    ),
    ("UpdateTrafficDistribution", "PUT", f"/traffic-distribution/{DEFAULT_GROUP}", {}, EAST),
    ("UpdateTrafficDistribution", "PUT", f"/traffic-distribution/{DEFAULT_GROUP}", b"{oops", EAST),
    # SearchQueues
    ("SearchQueues", "POST", "/search-queues", {"InstanceId": GHOST}, EAST),
    ("SearchQueues", "POST", "/search-queues", {"InstanceId": INSTANCE_ID, "NextToken": BAD_TOKEN}, EAST),
    ("SearchQueues", "POST", "/search-queues", {"InstanceId": INSTANCE_ID, "MaxResults": 501}, EAST),
    (
        "SearchQueues",
        "POST",
        "/search-queues",
        {
            "InstanceId": INSTANCE_ID,
            "SearchCriteria": {
                "StringCondition": {"FieldName": "colour", "Value": "x", "ComparisonType": "EXACT"}
            },
        },
        EAST,
    ),
    ("SearchQueues", "POST", "/search-queues", {}, EAST),
    ("SearchQueues", "POST", "/search-queues", b"[]", EAST),
    # ListQueues
    ("ListQueues", "GET", f"/queues-summary/{GHOST}", None, EAST),
    ("ListQueues", "GET", f"/queues-summary/{INSTANCE_ID}?nextToken={BAD_TOKEN}", None, EAST),
    ("ListQueues", "GET", f"/queues-summary/{INSTANCE_ID}?queueTypes=PRIORITY", None, EAST),
    ("ListQueues", "GET", f"/queues-summary/{INSTANCE_ID}?maxResults=0", None, EAST),
    # DescribeQueue
    ("DescribeQueue", "GET", f"/queues/{INSTANCE_ID}/{NO_QUEUE}", None, EAST),
    ("DescribeQueue", "GET", f"/queues/{GHOST}/{QUEUES['BasicQueue']}", None, EAST),
    ("DescribeQueue", "GET", f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}", None, "eu-west-2"),
    # UpdateQueueOutboundCallerConfig
    *[
        (
            "UpdateQueueOutboundCallerConfig",
            "POST",
            f"/queues/{iid}/{qid}/outbound-caller-config",
            body,
            region,
        )
        for iid, qid, body, region in [
            (GHOST, QUEUES["BasicQueue"], caller(OutboundCallerIdName="x"), EAST),
            (INSTANCE_ID, NO_QUEUE, caller(OutboundCallerIdName="x"), EAST),
            (
                INSTANCE_ID,
                QUEUES["BasicQueue"],
                caller(OutboundFlowId="f0000000-0000-4000-8000-00000000dead"),
                EAST,
            ),
            (INSTANCE_ID, QUEUES["BasicQueue"], caller(OutboundCallerIdNumberId=NUMBER_TOLL_FREE), WEST),
            (INSTANCE_ID, QUEUES["BasicQueue"], caller(OutboundCallerIdNumberId=""), EAST),
            (INSTANCE_ID, QUEUES["BasicQueue"], caller(OutboundCallerIdName=" "), EAST),
            (
                INSTANCE_ID,
                QUEUES["BasicQueue"],
                caller(
                    OutboundCallerIdNumberId=f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}/phone-number/{NUMBER_1}"
                ),
                EAST,
            ),
            (INSTANCE_ID, QUEUES["BasicQueue"], {}, EAST),
            (INSTANCE_ID, QUEUES["BasicQueue"], b"nope", EAST),
        ]
    ],
    # ListPhoneNumbersV2
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"TargetArn": "not-an-arn"}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"TargetArn": GROUP_ARN + NO_GROUP}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"TargetArn": WEST_INSTANCE_ARN}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"InstanceId": GHOST}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"NextToken": BAD_TOKEN}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", {"PhoneNumberPrefix": "abc"}, EAST),
    ("ListPhoneNumbersV2", "POST", "/phone-number/list", b"1", EAST),
    # DescribePhoneNumber
    ("DescribePhoneNumber", "GET", "/phone-number/90000000-0000-4000-8000-00000000dead", None, EAST),
    ("DescribePhoneNumber", "GET", f"/phone-number/{NUMBER_TOLL_FREE}", None, WEST),
    ("DescribePhoneNumber", "GET", "/phone-number/" + quote(number_arn(NUMBER_1, WEST), safe=""), None, EAST),
    (
        "DescribePhoneNumber",
        "GET",
        "/phone-number/"
        + quote(f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}/phone-number/{NUMBER_1}", safe=""),
        None,
        EAST,
    ),
    # ListContactFlows
    ("ListContactFlows", "GET", f"/contact-flows-summary/{GHOST}", None, EAST),
    ("ListContactFlows", "GET", f"/contact-flows-summary/{INSTANCE_ID}?nextToken={BAD_TOKEN}", None, EAST),
    ("ListContactFlows", "GET", f"/contact-flows-summary/{INSTANCE_ID}?contactFlowTypes=ROBOT", None, EAST),
    ("ListContactFlows", "GET", f"/contact-flows-summary/{INSTANCE_ID}?maxResults=1001", None, EAST),
    # DescribeInstance
    ("DescribeInstance", "GET", f"/instance/{GHOST}", None, EAST),
    (
        "DescribeInstance",
        "GET",
        "/instance/" + quote(f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}", safe=""),
        None,
        WEST,
    ),
]

#: One request per operation that succeeds (for throttling), by operation.
VALID: dict[str, tuple[str, str, Any]] = {
    "ListTrafficDistributionGroups": ("GET", "/traffic-distribution-groups", None),
    "DescribeTrafficDistributionGroup": ("GET", f"/traffic-distribution-group/{DEFAULT_GROUP}", None),
    "GetTrafficDistribution": ("GET", f"/traffic-distribution/{DEFAULT_GROUP}", None),
    "UpdateTrafficDistribution": (
        "PUT",
        f"/traffic-distribution/{DEFAULT_GROUP}",
        {"TelephonyConfig": split(100, 0)},
    ),
    "SearchQueues": ("POST", "/search-queues", {"InstanceId": INSTANCE_ID}),
    "ListQueues": ("GET", f"/queues-summary/{INSTANCE_ID}", None),
    "DescribeQueue": ("GET", f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}", None),
    "UpdateQueueOutboundCallerConfig": (
        "POST",
        f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config",
        caller(OutboundCallerIdName="AnyCompany"),
    ),
    "ListPhoneNumbersV2": ("POST", "/phone-number/list", {}),
    "DescribePhoneNumber": ("GET", f"/phone-number/{NUMBER_1}", None),
    "ListContactFlows": ("GET", f"/contact-flows-summary/{INSTANCE_ID}", None),
    "DescribeInstance": ("GET", f"/instance/{INSTANCE_ID}", None),
}

#: Unmodelled answers every client must survive anyway: a 5xx, never a 4xx.
UNMODELLED_5XX = {"ServiceUnavailableException": 503}


def errors_by_operation(emu: Emulator) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for call in emu.calls():
        if call["errorCode"] is not None:
            assert call["operation"] is not None, call  # every request here reaches an operation
            found[call["operation"]].append((call["errorCode"], call["status"]))
    return found


def unmodelled(found: dict[str, list[tuple[str, int]]]) -> list[str]:
    model = service_model()
    bad = []
    for operation, errors in found.items():
        allowed = modelled_errors(model.operation_model(operation))
        for code, status in errors:
            if code not in allowed and UNMODELLED_5XX.get(code) != status:
                bad.append(f"{operation}: {code} ({status})")
    return bad


def test_the_battery_covers_every_served_operation() -> None:
    assert {op for op, *_ in FAILING} == set(EMULATED_OPERATIONS) == set(VALID)


def test_every_error_path_answers_a_modelled_error() -> None:
    with running_emulator() as emu:
        emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")
        for operation, method, path, body, region in FAILING:
            resp = raw_request(emu, method, path, body, region=region)
            assert 400 <= resp.status < 500, (operation, path, resp.status, resp.body)
            assert emu.calls()[-1]["operation"] == operation, path
        found = errors_by_operation(emu)
    assert set(found) == set(EMULATED_OPERATIONS)
    assert unmodelled(found) == []
    # the decision for an instance ListTrafficDistributionGroups cannot see (no 404 modelled)
    assert found["ListTrafficDistributionGroups"][:2] == [("InvalidRequestException", 400)] * 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quotas": "aws", "quota_scale": 0.001},
        {"faults": {"seed": 1, "rules": [{"operation": "*", "throttle": 1.0}]}},
        {"faults": {"seed": 2, "rules": [{"operation": "*", "error500": 1.0, "phase": "after"}]}},
        {"down_regions": [EAST], "outage_mix": "unavailable"},
    ],
    ids=["quota", "throttle-fault", "error500-fault", "outage"],
)
def test_throttles_faults_and_outages_answer_modelled_or_5xx_errors(kwargs: dict[str, Any]) -> None:
    with running_emulator(**kwargs) as emu:
        for method, path, body in VALID.values():
            for _ in range(7):  # past the burst of 5
                raw_request(emu, method, path, body, region=EAST)
        found = errors_by_operation(emu)
    assert set(found) == set(EMULATED_OPERATIONS)
    assert unmodelled(found) == []
    if "quotas" in kwargs or "throttle" in str(kwargs):
        assert ("ThrottlingException", 429) in found["DescribeQueue"]
        assert set(found["DescribeInstance"]) == {("ServiceUnavailableException", 503)}
