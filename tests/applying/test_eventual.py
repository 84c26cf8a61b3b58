"""Eventually consistent reads: the read-back rides out a lag it can wait for, and reports one it cannot.

Amazon Connect may answer a read straight after a write with the old values. Each read-back
attempt of the applier is one read (a DescribeQueue, a GetTrafficDistribution, or one SearchQueues
listing for a large batch), so a lag of N reads is seen by exactly N attempts, whatever the
machine's speed. The applier's sleeps between attempts are recorded instead of slept.

How the read-back rides a lag out is the applier's decision, checked on the in-memory port, whose
`lag` serves the stale reads. The emulator's ``read_lag`` option serves them end to end, through
real boto3: the read-backs and the plans made while a lag lasts, and a large batch read back
through SearchQueues pages.
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
from reconciler.applying.verify import BULK_READ_BACK
from reconciler.connect import Connect

from ..reliability.helpers import desired_tree, fixture
from ..support.connect import emulator_port, fast_settings, make_plan, outcomes, run_apply, writes
from ..support.demo import DEFAULT_GROUP, EAST, QUEUES, WEST, copy_demo, write_desired
from ..support.fake_connect import FakeConnect

UNVERIFIED = (
    "written, but Connect did not show the planned values within 2 min (its reads lag writes); "
    "run `reconciler plan` in a few minutes: no change there confirms it"
)
ATTEMPTS = 4  # the verify budget of these tests: four reads of each change
CHANGES = ("anycompany-default", "Sales", "Support")  # the demo plan: one group, then two queues
WRITTEN = (DEFAULT_GROUP, QUEUES["Sales"], QUEUES["Support"])  # the resources it writes


def journal_events(path: Path, event: str) -> list[Record]:
    return [r for r in read_journal(str(path)) if r.event == event]


# -- the read-back's rules, on the in-memory port -------------------------------------------------


def lagging(fake: FakeConnect, reads: int, *resource_ids: str) -> None:
    """After its next write, each resource's next `reads` reads show its values from before."""
    fake.lag.update(dict.fromkeys(resource_ids, reads))


def fake_apply(
    state: Path, fake: FakeConnect, journal_path: Path, **settings: Any
) -> tuple[Report, list[float]]:
    """Plan and apply `state` on the fake with a journal, recording the applier's sleeps."""
    plan = make_plan(state, fake)
    fake.calls.clear()
    slept: list[float] = []
    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            fake,
            plan,
            journal=journal,
            settings=fast_settings(verify_attempts=ATTEMPTS, sleep=slept.append, **settings),
        )
    return report, slept


def fake_read_backs(fake: FakeConnect) -> Counter[str]:
    """Reads of each written resource made after its own write (the read-backs), by operation;
    SearchQueues listings after the first write count too (they read every queue back)."""
    first = fake.calls.index(fake.writes()[0])
    found = Counter(c.operation for c in fake.calls[first:] if c.operation == "SearchQueues")
    for write in fake.writes():
        after = fake.calls[fake.calls.index(write) + 1 :]
        found.update(
            c.operation
            for c in after
            if c.target == write.target and c.operation in ("GetTrafficDistribution", "DescribeQueue")
        )
    return found


@pytest.mark.parametrize("lag", [1, 2, ATTEMPTS - 1])
def test_a_lag_within_the_verify_budget_is_ridden_out(
    fake: FakeConnect, state_dir: Path, tmp_path: Path, lag: int
) -> None:
    lagging(fake, lag, *WRITTEN)
    journal_path = tmp_path / "journal.jsonl"

    report, slept = fake_apply(state_dir, fake, journal_path, verify_delay=0.25)

    assert outcomes(report) == dict.fromkeys(CHANGES, Outcome.APPLIED)
    assert report.ok
    verified = journal_events(journal_path, "change-verified")
    assert sorted((r.name, r.attempts) for r in verified if isinstance(r, ChangeVerified)) == [
        (name, lag + 1) for name in sorted(CHANGES)
    ]
    assert journal_events(journal_path, "change-unverified") == []
    # lag stale reads and the one that showed the values, for the group and for each queue
    assert fake_read_backs(fake) == {"GetTrafficDistribution": lag + 1, "DescribeQueue": 2 * (lag + 1)}
    backoff = [0.25 * 2**i for i in range(lag)]
    assert slept == backoff + backoff  # the group's batch, then the queues' batch
    assert len(fake.writes()) == 3  # stale reads never lead to writing again


