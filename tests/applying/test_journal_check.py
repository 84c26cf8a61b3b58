"""The whole-journal check rollback runs first: real journals pass, each kind of edit is refused.

Journals here are written by the applier itself over the in-memory port (milliseconds, no
emulator): an apply of the demo's three changes, an apply interrupted after its first write, and
the journal of a rollback. Edits are made as JSON edits that keep every line well typed and its
time in order, so what refuses them is the check of the journal as a whole, with the line it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.app.run import rollback_of
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.journal_check import read_checked
from reconciler.errors import ReconcilerError

from ..support.connect import fast_settings, run_apply
from ..support.demo import ACCOUNT, EAST, INSTANCE_ID, NUMBER_TOLL_FREE, QUEUES, WEST
from ..support.fake_connect import FakeConnect

Records = list[dict[str, Any]]


def applied(state_dir: Path, tmp_path: Path, fake: FakeConnect) -> Path:
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        run_apply(state_dir, fake, journal=journal)
    return path


def records_of(path: Path) -> Records:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, records: Records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def at(records: Records, event: str, name: str | None = None) -> int:
    return next(
        i for i, r in enumerate(records) if r["event"] == event and (name is None or r.get("name") == name)
    )


def test_the_journal_of_an_apply_passes(state_dir: Path, tmp_path: Path, fake: FakeConnect) -> None:
    path = applied(state_dir, tmp_path, fake)

    records = read_checked(str(path))

    assert records[0].event == "apply-started"
    assert len(records) == len(records_of(path))


def test_the_journal_of_an_interrupted_apply_passes(
    state_dir: Path, tmp_path: Path, fake: FakeConnect
) -> None:
    """Killed after its first write started: a header and one change-started, nothing more."""
    full = records_of(applied(state_dir, tmp_path, fake))
    path = write(tmp_path / "killed.jsonl", full[:2])

    assert [r.event for r in read_checked(str(path))] == ["apply-started", "change-started"]
    assert len(rollback_of(str(path)).updates) == 1


def test_the_journal_of_a_rollback_passes(state_dir: Path, tmp_path: Path, fake: FakeConnect) -> None:
    made = rollback_of(str(applied(state_dir, tmp_path, fake)))
    path = tmp_path / "rollback.jsonl"
    with Journal(str(path)) as journal:
        Applier(fake, journal, fast_settings(), operation="rollback").run(made)

    records = read_checked(str(path))

    assert records[0].event == "apply-started" and records_of(path)[0]["operation"] == "rollback"


Edit = Callable[[Records], object]
SALES, SUPPORT, GROUP = "Sales", "Support", "anycompany-default"
OTHER_QUEUE_PATH = f"/queues/{INSTANCE_ID}/{QUEUES['Billing']}/outbound-caller-config"


def started(records: Records, name: str) -> dict[str, Any]:
    return records[at(records, "change-started", name)]


def caller(request: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = request["body"]["OutboundCallerConfig"]
    return config


EDITS: list[tuple[str, Edit, str]] = [
    ("dry run", lambda rs: rs[0].update(dry_run=True), r"line 1: a dry run writes no journal"),
    (
        "instance twice",
        lambda rs: rs[0]["instances"].append(rs[0]["instances"][0]),
        r"line 1: .* described twice",
    ),
    (
        "finish without start",
        lambda rs: rs.pop(at(rs, "change-started", SUPPORT)),
        r"line {support_end}: change-finished of anycompany-demo/queue/Support before its change-started",
    ),
    (
        "verified without finish",
        lambda rs: rs.pop(at(rs, "change-finished", GROUP)),
        r"line 3: change-verified of .*anycompany-default before its change-finished",
    ),
    (
        "a record after the end",
        lambda rs: rs.append({**rs[-2], "time": rs[-1]["time"]}),
        r"line 12: change-verified after apply-finished",
    ),
    (
        "step out of range",
        lambda rs: started(rs, SALES).update(step=4),
        r"line {sales}: step 4 is not within 1\.\.3",
    ),
    (
        "unknown instance",
        lambda rs: started(rs, SALES).update(instance="prod"),
        r"line {sales}: instance 'prod'",
    ),
    (
        "another account",
        lambda rs: started(rs, SALES).update(
            resource_arn=started(rs, SALES)["resource_arn"].replace(ACCOUNT, "1" * 12)
        ),
        r"line {sales}: resource_arn is in account 111111111111, not 111122223333",
    ),
    (
        "a Region outside the pair",
        lambda rs: started(rs, SALES).update(
            resource_arn=started(rs, SALES)["resource_arn"].replace(EAST, "eu-west-2")
        ),
        r"line {sales}: resource_arn is not in instance anycompany-demo",
    ),
    (
        "kind against its values",
        lambda rs: started(rs, SALES)["before"].update(kind="traffic-distribution"),
        r"damaged journal record: change-started\.before",  # a queue's fields are not a group's
    ),
    (
        "percentages not summing to 100",
        lambda rs: started(rs, GROUP)["before"]["agents"].update({EAST: 60, WEST: 60}),
        r"line 2: before: agents percentages are not 0\.\.100 summing to 100",
    ),
    (
        "empty caller ID name",
        lambda rs: started(rs, SALES)["expected"].update(callerIdName=" "),
        r"line {sales}: expected: callerIdName is empty",
    ),
    (
        "restore aimed at another queue",
        lambda rs: started(rs, SALES)["restore"].update(path=OTHER_QUEUE_PATH),
        r"line {sales}: restore is not the request that puts before back \(path differs\)",
    ),
    (
        "request sent to the replica",
        lambda rs: started(rs, GROUP)["request"].update(region=WEST),
        r"line 2: request is not the request for expected \(region differs\)",
    ),
    (
        "restore number from another account",
        lambda rs: caller(started(rs, SUPPORT)["restore"]).update(
            OutboundCallerIdNumberId=caller(started(rs, SUPPORT)["restore"])[
                "OutboundCallerIdNumberId"
            ].replace(ACCOUNT, "1" * 12)
        ),
        r"line {support}: restore is not the request that puts before back \(body differs\)",
    ),
    (
        "before number edited",
        lambda rs: started(rs, SUPPORT)["before"].update(callerIdNumber=NUMBER_TOLL_FREE),
        r"line {support}: restore is not the request that puts before back",
    ),
]


@pytest.mark.parametrize(("name", "edit", "message"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_journal_is_refused_naming_the_line(
    name: str, edit: Edit, message: str, state_dir: Path, tmp_path: Path, fake: FakeConnect
) -> None:
    records = records_of(applied(state_dir, tmp_path, fake))
    edit(records)
    path = write(tmp_path / "edited.jsonl", records)
    lines = {  # queues are written in parallel: their records' order varies from run to run
        "sales": at(records, "change-started", SALES) + 1,
        "support": at(records, "change-started", SUPPORT) + 1 if name != "finish without start" else 0,
        "support_end": at(records, "change-finished", SUPPORT) + 1,
    }
    message = message.format(**lines)

    with pytest.raises(ReconcilerError, match=rf"^{re.escape(str(path))}(: |:\d+: ){message}") as refused:
        read_checked(str(path))
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 400
