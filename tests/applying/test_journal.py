"""The journal: typed, versioned JSON lines with before, request, result and times, on disk as the
apply goes; read back through the same types, with damage refused at its line."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler.applying.journal import (
    FORMAT_VERSION,
    ApplyFinished,
    ApplyStarted,
    ChangeFinished,
    ChangeSkipped,
    ChangeStarted,
    ChangeVerified,
    Journal,
    Record,
)
from reconciler.applying.journal import read as read_journal
from reconciler.applying.results import Outcome, Result
from reconciler.errors import ReconcilerError
from reconciler.planning.plan import Kind

from ..support.connect import fast_settings, make_plan, run_apply
from ..support.demo import INSTANCE_BLOCK, QUEUES
from ..support.fake_connect import FakeConnect, refused


def lines_on_disk(path: Path) -> list[dict[str, Any]]:
    """The journal as another process would see it right now."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def about(records: list[Record], name: str) -> list[Record]:
    return [r for r in records if getattr(r, "name", None) == name]


def test_the_journal_records_before_request_result_and_times(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, fake)
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, fake, plan, journal=journal)

    assert report.journal == str(path)
    records = read_journal(str(path))
    assert [r.model_dump(mode="json") for r in records] == lines_on_disk(path)
    times = [dt.datetime.fromisoformat(r.time) for r in records]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)

    header = records[0]
    assert isinstance(header, ApplyStarted)
    assert (header.format_version, header.operation) == (FORMAT_VERSION, "apply")
    assert header.desired_digest == plan.desired_digest
    assert (header.changes, header.dry_run) == (3, False)
    assert [i.name for i in header.instances] == ["anycompany-demo"]
    assert records[-1] == ApplyFinished(time=records[-1].time, summary={"applied": 3})

    for change in plan.updates:
        mine = [r for r in records if getattr(r, "address", None) == change.address]
        assert [r.event for r in mine] == ["change-started", "change-finished", "change-verified"]
        started, finished, verified = mine
        assert isinstance(started, ChangeStarted) and isinstance(finished, ChangeFinished)
        assert isinstance(verified, ChangeVerified)
        assert change.request is not None and started.restore is not None
        assert started.request == change.request
        assert (started.before, started.expected) == (change.planned_against, change.expected)
        assert started.restore.operation == change.request.operation
        assert (started.step, started.kind, started.resource_id) == (
            change.step,
            change.kind,
            change.resource_id,
        )
        assert (finished.outcome, finished.region) == ("sent", change.request.region)


def test_each_record_is_on_disk_before_the_apply_moves_on(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, fake)
    path = tmp_path / "journal.jsonl"
    seen: list[tuple[str, list[str]]] = []

    def look(result: Result, done: int, total: int) -> None:
        # While the journal is still open, read it the way a second process would.
        events = [r["event"] for r in lines_on_disk(path) if r.get("address") == result.change.address]
        seen.append((result.change.name, events))

    with Journal(str(path)) as journal:
        run_apply(state_dir, fake, plan, journal=journal, settings=fast_settings(on_result=look))

    # Each change is reported as soon as its write returns: by then it is journalled before and
    # after the write; the read-back's record follows once the batch is read back.
    assert seen[0] == ("anycompany-default", ["change-started", "change-finished"])
    assert sorted(seen[1:]) == [
        ("Sales", ["change-started", "change-finished"]),
        ("Support", ["change-started", "change-finished"]),
    ]
    assert [r["event"] for r in lines_on_disk(path)].count("change-verified") == 3


def test_a_write_is_journalled_before_it_is_sent(fake: FakeConnect, state_dir: Path, tmp_path: Path) -> None:
    """A refused write: `change-started` is there with the request, and the failure after it."""
    plan = make_plan(state_dir, fake)
    fake.fail["UpdateTrafficDistribution"] = [refused("UpdateTrafficDistribution", "us-east-1")]
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, fake, plan, journal=journal)

    assert report.count(Outcome.FAILED) == 1
    started, finished = about(read_journal(str(path)), "anycompany-default")
    assert isinstance(started, ChangeStarted) and isinstance(finished, ChangeFinished)
    assert (finished.outcome, finished.code) == ("failed", "InvalidRequestException")
    assert "InvalidRequestException" in finished.message


def test_stale_and_already_changes_are_journalled_as_skipped(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, fake)
    fake.set_queue(QUEUES["Sales"], caller_id_name="AnyCompany Sales Team")
    fake.set_queue(QUEUES["Support"], caller_id_name="Support (Bob)")
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        run_apply(state_dir, fake, plan, journal=journal)

    records = read_journal(str(path))
    skipped = {r.name: r for r in records if isinstance(r, ChangeSkipped)}
    assert (skipped["Sales"].outcome, skipped["Support"].outcome) == ("already", "stale")
    assert "not overwritten" in skipped["Support"].message
    assert [r.name for r in records if isinstance(r, ChangeStarted)] == ["anycompany-default"]


