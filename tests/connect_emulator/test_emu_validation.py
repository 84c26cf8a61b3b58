"""Request validation against botocore's model, unknown routes and the SigV4 front door."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator
from connect_emulator.testing import raw_request

from ..support.demo import DEFAULT_GROUP, EAST, INSTANCE_ID, QUEUES
from .helpers import error_of, make_client


def test_max_results_out_of_range(east: Any, emu: Emulator) -> None:
    with pytest.raises(ClientError) as exc:
        east.list_queues(InstanceId=INSTANCE_ID, MaxResults=1001)
    assert error_of(exc) == ("InvalidParameterException", 400)
    assert "less than or equal to 1000" in exc.value.response["Error"]["Message"]
    # botocore refuses MaxResults=0 client-side: send it raw
    resp = raw_request(emu, "GET", f"/queues-summary/{INSTANCE_ID}?maxResults=0")
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    resp = raw_request(emu, "GET", f"/queues-summary/{INSTANCE_ID}?maxResults=ten")
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")


def test_bad_enum(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        east.list_queues(InstanceId=INSTANCE_ID, QueueTypes=["PRIORITY"])
    assert error_of(exc) == ("InvalidParameterException", 400)
    assert "enum value set" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        east.search_queues(InstanceId=INSTANCE_ID, SearchCriteria={"QueueTypeCondition": "AGENT"})
    assert error_of(exc) == ("InvalidParameterException", 400)


def test_bad_pattern_uses_the_operations_error(east: Any) -> None:
    # the TDG operations model no InvalidParameterException: they answer InvalidRequestException
    with pytest.raises(ClientError) as exc:
        east.get_traffic_distribution(Id="not-a-uuid")
    assert error_of(exc) == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as exc:
        east.list_phone_numbers_v2(PhoneNumberPrefix="abc")
    assert error_of(exc) == ("InvalidParameterException", 400)


def test_nested_constraints(east: Any) -> None:
    bad_region = {"Distributions": [{"Region": "US-EAST-1", "Percentage": 100}]}
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=bad_region)
    assert error_of(exc) == ("InvalidRequestException", 400)
    assert "telephonyConfig.distributions.1.member.region" in exc.value.response["Error"]["Message"]
    too_much = {"Distributions": [{"Region": EAST, "Percentage": 110}]}
    with pytest.raises(ClientError) as exc:
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=too_much)
    assert error_of(exc) == ("InvalidRequestException", 400)


def test_wrong_types_and_missing_required_sent_raw(emu: Emulator) -> None:
    resp = raw_request(emu, "POST", "/search-queues", {"InstanceId": INSTANCE_ID, "MaxResults": "5"})
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    resp = raw_request(emu, "POST", "/search-queues", {"MaxResults": 5})
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    assert "at 'instanceId'" in resp.json()["Message"]
    # a body that is not JSON is the operation's own validation error (no model has
    # SerializationException)
    resp = raw_request(emu, "POST", "/search-queues", b"{not json")
    assert (resp.status, resp.error_type) == (400, "InvalidParameterException")
    resp = raw_request(emu, "PUT", f"/traffic-distribution/{DEFAULT_GROUP}", b"[1]")
    assert (resp.status, resp.error_type) == (400, "InvalidRequestException")


def test_unknown_route(emu: Emulator) -> None:
    resp = raw_request(emu, "GET", "/no/such/route")
    assert resp.status == 404
    assert resp.error_type == "UnknownOperationException"
    assert resp.json() == {}
    resp = raw_request(emu, "DELETE", f"/queues/{INSTANCE_ID}/{QUEUES['BasicQueue']}/outbound-caller-config")
    assert (resp.status, resp.error_type) == (404, "UnknownOperationException")


def test_known_but_not_emulated_operation(east: Any) -> None:
    with pytest.raises(ClientError) as exc:
        east.list_users(InstanceId=INSTANCE_ID)
    assert error_of(exc) == ("UnknownOperationException", 404)


def test_missing_or_garbled_authorization(emu: Emulator) -> None:
    resp = raw_request(emu, "GET", f"/instance/{INSTANCE_ID}", region=None)
    assert (resp.status, resp.error_type) == (403, "MissingAuthenticationTokenException")
    for header in (
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/connect",
        "AWS4-HMAC-SHA256 nothing",
    ):
        resp = raw_request(
            emu, "GET", f"/instance/{INSTANCE_ID}", region=None, headers={"Authorization": header}
        )
        assert (resp.status, resp.error_type) == (403, "IncompleteSignatureException")
    assert emu.calls()[-1]["status"] == 403


def test_region_and_account_come_from_the_credential_scope(start_emulator: Any) -> None:
    emu = start_emulator(
        {
            "defaultAccount": "111122223333",
            "accessKeys": {"AKIASECONDACCOUNT000": "999988887777"},
            "instances": [
                {"id": "i-1", "account": "999988887777", "region": "eu-central-1", "alias": "other"},
            ],
        }
    )
    client = make_client(emu, "eu-central-1", access_key="AKIASECONDACCOUNT000")
    inst = client.describe_instance(InstanceId="i-1")["Instance"]
    assert inst["Arn"] == "arn:aws:connect:eu-central-1:999988887777:instance/i-1"
    call = emu.calls()[-1]
    assert (call["region"], call["account"], call["operation"]) == (
        "eu-central-1",
        "999988887777",
        "DescribeInstance",
    )
    with pytest.raises(ClientError) as exc:
        make_client(emu, "eu-central-1").describe_instance(InstanceId="i-1")  # default account
    assert error_of(exc) == ("ResourceNotFoundException", 404)
