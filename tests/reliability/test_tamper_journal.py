"""Damaged journals never write: dozens of edits of a real journal through `reconciler rollback`.

A journal is a file: it can be truncated, copied twice into itself, hand-edited, or edited to point
a restore at another queue. `reconciler rollback JOURNAL` writes to live Connect from it, so every
edit below must be refused before anything is read or written: exit 1, one line on stderr naming
the problem, never a traceback or an internal error, and an emulator call log that stays empty.
The journal is made once, by a real `reconciler apply` of the demo against the emulator; the
untouched journal must roll back (a dry run), or the refusals would prove nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.cli import cli

from ..support.demo import (
    ACCOUNT,
    DEMO_STATE,
    EAST,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_3,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
    queue_arn,
)

Lines = list[str]
Tamper = Callable[[Lines], bytes]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def journal(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Lines:
    """The journal of a real apply of the demo's three changes, as its lines."""
    folder = tmp_path_factory.mktemp("applied")
    path = folder / "apply.jsonl"
    with pytest.MonkeyPatch.context() as env:  # this suite's own isolation: it runs before the autouse one
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            env.delenv(name)
        env.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST0000")
        env.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
        env.setenv("AWS_CONFIG_FILE", str(folder / "none"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "none"))
        env.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        env.setenv("RECONCILER_RATE_LIMIT", "off")
        result = CliRunner().invoke(
            cli,
            [
                "apply",
                "--state-dir",
                str(DEMO_STATE),
                "--auto-approve",
                "--endpoint-url",
                emulator.url,
                "--journal",
                str(path),
                "--lock",
                f"file://{folder / 'locks'}",
            ],
        )
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8").splitlines()


# --- ways to edit a journal ---------------------------------------------------------------------


def text(lines: Lines) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def index_of(lines: Lines, event: str, name: str | None = None) -> int:
    for index, line in enumerate(lines):
        record = json.loads(line)
        if record["event"] == event and (name is None or record.get("name") == name):
            return index
    raise AssertionError(f"no {event} {name} in the journal")


def edit(event: str, name: str | None, change: Callable[[dict[str, Any]], object]) -> Tamper:
    """Change the first `event` record (about `name`) with `change(record)`, as a JSON edit."""

    def tamper(lines: Lines) -> bytes:
        edited = list(lines)
        at = index_of(lines, event, name)
        record = json.loads(lines[at])
        change(record)
        edited[at] = json.dumps(record, sort_keys=True, ensure_ascii=False)
        return text(edited)

    return tamper


def raw(event: str, name: str | None, old: str, new: str) -> Tamper:
    """Replace text in the first `event` record (about `name`), as an editor would."""

    def tamper(lines: Lines) -> bytes:
        edited = list(lines)
        at = index_of(lines, event, name)
        assert old in edited[at], (old, edited[at])
        edited[at] = edited[at].replace(old, new, 1)
        return text(edited)

    return tamper


def lines_edit(change: Callable[[Lines], Lines]) -> Tamper:
    return lambda lines: text(change(list(lines)))


def delete(key: str) -> Callable[[dict[str, Any]], object]:
    return lambda record: record.pop(key)


