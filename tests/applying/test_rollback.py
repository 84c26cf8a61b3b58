"""`reconciler rollback JOURNAL`: restore what an apply replaced, never what someone changed since.

End to end, real boto3 against the emulator and through the CLI: a rollback that restores what an
apply changed, and a dry run printing the restoring calls. How a journal becomes a restoring plan
(what is left out, what is stale, what cannot be put back) is checked on the in-memory port, and
the CLI's refusals, which happen before any call to Connect, with the journal of an apply on it
and Connect's endpoint pointed at a closed port.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.app.run import rollback_of
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome, Report
from reconciler.errors import ReconcilerError
from reconciler.port import ConnectPort

from ..support.cli import invoke
from ..support.connect import fast_settings, live_group, live_queue, make_plan, outcomes, run_apply, writes
from ..support.demo import (
    DEFAULT_GROUP,
    EAST,
    FLOW_SALES,
    QUEUES,
    WEST,
    demo_fixture,
    edit_yaml,
    write_desired,
)
from ..support.fake_connect import FakeConnect, refused, server_error
from ..support.live import demo_live

FIELDS = ("callerIdName", "callerIdNumberId", "outboundFlowId")
DISTRIBUTION = ("telephony", "agents", "signIn")


def applied_journal(state_dir: Path, tmp_path: Path, port: ConnectPort) -> Path:
    """Apply the demo changes through `port`, journalled as `apply` journals them."""
    journal = tmp_path / "apply.jsonl"
    with Journal(str(journal)) as opened:
        _, report = run_apply(state_dir, port, journal=opened)
    assert report.count(Outcome.APPLIED) == 3
    return journal


# --- end to end, through the CLI ----------------------------------------------------------------


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


def rollback(journal: Path, tmp_path: Path, *extra: str) -> Any:
    return invoke("rollback", str(journal), *extra, "--journal", str(tmp_path / "rollback.jsonl"))


def test_rollback_restores_the_values_the_apply_replaced(
    emu: Emulator, port: ConnectPort, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, port)
    assert group_now(emu) != original_group()
    emu.clear_calls()

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 0, result.output
    assert "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped." in result.stdout
    # the restoring plan is shown before it is written, with --auto-approve too
    assert result.stdout.index("Plan: 3 to change") < result.stdout.index("Apply: 3 applied")
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


def test_rollback_dry_run_prints_the_restoring_calls_and_writes_nothing(
    emu: Emulator, port: ConnectPort, state_dir: Path, tmp_path: Path
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


# --- the CLI's refusals: before any call to Connect --------------------------------------------


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connect's endpoint on a closed port: any call the CLI made would fail, none can land."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", f"http://127.0.0.1:{closed}")


@pytest.mark.usefixtures("no_connect")
def test_rollback_without_approval_and_without_a_terminal_is_refused(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, fake)

    result = rollback(journal, tmp_path)

    assert result.exit_code == 1
    assert "refusing to apply without confirmation" in result.stderr
    assert not (tmp_path / "rollback.jsonl").exists()  # nothing was started


@pytest.mark.usefixtures("no_connect")
def test_rollback_of_an_apply_that_changed_nothing(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.set_distribution(DEFAULT_GROUP, telephony={EAST: 90, WEST: 10})
    fake.set_queue(QUEUES["Sales"], caller_id_name="AnyCompany Sales Team")
    fake.set_queue(QUEUES["Support"], caller_id_name="Support (Bob)")
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, fake, plan, journal=journal)
    assert [r.outcome.value for r in report.results] == ["stale", "already", "stale"]
    assert fake.writes() == []
    assert rollback_of(str(path)).updates == ()

    result = rollback(path, tmp_path, "--auto-approve")

    assert result.exit_code == 0
    assert result.stdout == f"{path}: the apply changed nothing that can be rolled back.\n"
    assert not (tmp_path / "rollback.jsonl").exists()


@pytest.mark.usefixtures("no_connect")
def test_a_journal_file_reused_by_two_applies_is_refused(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, fake)
    edit_yaml(
        state_dir / "anycompany-demo" / "queues.yaml",
        lambda doc: doc["queues"]["Sales"].update(callerIdName="Sales v3"),
    )
    second = tmp_path / "second.jsonl"
    with Journal(str(second)) as again:
        run_apply(state_dir, fake, journal=again)
    with journal.open("a", encoding="utf-8") as handle:  # two runs' records in one file, by hand
        handle.write(second.read_text(encoding="utf-8"))

    result = rollback(journal, tmp_path, "--auto-approve")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {journal}: holds the records of 2 applies (the journal file was reused); rollback needs "
        "the journal of one apply: split the file at each apply-started line\n"
    )
    assert not (tmp_path / "rollback.jsonl").exists()


# --- the restoring plan and its apply, on the in-memory port -------------------------------------

ORIGINAL = demo_live()


def roll_back(journal: Path, fake: FakeConnect, tmp_path: Path) -> Report:
    """What `reconciler rollback JOURNAL --auto-approve` runs: the restoring plan, applied."""
    made = rollback_of(str(journal))
    fake.calls.clear()
    with Journal(str(tmp_path / "rollback.jsonl")) as opened:
        return Applier(fake, opened, fast_settings(), operation="rollback").run(made)


def restored(fake: FakeConnect, *queues: str) -> bool:
    """Whether the default group and these queues have their values from before the apply."""
    before_queues = {q.id: q for q in ORIGINAL.queues}
    before_group = next(g for g in ORIGINAL.groups if g.id == DEFAULT_GROUP)
    return fake.groups[DEFAULT_GROUP] == before_group and all(
        fake.queues[QUEUES[name]] == before_queues[QUEUES[name]] for name in queues
    )


def test_rollback_refuses_a_resource_changed_since_the_apply(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, fake)
    fake.set_queue(QUEUES["Sales"], caller_id_name="Sales (Carol's fix)")

    report = roll_back(journal, fake, tmp_path)

    assert outcomes(report) == {
        "Support": Outcome.APPLIED,
        "Sales": Outcome.STALE,
        "anycompany-default": Outcome.APPLIED,
    }
    assert not report.ok
    stale = next(r for r in report.results if r.outcome is Outcome.STALE)
    assert stale.message == "changed since the plan was made (callerIdName); not overwritten"
    assert fake.queues[QUEUES["Sales"]].caller_id_name == "Sales (Carol's fix)"
    assert QUEUES["Sales"] not in [c.target for c in fake.writes()]
    assert restored(fake, "Support")


def test_rollback_of_a_journal_with_a_torn_last_line(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    journal = applied_journal(state_dir, tmp_path, fake)
    text = journal.read_text(encoding="utf-8")
    # Killed while writing the final records: keep everything up to half of `apply-finished`.
    torn = text[: text.rindex('{"event": "apply-finished"') + 20]
    journal.write_text(torn, "utf-8")

    report = roll_back(journal, fake, tmp_path)

    assert report.ok
    assert report.count(Outcome.APPLIED) == 3
    assert restored(fake, "Sales", "Support")


def test_rollback_leaves_out_writes_connect_refused_and_keeps_those_that_may_have_landed(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    edit_yaml(
        state_dir / "anycompany-demo" / "queues.yaml", lambda doc: doc["queues"]["Support"].update(order=1)
    )
    plan = make_plan(state_dir, fake)
    # The traffic write is refused (400: nothing changed). The first queue write (Sales, alone in
    # its wave) lands but its answer is lost (500 after the write): it may have taken effect. The
    # other Region, where a write goes when the first does not answer, is down.
    fake.fail["UpdateTrafficDistribution"] = [refused("UpdateTrafficDistribution", EAST)]
    fake.fail_after["UpdateQueueOutboundCallerConfig"] = [
        server_error("UpdateQueueOutboundCallerConfig", EAST)
    ]
    fake.down.add(WEST)
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, fake, plan, journal=journal)
    assert outcomes(report) == {
        "anycompany-default": Outcome.FAILED,
        "Sales": Outcome.FAILED,
        "Support": Outcome.APPLIED,
    }
    assert fake.queues[QUEUES["Sales"]].caller_id_name == "AnyCompany Sales Team"  # it did land

    report = roll_back(path, fake, tmp_path)

    assert report.ok
    assert [(r.change.name, r.outcome) for r in report.results] == [
        ("Support", Outcome.APPLIED),
        ("Sales", Outcome.APPLIED),
    ]
    assert {c.operation for c in fake.writes()} == {"UpdateQueueOutboundCallerConfig"}
    assert restored(fake, "Sales", "Support")


def test_rollback_says_which_fields_it_cannot_put_back(fake: FakeConnect, tmp_path: Path) -> None:
    """Returns had no whisper flow; Connect cannot clear one, so rollback must not promise to."""
    state = write_desired(
        tmp_path / "state",
        queues={"Returns": {"callerIdName": "Returns desk", "whisperFlow": "Sales outbound whisper"}},
    )
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        _, report = run_apply(state, fake, journal=journal)
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
    report = roll_back(path, fake, tmp_path)
    assert report.ok
    before = next(q for q in ORIGINAL.queues if q.name == "Returns")
    assert fake.queues[QUEUES["Returns"]] == replace(before, whisper_flow_id=FLOW_SALES)


def test_a_journal_path_is_never_reused(fake: FakeConnect, state_dir: Path, tmp_path: Path) -> None:
    journal = applied_journal(state_dir, tmp_path, fake)
    before = journal.read_text(encoding="utf-8")
    with pytest.raises(ReconcilerError, match="already exists; give each apply a new --journal path"):
        Journal(str(journal))
    assert journal.read_text(encoding="utf-8") == before
