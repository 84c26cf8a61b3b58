"""Throttling: burst of 5 then 429 per (account, Region, operation); scale; off; retries."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from connect_emulator.quotas import QuotaLimiter

from ..support.demo import EAST, INSTANCE_ID, QUEUES, WEST
from .helpers import error_of, make_client


def describe(client: Any) -> None:
    client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])


def test_burst_of_five_then_throttled(start_emulator: Any) -> None:
    emu = start_emulator(quotas="aws")
    east = make_client(emu, EAST)  # retries off: see the raw 429
    for _ in range(5):
        describe(east)
    with pytest.raises(ClientError) as exc:
        describe(east)
    assert error_of(exc) == ("ThrottlingException", 429)
    # other buckets are untouched: another operation, another Region
    east.list_queues(InstanceId=INSTANCE_ID)
    describe(make_client(emu, WEST))
    assert [c["status"] for c in emu.calls()] == [200] * 5 + [429, 200, 200]
    assert emu.calls()[5]["errorCode"] == "ThrottlingException"


def exhaust(client: Any) -> int:
    """Call until the first 429; return how many calls succeeded before it."""
    for ok in range(100):
        try:
            describe(client)
        except ClientError as exc:
            assert error_of(exc) == ("ThrottlingException", 429)
            return ok
    raise AssertionError("never throttled")


def test_quota_scale_changes_the_refill_rate_not_the_burst(start_emulator: Any) -> None:
    fast = start_emulator(quotas="aws", quota_scale=50)  # 100 req/s, burst 5
    slow = start_emulator(quotas="aws", quota_scale=0.01)  # 0.02 req/s, burst 5
    assert exhaust(make_client(slow, EAST)) == 5
    assert exhaust(make_client(fast, EAST)) >= 5
    time.sleep(0.1)
    describe(make_client(fast, EAST))  # refilled after 100 ms
    with pytest.raises(ClientError) as exc:
        describe(make_client(slow, EAST))  # not yet
    assert error_of(exc) == ("ThrottlingException", 429)


def test_quotas_off_never_throttle(emu: Any, east: Any) -> None:
    for _ in range(20):
        describe(east)
    assert {c["status"] for c in emu.calls()} == {200}


def test_botocore_retries_absorb_throttling(start_emulator: Any) -> None:
    emu = start_emulator(quotas="aws", quota_scale=10)  # 20 req/s
    client = make_client(emu, EAST, max_attempts=5)
    for _ in range(10):
        describe(client)
    statuses = [c["status"] for c in emu.calls()]
    assert statuses.count(200) == 10 and 429 in statuses


def test_limiter_unit_behaviour() -> None:
    now = [0.0]
    limiter = QuotaLimiter("aws", 1.0, rates={"DescribeQueue": 10.0}, clock=lambda: now[0])
    assert [limiter.allow("a", "r", "ListQueues") for _ in range(6)] == [True] * 5 + [False]
    now[0] = 0.5  # 2/s -> one token
    assert [limiter.allow("a", "r", "ListQueues") for _ in range(2)] == [True, False]
    assert [limiter.allow("a", "r", "DescribeQueue") for _ in range(6)] == [True] * 5 + [False]
    now[0] = 0.65  # 10/s -> one token (and a half)
    assert limiter.allow("a", "r", "DescribeQueue")
    limiter.reset()
    assert limiter.allow("a", "r", "ListQueues")
    with pytest.raises(ValueError):
        QuotaLimiter("strict")
    with pytest.raises(ValueError):
        QuotaLimiter("aws", 0)
