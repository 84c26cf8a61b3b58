"""Tampered saved plans: each edit is refused with one clear line, exit 1, and nothing written.

A saved plan travels as a CI artifact or sits in a working copy; anyone who can edit it could make
apply write what no reviewer saw. `reconciler apply PLANFILE` replays the plan from git and the
live values it recorded (`reconciler.planning.replay`) and refuses any difference. Every edit here
is made to a real plan of the demo instance, then applied through the CLI against the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator

from ..support.cli import apply_saved, invoke
from ..support.connect import writes
from ..support.demo import (
    ACCOUNT,
    DEFAULT_GROUP,
    EAST,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    copy_demo,
    number_arn,
    queue_arn,
)

Edit = Callable[[dict[str, Any]], Any]


def _change(plan: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in plan["changes"] if c["name"] == name)
    return found


def _sales(plan: dict[str, Any]) -> dict[str, Any]:
    return _change(plan, "Sales")


def _group(plan: dict[str, Any]) -> dict[str, Any]:
    return _change(plan, "anycompany-default")


def _queue_config(plan: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = _sales(plan)["request"]["body"]["OutboundCallerConfig"]
    return config


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


def _to_queue(plan: dict[str, Any], name: str) -> None:
    """Point the Sales change at another queue, consistently, as a careful attacker would."""
    sales, qid = _sales(plan), QUEUES[name]
    sales.update(name=name, key=name, resource_id=qid, resource_arn=queue_arn(qid))
    sales["request"]["path"] = f"/queues/{INSTANCE_ID}/{qid}/outbound-caller-config"


def _add_returns(plan: dict[str, Any]) -> None:
    extra = json.loads(json.dumps(_sales(plan)))
    plan["changes"].append(extra)
    qid = QUEUES["Returns"]
    extra.update(name="Returns", key="Returns", resource_id=qid, resource_arn=queue_arn(qid), step=4)
    extra["request"]["path"] = f"/queues/{INSTANCE_ID}/{qid}/outbound-caller-config"


def _swap_steps(plan: dict[str, Any]) -> None:
    sales, support = _sales(plan), _change(plan, "Support")
    sales["step"], support["step"] = support["step"], sales["step"]
    plan["changes"].sort(key=lambda c: c["step"])


def _retarget_group(plan: dict[str, Any]) -> None:
    group = _group(plan)
    group.update(resource_id=OVERFLOW_GROUP, resource_arn=OVERFLOW_GROUP_ARN, name="anycompany-overflow")
    group["request"]["path"] = "/traffic-distribution/" + OVERFLOW_GROUP_ARN.replace(":", "%3A").replace(
        "/", "%2F"
    )


def _telephony(plan: dict[str, Any]) -> dict[str, Any]:
    distributions: dict[str, Any] = _group(plan)["request"]["body"]["TelephonyConfig"]
    return distributions


EDITS: dict[str, Edit] = {
    "queue body: caller ID name": lambda p: _set(_queue_config(p), "OutboundCallerIdName", "Pwned"),
    "queue body: caller ID number": lambda p: _set(
        _queue_config(p), "OutboundCallerIdNumberId", number_arn(NUMBER_1)
    ),
    "queue body: whisper flow": lambda p: _set(
        _queue_config(p), "OutboundFlowId", "f0000000-0000-4000-8000-000000000001"
    ),
    "queue body: a field dropped": lambda p: _queue_config(p).pop("OutboundFlowId"),
    "queue body: a field added": lambda p: _set(_queue_config(p), "Extra", "x"),
    "queue request: the path's queue": lambda p: _set(
        _sales(p)["request"], "path", f"/queues/{INSTANCE_ID}/{QUEUES['Returns']}/outbound-caller-config"
    ),
    "queue request: the Region": lambda p: _set(_sales(p)["request"], "region", WEST),
    "queue request: the method": lambda p: _set(_sales(p)["request"], "method", "PUT"),
    "queue request: the operation": lambda p: _set(
        _sales(p)["request"], "operation", "UpdateTrafficDistribution"
    ),
    "queue: resource ID": lambda p: _set(_sales(p), "resource_id", QUEUES["Returns"]),
    "queue: pointed at another queue, consistently": lambda p: _to_queue(p, "Returns"),
    "queue: expected values": lambda p: _set(_sales(p)["expected"], "callerIdName", "Pwned"),
    "queue: planned-against values": lambda p: _set(_sales(p)["planned_against"], "callerIdName", "Other"),
    "queue: fingerprint": lambda p: _set(_sales(p), "fingerprint", "0" * 16),
    "queue: the values a reviewer saw": lambda p: _set(_sales(p)["fields"][0], "after", "Harmless"),
    "queue: its name as shown": lambda p: _set(_sales(p), "name", "Support"),
    "queue: its wave": lambda p: _set(_sales(p), "order", 7),
    "a change for a queue git does not mention": _add_returns,
    "a change twice": lambda p: p["changes"].append(json.loads(json.dumps(_sales(p)))),
    "two steps swapped": _swap_steps,
    "traffic body: percentages": lambda p: _telephony(p)["Distributions"][0].update(Percentage=0),
    "traffic body: sign-in turned off": lambda p: _group(p)["request"]["body"]["SignInConfig"][
        "Distributions"
    ][1].update(Enabled=False),
    "traffic body: agents dropped": lambda p: _group(p)["request"]["body"].pop("AgentConfig"),
    "traffic request: sent to the other Region": lambda p: _set(_group(p)["request"], "region", WEST),
    "traffic: redirected to another group": _retarget_group,
    "traffic: the group's ARN only": lambda p: _set(_group(p), "resource_arn", OVERFLOW_GROUP_ARN),
    "traffic: kind": lambda p: _set(_group(p), "kind", "queue"),
    "instance: another instance ID": lambda p: _set(
        p["instances"][0]["spec"], "id", "4a1b2c3d-0000-4000-8000-0000000000ff"
    ),
    "instance: Regions swapped": lambda p: p["instances"][0]["spec"].update(region=WEST, replicaRegion=EAST),
    "instance: a role to assume": lambda p: _set(
        p["instances"][0]["spec"], "roleArn", f"arn:aws:iam::{ACCOUNT}:role/attacker"
    ),
    "instance: an endpoint elsewhere": lambda p: _set(
        p["instances"][0]["spec"], "endpoints", {EAST: "https://evil.example"}
    ),
    "instance: the changes moved to an unknown instance": lambda p: [
        c.update(instance="other") for c in p["changes"]
    ],
    "a number claimed to a group swapped in": lambda p: _set(
        _queue_config(p), "OutboundCallerIdNumberId", number_arn(NUMBER_TOLL_FREE)
    ),
    "an update without a request": lambda p: _set(_sales(p), "request", None),
}


@pytest.fixture
def saved(demo_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    state = copy_demo(tmp_path / "state")
    planfile = tmp_path / "plan.json"
    result = invoke("plan", "--state-dir", str(state), "--out", str(planfile), "--format", "json")
    assert result.exit_code == 0, result.stderr
    demo_emulator.clear_calls()
    return state, planfile


def _refused(emu: Emulator, state: Path, planfile: Path, journal: Path) -> str:
    result = apply_saved(planfile, state, journal)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert writes(emu) == []
    assert not journal.exists()  # refused before anything was journalled
    return lines[0]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edited_plan_is_refused_and_nothing_is_written(
    demo_emulator: Emulator, saved: tuple[Path, Path], tmp_path: Path, name: str
) -> None:
    state, planfile = saved
    plan = json.loads(planfile.read_text(encoding="utf-8"))
    EDITS[name](plan)
    planfile.write_text(json.dumps(plan, indent=2, sort_keys=True), encoding="utf-8")

    line = _refused(demo_emulator, state, planfile, tmp_path / "journal.jsonl")

    assert any(
        word in line for word in ("make a new plan", "not a valid saved plan", "not in the desired state")
    )


RAW: dict[str, Callable[[str], str | bytes]] = {
    "JSON nested 100,000 deep": lambda text: "[" * 100_000 + "]" * 100_000,
    "a number of 5,000 digits": lambda text: text.replace(
        '"format_version": 3', '"format_version": ' + "9" * 5000
    ),
    "format_version true": lambda text: text.replace('"format_version": 3', '"format_version": true'),
    "the desired-state digest": lambda text: text.replace('"desired_digest": "', '"desired_digest": "0'),
    "bytes that are not UTF-8": lambda text: text.encode() + b"\xff\xfe",
    "cut in the middle": lambda text: text[: len(text) // 2],
}


@pytest.mark.parametrize("name", sorted(RAW))
def test_a_damaged_plan_file_is_one_clear_error(
    demo_emulator: Emulator, saved: tuple[Path, Path], tmp_path: Path, name: str
) -> None:
    state, planfile = saved
    damaged = RAW[name](planfile.read_text(encoding="utf-8"))
    if isinstance(damaged, bytes):
        planfile.write_bytes(damaged)
    else:
        planfile.write_text(damaged, encoding="utf-8")

    _refused(demo_emulator, state, planfile, tmp_path / "journal.jsonl")


def test_the_untouched_plan_applies(
    demo_emulator: Emulator, saved: tuple[Path, Path], tmp_path: Path
) -> None:
    """The control: the same plan, not edited, is applied (so the refusals above are the edits')."""
    state, planfile = saved
    result = apply_saved(planfile, state, tmp_path / "journal.jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(writes(demo_emulator)) == 3
    assert {DEFAULT_GROUP} <= {w["path"].rsplit("%2F", 1)[-1] for w in writes(demo_emulator)}
