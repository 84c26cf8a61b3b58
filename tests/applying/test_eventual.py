"""Eventually consistent reads: the read-back rides out a lag it can wait for, and reports one it cannot.

Amazon Connect may answer a read straight after a write with the old values. The emulator's
``read_lag`` option reproduces that deterministically: after a write, the next N reads of that
queue or group show its values from before the write. Each read-back attempt of the applier is one
read (a DescribeQueue, a GetTrafficDistribution, or one SearchQueues listing for a large batch),
so a lag of N reads is seen by exactly N attempts, whatever the machine's speed. The applier's
sleeps between attempts are recorded instead of slept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.ops import WRITES
from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.applying.applier import Applier
from reconciler.applying.journal import ChangeVerified, Journal, Record
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome, Report
from reconciler.connect import Connect

from ..reliability.helpers import desired_tree, fixture
from ..support.connect import (
    emulator_port,
    fast_settings,
    live_group,
    live_queue,
    make_plan,
    outcomes,
    run_apply,
    writes,
)
from ..support.demo import DEFAULT_GROUP, EAST, WEST, copy_demo

UNVERIFIED = "written, but reading it back never showed the planned values"
ATTEMPTS = 4  # the verify budget of these tests: four reads of each change
CHANGES = ("anycompany-default", "Sales", "Support")  # the demo plan: one group, then two queues

Lagged = Callable[[int], tuple[Emulator, Connect]]


@pytest.fixture
def lagged(start_emulator: Callable[..., Emulator]) -> Lagged:
    """Factory: a demo emulator whose reads trail each write by `reads` reads, and its clients."""

    def start(reads: int) -> tuple[Emulator, Connect]:
        emu = start_emulator(read_lag=reads)
        return emu, emulator_port(emu)

    return start


def apply_recorded(
    state: Path, port: Connect, journal_path: Path, **settings: Any
) -> tuple[Report, list[float]]:
    """Plan and apply `state` with a journal, recording the applier's sleeps instead of sleeping."""
    slept: list[float] = []
    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            port,
            journal=journal,
            settings=fast_settings(verify_attempts=ATTEMPTS, sleep=slept.append, **settings),
        )
    return report, slept


def journal_events(path: Path, event: str) -> list[Record]:
    return [r for r in read_journal(str(path)) if r.event == event]


def read_backs(emu: Emulator) -> Counter[str]:
    """Reads of the written resources made after the first write (the read-backs), by operation."""
    calls = emu.calls()
    first = next(i for i, c in enumerate(calls) if c["operation"] in WRITES)
    return Counter(
        c["operation"] for c in calls[first:] if c["operation"] in ("GetTrafficDistribution", "DescribeQueue")
    )


@pytest.mark.parametrize("lag", [1, 2, ATTEMPTS - 1])
def test_a_lag_within_the_verify_budget_is_ridden_out(lagged: Lagged, tmp_path: Path, lag: int) -> None:
    emu, port = lagged(lag)
    state = copy_demo(tmp_path / "state")
    journal_path = tmp_path / "journal.jsonl"

    report, slept = apply_recorded(state, port, journal_path, verify_delay=0.25)

    assert outcomes(report) == dict.fromkeys(CHANGES, Outcome.APPLIED)
    assert report.ok
    verified = journal_events(journal_path, "change-verified")
    assert sorted((r.name, r.attempts) for r in verified if isinstance(r, ChangeVerified)) == [
        (name, lag + 1) for name in sorted(CHANGES)
    ]
    assert journal_events(journal_path, "change-unverified") == []
    # lag stale reads and the one that showed the values, for the group and for each queue
    assert read_backs(emu) == {"GetTrafficDistribution": lag + 1, "DescribeQueue": 2 * (lag + 1)}
    backoff = [0.25 * 2**i for i in range(lag)]
    assert slept == backoff + backoff  # the group's batch, then the queues' batch
    assert len(writes(emu)) == 3  # stale reads never lead to writing again


