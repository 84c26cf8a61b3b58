"""Retries, refusals and failure isolation: what one failing call does (and does not) stop.

botocore's retries (5xx, throttling) and its refusal to retry 4xx are checked end to end, real
boto3 against the emulator's scripted faults and quotas, as is `--fail-fast` through the CLI.
What a failure does to the rest of the apply is the applier's decision, checked on the in-memory
port.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from connect_emulator.server import Emulator
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.cli import apply_saved, invoke
from ..support.connect import (
    emulator_port,
    fast_settings,
    live_queue,
    make_plan,
    outcomes,
    run_apply,
    writes,
)
from ..support.demo import DEFAULT_GROUP, EAST, QUEUES, WEST, demo_fixture, write_desired
from ..support.fake_connect import FakeConnect, refused


def queue_writes(emu: Emulator) -> list[dict[str, Any]]:
    return [c for c in writes(emu) if c["operation"] == "UpdateQueueOutboundCallerConfig"]


def test_a_5xx_is_retried_and_the_change_applied(emu: Emulator, port: Connect, state_dir: Path) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults({"scripted": [{"operation": "UpdateQueueOutboundCallerConfig", "nth": 1, "status": 500}]})
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    assert report.ok
    assert report.count(Outcome.APPLIED) == 3
    assert sorted(c["status"] for c in queue_writes(emu)) == [200, 200, 500]


def test_a_throttling_storm_is_retried_until_every_change_is_applied(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    # Connect's quotas (2/s, burst 5 per API) at 2.5x, and no client-side limiter: as if another
    # client were using the account's quota, so this apply meets 429s and must ride them out.
    emu = start_emulator(demo_fixture(), quotas="aws", quota_scale=2.5)
    port = emulator_port(emu)
    queues = {name: {"callerIdName": f"{name} (renamed)"} for name in QUEUES}
    state = write_desired(
        tmp_path / "state",
        groups={"anycompany-overflow": {"telephony": {"us-east-1": 60, "us-west-2": 40}}},
        queues=queues,
    )

    plan, report = run_apply(state, port)

    assert len(plan.updates) == 13
    assert report.count(Outcome.APPLIED) == 13
    assert report.count(Outcome.FAILED) == 0
    throttled = [c for c in emu.calls() if c["status"] == 429]
    assert throttled, "the storm did not happen: the test would prove nothing"
    # writes and the reads right before them share the storm
    assert {c["operation"] for c in throttled} & {"UpdateQueueOutboundCallerConfig", "DescribeQueue"}
    assert all(live_queue(emu, name)["callerIdName"] == f"{name} (renamed)" for name in QUEUES)
    emu.reset_quotas()
    assert make_plan(state, port).changes == ()


def test_a_4xx_is_not_retried_and_fails_with_the_service_error_code(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults(
        {
            "scripted": [
                {
                    "operation": "UpdateQueueOutboundCallerConfig",
                    "nth": 1,
                    "code": "InvalidParameterException",
                    "message": "OutboundCallerIdNumberId is not valid",
                }
            ]
        }
    )
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    assert len(failed) == 1
    assert report.count(Outcome.APPLIED) == 2
    assert not report.ok
    queue = failed[0].change
    assert failed[0].message == (
        "anycompany-demo: UpdateQueueOutboundCallerConfig in us-east-1 failed: "
        "InvalidParameterException: OutboundCallerIdNumberId is not valid"
    )
    calls = [c for c in queue_writes(emu) if f"/{queue.resource_id}/" in c["path"]]
    assert [c["status"] for c in calls] == [400]  # sent once, never retried
    assert live_queue(emu, queue.name)["callerIdName"] == queue.planned_against.get("callerIdName")


def refuse_traffic(emu: Emulator) -> None:
    emu.set_faults(
        {
            "scripted": [
                {
                    "operation": "UpdateTrafficDistribution",
                    "nth": 1,
                    "code": "InvalidRequestException",
                    "message": "Traffic distribution is not allowed now",
                }
            ]
        }
    )


def test_one_failure_does_not_stop_independent_changes(fake: FakeConnect, state_dir: Path) -> None:
    plan = make_plan(state_dir, fake)
    refusal = refused("UpdateTrafficDistribution", EAST, message="Traffic distribution is not allowed now")
    fake.fail["UpdateTrafficDistribution"] = [refusal]

    _, report = run_apply(state_dir, fake, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    assert not report.ok
    assert report.results[0].message == str(refusal)  # the service's own error, as it came
    # A refusal is final: sent once, and not to the other Region either.
    assert [c.region for c in fake.ops("UpdateTrafficDistribution")] == [EAST]
    assert len(fake.ops("UpdateQueueOutboundCallerConfig")) == 2
    assert fake.queues[QUEUES["Sales"]].caller_id_name == "AnyCompany Sales Team"
    group = fake.groups[DEFAULT_GROUP].distribution
    assert group is not None and group.telephony == {EAST: 100, WEST: 0}


def test_fail_fast_skips_everything_after_the_first_failure(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    assert invoke("plan", "--state-dir", str(state_dir), "--out", str(planfile)).exit_code == 0
    refuse_traffic(emu)

    result = apply_saved(planfile, state_dir, tmp_path / "j.jsonl", "--fail-fast")

    assert result.exit_code == 1
    assert "Apply: 0 applied, 0 already, 1 failed, 0 stale, 2 skipped." in result.stdout
    assert '[2/3] skipped queue "Sales": not attempted: --fail-fast' in result.stderr
    assert '[3/3] skipped queue "Support": not attempted: --fail-fast' in result.stderr
    assert queue_writes(emu) == []
    assert live_queue(emu, "Sales")["callerIdName"] == "AnyCompany Sales"


def test_fail_fast_lets_the_failing_batch_finish_but_starts_no_other(
    fake: FakeConnect, tmp_path: Path
) -> None:
    state = write_desired(
        tmp_path / "state",
        queues={
            "Billing": {"callerIdName": "Billing desk"},
            "Retention": {"callerIdName": "Retention desk"},
            "VIP": {"callerIdName": "VIP desk", "order": 1},
        },
    )
    plan = make_plan(state, fake)
    fake.fail["UpdateQueueOutboundCallerConfig"] = [
        refused("UpdateQueueOutboundCallerConfig", EAST, "AccessDeniedException", 403)
    ]

    _, report = run_apply(state, fake, plan, settings=fast_settings(fail_fast=True))

    result = outcomes(report)
    assert sorted(result[n].value for n in ("Billing", "Retention")) == ["applied", "failed"]
    assert result["VIP"] is Outcome.SKIPPED
    assert report.results[-1].message == "not attempted: --fail-fast"
    assert len(fake.ops("UpdateQueueOutboundCallerConfig")) == 2
    assert QUEUES["VIP"] not in [c.target for c in fake.calls]
    assert fake.queues[QUEUES["VIP"]].caller_id_name == "AnyCompany VIP"
