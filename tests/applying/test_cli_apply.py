"""`reconciler apply` through click: saved plans, plan-then-apply, confirmation, refusals, dry run."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connect_emulator.server import Emulator
from reconciler.planning.plan import Plan

from ..support.cli import apply_saved, invoke
from ..support.connect import live_group, live_queue, writes
from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    FLOW_SALES,
    NUMBER_2,
    NUMBER_TOLL_FREE,
    QUEUES,
    number_arn,
)


def save_plan(state_dir: Path, out: Path) -> Plan:
    result = invoke("plan", "--state-dir", str(state_dir), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return Plan.from_json(out.read_text(encoding="utf-8"), str(out))


def assert_demo_applied(emu: Emulator) -> None:
    group = live_group(emu, DEFAULT_GROUP)
    assert group["telephony"] == {"us-east-1": 80, "us-west-2": 20}
    assert group["agents"] == {"us-east-1": 80, "us-west-2": 20}
    assert group["signIn"] == {"us-east-1": True, "us-west-2": True}
    sales = live_queue(emu, "Sales")
    assert (sales["callerIdName"], sales["callerIdNumberId"], sales["outboundFlowId"]) == (
        "AnyCompany Sales Team",
        NUMBER_2,
        FLOW_SALES,
    )
    assert live_queue(emu, "Support")["callerIdNumberId"] == NUMBER_TOLL_FREE


def test_apply_saved_plan_sends_exactly_the_planned_requests(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    plan = save_plan(state_dir, tmp_path / "plan.json")
    assert [c.name for c in plan.updates] == ["anycompany-default", "Sales", "Support"]
    emu.clear_calls()

    journal = tmp_path / "journal.jsonl"
    result = apply_saved(tmp_path / "plan.json", state_dir, journal)

    assert result.exit_code == 0, result.output
    assert "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped." in result.stdout
    assert f"Journal: {journal}" in result.stdout
    sent = writes(emu)
    assert all(c["status"] == 200 for c in sent)
    planned = {
        (
            c.step,
            c.request.operation,
            c.request.region,
            c.request.method,
            c.request.path,
            json.dumps(c.request.body, sort_keys=True),
        )
        for c in plan.updates
        if c.request is not None
    }
    by_path = {p[4]: p for p in planned}
    seen = [
        (
            by_path[c["path"]][0],
            c["operation"],
            c["region"],
            c["method"],
            c["path"],
            json.dumps(c["requestBody"], sort_keys=True),
        )
        for c in sent
    ]
    # Exactly the plan's requests, each once, bodies equal to what the reviewer saw ...
    assert sorted(seen) == sorted(planned)
    assert len(seen) == len(planned)
    # ... in step order (the two queue writes form one batch and may be sent side by side).
    steps = [s[0] for s in seen]
    assert steps[0] == 1
    assert {steps[1], steps[2]} == {2, 3}
    assert_demo_applied(emu)


def test_apply_without_a_file_plans_then_applies(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    result = invoke(
        "apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", str(tmp_path / "j.jsonl")
    )

    assert result.exit_code == 0, result.output
    assert "Apply: 3 applied" in result.stdout
    # --auto-approve still shows the plan first, as `terraform apply -auto-approve` does
    plan_end = result.stdout.index("Plan: 3 to change")
    assert '1. ~ traffic-distribution "anycompany-default"' in result.stdout[:plan_end]
    assert plan_end < result.stdout.index("Apply: 3 applied")
    assert len(writes(emu)) == 3
    assert_demo_applied(emu)
    again = invoke("plan", "--state-dir", str(state_dir), "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_apply_with_nothing_to_do_says_so_and_writes_nothing(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    assert (
        invoke(
            "apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", str(tmp_path / "a.jsonl")
        ).exit_code
        == 0
    )
    emu.clear_calls()
    result = invoke("apply", "--state-dir", str(state_dir), "--journal", str(tmp_path / "b.jsonl"))
    assert result.exit_code == 0
    assert "Nothing to apply." in result.stdout
    assert writes(emu) == []
    assert not (tmp_path / "b.jsonl").exists()


def test_apply_refuses_without_approval_when_there_is_no_terminal(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    journal = tmp_path / "j.jsonl"
    result = invoke("apply", "--state-dir", str(state_dir), "--journal", str(journal), input="yes\n")

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: refusing to apply without confirmation: there is no terminal to ask on; "
        "review the plan and pass --auto-approve (as CI does)"
    ]
    assert "anycompany-default" in result.stdout  # the plan was shown first
    assert writes(emu) == []
    assert not journal.exists()


class TerminalRunner(CliRunner):
    """A CliRunner whose stdin reports being a terminal, so `apply` asks for confirmation."""

    @contextlib.contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with super().isolation(*args, **kwargs) as streams:
            sys.stdin.isatty = lambda: True  # type: ignore[method-assign]
            yield streams


@pytest.mark.parametrize("answer", ["no", "y", "YES please", ""])
def test_apply_on_a_terminal_only_yes_is_accepted(
    emu: Emulator, state_dir: Path, tmp_path: Path, answer: str
) -> None:
    journal = tmp_path / "j.jsonl"
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--journal",
        str(journal),
        input=answer + "\n",
        runner=TerminalRunner(),
    )

    assert result.exit_code == 1
    assert "Apply 3 changes to live Amazon Connect? Only 'yes' is accepted" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Apply cancelled; nothing was changed."
    assert writes(emu) == []
    assert not journal.exists()


def test_apply_on_a_terminal_applies_after_yes(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--journal",
        str(tmp_path / "j.jsonl"),
        input="yes\n",
        runner=TerminalRunner(),
    )

    assert result.exit_code == 0, result.output
    assert "Apply: 3 applied" in result.stdout
    assert_demo_applied(emu)


# --- refused saved plans ------------------------------------------------------------------------


def refused(emu: Emulator, state_dir: Path, planfile: Path, tmp_path: Path) -> str:
    emu.clear_calls()
    journal = tmp_path / "refused.jsonl"
    result = invoke(
        "apply", str(planfile), "--state-dir", str(state_dir), "--auto-approve", "--journal", str(journal)
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert emu.calls() == []  # refused before any call, so certainly no write
    assert not journal.exists()
    return lines[0]


def test_saved_plan_is_refused_when_a_desired_file_changed(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    save_plan(state_dir, planfile)
    queues = state_dir / "anycompany-demo" / "queues.yaml"
    queues.write_text(queues.read_text(encoding="utf-8") + "# a reviewer's afterthought\n", "utf-8")

    message = refused(emu, state_dir, planfile, tmp_path)

    assert message.startswith(f"error: {planfile}: the files in {state_dir} changed since this plan was made")
    assert message.endswith("make a new plan")


def test_saved_plan_is_refused_when_a_desired_file_was_added(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    save_plan(state_dir, planfile)
    (state_dir / "anycompany-demo" / "more.yaml").write_text(
        "queues:\n  Retention:\n    callerIdName: Retention desk\n", "utf-8"
    )

    assert "changed since this plan was made" in refused(emu, state_dir, planfile, tmp_path)


def test_saved_plan_with_an_unknown_format_version_is_refused(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    save_plan(state_dir, planfile)
    doc = json.loads(planfile.read_text(encoding="utf-8"))
    doc["format_version"] = 99
    planfile.write_text(json.dumps(doc), "utf-8")

    message = refused(emu, state_dir, planfile, tmp_path)

    assert message == (
        f"error: {planfile}: plan format version 99 is not supported "
        "(this reconciler reads version 3); make the plan again"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this is not json\n", "not a saved plan: invalid JSON"),
        ('{"changes": [', "not a saved plan: invalid JSON"),
        ("[1, 2]\n", "not a saved plan (no format_version)"),
        ('{"format_version": 2, "changes": "x"}', "not a valid saved plan"),
    ],
)
def test_a_file_that_is_not_a_saved_plan_is_refused(
    emu: Emulator, state_dir: Path, tmp_path: Path, text: str, expected: str
) -> None:
    planfile = tmp_path / "plan.json"
    planfile.write_text(text, "utf-8")

    message = refused(emu, state_dir, planfile, tmp_path)

    assert message.startswith(f"error: {planfile}")
    assert expected in message


def test_a_missing_plan_file_is_one_clear_error(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    message = refused(emu, state_dir, tmp_path / "nope.json", tmp_path)
    assert message.startswith(f"error: cannot read the plan {tmp_path / 'nope.json'}")


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_prints_the_ordered_calls_and_writes_nothing(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    planfile = tmp_path / "plan.json"
    plan = save_plan(state_dir, planfile)
    emu.clear_calls()

    result = invoke(
        "apply",
        str(planfile),
        "--state-dir",
        str(state_dir),
        "--dry-run",
        "--journal",
        str(tmp_path / "j.jsonl"),
    )

    assert result.exit_code == 0, result.output
    assert writes(emu) == []
    assert emu.calls(), "a dry run still refreshes the live state"
    assert not (tmp_path / "j.jsonl").exists()
    out = result.stdout
    assert out.startswith("Dry run: no write is made.")
    positions = []
    for change in plan.updates:
        request = change.request
        assert request is not None
        header = f"  {change.step}. {request.operation} in {request.region}: {request.method} {request.path}"
        assert header in out
        positions.append(out.index(header))
        body = json.dumps(request.body, indent=2, sort_keys=True)
        assert "\n".join(f"     {line}" for line in body.splitlines()) in out
    assert positions == sorted(positions)
    assert f"PUT /traffic-distribution/{DEFAULT_GROUP_ARN.replace(':', '%3A').replace('/', '%2F')}" in out
    assert f"in {EAST}: POST /queues/" in out
    assert number_arn(NUMBER_TOLL_FREE) in out
    assert out.rstrip().endswith("Dry run: 3 calls would be sent.")


def test_dry_run_reports_stale_changes_as_not_sent(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    planfile = tmp_path / "plan.json"
    save_plan(state_dir, planfile)
    emu.set_queue_caller_config("4a1b2c3d-0000-4000-8000-000000000001", QUEUES["Sales"], name="Changed")
    emu.clear_calls()

    result = invoke("apply", str(planfile), "--state-dir", str(state_dir), "--dry-run")

    assert result.exit_code == 1
    assert writes(emu) == []
    assert "Not sent:\n  anycompany-demo/queue/Sales: stale: changed since the plan was made" in result.stdout
    assert "Dry run: 2 calls would be sent; 1 stale." in result.stdout


def test_no_write_is_made_when_the_journal_cannot_be_written(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", "utf-8")
    journal = blocker / "journal.jsonl"

    result = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", str(journal))

    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot write the journal {journal}: ")
    assert writes(emu) == []


def test_a_blocked_change_is_not_applied_and_the_apply_exits_1(emu: Emulator, state_dir: Path) -> None:
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")
    result = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--wait-timeout", "0.5")
    assert result.exit_code == 1
    assert "Apply: 2 applied, 0 already, 0 failed, 0 stale, 1 skipped." in result.stdout
    assert [w["operation"] for w in writes(emu)] == ["UpdateQueueOutboundCallerConfig"] * 2
    assert live_group(emu, DEFAULT_GROUP)["telephony"] == {"us-east-1": 100, "us-west-2": 0}


def test_a_plan_with_only_blocked_changes_exits_1(emu: Emulator, state_dir: Path) -> None:
    assert invoke("apply", "--state-dir", str(state_dir), "--auto-approve").exit_code == 0
    emu.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 100, "us-west-2": 0})
    emu.set_group_status(DEFAULT_GROUP, "UPDATE_IN_PROGRESS")
    emu.clear_calls()
    result = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--wait-timeout", "0.5")
    assert result.exit_code == 1
    assert "Nothing can be applied: 1 blocked change(s), for the reasons shown." in result.stderr
    assert writes(emu) == []