def test_a_lag_longer_than_the_verify_budget_fails_the_change_without_writing_again(
    lagged: Lagged, tmp_path: Path
) -> None:
    emu, port = lagged(ATTEMPTS)  # one read more than the budget has
    state = copy_demo(tmp_path / "state")
    journal_path = tmp_path / "journal.jsonl"

    report, _ = apply_recorded(state, port, journal_path)

    assert outcomes(report) == dict.fromkeys(CHANGES, Outcome.FAILED)
    assert {r.message for r in report.results} == {UNVERIFIED}
    assert not report.ok
    assert [c["operation"] for c in writes(emu)] == [
        "UpdateTrafficDistribution",
        "UpdateQueueOutboundCallerConfig",
        "UpdateQueueOutboundCallerConfig",
    ]
    assert read_backs(emu) == {"GetTrafficDistribution": ATTEMPTS, "DescribeQueue": 2 * ATTEMPTS}
    assert sorted(
        getattr(r, "name", "") for r in journal_events(journal_path, "change-unverified")
    ) == sorted(CHANGES)
    assert journal_events(journal_path, "change-verified") == []
    # the writes landed: only the reads had not caught up
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == {EAST: 80, WEST: 20}
    assert live_queue(emu, "Sales")["callerIdName"] == "AnyCompany Sales Team"


def test_plans_after_a_lagged_apply_converge_once_the_lag_has_passed(lagged: Lagged, tmp_path: Path) -> None:
    lag = ATTEMPTS + 2  # the apply's read-backs use four of the six stale reads
    emu, port = lagged(lag)
    state = copy_demo(tmp_path / "state")
    saved = make_plan(state, port)
    report, _ = apply_recorded(state, port, tmp_path / "journal.jsonl")
    assert report.count(Outcome.FAILED) == 3
    emu.clear_calls()

    planned: list[list[str]] = []
    while len(planned) <= lag:
        planned.append([c.name for c in make_plan(state, port).changes])
        if not planned[-1]:
            break

    assert planned[0] == list(CHANGES)  # while the reads lag, the changes still look undone
    assert planned[-1] == []  # and then the plan is empty
    assert writes(emu) == []

    _, rerun = run_apply(state, port, saved)  # the saved plan, re-applied: nothing left to write
    assert [r.outcome for r in rerun.results] == [Outcome.ALREADY] * 3
    assert writes(emu) == []


def test_a_plan_right_after_a_verified_lagged_apply_is_empty(lagged: Lagged, tmp_path: Path) -> None:
    emu, port = lagged(2)
    state = copy_demo(tmp_path / "state")
    report, _ = apply_recorded(state, port, tmp_path / "journal.jsonl")
    assert report.ok
    assert len(emu.state.lag) == 0  # the read-backs outlasted every lag

    assert make_plan(state, port).changes == ()


# -- many queue changes: read back with SearchQueues pages ---------------------------------------

QUEUES = 520  # two SearchQueues pages of 500 per listing
RENAMED = 15  # more than BULK_READ_BACK (10): read back in pages, not one DescribeQueue each


def bulk_apply(tmp_path: Path, lag: int) -> tuple[Emulator, Report, list[Record]]:
    with running_emulator(fixture(QUEUES, seed=4), read_lag=lag) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=RENAMED, shift_groups=False)
        port = emulator_port(emu)
        made = make_plan(state, port)
        emu.clear_calls()
        settings = fast_settings(verify_attempts=ATTEMPTS, sleep=lambda _: None)
        with Journal(str(tmp_path / "journal.jsonl")) as journal:
            report = Applier(port, journal, settings).run(made)
        return emu, report, list(read_journal(str(tmp_path / "journal.jsonl")))


def test_a_large_batch_re_reads_its_pages_until_they_show_the_values(tmp_path: Path) -> None:
    lag = 2
    emu, report, journal = bulk_apply(tmp_path, lag)

    assert report.count(Outcome.APPLIED) == RENAMED
    operations = Counter(c["operation"] for c in emu.calls())
    assert operations["UpdateQueueOutboundCallerConfig"] == RENAMED
    assert operations["DescribeQueue"] == 0
    # two pages for the refresh, then two for each read-back listing: lag stale ones and a fresh one
    assert operations["SearchQueues"] == 2 + 2 * (lag + 1)
    attempts = [r.attempts for r in journal if isinstance(r, ChangeVerified)]
    assert attempts == [lag + 1] * RENAMED


def test_a_large_batch_whose_pages_never_show_the_values_is_failed(tmp_path: Path) -> None:
    emu, report, journal = bulk_apply(tmp_path, ATTEMPTS)

    assert report.count(Outcome.FAILED) == RENAMED
    assert {r.message for r in report.results} == {UNVERIFIED}
    operations = Counter(c["operation"] for c in emu.calls())
    assert operations["UpdateQueueOutboundCallerConfig"] == RENAMED  # each written once
    assert operations["SearchQueues"] == 2 + 2 * ATTEMPTS
    assert sum(r.event == "change-unverified" for r in journal) == RENAMED
