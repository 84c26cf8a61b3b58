"""`reconciler rollback JOURNAL`: restore what an apply replaced, never what someone changed since."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.app.run import rollback_of
from reconciler.applying.journal import Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome
from reconciler.connect import Connect
from reconciler.errors import ReconcilerError

from ..support.cli import invoke
from ..support.connect import attempts, live_group, live_queue, make_plan, run_apply, writes
from ..support.demo import (
    DEFAULT_GROUP,
    FLOW_SALES,
    INSTANCE_ID,
    QUEUES,
    demo_fixture,
    edit_yaml,
    write_desired,
)

FIELDS = ("callerIdName", "callerIdNumberId", "outboundFlowId")
DISTRIBUTION = ("telephony", "agents", "signIn")


def original(name: str) -> dict[str, Any]:
    queue = next(q for q in demo_fixture()["instances"][0]["queues"] if q["name"] == name)
    return {f: queue.get(f) for f in FIELDS}


def original_group() -> dict[str, Any]:
    group = demo_fixture()["instances"][0]["trafficDistributionGroups"][0]
    return {f: group.get(f) for f in DISTRIBUTION}


def queue_now(emu: Emulator, name: str) -> dict[str, Any]:
    queue = live_queue(emu, name)
    return {f: queue.get(f) for f in FIELDS}


def group_now(emu: Emulator) -> dict[str, Any]:
    group = live_group(emu, DEFAULT_GROUP)
    return {f: group.get(f) for f in DISTRIBUTION}


def applied_journal(state_dir: Path, tmp_path: Path, port: Connect) -> Path:
    """Apply the demo changes (as `apply` does, with a shared client port for speed)."""
    journal = tmp_path / "apply.jsonl"
    with Journal(str(journal)) as opened:
        _, report = run_apply(state_dir, port, journal=opened)
    assert report.count(Outcome.APPLIED) == 3
    return journal


def rollback(journal: Path, tmp_path: Path, *extra: str) -> Any:
    return invoke("rollback", str(journal), *extra, "--journal", str(tmp_path / "rollback.jsonl"))


def test_rollback_restores_the_values_the_apply_replaced(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    assert group_now(emu) != original_group()
    emu.clear_calls()

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 0, result.output
    assert "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped." in result.stdout
    assert group_now(emu) == original_group()
    for name in ("Sales", "Support"):
        assert queue_now(emu, name) == original(name)
    # Last change first: the queues, then the traffic distribution.
    assert [c["operation"] for c in writes(emu)] == ["UpdateQueueOutboundCallerConfig"] * 2 + [
        "UpdateTrafficDistribution"
    ]
    events = [r.event for r in read_journal(str(tmp_path / "rollback.jsonl"))]
    assert events.count("change-verified") == 3
    # The desired state is three changes away from live again.
    plan = invoke("plan", "--state-dir", str(state_dir), "--detailed-exitcode")
    assert plan.exit_code == 2


def test_rollback_refuses_a_resource_changed_since_the_apply(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (Carol's fix)")

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 1
    assert "Apply: 2 applied, 0 already, 0 failed, 1 stale, 0 skipped." in result.stdout
    assert (
        "stale    anycompany-demo/queue/Sales: changed since the plan was made (callerIdName)"
        in result.stderr
    )
    assert live_queue(emu, "Sales")["callerIdName"] == "Sales (Carol's fix)"
    assert queue_now(emu, "Support") == original("Support")
    assert group_now(emu) == original_group()


def test_rollback_dry_run_prints_the_restoring_calls_and_writes_nothing(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    emu.clear_calls()

    result = rollback(journal, tmp_path, "--dry-run")

    assert result.exit_code == 0, result.output
    assert writes(emu) == []
    assert not (tmp_path / "rollback.jsonl").exists()
    out = result.stdout
    assert "  1. UpdateQueueOutboundCallerConfig in us-east-1: POST /queues/" in out
    assert "  3. UpdateTrafficDistribution in us-east-1: PUT /traffic-distribution/" in out
    assert '"OutboundCallerIdName": "AnyCompany Sales"' in out
    assert '"Percentage": 100' in out
    assert "Dry run: 3 calls would be sent." in out


def test_rollback_without_approval_and_without_a_terminal_is_refused(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    emu.clear_calls()

    result = rollback(journal, tmp_path)

    assert result.exit_code == 1
    assert "refusing to apply without confirmation" in result.stderr
    assert writes(emu) == []


def test_rollback_of_a_journal_with_a_torn_last_line(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    text = journal.read_text(encoding="utf-8")
    # Killed while writing the final records: keep everything up to half of `apply-finished`.
    torn = text[: text.rindex('{"event": "apply-finished"') + 20]
    journal.write_text(torn, "utf-8")

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 0, result.output
    assert group_now(emu) == original_group()


def test_rollback_leaves_out_writes_connect_refused_and_keeps_those_that_may_have_landed(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    edit_yaml(
        state_dir / "anycompany-demo" / "queues.yaml", lambda doc: doc["queues"]["Support"].update(order=1)
    )
    plan = make_plan(state_dir, port)
    # The traffic write is refused (400: nothing changed). Every attempt of the first queue write
    # (Sales) lands but its answer is lost (500 after the write): it may have taken effect.
    lost = list(range(1, attempts(port) + 1))
    emu.set_faults(
        {
            "scripted": [
                {"operation": "UpdateTrafficDistribution", "nth": 1, "code": "InvalidRequestException"},
                {
                    "operation": "UpdateQueueOutboundCallerConfig",
                    "nth": lost,
                    "status": 500,
                    "phase": "after",
                },
            ]
        }
    )
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, port, plan, journal=journal)
    assert report.count(Outcome.FAILED) == 2
    assert report.count(Outcome.APPLIED) == 1
    failed_queue = next(
        r.change.name
        for r in report.results
        if r.outcome is Outcome.FAILED and r.change.kind.value == "queue"
    )
    assert queue_now(emu, failed_queue) != original(failed_queue)  # it did land
    emu.set_faults(None)
    emu.clear_calls()

    result = rollback(path, tmp_path, "--auto-approve")

    assert result.exit_code == 0, result.output
    assert "Apply: 2 applied, 0 already, 0 failed, 0 stale, 0 skipped." in result.stdout
    assert all(c["operation"] == "UpdateQueueOutboundCallerConfig" for c in writes(emu))
    for name in ("Sales", "Support"):
        assert queue_now(emu, name) == original(name)


def test_rollback_of_an_apply_that_changed_nothing(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 90, "us-west-2": 10})
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="AnyCompany Sales Team")
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Support"], name="Support (Bob)")
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, port, plan, journal=journal)
    assert [r.outcome.value for r in report.results] == ["stale", "already", "stale"]
    emu.clear_calls()

    result = rollback(path, tmp_path, "--auto-approve")

    assert result.exit_code == 0
    assert result.stdout == f"{path}: the apply changed nothing that can be rolled back.\n"
    assert emu.calls() == []


def test_rollback_says_which_fields_it_cannot_put_back(emu: Emulator, port: Connect, tmp_path: Path) -> None:
    """Returns had no whisper flow; Connect cannot clear one, so rollback must not promise to."""
    state = write_desired(
        tmp_path / "state",
        queues={"Returns": {"callerIdName": "Returns desk", "whisperFlow": "Sales outbound whisper"}},
    )
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state, port, journal=journal)
    assert report.count(Outcome.APPLIED) == 1

    made = rollback_of(str(path))

    (change,) = made.updates
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("callerIdName", "Returns desk", "AnyCompany Returns")
    ]
    assert change.warnings == (
        "whisperFlow had no value before the apply and Connect cannot clear a field: "
        f"it keeps {FLOW_SALES!r}",
    )
    result = rollback(path, tmp_path, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert queue_now(emu, "Returns") == {**original("Returns"), "outboundFlowId": FLOW_SALES}


def test_a_journal_file_reused_by_two_applies_is_refused(
    emu: Emulator, port: Connect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    edit_yaml(
        state_dir / "anycompany-demo" / "queues.yaml",
        lambda doc: doc["queues"]["Sales"].update(callerIdName="Sales v3"),
    )
    second = tmp_path / "second.jsonl"
    with Journal(str(second)) as again:
        run_apply(state_dir, port, journal=again)
    with journal.open("a", encoding="utf-8") as handle:  # two runs' records in one file, by hand
        handle.write(second.read_text(encoding="utf-8"))
    emu.clear_calls()

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {journal}: holds the records of 2 applies (the journal file was reused); rollback needs "
        "the journal of one apply: split the file at each apply-started line\n"
    )
    assert emu.calls() == []
    assert live_queue(emu, "Sales")["callerIdName"] == "Sales v3"


def test_a_journal_path_is_never_reused(state_dir: Path, tmp_path: Path, port: Connect) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    before = journal.read_text(encoding="utf-8")
    with pytest.raises(ReconcilerError, match="already exists; give each apply a new --journal path"):
        Journal(str(journal))
    assert journal.read_text(encoding="utf-8") == before
