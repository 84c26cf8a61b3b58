"""The admin API and the Emulator's Python helpers: state, out-of-band changes, call log."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import raw_request

from ..support.demo import (
    DEFAULT_GROUP,
    EAST,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_2,
    NUMBER_OVERFLOW,
    QUEUES,
    WEST,
    number_arn,
)
from .helpers import make_client


def admin(emu: Emulator, method: str, path: str, body: Any = None) -> Any:
    return raw_request(emu, method, "/_emulator/" + path, body, region=None)


def test_state_read_equals_fixture(emu: Emulator) -> None:
    resp = admin(emu, "GET", "state")
    assert resp.status == 200
    assert resp.json() == EmulatorState.demo().to_dict()


def test_state_replace(emu: Emulator, east: Any) -> None:
    state = admin(emu, "GET", "state").json()
    state["instances"][0]["queues"] = state["instances"][0]["queues"][:2]
    assert admin(emu, "PUT", "state", state).status == 204
    assert len(east.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]) == 2
    assert admin(emu, "GET", "state").json() == state


def test_state_replace_refuses_bad_fixture(emu: Emulator, east: Any) -> None:
    resp = admin(emu, "PUT", "state", {"instances": [{"id": "x"}]})
    assert resp.status == 400
    assert "instances[0].region" in resp.json()["message"]
    assert len(east.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]) == 14


def test_out_of_band_queue_change(emu: Emulator, east: Any) -> None:
    path = f"queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config"
    arn = number_arn(NUMBER_OVERFLOW)
    resp = admin(
        emu, "POST", path, {"callerIdName": "Drifted", "callerIdNumberId": arn, "outboundFlowId": None}
    )
    assert resp.status == 204
    config = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"][
        "OutboundCallerConfig"
    ]
    assert config == {"OutboundCallerIdName": "Drifted", "OutboundCallerIdNumberId": arn}
    assert admin(emu, "POST", f"queues/{INSTANCE_ID}/nope/outbound-caller-config", {}).status == 404
    assert admin(emu, "POST", path, {"colour": "red"}).status == 400


def test_out_of_band_traffic_change(emu: Emulator, east: Any) -> None:
    body = {"telephony": {EAST: 70, WEST: 30}, "signIn": {EAST: True, WEST: True}, "status": "ACTIVE"}
    assert admin(emu, "POST", f"traffic-distribution/{DEFAULT_GROUP}", body).status == 204
    dist = east.get_traffic_distribution(Id=DEFAULT_GROUP)
    assert dist["TelephonyConfig"]["Distributions"][0] == {"Region": EAST, "Percentage": 70}
    assert dist["SignInConfig"]["Distributions"][1] == {"Region": WEST, "Enabled": True}
    assert admin(emu, "POST", f"traffic-distribution/{DEFAULT_GROUP}", {"status": "BROKEN"}).status == 400
    assert admin(emu, "POST", "traffic-distribution/7d000000-0000-4000-8000-00000000ffff", {}).status == 404


def test_python_helpers(emu: Emulator, east: Any) -> None:
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["BasicQueue"], name="Helper", flow_id=None)
    config = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"][
        "OutboundCallerConfig"
    ]
    assert config == {"OutboundCallerIdName": "Helper", "OutboundCallerIdNumberId": NUMBER_1}
    emu.set_traffic_distribution(DEFAULT_GROUP, telephony={EAST: 0, WEST: 100}, agents={EAST: 0, WEST: 100})
    assert (
        east.get_traffic_distribution(Id=DEFAULT_GROUP)["AgentConfig"]["Distributions"][1]["Percentage"]
        == 100
    )
    emu.set_group_status(DEFAULT_GROUP, "PENDING_DELETION")
    group = east.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
    assert group["TrafficDistributionGroup"]["Status"] == "PENDING_DELETION"


def test_call_log(emu: Emulator, east: Any) -> None:
    east.describe_instance(InstanceId=INSTANCE_ID)
    east.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID,
        QueueId=QUEUES["BasicQueue"],
        OutboundCallerConfig={"OutboundCallerIdNumberId": NUMBER_2},
    )
    with pytest.raises(ClientError):
        make_client(emu, WEST).describe_queue(
            InstanceId=INSTANCE_ID, QueueId="0e000000-0000-4000-8000-00000000dead"
        )
    admin(emu, "GET", "state")  # admin calls are not logged
    calls = admin(emu, "GET", "calls").json()
    assert [c["seq"] for c in calls] == [1, 2, 3]
    first, write, missing = calls
    assert first["operation"] == "DescribeInstance" and first["method"] == "GET"
    assert first["region"] == EAST and first["account"] == "111122223333" and first["status"] == 200
    assert first["path"] == f"/instance/{INSTANCE_ID}" and "requestBody" not in first
    assert write["requestBody"] == {"OutboundCallerConfig": {"OutboundCallerIdNumberId": NUMBER_2}}
    assert (missing["region"], missing["status"], missing["errorCode"]) == (
        WEST,
        404,
        "ResourceNotFoundException",
    )
    assert isinstance(first["time"], float)
    assert emu.calls() == calls
    assert admin(emu, "DELETE", "calls").status == 204
    assert emu.calls() == []


def test_admin_calls_bypass_quotas(start_emulator: Any) -> None:
    emu = start_emulator(quotas="aws")
    for _ in range(20):
        assert admin(emu, "GET", "health").json() == {"ok": True}
    assert emu.calls() == []


def test_faults_via_admin(emu: Emulator, east: Any) -> None:
    spec = {"seed": 1, "scripted": [{"operation": "DescribeInstance", "nth": 1, "status": 500}]}
    assert admin(emu, "PUT", "faults", spec).status == 204
    assert admin(emu, "GET", "faults").json()["scripted"][0]["code"] == "InternalServiceException"
    assert admin(emu, "PUT", "faults", {"rules": [{"operation": 1}]}).status == 400
    assert admin(emu, "DELETE", "faults").status == 204
    assert admin(emu, "GET", "faults").json() == {"seed": 0, "rules": [], "scripted": []}


def test_quota_reset_via_admin(start_emulator: Any) -> None:
    emu = start_emulator(quotas="aws", quota_scale=0.01)
    client = make_client(emu, EAST)
    for _ in range(5):
        client.describe_instance(InstanceId=INSTANCE_ID)
    assert admin(emu, "POST", "quotas/reset").status == 204
    client.describe_instance(InstanceId=INSTANCE_ID)


def test_unknown_admin_route(emu: Emulator) -> None:
    resp = admin(emu, "GET", "nothing-here")
    assert resp.status == 404 and "no admin route" in resp.json()["message"]
