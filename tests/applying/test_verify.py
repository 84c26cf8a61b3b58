"""Read-back verification: a write counts as applied only once a read shows the planned values.

Stale reads, which make AWS's bounded re-reads necessary, are served by the emulator's read_lag
option and tested in test_eventual.py. Here are the other ways a read-back may not show the
planned values: the read itself failing (a scripted fault on DescribeQueue), and another writer
replacing the value between the write and its read-back (the emulator's admin API, called from
the applier's own sleep between re-reads, so it is deterministic).
"""

from __future__ import annotations

from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.applying.journal import ChangeVerified, Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.connect import fast_settings, live_queue, make_plan, outcomes, run_apply
from ..support.demo import INSTANCE_ID, QUEUES, write_desired

UNVERIFIED = "written, but reading it back never showed the planned values"


def one_queue(tmp_path: Path) -> Path:
    return write_desired(tmp_path / "state", queues={"Billing": {"callerIdName": "Billing desk"}})


def fail_reads(emu: Emulator, nth: list[int]) -> None:
    emu.set_faults(
        {"scripted": [{"operation": "DescribeQueue", "nth": nth, "code": "ResourceNotFoundException"}]}
    )


def test_a_write_whose_read_back_never_shows_it_is_failed(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, port)
    fail_reads(emu, list(range(1, 50)))
    slept: list[float] = []
    journal_path = tmp_path / "journal.jsonl"

    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            port,
            plan,
            journal=journal,
            settings=fast_settings(verify_attempts=4, verify_delay=0.5, sleep=slept.append),
        )

    assert outcomes(report) == {"Billing": Outcome.FAILED}
    assert report.results[0].message == UNVERIFIED
    assert not report.ok
    reads = [c for c in emu.calls() if c["operation"] == "DescribeQueue"]
    assert len(reads) == 4  # bounded: verify_attempts reads, no more
    assert slept == [0.5, 1.0, 2.0]  # backing off between re-reads, none after the last one
    assert live_queue(emu, "Billing")["callerIdName"] == "Billing desk"  # the write itself landed
    events = [r.event for r in read_journal(str(journal_path))]
    assert events == [
        "apply-started",
        "change-started",
        "change-finished",
        "change-unverified",
        "apply-finished",
    ]


def test_a_read_back_that_catches_up_counts_as_applied(emu: Emulator, port: Connect, tmp_path: Path) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, port)
    fail_reads(emu, [1, 2])
    slept: list[float] = []
    journal_path = tmp_path / "journal.jsonl"

    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            port,
            plan,
            journal=journal,
            settings=fast_settings(verify_delay=0.25, sleep=slept.append),
        )

    assert outcomes(report) == {"Billing": Outcome.APPLIED}
    assert slept == [0.25, 0.5]
    verified = [r for r in read_journal(str(journal_path)) if r.event == "change-verified"]
    assert [(r.name, r.attempts) for r in verified if isinstance(r, ChangeVerified)] == [("Billing", 3)]


def test_a_write_replaced_by_someone_else_before_it_was_verified_is_failed(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, port)
    fail_reads(emu, [1])  # the first read-back is lost; meanwhile Alice renames the queue

    def alice_renames(_: float) -> None:
        emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Billing"], name="Billing (Alice)")

    _, report = run_apply(state, port, plan, settings=fast_settings(sleep=alice_renames))

    assert outcomes(report) == {"Billing": Outcome.FAILED}
    assert report.results[0].message == UNVERIFIED
    assert live_queue(emu, "Billing")["callerIdName"] == "Billing (Alice)"  # and it is not overwritten
    writes = [c for c in emu.calls() if c["operation"] == "UpdateQueueOutboundCallerConfig"]
    assert len(writes) == 1


def test_a_traffic_write_is_verified_against_the_distribution(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults(
        {"scripted": [{"operation": "GetTrafficDistribution", "nth": [2, 3, 4, 5, 6, 7], "status": 404}]}
    )

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report)["anycompany-default"] is Outcome.FAILED
    assert report.results[0].message == UNVERIFIED
    assert report.count(Outcome.APPLIED) == 2
