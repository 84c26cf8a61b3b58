"""Break-glass failover end to end: real boto3 against the emulator, the CLI as on-call runs it.

The source Region down or both up, the move lands where the instance answers and is verified; the
override is recorded (store and journal) and respected by drift, plan and apply until it is
adopted or cleared; a running apply is preempted and writes nothing after the failover; a second
failover is refused; a lock table that cannot be reached is warned about and recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from connect_emulator.server import Emulator
from reconciler.app import failover as core
from reconciler.app.run import Run, rollback_of
from reconciler.applying import journal as journals
from reconciler.applying.lock import LockLost
from reconciler.applying.reading import RegionsDown
from reconciler.applying.results import Result
from reconciler.planning.override import OverrideExists
from reconciler.port import ConnectPort

from ..support.cli import invoke
from ..support.connect import fast_settings, live_group, make_plan, writes
from ..support.demo import DEFAULT_GROUP, EAST, INSTANCE, OVERFLOW_GROUP, WEST
from ..support.fake_connect import FakeConnect
from ..support.moto import moto_server

TRAFFIC = "UpdateTrafficDistribution"


def fail_over(state_dir: Path, *flags: str, to: str = WEST) -> Any:
    return invoke(
        "failover",
        "--instance",
        INSTANCE,
        "--to",
        to,
        "--reason",
        "INC-1",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--wait-timeout",
        "5",
        *flags,
    )


def distribution(emu: Emulator, group: str) -> dict[str, Any]:
    return live_group(emu, group)


def percentages(emu: Emulator, group: str, field: str = "telephony") -> dict[str, int]:
    found = distribution(emu, group)
    return dict(found[field])


def test_with_the_source_down_every_group_moves_to_the_replica_and_is_recorded(
    start_emulator: Callable[..., Emulator], state_dir: Path, tmp_path: Path
) -> None:
    emu = start_emulator(outage_mix="reset")
    assert invoke("plan", "--state-dir", str(state_dir)).exit_code == 0  # names seen while both answered
    emu.set_region_down(EAST, True)
    journal = tmp_path / "failover.jsonl"

    result = fail_over(state_dir, "--journal", str(journal))

    assert result.exit_code == 0, result.output
    assert {(w["operation"], w["region"], w["status"]) for w in writes(emu)} == {(TRAFFIC, WEST, 200)}
    assert len(writes(emu)) == 2
    for group in (DEFAULT_GROUP, OVERFLOW_GROUP):
        assert percentages(emu, group) == {EAST: 0, WEST: 100}
        assert percentages(emu, group, "agents") == {EAST: 0, WEST: 100}
    sign_in = distribution(emu, DEFAULT_GROUP)["signIn"]
    assert sign_in == {EAST: True, WEST: True}  # enabled in the replica, the source's left as it was
    assert "Override recorded: failover to us-west-2" in result.output
    records = journals.read(str(journal))
    (recorded,) = [r for r in records if isinstance(r, journals.OverrideRecorded)]
    assert recorded.override.reason == "INC-1"
    assert recorded.override.written_from == WEST
    assert {g.id for g in recorded.override.groups} == {DEFAULT_GROUP, OVERFLOW_GROUP}

    drift = invoke("drift", "--state-dir", str(state_dir))
    assert drift.exit_code == 2
    assert "overridden: moved by a break-glass failover" in drift.output
    assert f"reconciler failover --instance {INSTANCE} --adopt" in drift.output
    assert "INC-1" in drift.output


def test_with_both_regions_up_the_writes_go_to_the_target_region(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    result = fail_over(state_dir)
    assert result.exit_code == 0, result.output
    assert {(w["operation"], w["region"]) for w in writes(emu)} == {(TRAFFIC, WEST)}
    assert percentages(emu, OVERFLOW_GROUP) == {EAST: 0, WEST: 100}
    # Groups only: no queue, flow or number pages, which would cost quota when seconds count.
    read = {c["operation"] for c in emu.calls()}
    assert not read & {"SearchQueues", "ListContactFlows", "ListPhoneNumbersV2"}, read


def test_a_dry_run_writes_nothing_and_records_nothing(emu: Emulator, state_dir: Path) -> None:
    result = fail_over(state_dir, "--dry-run")
    assert result.exit_code == 0, result.output
    assert writes(emu) == []
    assert "would apply" in result.output.lower() or "UpdateTrafficDistribution" in result.output
    assert invoke("drift", "--state-dir", str(state_dir)).output.count("overridden") == 0


def test_plan_and_apply_hold_overridden_groups_back_then_clear_fails_back(
    emu: Emulator, state_dir: Path
) -> None:
    assert fail_over(state_dir).exit_code == 0
    emu.clear_calls()

    plan = invoke("plan", "--state-dir", str(state_dir), "--format", "json")
    changes = json.loads(plan.stdout)["changes"]
    held = {c["name"]: c["reason"] for c in changes if c["action"] == "blocked"}
    assert held == {
        "anycompany-default": "overridden by failover: INC-1; adopt or clear",
        "anycompany-overflow": "overridden by failover: INC-1; adopt or clear",
    }
    applied = invoke("apply", "--state-dir", str(state_dir), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert TRAFFIC not in {w["operation"] for w in writes(emu)}  # queues only: the failover stands
    assert percentages(emu, DEFAULT_GROUP) == {EAST: 0, WEST: 100}

    cleared = invoke("failover", "--instance", INSTANCE, "--clear", "--state-dir", str(state_dir))
    assert cleared.exit_code == 0, cleared.output
    failback = invoke("apply", "--state-dir", str(state_dir), "--auto-approve")
    assert failback.exit_code == 0, failback.output
    assert percentages(emu, DEFAULT_GROUP) == {EAST: 80, WEST: 20}  # git's values again
    assert percentages(emu, OVERFLOW_GROUP) == {EAST: 50, WEST: 50}


def test_adopt_then_the_plan_is_empty_and_apply_ends_the_override(emu: Emulator, state_dir: Path) -> None:
    assert fail_over(state_dir).exit_code == 0
    adopted = invoke("failover", "--instance", INSTANCE, "--adopt", "--state-dir", str(state_dir))
    assert adopted.exit_code == 0, adopted.output
    invoke("apply", "--state-dir", str(state_dir), "--auto-approve")  # the queues' own drift
    plan = invoke("plan", "--state-dir", str(state_dir), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    again = invoke("failover", "--instance", INSTANCE, "--clear", "--state-dir", str(state_dir))
    assert again.exit_code == 1 and "no active override" in again.output  # ended by the apply


def test_a_second_failover_is_refused_and_writes_nothing(emu: Emulator, state_dir: Path) -> None:
    assert fail_over(state_dir).exit_code == 0
    emu.clear_calls()
    second = fail_over(state_dir, to=EAST)
    assert second.exit_code == 1
    assert "already overridden" in second.output and "INC-1" in second.output
    assert writes(emu) == []


def test_a_running_apply_is_preempted_and_writes_nothing_after_the_failover(
    emu: Emulator, port: ConnectPort, state_dir: Path, tmp_path: Path
) -> None:
    """The apply's first write lands; then, while it is between writes, on-call fails over. The
    apply's next pre-write check sees the lock is no longer its own: it stops without writing."""
    plan = make_plan(state_dir, port)
    assert len(plan.updates) == 3  # the default group, then two queues
    lock = f"file://{tmp_path / 'locks'}"
    marks: list[int] = []

    def in_between(result: Result, done: int, total: int) -> None:
        if done == 1:
            prepared = core.prepare(Run(port=port), str(state_dir), INSTANCE, WEST, "INC-2", ())
            outcome = core.execute(
                Run(port=port), prepared, settings=fast_settings(), journal_path=None, lock=lock
            )
            assert outcome.report.ok
            assert any("preempted" in w for w in outcome.warnings)
            marks.append(len(writes(emu)))

    settings = fast_settings(on_result=in_between)
    with pytest.raises(LockLost, match=r"was removed|failover"):
        Run(port=port).apply(
            plan, settings=settings, journal_path=str(tmp_path / "apply.jsonl"), lock=lock, operation="apply"
        )
    assert marks and len(writes(emu)) == marks[0]  # nothing written by the apply after the failover
    assert percentages(emu, DEFAULT_GROUP) == {EAST: 0, WEST: 100}


