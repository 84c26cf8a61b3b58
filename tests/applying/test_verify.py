"""Read-back verification: a write counts as applied only once a read shows the planned values.

Stale reads, which make AWS's bounded re-reads necessary, are tested in test_eventual.py. Here are
the other ways a read-back may not show the planned values: the read itself failing, and another
writer replacing the value between the write and its read-back (changed from the applier's own
sleep between re-reads, so it is deterministic). The re-reads and their backoff are the applier's,
checked on the in-memory port; a failing GetTrafficDistribution is also checked end to end, real
boto3 against the emulator's scripted faults.
"""

from __future__ import annotations

from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.applying.journal import ChangeVerified, Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.connect import fast_settings, make_plan, outcomes, run_apply
from ..support.demo import EAST, QUEUES, write_desired
from ..support.fake_connect import FakeConnect, refused

UNVERIFIED = (
    "written, but Connect did not show the planned values within 2 min (its reads lag writes); "
    "run `reconciler plan` in a few minutes: no change there confirms it"
)


def one_queue(tmp_path: Path) -> Path:
    return write_desired(tmp_path / "state", queues={"Billing": {"callerIdName": "Billing desk"}})


def fail_reads(fake: FakeConnect, times: int) -> None:
    """Once the write lands, the next `times` DescribeQueue calls (its read-backs) fail."""

    def arm(operation: str, resource_id: str) -> None:
        fake.fail["DescribeQueue"] = [
            refused("DescribeQueue", EAST, "ResourceNotFoundException", 404) for _ in range(times)
        ]

    fake.before_write = arm


def test_a_write_whose_read_back_never_shows_it_is_failed(fake: FakeConnect, tmp_path: Path) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, fake)
    fail_reads(fake, 49)
    slept: list[float] = []
    journal_path = tmp_path / "journal.jsonl"

    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            fake,
            plan,
            journal=journal,
            settings=fast_settings(verify_attempts=4, verify_delay=0.5, sleep=slept.append),
        )

    assert outcomes(report) == {"Billing": Outcome.UNVERIFIED}
    assert report.results[0].message == UNVERIFIED
    assert not report.ok
    assert len(fake.ops("DescribeQueue")) == 1 + 4  # one before the write; verify_attempts after, no more
    assert slept == [0.5, 1.0, 2.0]  # backing off between re-reads, none after the last one
    assert fake.queues[QUEUES["Billing"]].caller_id_name == "Billing desk"  # the write itself landed
    assert len(fake.writes()) == 1  # and it is never sent again
    events = [r.event for r in read_journal(str(journal_path))]
    assert events == [
        "apply-started",
        "change-started",
        "change-finished",
        "change-unverified",
        "apply-finished",
    ]


def test_a_read_back_that_catches_up_counts_as_applied(fake: FakeConnect, tmp_path: Path) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, fake)
    fail_reads(fake, 2)
    slept: list[float] = []
    journal_path = tmp_path / "journal.jsonl"

    with Journal(str(journal_path)) as journal:
        _, report = run_apply(
            state,
            fake,
            plan,
            journal=journal,
            settings=fast_settings(verify_delay=0.25, sleep=slept.append),
        )

    assert outcomes(report) == {"Billing": Outcome.APPLIED}
    assert slept == [0.25, 0.5]
    assert len(fake.ops("DescribeQueue")) == 1 + 3  # one before the write, three after
    verified = [r for r in read_journal(str(journal_path)) if r.event == "change-verified"]
    assert [(r.name, r.attempts) for r in verified if isinstance(r, ChangeVerified)] == [("Billing", 3)]


def test_a_write_replaced_by_someone_else_before_it_was_verified_is_failed(
    fake: FakeConnect, tmp_path: Path
) -> None:
    state = one_queue(tmp_path)
    plan = make_plan(state, fake)
    fail_reads(fake, 1)  # the first read-back is lost; meanwhile Alice renames the queue

    def alice_renames(_: float) -> None:
        fake.set_queue(QUEUES["Billing"], caller_id_name="Billing (Alice)")

    _, report = run_apply(state, fake, plan, settings=fast_settings(sleep=alice_renames))

    assert outcomes(report) == {"Billing": Outcome.UNVERIFIED}
    assert report.results[0].message == UNVERIFIED
    assert fake.queues[QUEUES["Billing"]].caller_id_name == "Billing (Alice)"  # and it is not overwritten
    assert len(fake.writes()) == 1


def test_a_traffic_write_is_verified_against_the_distribution(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    plan = make_plan(state_dir, port)
    emu.set_faults(
        {"scripted": [{"operation": "GetTrafficDistribution", "nth": [2, 3, 4, 5, 6, 7], "status": 404}]}
    )

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report)["anycompany-default"] is Outcome.UNVERIFIED
    assert report.results[0].message == UNVERIFIED
    assert report.count(Outcome.APPLIED) == 2
