"""`reconciler plan` against the demo emulator: formats, exit codes, --instance and --out."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from connect_emulator.server import Emulator
from reconciler.desired import loader
from reconciler.planning.plan import Plan

from ..support.cli import invoke
from ..support.demo import DEFAULT_GROUP, EAST, INSTANCE_ID, NUMBER_TOLL_FREE, QUEUES, REPO, WEST

SUMMARY = "Plan: 3 to change, 6 unchanged, 0 blocked.\n"


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch, demo_emulator: Emulator) -> Emulator:
    """The demo emulator, with the working directory at the repository (default --state-dir)."""
    monkeypatch.chdir(REPO)
    return demo_emulator


def _set_live_to_desired(emu: Emulator) -> None:
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="AnyCompany Sales Team")
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Support"], number_id=NUMBER_TOLL_FREE)
    emu.set_traffic_distribution(
        DEFAULT_GROUP,
        telephony={EAST: 80, WEST: 20},
        agents={EAST: 80, WEST: 20},
        sign_in={EAST: True, WEST: True},
    )


def test_text_plan_of_the_demo(in_repo: Emulator) -> None:
    result = invoke("plan", "--no-color")

    assert result.exit_code == 0
    assert result.stdout.endswith("\n\n" + SUMMARY)
    assert result.stdout.count("\n  1. ") == 1
    assert '1. ~ traffic-distribution "anycompany-default"  [traffic-shift, agents-shift]' in result.stdout
    assert '2. ~ queue "Sales"' in result.stdout
    assert '3. ~ queue "Support"' in result.stdout
    assert "\x1b[" not in result.stdout  # --no-color
    assert result.stderr == ""


def test_json_plan_of_the_demo(in_repo: Emulator) -> None:
    result = invoke("plan", "--format", "json")

    assert result.exit_code == 0
    made = Plan.from_json(result.stdout, "stdout")
    assert [(c.step, c.kind.value, c.name) for c in made.changes] == [
        (1, "traffic-distribution", "anycompany-default"),
        (2, "queue", "Sales"),
        (3, "queue", "Support"),
    ]
    assert (made.instances[0].unchanged, made.instances[0].read_calls) == (6, 10)
    assert made.meta is not None
    assert made.meta.state_dir == "desired-state"


def test_markdown_plan_of_the_demo(in_repo: Emulator) -> None:
    result = invoke("plan", "--format", "markdown")

    assert result.exit_code == 0
    assert result.stdout.startswith("<!-- connect-reconciler:plan -->\n## Amazon Connect plan\n")
    assert "\n**Plan: 3 to change, 6 unchanged, 0 blocked.**\n" in result.stdout
    assert (
        "| 2 | queue | `Sales` | callerIdName: `AnyCompany Sales` → `AnyCompany Sales Team` |  |\n"
        in result.stdout
    )
    assert "\x1b[" not in result.stdout


def test_detailed_exitcode_is_2_with_changes_and_0_without(in_repo: Emulator) -> None:
    changed = invoke("plan", "--detailed-exitcode")
    assert changed.exit_code == 2
    assert changed.stdout.endswith(SUMMARY)

    _set_live_to_desired(in_repo)
    unchanged = invoke("plan", "--detailed-exitcode")
    assert unchanged.exit_code == 0
    assert "Plan: 0 to change, 9 unchanged, 0 blocked." in unchanged.stdout

    without_flag = invoke("plan")
    assert without_flag.exit_code == 0


def test_without_detailed_exitcode_changes_exit_0(in_repo: Emulator) -> None:
    assert invoke("plan").exit_code == 0


def test_instance_narrows_the_plan(in_repo: Emulator) -> None:
    result = invoke("plan", "--instance", "anycompany-demo", "--format", "json")
    assert result.exit_code == 0
    assert [i.name for i in Plan.from_json(result.stdout, "stdout").instances] == ["anycompany-demo"]


def test_an_unknown_instance_name_is_one_line_and_no_call(in_repo: Emulator) -> None:
    result = invoke("plan", "--instance", "nope")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: no instance named 'nope' in desired-state (instances: anycompany-demo)\n"
    assert in_repo.calls() == []


def test_out_saves_the_plan_with_its_metadata_and_no_secrets(in_repo: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    result = invoke("plan", "--out", str(out), "--format", "json")

    assert result.exit_code == 0
    assert result.stderr == f"Saved the plan to {out}; apply it with: reconciler apply {out}\n"
    text = out.read_text(encoding="utf-8")
    assert text == result.stdout  # --format json prints exactly what was saved
    saved = json.loads(text)
    assert saved["format_version"] == 3
    assert saved["desired_digest"] == loader.load(REPO / "desired-state").digest
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    assert saved["meta"]["git_commit"] == head.stdout.strip()
    assert saved["meta"]["tool_version"] == "0.1.0"
    created = dt.datetime.fromisoformat(saved["meta"]["created_at"])
    assert before <= created <= dt.datetime.now(dt.UTC)
    fingerprints = [c["fingerprint"] for c in saved["changes"]]
    assert len(fingerprints) == 3
    assert all(re.fullmatch(r"[0-9a-f]{16}", f) for f in fingerprints)
    assert [c["planned_against"] for c in saved["changes"]][1] == {
        "kind": "queue",
        "callerIdName": "AnyCompany Sales",
        "callerIdNumber": "90000000-0000-4000-8000-000000000002",
        "whisperFlow": "f0000000-0000-4000-8000-000000000002",
    }
    # The credentials of the run appear nowhere.
    for secret in ("test-secret", "AKIATESTTESTTEST0000"):
        assert secret not in text
    assert not list(tmp_path.glob(".plan.json.tmp-*"))
    # Everything apply needs to reach the instance travels in the plan.
    assert saved["instances"][0]["spec"] == {
        "name": "anycompany-demo",
        "id": "4a1b2c3d-0000-4000-8000-000000000001",
        "region": "us-east-1",
        "replicaRegion": "us-west-2",
        "accountId": "111122223333",
    }
    assert saved["instances"][0]["read_region"] == "us-east-1"


def test_out_outside_a_git_work_tree_has_no_commit(
    in_repo: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "desired-state", tmp_path / "state")
    monkeypatch.chdir(tmp_path)

    result = invoke("plan", "--state-dir", "state", "--out", "plan.json")

    assert result.exit_code == 0
    assert result.stdout.endswith(SUMMARY)
    saved = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert saved["meta"]["git_commit"] is None
    assert saved["meta"]["state_dir"] == "state"
    assert saved["desired_digest"] == loader.load(REPO / "desired-state").digest  # same files, same digest


def test_out_to_a_missing_folder_is_one_line(in_repo: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "plan.json"
    result = invoke("plan", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {out}: No such file or directory\n"


def test_a_blocked_group_is_shown_without_a_step_and_leaves_nothing_to_apply(in_repo: Emulator) -> None:
    _set_live_to_desired(in_repo)
    in_repo.set_traffic_distribution(
        DEFAULT_GROUP, telephony={EAST: 100, WEST: 0}, status="UPDATE_IN_PROGRESS"
    )

    result = invoke("plan", "--detailed-exitcode", "--no-color", "--wait-timeout", "0.5")

    assert result.exit_code == 0  # exit 2 means "apply has something to do"; a blocked change alone: 0
    assert result.stdout.endswith("Plan: 0 to change, 8 unchanged, 1 blocked.\n")
    assert "group is UPDATE_IN_PROGRESS; Connect only changes ACTIVE groups" in result.stdout
    assert "\n  1. " not in result.stdout
