"""The journal: JSON lines with before, request, result and times, on disk as the apply goes."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.applying.applier import Outcome, Result
from reconciler.applying.journal import Journal
from reconciler.applying.journal import read as read_journal
from reconciler.connect import ClientFactory
from reconciler.errors import ReconcilerError

from .helpers import INSTANCE_ID, QUEUES, fast_settings, make_plan, run_apply


def lines_on_disk(path: Path) -> list[dict[str, Any]]:
    """The journal as another process would see it right now."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_journal_records_before_request_result_and_times(
    emu: Emulator, factory: ClientFactory, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, factory)
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, factory, plan, journal=journal)

    assert report.journal == str(path)
    records = read_journal(str(path))
    assert records == lines_on_disk(path)
    times = [dt.datetime.fromisoformat(r["time"]) for r in records]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)

    header = records[0]
    assert header["event"] == "apply-started"
    assert header["desired_digest"] == plan.desired_digest
    assert header["changes"] == 3
    assert header["dry_run"] is False
    assert [i["name"] for i in header["instances"]] == ["anycompany-demo"]
    assert records[-1] == {**records[-1], "event": "apply-finished", "summary": {"applied": 3}}

    for change in plan.updates:
        mine = [r for r in records if r.get("address") == change.address]
        assert [r["event"] for r in mine] == ["change-started", "change-finished", "change-verified"]
        started, finished, _ = mine
        assert change.request is not None
        assert started["request"] == change.request.model_dump(mode="json")
        assert started["before"] == change.planned_against
        assert started["expected"] == change.expected
        assert started["restore"]["operation"] == change.request.operation
        assert started["step"] == change.step
        assert (finished["outcome"], finished["region"]) == ("sent", change.request.region)


def test_each_record_is_on_disk_before_the_apply_moves_on(
    emu: Emulator, factory: ClientFactory, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, factory)
    path = tmp_path / "journal.jsonl"
    seen: list[tuple[str, list[str]]] = []

    def look(result: Result, done: int, total: int) -> None:
        # While the journal is still open, read it the way a second process would.
        events = [r["event"] for r in lines_on_disk(path) if r.get("address") == result.change.address]
        seen.append((result.change.name, events))

    with Journal(str(path)) as journal:
        run_apply(state_dir, factory, plan, journal=journal, settings=fast_settings(on_result=look))

    assert seen[0] == ("anycompany-default", ["change-started", "change-finished", "change-verified"])
    assert sorted(seen[1:]) == [
        ("Sales", ["change-started", "change-finished", "change-verified"]),
        ("Support", ["change-started", "change-finished", "change-verified"]),
    ]


def test_a_write_is_journalled_before_it_is_sent(
    emu: Emulator, factory: ClientFactory, state_dir: Path, tmp_path: Path
) -> None:
    """A refused write: `change-started` is there with the request, and the failure after it."""
    plan = make_plan(state_dir, factory)
    emu.set_faults(
        {
            "scripted": [
                {"operation": "UpdateTrafficDistribution", "nth": 1, "code": "InvalidRequestException"}
            ]
        }
    )
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        _, report = run_apply(state_dir, factory, plan, journal=journal)

    assert report.count(Outcome.FAILED) == 1
    mine = [r for r in read_journal(str(path)) if r.get("name") == "anycompany-default"]
    assert [r["event"] for r in mine] == ["change-started", "change-finished"]
    assert mine[1]["outcome"] == "failed"
    assert mine[1]["code"] == "InvalidRequestException"
    assert "InvalidRequestException" in mine[1]["message"]


def test_stale_and_already_changes_are_journalled_as_skipped(
    emu: Emulator, factory: ClientFactory, state_dir: Path, tmp_path: Path
) -> None:
    plan = make_plan(state_dir, factory)
    emu.set_queue_caller_config(
        "4a1b2c3d-0000-4000-8000-000000000001",
        "0e000000-0000-4000-8000-000000000002",
        name="AnyCompany Sales Team",
    )
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Support"], name="Support (Bob)")
    path = tmp_path / "journal.jsonl"

    with Journal(str(path)) as journal:
        run_apply(state_dir, factory, plan, journal=journal)

    skipped = {r["name"]: r for r in read_journal(str(path)) if r["event"] == "change-skipped"}
    assert skipped["Sales"]["outcome"] == "already"
    assert skipped["Support"]["outcome"] == "stale"
    assert "not overwritten" in skipped["Support"]["message"]
    started = [r["name"] for r in read_journal(str(path)) if r["event"] == "change-started"]
    assert started == ["anycompany-default"]


def test_a_change_that_cannot_be_attempted_is_journalled_once_with_its_reason(
    emu: Emulator, factory: ClientFactory, state_dir: Path, tmp_path: Path
) -> None:
    # Support was deleted after the plan; Sales is made stale during the apply (the refresh is
    # treated as old, so it is read again right before its write). Neither is written.
    plan = make_plan(state_dir, factory)
    with emu.state.lock:
        instance = emu.state.instances[0]
        instance.queues = [q for q in instance.queues if q.id != QUEUES["Support"]]

    def alice(result: Result, index: int, total: int) -> None:
        if index == 1:
            emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (Alice)")

    path = tmp_path / "journal.jsonl"
    with Journal(str(path)) as journal:
        run_apply(
            state_dir,
            factory,
            plan,
            journal=journal,
            settings=fast_settings(recheck_after=0, on_result=alice),
        )

    events = [(r["event"], r.get("name"), r.get("outcome")) for r in read_journal(str(path))]
    assert events[1:] == [
        ("change-started", "anycompany-default", None),
        ("change-finished", "anycompany-default", "sent"),
        ("change-verified", "anycompany-default", None),
        ("change-skipped", "Support", "failed"),  # known before the batch's writes
        ("change-skipped", "Sales", "stale"),  # known right before its write
        ("apply-finished", None, None),
    ]


def journal_text(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


START = {"event": "apply-started", "time": "2024-01-01T00:00:00.000+00:00", "instances": []}
STEP = {"event": "change-started", "time": "2024-01-01T00:00:01.000+00:00", "address": "a"}


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "torn.jsonl"
    path.write_text(journal_text(START, STEP) + '{"event": "change-fini', "utf-8")

    assert read_journal(str(path)) == [START, STEP]


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
    ("text", "message"),
    [
        ("", "not an apply journal"),
        (journal_text(STEP), "not an apply journal"),
        ('{"event": "apply-sta', "not an apply journal"),
        ("[1, 2]\n", "not a journal record"),
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
    with Journal(str(path)) as journal:
        journal.record("apply-started", instances=[])

        def append(n: int) -> None:
            for i in range(50):
                journal.record("x", n=n, i=i, pad="p" * 500)

        threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    records = read_journal(str(path))
    assert len(records) == 201
    times = [r["time"] for r in records]
    assert times == sorted(times)  # the file's order is the order of the events
    assert sorted((r["n"], r["i"]) for r in records[1:]) == [(n, i) for n in range(4) for i in range(50)]