def test_a_change_that_cannot_be_attempted_is_journalled_once_with_its_reason(
    fake: FakeConnect, state_dir: Path, tmp_path: Path
) -> None:
    # Support was deleted after the plan; Sales is made stale during the apply (it is read again
    # right before its write). Neither is written.
    plan = make_plan(state_dir, fake)
    del fake.queues[QUEUES["Support"]]

    def alice(result: Result, index: int, total: int) -> None:
        if index == 1:
            fake.set_queue(QUEUES["Sales"], caller_id_name="Sales (Alice)")

    path = tmp_path / "journal.jsonl"
    with Journal(str(path)) as journal:
        run_apply(state_dir, fake, plan, journal=journal, settings=fast_settings(on_result=alice))

    events = [
        (r.event, getattr(r, "name", None), getattr(r, "outcome", None)) for r in read_journal(str(path))
    ]
    assert events[1:] == [
        ("change-started", "anycompany-default", None),
        ("change-finished", "anycompany-default", "sent"),
        ("change-verified", "anycompany-default", None),
        ("change-skipped", "Sales", "stale"),  # known right before its write
        ("change-skipped", "Support", "failed"),  # recorded in the plan's order
        ("apply-finished", None, None),
    ]


# --- reading: versions, damage, torn lines ---------------------------------------------------


def journal_text(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


START: dict[str, Any] = {
    "event": "apply-started",
    "format_version": FORMAT_VERSION,
    "time": "2024-01-01T00:00:00.000+00:00",
    "desired_digest": "d" * 64,
    "changes": 1,
    "instances": [INSTANCE_BLOCK],
}
STEP: dict[str, Any] = {
    "event": "change-verified",
    "time": "2024-01-01T00:00:01.000+00:00",
    "step": 1,
    "address": "anycompany-demo/queue/Sales",
    "instance": "anycompany-demo",
    "kind": "queue",
    "name": "Sales",
    "resource_id": QUEUES["Sales"],
    "resource_arn": "arn",
    "attempts": 1,
}


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "torn.jsonl"
    path.write_text(journal_text(START, STEP) + '{"event": "change-fini', "utf-8")

    header, step = read_journal(str(path))
    assert isinstance(header, ApplyStarted) and header.desired_digest == "d" * 64
    assert isinstance(step, ChangeVerified) and (step.kind, step.attempts) == (Kind.QUEUE, 1)


def test_a_damaged_line_that_is_not_the_last_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(journal_text(START) + "{not json\n" + journal_text(STEP), "utf-8")

    with pytest.raises(ReconcilerError, match=r"bad\.jsonl:2: not a journal record \(invalid JSON\)"):
        read_journal(str(path))


def test_a_complete_but_invalid_last_line_is_an_error(tmp_path: Path) -> None:
    """A line that ends with a newline was written whole: damage there is not a crash mid-write."""
    path = tmp_path / "bad.jsonl"
    path.write_text(journal_text(START) + "{not json\n", "utf-8")

    with pytest.raises(ReconcilerError, match=r"bad\.jsonl:2: not a journal record"):
        read_journal(str(path))


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({**STEP, "attempts": "many"}, r"j\.jsonl:2: damaged journal record: change-verified\.attempts"),
        ({**STEP, "kind": "printer"}, r"j\.jsonl:2: damaged journal record: change-verified\.kind"),
        ({**STEP, "surprise": 1}, r"j\.jsonl:2: damaged journal record: change-verified\.surprise"),
        ({k: v for k, v in STEP.items() if k != "resource_id"}, r"change-verified\.resource_id"),
        ({**STEP, "event": "change-teleported"}, r"j\.jsonl:2: damaged journal record"),
    ],
)
def test_a_record_that_does_not_match_its_type_is_refused_at_its_line(
    tmp_path: Path, records: dict[str, Any], message: str
) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(journal_text(START, records), "utf-8")

    with pytest.raises(ReconcilerError, match=message):
        read_journal(str(path))


@pytest.mark.parametrize("version", [None, 1, 3, True, "2", 2.0])
def test_a_journal_of_another_format_version_is_refused(tmp_path: Path, version: object) -> None:
    header = {k: v for k, v in START.items() if k != "format_version" or version is not None}
    if version is not None:
        header["format_version"] = version
    path = tmp_path / "old.jsonl"
    path.write_text(journal_text(header, STEP), "utf-8")

    with pytest.raises(ReconcilerError, match=r"old\.jsonl:1: journal format version .* is not supported"):
        read_journal(str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not an apply journal"),
        (journal_text(STEP), "not an apply journal"),
        ('{"event": "apply-sta', "not an apply journal"),
        ("[1, 2]\n", "not an apply journal"),
    ],
)
def test_what_is_not_an_apply_journal_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(text, "utf-8")

    with pytest.raises(ReconcilerError, match=message):
        read_journal(str(path))


def test_a_missing_journal_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReconcilerError, match=r"nope\.jsonl: no such journal"):
        read_journal(str(tmp_path / "nope.jsonl"))


def test_journal_records_appended_by_threads_stay_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    steps = [
        ChangeVerified.model_validate({**STEP, "step": n, "attempts": i}) for n in range(4) for i in range(50)
    ]
    with Journal(str(path)) as journal:
        journal.record(ApplyStarted.model_validate(START))

        def append(n: int) -> None:
            for record in steps[n * 50 : (n + 1) * 50]:
                journal.record(record)

        threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    records = read_journal(str(path))
    assert len(records) == 201
    times = [r.time for r in records]
    assert times == sorted(times)  # the file's order is the order of the events
    got = sorted((r.step, r.attempts) for r in records[1:] if isinstance(r, ChangeVerified))
    assert got == [(n, i) for n in range(4) for i in range(50)]


def test_default_paths_differ_for_runs_in_the_same_second_of_one_process() -> None:
    from reconciler.applying.journal import default_path

    now = dt.datetime(2026, 12, 1, 3, 0, 0, tzinfo=dt.UTC)
    paths = {default_path(now) for _ in range(50)}
    assert len(paths) == 50
    assert all(p.startswith(".reconciler/journal/apply-20261201T030000.000000Z-") for p in paths)
