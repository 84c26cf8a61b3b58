"""Fault injection: seeded probabilities, scripted nth calls, drops, latency, phase=after."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from connect_emulator.faults import FaultInjector, FaultSpec, FaultSpecError
from connect_emulator.server import Emulator

from ..support.demo import EAST, INSTANCE_ID, NUMBER_2, QUEUES
from .helpers import error_of, make_client

RANDOM_SPEC = {
    "seed": 7,
    "rules": [{"operation": "DescribeQueue", "error500": 0.3, "throttle": 0.2, "drop": 0.1}],
}


def outcomes(emu: Emulator, n: int = 30) -> list[str]:
    client = make_client(emu, EAST)
    seen = []
    for _ in range(n):
        try:
            client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])
            seen.append("ok")
        except ClientError as exc:
            seen.append(error_of(exc)[0])
        except ConnectionClosedError:
            seen.append("drop")
    return seen


def test_seeded_faults_are_reproducible(start_emulator: Any) -> None:
    first = outcomes(start_emulator(faults=RANDOM_SPEC))
    second = outcomes(start_emulator(faults=json.dumps(RANDOM_SPEC)))
    assert first == second
    assert {"ok", "InternalServiceException", "ThrottlingException", "drop"} == set(first)
    other_seed = outcomes(start_emulator(faults={**RANDOM_SPEC, "seed": 8}))
    assert other_seed != first


def test_call_log_records_the_faults(start_emulator: Any) -> None:
    emu = start_emulator(faults=RANDOM_SPEC)
    seen = outcomes(emu, 20)
    log = emu.calls()
    assert len(log) == 20
    for outcome, call in zip(seen, log, strict=True):
        expected = {"ok": None, "InternalServiceException": "error500", "ThrottlingException": "throttle"}
        assert call["fault"] == expected.get(outcome, "drop")
        if outcome == "drop":
            assert call["status"] is None


def test_other_operations_unaffected(start_emulator: Any) -> None:
    emu = start_emulator(faults=RANDOM_SPEC)
    client = make_client(emu, EAST)
    for _ in range(20):
        client.list_queues(InstanceId=INSTANCE_ID)


def test_scripted_nth_call_fails(start_emulator: Any) -> None:
    spec = {"scripted": [{"operation": "UpdateQueueOutboundCallerConfig", "nth": 3, "status": 500}]}
    emu = start_emulator(faults=spec)
    client = make_client(emu, EAST)
    results = []
    for i in range(5):
        try:
            client.update_queue_outbound_caller_config(
                InstanceId=INSTANCE_ID,
                QueueId=QUEUES["BasicQueue"],
                OutboundCallerConfig={"OutboundCallerIdName": f"n{i}"},
            )
            results.append(200)
        except ClientError as exc:
            results.append(error_of(exc)[1])
            assert error_of(exc) == ("InternalServiceException", 500)
    assert results == [200, 200, 500, 200, 200]
    names = [c["requestBody"]["OutboundCallerConfig"]["OutboundCallerIdName"] for c in emu.calls()]
    assert names == ["n0", "n1", "n2", "n3", "n4"]
    assert emu.calls()[2]["fault"] == "scripted call 3"


def test_scripted_custom_code_list_and_drop(start_emulator: Any) -> None:
    spec = {
        "scripted": [
            {"operation": "GetTrafficDistribution", "nth": [1, 2], "code": "ResourceNotFoundException"},
            {"operation": "DescribeInstance", "nth": 1, "drop": True},
        ]
    }
    emu = start_emulator(faults=spec)
    client = make_client(emu, EAST)
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            client.get_traffic_distribution(Id="7d000000-0000-4000-8000-000000000001")
        assert error_of(exc) == ("ResourceNotFoundException", 404)
    client.get_traffic_distribution(Id="7d000000-0000-4000-8000-000000000001")
    with pytest.raises(ConnectionClosedError):
        client.describe_instance(InstanceId=INSTANCE_ID)
    assert client.describe_instance(InstanceId=INSTANCE_ID)["Instance"]["Id"] == INSTANCE_ID


def test_retrying_client_recovers_from_a_scripted_500(start_emulator: Any) -> None:
    emu = start_emulator(faults={"scripted": [{"operation": "DescribeQueue", "nth": 1, "status": 500}]})
    client = make_client(emu, EAST, max_attempts=3)
    response = client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_phase_after_applies_the_write_then_fails(start_emulator: Any) -> None:
    spec = {
        "scripted": [
            {"operation": "UpdateQueueOutboundCallerConfig", "nth": 1, "status": 500, "phase": "after"}
        ]
    }
    emu = start_emulator(faults=spec)
    client = make_client(emu, EAST)
    with pytest.raises(ClientError) as exc:
        client.update_queue_outbound_caller_config(
            InstanceId=INSTANCE_ID,
            QueueId=QUEUES["BasicQueue"],
            OutboundCallerConfig={"OutboundCallerIdNumberId": NUMBER_2},
        )
    assert error_of(exc) == ("InternalServiceException", 500)
    queue = client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])["Queue"]
    assert queue["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == NUMBER_2


def test_latency(start_emulator: Any) -> None:
    emu = start_emulator(faults={"rules": [{"operation": "*", "latencyMs": 150}]})
    client = make_client(emu, EAST)
    start = time.perf_counter()
    client.describe_instance(InstanceId=INSTANCE_ID)
    assert time.perf_counter() - start >= 0.15


def test_set_faults_at_runtime_restarts_counting(emu: Emulator, east: Any) -> None:
    east.describe_instance(InstanceId=INSTANCE_ID)
    emu.set_faults({"scripted": [{"operation": "DescribeInstance", "nth": 1, "status": 503}]})
    with pytest.raises(ClientError) as exc:
        east.describe_instance(InstanceId=INSTANCE_ID)
    assert error_of(exc) == ("ServiceUnavailableException", 503)
    emu.set_faults(None)
    east.describe_instance(InstanceId=INSTANCE_ID)


@pytest.mark.parametrize(
    ("scripted", "message"),
    [
        (
            {"operation": "GetTrafficDistribution", "code": "ResourceConflictException"},
            "GetTrafficDistribution does not answer ResourceConflictException",
        ),
        (
            {"operation": "DescribeInstance", "status": 429},
            "DescribeInstance does not answer ThrottlingException",
        ),
        ({"operation": "*", "status": 404}, "ListTrafficDistributionGroups does not answer ResourceNotFound"),
        ({"operation": "DescribeQueueTypo", "status": 404}, "'DescribeQueueTypo' is not a Connect operation"),
    ],
)
def test_scripted_codes_must_be_modelled_by_the_operation(scripted: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultSpec.parse({"scripted": [{**scripted, "nth": 1}]})


@pytest.mark.parametrize(
    "scripted",
    [
        {"operation": "UpdateTrafficDistribution", "code": "ResourceConflictException"},
        {"operation": "DescribeQueue", "status": 400, "code": "InvalidRequestException"},
        {"operation": "*", "status": 503},
        {"operation": "DescribeInstance", "status": 502, "code": "BadGateway"},
        {"operation": "SearchQueues", "code": "AccessDeniedException"},  # IAM's answer, any operation
    ],
)
def test_modelled_5xx_and_access_denied_scripted_codes_are_accepted(scripted: dict[str, Any]) -> None:
    FaultSpec.parse({"scripted": [{**scripted, "nth": 1}]})


def test_a_throttle_rule_answers_503_where_throttling_is_not_modelled(start_emulator: Any) -> None:
    emu = start_emulator(faults={"rules": [{"operation": "*", "throttle": 1.0}]})
    client = make_client(emu, EAST)
    with pytest.raises(ClientError) as exc:
        client.describe_instance(InstanceId=INSTANCE_ID)
    assert error_of(exc) == ("ServiceUnavailableException", 503)
    with pytest.raises(ClientError) as exc:
        client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])
    assert error_of(exc) == ("ThrottlingException", 429)
    assert [c["fault"] for c in emu.calls()] == ["throttle", "throttle"]


def test_spec_from_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("seed: 3\nrules:\n  - {operation: '*', error500: 0.5}\n")
    spec = FaultSpec.parse(str(path))
    assert spec.seed == 3 and spec.rules[0].error500 == 0.5
    assert FaultSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    "bad",
    [
        {"rules": [{"operation": "X", "error500": 1.5}]},
        {"rules": [{"operation": "X", "error500": 0.6, "throttle": 0.6}]},
        {"rules": [{"error500": 0.1}]},
        {"rules": [{"operation": "X", "typo": 1}]},
        {"scripted": [{"operation": "X", "nth": 0}]},
        {"scripted": [{"operation": "X", "nth": 1, "status": 302}]},
        {"scripted": [{"operation": "X", "nth": 1, "status": 418}]},
        {"seed": "seven"},
        {"unknown": True},
    ],
)
def test_bad_specs_are_one_line_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(FaultSpecError) as exc:
        FaultSpec.parse(bad)
    assert "\n" not in str(exc.value)


def test_bad_spec_file_and_json() -> None:
    with pytest.raises(FaultSpecError, match="cannot read"):
        FaultSpec.parse("/nonexistent/faults.yaml")
    with pytest.raises(FaultSpecError, match="invalid JSON"):
        FaultSpec.parse("{nope")


def test_injector_decisions_depend_only_on_seed_and_operation_count() -> None:
    spec = FaultSpec.from_dict({"seed": 1, "rules": [{"operation": "*", "error500": 0.5}]})
    a, b = FaultInjector(spec), FaultInjector(spec)
    seq_a = [a.decide("Op").kind for _ in range(50)]
    for i in range(50):  # interleave another operation on b
        b.decide("Other")
        assert b.decide("Op").kind == seq_a[i]
