"""Rollouts end to end: real boto3 against the emulator (Connect) and moto's CloudWatch server.

The alarms are real CloudWatch alarms in moto, read with DescribeAlarms and flipped with
SetAlarmState, both over HTTP on 127.0.0.1. The bake is one second, the group busy for 50 ms.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest

from connect_emulator.server import Emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome
from reconciler.connect.alarms import CloudWatchAlarms
from reconciler.desired.model import InstanceSpec
from reconciler.port import AlarmState

from ..support.connect import emulator_port, fast_settings, make_plan
from ..support.demo import DEFAULT_GROUP, EAST, WEST, write_desired
from ..support.moto import moto_server

ALARMS = ("connect-missed-calls-usw2", "connect-flow-errors-usw2")


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's CloudWatch with the two alarms (OK) in us-west-2; boto3 finds it by its own setting."""
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", url)
        client = boto3.client(
            "cloudwatch", region_name=WEST, endpoint_url=url, aws_access_key_id="x", aws_secret_access_key="x"
        )
        for name in ALARMS:
            client.put_metric_alarm(
                AlarmName=name,
                MetricName="MissedCalls",
                Namespace="AWS/Connect",
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
            client.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="fine")
        yield client


class Counting(CloudWatchAlarms):
    polls = 0

    def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
        self.polls += 1
        return super().alarm_states(spec, names, region=region)


def state(tmp_path: Path) -> Path:
    group = {
        "default": True,
        "telephony": {EAST: 50, WEST: 50},
        "agents": {EAST: 50, WEST: 50},
        "signIn": {EAST: True, WEST: True},
        "rollout": {"step": 20, "bake": "1s", "haltOn": {"alarms": list(ALARMS)}, "onHalt": "previous"},
    }
    return write_desired(tmp_path / "state", groups={"anycompany-default": group})


def west_share(emu: Emulator) -> int:
    instance = emu.state.to_dict()["instances"][0]
    group = next(g for g in instance["trafficDistributionGroups"] if g["id"] == DEFAULT_GROUP)
    share: int = group["telephony"][WEST]
    return share


def test_an_alarm_set_during_a_bake_halts_and_goes_back_then_a_re_run_finishes(
    start_emulator: Callable[..., Emulator], cloudwatch: Any, tmp_path: Path
) -> None:
    emu = start_emulator(update_in_progress_seconds=0.05)
    port = emulator_port(emu)
    alarms = Counting(port.factory)
    desired = state(tmp_path)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the alarm fires in 40/60 bake
        sleeps.append(seconds)
        if west_share(emu) == 40:
            cloudwatch.set_alarm_state(
                AlarmName=ALARMS[1], StateValue="ALARM", StateReason="Threshold Crossed: 4 flow errors"
            )
        time.sleep(seconds)

    plan = make_plan(desired, port)
    report = Applier(port, None, fast_settings(sleep=sleep), alarms=alarms).run(plan)

    (result,) = report.results
    assert result.outcome is Outcome.HALTED, result.message
    assert ALARMS[1] in result.message and "Threshold Crossed: 4 flow errors" in result.message
    assert re.search(r"is ALARM since 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", result.message)
    assert west_share(emu) == 20
    assert alarms.polls >= 3 and alarms.calls == alarms.polls  # both alarms in one DescribeAlarms

    cloudwatch.set_alarm_state(AlarmName=ALARMS[1], StateValue="OK", StateReason="recovered")
    again = make_plan(desired, port)
    finished = Applier(port, None, fast_settings(), alarms=alarms).run(again)

    assert finished.ok and west_share(emu) == 50