def restore_config(record: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = record["restore"]["body"]["OutboundCallerConfig"]
    return config


def duplicate(event: str, name: str | None) -> Tamper:
    def change(lines: Lines) -> Lines:
        at = index_of(lines, event, name)
        return [*lines[: at + 1], lines[at], *lines[at + 1 :]]

    return lines_edit(change)


def swap(first: tuple[str, str | None], second: tuple[str, str | None]) -> Tamper:
    def change(lines: Lines) -> Lines:
        a, b = index_of(lines, *first), index_of(lines, *second)
        lines[a], lines[b] = lines[b], lines[a]
        return lines

    return lines_edit(change)


def replace_line(event: str, name: str | None, content: str) -> Tamper:
    def change(lines: Lines) -> Lines:
        lines[index_of(lines, event, name)] = content
        return lines

    return lines_edit(change)


def with_bytes(event: str, name: str | None, old: str, new: bytes) -> Tamper:
    def tamper(lines: Lines) -> bytes:
        at = index_of(lines, event, name)
        before = text(lines[:at]) if at else b""
        line = lines[at].encode("utf-8").replace(old.encode("utf-8"), new, 1)
        return before + line + b"\n" + text(lines[at + 1 :])

    return tamper


SALES, SUPPORT, GROUP = "Sales", "Support", "anycompany-default"
STARTED, FINISHED, HEADER = "change-started", "change-finished", "apply-started"
SALES_PATH = f"/queues/{INSTANCE_ID}/{QUEUES['Sales']}/outbound-caller-config"
SUPPORT_PATH = f"/queues/{INSTANCE_ID}/{QUEUES['Support']}/outbound-caller-config"
OTHER_INSTANCE = "4a1b2c3d-0000-4000-8000-0000000000ff"


def nest(depth: int) -> str:
    return "[" * depth + "]" * depth


TAMPERS: dict[str, Tamper] = {
    # wrong types
    "step as text": edit(STARTED, SALES, lambda r: r.update(step=str(r["step"]))),
    "percentage as text": edit(STARTED, GROUP, lambda r: r["before"]["telephony"].update({EAST: "100"})),
    "percentage as float": edit(STARTED, GROUP, lambda r: r["before"]["telephony"].update({EAST: 100.0})),
    "resource id as number": edit(STARTED, SALES, lambda r: r.update(resource_id=5)),
    "sign-in as number": edit(STARTED, GROUP, lambda r: r["before"]["signIn"].update({EAST: 1})),
    "instances as object": edit(HEADER, None, lambda r: r.update(instances={"a": 1})),
    "record is an array": replace_line(FINISHED, SALES, "[1, 2, 3]"),
    "record is null": replace_line(FINISHED, SALES, "null"),
    # missing and extra keys
    "no before": edit(STARTED, SALES, delete("before")),
    "no request": edit(STARTED, SUPPORT, delete("request")),
    "no restore": edit(STARTED, SALES, delete("restore")),
    "restore null": edit(STARTED, GROUP, lambda r: r.update(restore=None)),
    "no instances": edit(HEADER, None, delete("instances")),
    "no time": edit(FINISHED, SALES, lambda r: r.update(time="yesterday")),
    "extra key": edit(STARTED, SALES, lambda r: r.update(note="fixed by hand")),
    "extra value field": edit(STARTED, SALES, lambda r: r["before"].update(callerIdColour="red")),
    # events and versions
    "unknown event": edit(FINISHED, SUPPORT, lambda r: r.update(event="change-paused")),
    "version 1": edit(HEADER, None, lambda r: r.update(format_version=1)),
    "version 3": edit(HEADER, None, lambda r: r.update(format_version=3)),
    "version as text": edit(HEADER, None, lambda r: r.update(format_version="2")),
    "version true": edit(HEADER, None, lambda r: r.update(format_version=True)),
    "no version": edit(HEADER, None, delete("format_version")),
    "dry run header": edit(HEADER, None, lambda r: r.update(dry_run=True)),
    "unknown operation": edit(HEADER, None, lambda r: r.update(operation="destroy")),
    "outcome unknown": edit(FINISHED, SALES, lambda r: r.update(outcome="maybe")),
    # sizes and encodings
    "nested 100,000 deep": replace_line(FINISHED, SALES, nest(100_000)),
    "nested 100,000 deep last": lambda lines: text(lines) + nest(100_000).encode(),
    "nested inside a record": raw(STARTED, SALES, '"body": {', '"body": {"deep": ' + nest(100_000) + ", "),
    "5,000-digit number": raw(STARTED, SALES, '"step": ', '"step": ' + "9" * 5000 + ", " + '"x": '),
    "5,000-digit version": raw(HEADER, None, '"format_version": 2', '"format_version": ' + "2" * 5000),
    "non-UTF-8 bytes": with_bytes(STARTED, SALES, "AnyCompany Sales", b"AnyCompany \xff\xfe Sales"),
    "lone surrogate": raw(STARTED, SALES, '"name": "Sales"', '"name": "Sales\\ud800"'),
    "byte order mark": lambda lines: b"\xef\xbb\xbf" + text(lines),
    "NaN percentage": raw(STARTED, GROUP, '"us-east-1": 100', '"us-east-1": NaN'),
    # truncation, duplication, order
    "truncated line": lines_edit(lambda ls: [ls[0], ls[1][: len(ls[1]) // 2], *ls[2:]]),
    "duplicated start": duplicate(STARTED, SALES),
    "duplicated finish": duplicate(FINISHED, GROUP),
    "duplicated header": duplicate(HEADER, None),
    "duplicated end": lines_edit(lambda ls: [*ls, ls[-1]]),
    "finish before start": swap((STARTED, SUPPORT), (FINISHED, SUPPORT)),
    "header not first": swap((HEADER, None), (STARTED, GROUP)),
    "end in the middle": swap((FINISHED, GROUP), ("apply-finished", None)),
    # requests edited
    "request body edited": raw(STARTED, SALES, "AnyCompany Sales Team", "AnyCompany Sales Tean"),
    "request path edited": raw(STARTED, SALES, f'"path": "{SALES_PATH}"', f'"path": "{SUPPORT_PATH}"'),
    "request region edited": edit(STARTED, SUPPORT, lambda r: r["request"].update(region=WEST)),
    "request method edited": edit(STARTED, SUPPORT, lambda r: r["request"].update(method="DELETE")),
    "request operation edited": edit(STARTED, GROUP, lambda r: r["request"].update(operation="DeleteQueue")),
    # restores edited
    "restore body edited": edit(
        STARTED, SALES, lambda r: restore_config(r).update(OutboundCallerIdName="Oops")
    ),
    "restore at another queue": edit(STARTED, SALES, lambda r: r["restore"].update(path=SUPPORT_PATH)),
    "restore at another group": edit(
        STARTED,
        GROUP,
        lambda r: r["restore"].update(
            path="/traffic-distribution/" + OVERFLOW_GROUP_ARN.replace(":", "%3A").replace("/", "%2F")
        ),
    ),
    "restore region edited": edit(STARTED, SUPPORT, lambda r: r["restore"].update(region=WEST)),
    "restore number edited": edit(
        STARTED, SALES, lambda r: restore_config(r).update(OutboundCallerIdNumberId=number_arn(NUMBER_1))
    ),
    "restore number in another account": edit(
        STARTED,
        SUPPORT,
        lambda r: restore_config(r).update(
            OutboundCallerIdNumberId=number_arn(NUMBER_3).replace(ACCOUNT, "999999999999")
        ),
    ),
    "restore number dropped": edit(
        STARTED, SUPPORT, lambda r: restore_config(r).pop("OutboundCallerIdNumberId")
    ),
    "restore with an extra field": edit(
        STARTED, SALES, lambda r: restore_config(r).update(OutboundFlowId2="x")
    ),
    "restore distribution edited": raw(
        STARTED, GROUP, '"Percentage": 100, "Region": "us-east-1"', '"Percentage": 0, "Region": "us-east-1"'
    ),
    # before-values edited (the restore request is derived from them)
    "before name edited": edit(STARTED, SALES, lambda r: r["before"].update(callerIdName="AnyCompany Sails")),
    "before number edited": edit(STARTED, SUPPORT, lambda r: r["before"].update(callerIdNumber=NUMBER_1)),
    "before flow edited": edit(STARTED, SUPPORT, lambda r: r["before"].update(whisperFlow=None)),
    "before telephony edited": edit(
        STARTED, GROUP, lambda r: r["before"]["telephony"].update({EAST: 90, WEST: 10})
    ),
    "before telephony 1000%": edit(STARTED, GROUP, lambda r: r["before"]["telephony"].update({EAST: 1000})),
    "before in another Region": edit(
        STARTED, GROUP, lambda r: r["before"].update(telephony={EAST: 50, "eu-west-2": 50})
    ),
    "before empty name": edit(STARTED, SALES, lambda r: r["before"].update(callerIdName="")),
    # identities edited
    "resource id edited": edit(STARTED, SALES, lambda r: r.update(resource_id=QUEUES["Support"])),
    "resource arn edited": edit(
        STARTED,
        SALES,
        lambda r: r.update(resource_arn=queue_arn(QUEUES["Sales"]).replace(INSTANCE_ID, OTHER_INSTANCE)),
    ),
    "group arn edited": edit(
        STARTED, GROUP, lambda r: r.update(resource_arn=OVERFLOW_GROUP_ARN, resource_id=OVERFLOW_GROUP)
    ),
    "kind edited": edit(STARTED, SALES, lambda r: r.update(kind="traffic-distribution")),
    "address edited": edit(STARTED, SALES, lambda r: r.update(address="anycompany-demo/queue/Billing")),
    "instance renamed": edit(STARTED, SUPPORT, lambda r: r.update(instance="prod")),
    "header instance id edited": edit(HEADER, None, lambda r: r["instances"][0].update(id=OTHER_INSTANCE)),
    "header Regions swapped": edit(
        HEADER, None, lambda r: r["instances"][0].update(region=WEST, replicaRegion=EAST)
    ),
    "header account edited": edit(HEADER, None, lambda r: r["instances"][0].update(accountId="999999999999")),
    "header instance twice": edit(HEADER, None, lambda r: r["instances"].append(r["instances"][0])),
    "step zero": edit(STARTED, SALES, lambda r: r.update(step=0)),
    "two changes, one step": edit(STARTED, SUPPORT, lambda r: r.update(step=1)),
}


def test_there_are_at_least_thirty_edits() -> None:
    assert len(TAMPERS) >= 30


def _rollback(path: Path, emulator: Emulator, tmp_path: Path, *flags: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "rollback",
            str(path),
            *flags,
            "--endpoint-url",
            emulator.url,
            "--journal",
            str(tmp_path / "rollback.jsonl"),
            "--lock",
            f"file://{tmp_path / 'locks'}",
        ],
    )


def test_the_untouched_journal_rolls_back(journal: Lines, emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "apply.jsonl"
    path.write_bytes(text(journal))
    emulator.clear_calls()
    result = _rollback(path, emulator, tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 3 calls would be sent." in result.stdout
    assert not [c for c in emulator.calls() if c["operation"].startswith("Update")]


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_a_damaged_journal_is_refused_in_one_line_and_nothing_is_called(
    name: str, journal: Lines, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "apply.jsonl"
    damaged = TAMPERS[name](journal)
    assert damaged != text(journal)
    path.write_bytes(damaged)
    emulator.clear_calls()

    result = _rollback(path, emulator, tmp_path, "--auto-approve")

    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}"), lines[0]
    assert len(lines[0]) < 400, lines[0]
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.output
    assert emulator.calls() == []  # refused before any call: nothing read, nothing written
    assert not (tmp_path / "rollback.jsonl").exists()
    print(f"{name}: {lines[0].removeprefix(f'error: {path}')}")  # the refusals, for -s


def test_a_fifo_is_not_read_as_a_journal(emulator: Emulator, tmp_path: Path) -> None:
    """Reading a FIFO would wait for a writer for ever."""
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    emulator.clear_calls()
    result = _rollback(fifo, emulator, tmp_path, "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr == f"error: {fifo}: cannot read the journal: not a regular file\n"
    assert emulator.calls() == []
