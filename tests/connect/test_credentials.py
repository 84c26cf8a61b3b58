"""An assumed role's credentials last an hour; an apply at the write quota can last longer.

The role is assumed through botocore's refreshable credentials: these tests run STS as moto's
server on 127.0.0.1 (real boto3 on both sides, nothing mocked) and move the credentials' clock
forward in the middle of an apply, which must then renew them before its next call instead of
failing with expired credentials.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from dateutil.tz import tzlocal  # type: ignore[import-untyped]
from moto.server import ThreadedMotoServer

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome, Result
from reconciler.connect import ClientFactory, Connect, RateLimiter

from ..support.connect import fast_settings, make_plan
from ..support.demo import ACCOUNT, copy_demo, edit_yaml

ROLE = f"arn:aws:iam::{ACCOUNT}:role/connect-reconciler"


class Clock:
    """What the refreshable credentials read the time from: now, plus however far a test moved it."""

    def __init__(self) -> None:
        self.ahead = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(tzlocal()) + self.ahead


@pytest.fixture(scope="module")
def sts() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def emu(sts: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts)
    with running_emulator() as running:
        yield running


def with_role(tmp_path: Path) -> Path:
    state = copy_demo(tmp_path / "state")
    edit_yaml(state / "anycompany-demo" / "instance.yaml", lambda doc: doc["instance"].update(roleArn=ROLE))
    return state


def keys_used(emu: Emulator) -> list[str]:
    """The access key IDs that signed the emulator's calls, in the order they first appeared."""
    return list(dict.fromkeys(str(c["accessKey"]) for c in emu.calls()))


def test_a_role_is_assumed_and_its_credentials_sign_the_calls(emu: Emulator, tmp_path: Path) -> None:
    port = Connect(ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0)))

    make_plan(with_role(tmp_path), port)

    (key,) = keys_used(emu)
    assert key != "AKIATESTTESTTEST0000"  # not the source credentials: the role's
    assert key.startswith("ASIA")  # temporary credentials, as STS issues them


def test_credentials_that_expire_during_an_apply_are_renewed_before_the_next_call(
    emu: Emulator, tmp_path: Path
) -> None:
    clock = Clock()
    port = Connect(ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0), clock=clock))
    state = with_role(tmp_path)
    plan = make_plan(state, port)
    emu.clear_calls()

    jumped: list[int] = []

    def an_hour_later(result: Result, done: int, total: int) -> None:
        if done == 1:  # 55 minutes into the apply, the role's hour is almost up
            clock.ahead = dt.timedelta(minutes=55)
            jumped.append(len(emu.calls()))

    report = Applier(port, None, fast_settings(on_result=an_hour_later)).run(plan)

    assert {r.outcome for r in report.results} == {Outcome.APPLIED}
    first, *renewed = keys_used(emu)
    assert renewed and all(key.startswith("ASIA") for key in renewed)
    # Every call after the hour was signed with renewed credentials, none with the old ones.
    # (The test's clock stays 55 minutes ahead of STS's, so each later call renews again.)
    later = emu.calls()[jumped[0] :]
    assert later and first not in {c["accessKey"] for c in later}
    assert {c["operation"] for c in later} >= {"UpdateQueueOutboundCallerConfig"}


def test_credentials_are_not_renewed_while_they_are_fresh(emu: Emulator, tmp_path: Path) -> None:
    clock = Clock()
    port = Connect(ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0), clock=clock))
    state = with_role(tmp_path)
    plan = make_plan(state, port)

    report = Applier(port, None, fast_settings()).run(plan)

    assert report.ok
    assert len(keys_used(emu)) == 1  # one AssumeRole for the whole run: no renewal storm