def test_concurrent_failovers_one_wins_and_the_other_says_so(
    emu: Emulator, port: ConnectPort, state_dir: Path, tmp_path: Path
) -> None:
    """Two on-call engineers at once: both planned, then both execute; the override store lets one
    through, and the other writes nothing."""
    lock = f"file://{tmp_path / 'locks'}"
    first = core.prepare(Run(port=port), str(state_dir), INSTANCE, WEST, "INC-A", ())
    second = core.prepare(Run(port=port), str(state_dir), INSTANCE, EAST, "INC-B", ())
    core.execute(Run(port=port), first, settings=fast_settings(), journal_path=None, lock=lock)
    emu.clear_calls()
    with pytest.raises(OverrideExists, match="INC-A"):
        core.execute(Run(port=port), second, settings=fast_settings(), journal_path=None, lock=lock)
    assert writes(emu) == []


# --- DynamoDB -----------------------------------------------------------------------------------


def _table(url: str) -> str:
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1")
    name = f"locks-{time.monotonic_ns()}"  # moto's tables outlive its servers in this process
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_the_override_lives_in_the_dynamodb_table_beside_the_lock(
    emu: Emulator, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
        table = _table(url)
        assert fail_over(state_dir, "--lock", f"dynamodb://{table}").exit_code == 0
        drift = invoke("drift", "--state-dir", str(state_dir), "--lock", f"dynamodb://{table}")
        assert drift.exit_code == 2 and "overridden" in drift.output
        second = fail_over(state_dir, "--lock", f"dynamodb://{table}", to=EAST)
        assert second.exit_code == 1 and "already overridden" in second.output


def test_an_unreachable_lock_table_is_warned_about_and_recorded(
    emu: Emulator, state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock table lives in the failed Region: the failover goes ahead, loudly."""
    with moto_server() as url:
        table = _table(url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)  # that server is stopped now
    journal = tmp_path / "j.jsonl"
    result = fail_over(state_dir, "--lock", f"dynamodb://{table}", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    assert "WARNING: the lock could not be taken" in result.output
    assert "WARNING: the override could not be stored" in result.output
    assert percentages(emu, DEFAULT_GROUP) == {EAST: 0, WEST: 100}
    (recorded,) = [r for r in journals.read(str(journal)) if isinstance(r, journals.OverrideRecorded)]
    assert recorded.override.lock.startswith("unreachable")
    assert recorded.stored.startswith("not stored")


def test_a_failover_stopped_before_any_write_leaves_no_override(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    lock = f"file://{tmp_path / 'locks'}"
    prepared = core.prepare(Run(port=fake), str(state_dir), INSTANCE, WEST, "INC-3", ())
    fake.down = {EAST, WEST}  # both Regions fall silent between the plan and the writes
    with pytest.raises(RegionsDown):
        core.execute(Run(port=fake), prepared, settings=fast_settings(), journal_path=None, lock=lock)
    assert fake.writes() == []
    assert list((tmp_path / "locks").glob("*.override")) == []
    # so the next failover is not refused
    fake.down = set()
    outcome = core.execute(Run(port=fake), prepared, settings=fast_settings(), journal_path=None, lock=lock)
    assert outcome.report.ok and len(fake.writes()) == 2


def test_rollback_of_a_failover_journal_puts_the_groups_back_once_the_override_is_cleared(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    lock = f"file://{tmp_path / 'locks'}"
    journal = str(tmp_path / "failover.jsonl")
    before = {g.id: g.distribution for g in fake.groups.values()}
    prepared = core.prepare(Run(port=fake), str(state_dir), INSTANCE, WEST, "INC-4", ())
    core.execute(Run(port=fake), prepared, settings=fast_settings(), journal_path=journal, lock=lock)
    restore = rollback_of(journal)
    assert {c.resource_id for c in restore.updates} == {DEFAULT_GROUP, OVERFLOW_GROUP}
    # While the override stands, the rollback is held back like any other write to those groups.
    held = Run(port=fake).apply(
        restore,
        settings=fast_settings(),
        journal_path=str(tmp_path / "held.jsonl"),
        lock=lock,
        operation="rollback",
    )
    assert all("overridden by failover: INC-4" in r.message for r in held.results)
    assert core.clear(Run(port=fake), str(state_dir), INSTANCE, lock) is not None
    done = Run(port=fake).apply(
        restore,
        settings=fast_settings(),
        journal_path=str(tmp_path / "back.jsonl"),
        lock=lock,
        operation="rollback",
    )
    assert done.ok
    assert {g.id: g.distribution for g in fake.groups.values()} == before
