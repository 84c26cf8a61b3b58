"""The client-side rate limiter: token buckets per (account, Region, operation).

Unit tests drive it with a fake clock; the integration tests run a plan against an emulator that
enforces Connect's quotas (2/s, burst 5, per account, Region and API) and check its call log for
429s: with the limiter there are none, without it there are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from reconciler.connect import ClientFactory, Connect, RateLimiter
from reconciler.connect.ratelimit import DEFAULT_BURST, DEFAULT_RATE
from reconciler.errors import ConnectCallError

from ..planning.helpers import write_desired
from ..support.connect import emulator_port, make_plan


class FakeClock:
    """`clock` and `sleep` for the limiter: sleeping moves the clock, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def _limiter(clock: FakeClock, rate: float = 2.0, burst: int = 5) -> RateLimiter:
    return RateLimiter(rate, burst, clock=clock.clock, sleep=clock.sleep)


def test_burst_of_five_then_two_per_second() -> None:
    clock = FakeClock()
    limiter = _limiter(clock)

    for _ in range(5):
        limiter.acquire("acct", "us-east-1", "SearchQueues")
    assert clock.sleeps == []  # the burst goes out at once

    stamps = []
    for _ in range(4):
        limiter.acquire("acct", "us-east-1", "SearchQueues")
        stamps.append(clock.now - 1000.0)
    assert clock.sleeps == [0.5, 0.5, 0.5, 0.5]
    assert stamps == [0.5, 1.0, 1.5, 2.0]
    assert limiter.waited == pytest.approx(2.0)
    assert limiter.sent == {("acct", "us-east-1", "SearchQueues"): 9}


def test_tokens_refill_while_idle_but_never_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = _limiter(clock)
    for _ in range(5):
        limiter.acquire("acct", "us-east-1", "SearchQueues")

    clock.now += 60.0  # a minute idle refills 5 tokens, not 120
    for _ in range(5):
        limiter.acquire("acct", "us-east-1", "SearchQueues")
    assert clock.sleeps == []
    limiter.acquire("acct", "us-east-1", "SearchQueues")
    assert clock.sleeps == [0.5]

    clock.now += 0.25  # half a token: the next one waits for the other half only
    limiter.acquire("acct", "us-east-1", "SearchQueues")
    assert clock.sleeps == [0.5, 0.25]


def test_each_account_region_and_operation_has_its_own_bucket() -> None:
    clock = FakeClock()
    limiter = _limiter(clock)
    keys = [
        ("acct", "us-east-1", "SearchQueues"),
        ("acct", "us-east-1", "ListContactFlows"),
        ("acct", "us-west-2", "SearchQueues"),
        ("other", "us-east-1", "SearchQueues"),
    ]
    for key in keys:
        for _ in range(5):
            limiter.acquire(*key)

    assert clock.sleeps == []
    assert limiter.sent == dict.fromkeys(keys, 5)
    limiter.acquire("acct", "us-west-2", "SearchQueues")
    assert clock.sleeps == [0.5]


def test_zero_rate_disables_limiting_but_still_counts() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock.clock, sleep=clock.sleep)

    for _ in range(50):
        limiter.acquire("acct", "us-east-1", "SearchQueues")

    assert not limiter.enabled
    assert clock.sleeps == []
    assert limiter.sent == {("acct", "us-east-1", "SearchQueues"): 50}


def test_the_default_stays_one_token_inside_connects_quota() -> None:
    # Connect allows 2/s with a burst of 5; the default client keeps one token of headroom
    # (requests are counted when they arrive, and the first of a burst arrives last).
    assert (DEFAULT_RATE, DEFAULT_BURST) == (2.0, 4)
    clock = FakeClock()
    limiter = RateLimiter(clock=clock.clock, sleep=clock.sleep)

    for _ in range(6):
        limiter.acquire("acct", "us-east-1", "GetTrafficDistribution")

    assert clock.sleeps == [0.5, 0.5]


# --- against an emulator that enforces the quotas ------------------------------------------------


def _desired(root: Path, fixture: dict[str, object]) -> Path:
    inst = fixture["instances"][0]  # type: ignore[index]
    instance = (
        f"instance:\n  name: quota\n  id: {inst['id']}\n  region: us-east-1\n  replicaRegion: us-west-2\n"
    )
    body = "trafficDistributionGroups:\n  group-01:\n    telephony: {us-east-1: 50, us-west-2: 50}\n"
    return write_desired(root, body, instance=instance)


def _throttled(emu: Emulator) -> list[str]:
    return [str(c["operation"]) for c in emu.calls() if c["status"] == 429]


def test_a_default_plan_stays_within_connects_quotas(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    # 3,000 queues are 6 SearchQueues pages: more than the burst, so the limiter must pace them.
    fixture = generate_fixture(queues=3000, groups=3, seed=11)
    emu = start_emulator(fixture, quotas="aws")
    limiter = RateLimiter()  # what the CLI uses

    made = make_plan(_desired(tmp_path / "state", fixture), emulator_port(emu, limiter))

    assert _throttled(emu) == []
    assert sum(1 for c in emu.calls() if c["operation"] == "SearchQueues") == 6
    assert limiter.waited > 0  # pages 5 and 6 waited for tokens
    assert made.changes == ()


def test_many_calls_to_one_api_stay_within_scaled_quotas(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    # 15 groups: 16 concurrent ListPhoneNumbersV2 calls in one bucket. The emulator's quotas are
    # scaled to 10/s (burst 5) so the test is quick; the client limiter is scaled the same way,
    # which leaves it 0.1 s of headroom for the first request's extra latency.
    fixture = generate_fixture(queues=50, groups=15, numbers=200, seed=5)
    emu = start_emulator(fixture, quotas="aws", quota_scale=5)
    limiter = RateLimiter(rate=DEFAULT_RATE * 5)

    make_plan(_desired(tmp_path / "state", fixture), emulator_port(emu, limiter))

    assert _throttled(emu) == []
    assert sum(1 for c in emu.calls() if c["operation"] == "ListPhoneNumbersV2") == 16
    assert limiter.waited > 0


def test_without_the_limiter_the_same_read_is_throttled(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    # The control for the tests above: the emulator really does throttle this read. Unscaled
    # quotas and no retries make the outcome certain and quick.
    fixture = generate_fixture(queues=50, groups=23, numbers=200, seed=5)
    emu = start_emulator(fixture, quotas="aws")
    factory = ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0), max_attempts=1)

    with pytest.raises(ConnectCallError) as caught:
        make_plan(_desired(tmp_path / "state", fixture), Connect(factory))

    assert (caught.value.code, caught.value.status) == ("ThrottlingException", 429)
    assert "ListPhoneNumbersV2" in _throttled(emu)