def test_a_lag_longer_than_the_verify_budget_fails_the_change_without_writing_again(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    lagging(fake, ATTEMPTS, *WRITTEN)  # one read more than the budget has
    journal_path = tmp_path / "journal.jsonl"

    report, _ = fake_apply(state_dir, fake, journal_path)

    assert outcomes(report) == dict.fromkeys(CHANGES, Outcome.UNVERIFIED)
    assert {r.message for r in report.results} == {UNVERIFIED}
    assert not report.ok
    assert [c.operation for c in fake.writes()] == [
        "UpdateTrafficDistribution",
        "UpdateQueueOutboundCallerConfig",
        "UpdateQueueOutboundCallerConfig",
    ]
    assert fake_read_backs(fake) == {"GetTrafficDistribution": ATTEMPTS, "DescribeQueue": 2 * ATTEMPTS}
    assert sorted(
        getattr(r, "name", "") for r in journal_events(journal_path, "change-unverified")
    ) == sorted(CHANGES)
    assert journal_events(journal_path, "change-verified") == []
    # the writes landed: only the reads had not caught up
    group = fake.groups[DEFAULT_GROUP].distribution
    assert group is not None and group.telephony == {EAST: 80, WEST: 20}
    assert fake.queues[QUEUES["Sales"]].caller_id_name == "AnyCompany Sales Team"


def test_a_plan_right_after_a_verified_lagged_apply_is_empty(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    lagging(fake, 2, *WRITTEN)
    report, _ = fake_apply(state_dir, fake, tmp_path / "journal.jsonl")
    assert report.ok
    assert set(fake.lag.values()) == {0}  # the read-backs outlasted every lag

    assert make_plan(state_dir, fake).changes == ()


def test_a_large_batch_whose_listings_never_show_the_values_is_failed(
    fake: FakeConnect, tmp_path: Path
) -> None:
    # Every demo queue renamed: more than BULK_READ_BACK, so read back with SearchQueues listings.
    assert len(QUEUES) > BULK_READ_BACK
    state = write_desired(
        tmp_path / "state", queues={name: {"callerIdName": f"{name} (renamed)"} for name in QUEUES}
    )
    lagging(fake, ATTEMPTS, *QUEUES.values())
    journal_path = tmp_path / "journal.jsonl"

    report, _ = fake_apply(state, fake, journal_path)

    assert report.count(Outcome.UNVERIFIED) == len(QUEUES)
    assert {r.message for r in report.results} == {UNVERIFIED}
    assert sorted(c.target for c in fake.writes()) == sorted(QUEUES.values())  # each written once
    assert fake_read_backs(fake) == {"SearchQueues": ATTEMPTS}  # one listing per attempt
    assert len(journal_events(journal_path, "change-unverified")) == len(QUEUES)
    assert all(q.caller_id_name == f"{q.name} (renamed)" for q in fake.queues.values())


# -- end to end: the emulator's read lag, through real boto3 --------------------------------------

Lagged = Callable[[int], tuple[Emulator, Connect]]


@pytest.fixture
def lagged(start_emulator: Callable[..., Emulator]) -> Lagged:
    """Factory: a demo emulator whose reads trail each write by `reads` reads, and its clients."""

    def start(reads: int) -> tuple[Emulator, Connect]:
        emu = start_emulator(read_lag=reads)
        return emu, emulator_port(emu)

    return start


def read_backs(emu: Emulator) -> Counter[str]:
    """Reads of each written resource made after its own write (the read-backs), by operation."""
    calls = emu.calls()
    found: Counter[str] = Counter()
    for index, write in enumerate(calls):
        if write["operation"] in WRITES and write["status"] == 200:
            target = write["path"].split("/")[-2] if write["operation"] != "UpdateTrafficDistribution" else ""
            found.update(
                c["operation"]
                for c in calls[index + 1 :]
                if c["operation"] in ("GetTrafficDistribution", "DescribeQueue")
                and (target in c["path"] if target else c["operation"] == "GetTrafficDistribution")
            )
    return found


def test_plans_after_a_lagged_apply_converge_once_the_lag_has_passed(lagged: Lagged, tmp_path: Path) -> None:
    lag = ATTEMPTS + 2  # the apply's read-backs use four of the six stale reads
    emu, port = lagged(lag)
    state = copy_demo(tmp_path / "state")
    saved = make_plan(state, port)
    emu.clear_calls()
    slept: list[float] = []
    settings = fast_settings(verify_attempts=ATTEMPTS, sleep=slept.append)

    _, report = run_apply(state, port, saved, settings=settings)

    assert report.count(Outcome.UNVERIFIED) == 3
    assert {r.message for r in report.results} == {UNVERIFIED}
    assert read_backs(emu) == {"GetTrafficDistribution": ATTEMPTS, "DescribeQueue": 2 * ATTEMPTS}
    assert len(slept) == 2 * (ATTEMPTS - 1)  # the group's batch, then the queues' batch
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


MANY_QUEUES = 520  # two SearchQueues pages of 500 per listing
RENAMED = 15  # more than BULK_READ_BACK (10): read back in pages, not one DescribeQueue each


def test_a_large_batch_re_reads_its_pages_until_they_show_the_values(tmp_path: Path) -> None:
    lag = 2
    with running_emulator(fixture(MANY_QUEUES, seed=4), read_lag=lag) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=RENAMED, shift_groups=False)
        port = emulator_port(emu)
        made = make_plan(state, port)
        emu.clear_calls()
        settings = fast_settings(verify_attempts=ATTEMPTS, sleep=lambda _: None)
        with Journal(str(tmp_path / "journal.jsonl")) as journal:
            report = Applier(port, journal, settings).run(made)

    assert report.count(Outcome.APPLIED) == RENAMED
    operations = Counter(c["operation"] for c in emu.calls())
    assert operations["UpdateQueueOutboundCallerConfig"] == RENAMED
    assert operations["DescribeQueue"] == RENAMED  # each queue read right before its write, once
    # two pages for the refresh, then two for each read-back listing: lag stale ones and a fresh one
    assert operations["SearchQueues"] == 2 + 2 * (lag + 1)
    verified = journal_events(tmp_path / "journal.jsonl", "change-verified")
    assert [r.attempts for r in verified if isinstance(r, ChangeVerified)] == [lag + 1] * RENAMED
