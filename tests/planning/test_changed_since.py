"""`--changed-since REV`: apply on merge writes what the merge changed and never reverts drift."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from connect_emulator.server import Emulator
from reconciler.cli import cli

from ..support.demo import DEMO_STATE

DEFAULT_GROUP = "7d000000-0000-4000-8000-000000000001"
INSTANCE = "4a1b2c3d-0000-4000-8000-000000000001"
SALES = "0e000000-0000-4000-8000-000000000002"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(DEMO_STATE, root / "desired-state")
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "demo")
    return root


def run(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--state-dir", str(repo / "desired-state")])


def commit_sales_rename(repo: Path) -> None:
    path = repo / "desired-state" / "anycompany-demo" / "queues.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["queues"]["Sales"]["callerIdName"] = "AnyCompany Sales EMEA"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "rename Sales")


def test_apply_on_merge_changes_what_git_changed_and_holds_back_a_failover(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert run(repo, "apply", "--auto-approve", "--journal", str(tmp_path / "j1")).exit_code == 0
    # An emergency failover in the console, then a merge that only renames a caller ID.
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    before = git(repo, "rev-parse", "HEAD")
    commit_sales_rename(repo)
    demo_emulator.clear_calls()

    planned = run(repo, "plan", "--changed-since", before)
    assert planned.exit_code == 0, planned.stderr
    assert "not changed in git since" in planned.stdout
    assert "Plan: 1 to change, 7 unchanged, 1 blocked." in planned.stdout

    applied = run(
        repo, "apply", "--auto-approve", "--changed-since", before, "--journal", str(tmp_path / "j2")
    )
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    writes = [c for c in demo_emulator.calls() if c["operation"].startswith("Update")]
    assert [w["operation"] for w in writes] == ["UpdateQueueOutboundCallerConfig"]
    live = demo_emulator.state.to_dict()["instances"][0]
    group = next(g for g in live["trafficDistributionGroups"] if g["id"] == DEFAULT_GROUP)
    assert group["telephony"] == {"us-east-1": 0, "us-west-2": 100}  # the failover stays
    sales = next(q for q in live["queues"] if q["id"] == SALES)
    assert sales["callerIdName"] == "AnyCompany Sales EMEA"

    # Reverting the failover stays possible, on purpose, without the flag.
    reverted = run(repo, "apply", "--auto-approve", "--journal", str(tmp_path / "j3"))
    assert reverted.exit_code == 0
    live = demo_emulator.state.to_dict()["instances"][0]
    group = next(g for g in live["trafficDistributionGroups"] if g["id"] == DEFAULT_GROUP)
    assert group["telephony"] == {"us-east-1": 80, "us-west-2": 20}


def test_a_resource_whose_yaml_changed_is_applied_even_if_live_also_drifted(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert run(repo, "apply", "--auto-approve", "--journal", str(tmp_path / "j1")).exit_code == 0
    demo_emulator.set_queue_caller_config(INSTANCE, SALES, name="Console edit")
    before = git(repo, "rev-parse", "HEAD")
    commit_sales_rename(repo)
    result = run(
        repo, "apply", "--auto-approve", "--changed-since", before, "--journal", str(tmp_path / "j2")
    )
    assert result.exit_code == 0
    live = demo_emulator.state.to_dict()["instances"][0]
    assert next(q for q in live["queues"] if q["id"] == SALES)["callerIdName"] == "AnyCompany Sales EMEA"


def test_an_all_zero_revision_is_refused_not_widened_to_everything(
    demo_emulator: Emulator, repo: Path
) -> None:
    # GitHub's "before" of a new branch. Treating it as "everything changed" once reverted an
    # emergency failover on an unrelated merge: a scope that cannot be taken is refused.
    result = run(repo, "plan", "--changed-since", "0" * 40)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: --changed-since {'0' * 40}: not a commit")
    assert demo_emulator.calls() == []  # refused before reading anything


def test_a_revision_whose_desired_state_does_not_load_is_refused(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    path = repo / "desired-state" / "anycompany-demo" / "queues.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "  Broken: {callerIdName: }\n", encoding="utf-8")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "broken")
    broken = git(repo, "rev-parse", "HEAD")
    path.write_text(good, encoding="utf-8")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "fixed")

    result = run(repo, "apply", "--auto-approve", "--changed-since", broken, "--journal", str(tmp_path / "j"))

    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: --changed-since {broken}: the desired state at that revision does not load"
    )
    assert [c for c in demo_emulator.calls() if c["operation"].startswith("Update")] == []


def test_a_state_dir_added_after_the_revision_counts_as_all_new(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README").write_text("x", encoding="utf-8")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "start")
    first = git(root, "rev-parse", "HEAD")
    shutil.copytree(DEMO_STATE, root / "desired-state")

    planned = run(root, "plan", "--changed-since", first)

    assert planned.exit_code == 0, planned.stderr
    assert "Plan: 3 to change" in planned.stdout
    assert "not changed in git" not in planned.stdout


def test_renaming_the_instance_does_not_make_all_of_it_changed(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert run(repo, "apply", "--auto-approve", "--journal", str(tmp_path / "j1")).exit_code == 0
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    before = git(repo, "rev-parse", "HEAD")
    path = repo / "desired-state" / "anycompany-demo" / "instance.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["instance"]["name"] = "anycompany-prod"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "rename the instance")

    planned = run(repo, "plan", "--changed-since", before, "--detailed-exitcode")

    assert planned.exit_code == 0, planned.stderr  # a held-back change alone: nothing to apply
    assert "Plan: 0 to change, 8 unchanged, 1 blocked." in planned.stdout  # the failover is held


def test_an_unknown_revision_is_a_clear_error(demo_emulator: Emulator, repo: Path) -> None:
    result = run(repo, "plan", "--changed-since", "no-such-rev")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --changed-since no-such-rev: git does not know this revision (fetch more history)\n"
    )


def test_a_saved_plan_cannot_be_reshaped(demo_emulator: Emulator, repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert run(repo, "plan", "--out", str(out)).exit_code == 0
    result = run(repo, "apply", str(out), "--changed-since", "HEAD")
    assert result.exit_code == 1
    assert "a saved plan is applied as it was made" in result.stderr


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside.yaml"])
def test_a_revision_with_a_link_out_of_the_tree_is_refused_in_one_line(
    demo_emulator: Emulator, repo: Path, tmp_path: Path, target: str
) -> None:
    link = repo / "desired-state" / "anycompany-demo" / "extra.yaml"
    link.symlink_to(target)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "a link")
    linked = git(repo, "rev-parse", "HEAD")
    link.unlink()
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "no link")

    result = run(repo, "apply", "--auto-approve", "--changed-since", linked, "--journal", str(tmp_path / "j"))

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: --changed-since {linked}: the desired state at that revision")
    assert "internal error" not in result.stderr
    assert [c for c in demo_emulator.calls() if c["operation"].startswith("Update")] == []
