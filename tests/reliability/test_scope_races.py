"""The three ways apply on merge used to lose or revert a change, replayed in a temporary git repo.

(a) A push whose apply failed (or whose pending run was cancelled) must not have its change held
back forever: `--changed-since applied` scopes from the commit last applied, so the next push's
run applies it. (b) A scope that cannot be taken (an all-zero or unknown revision, no record, a
damaged record) refuses with exit 1 before any write, never widens to "everything changed".
(c) A change made in Connect after the pull request's plan was reviewed is held back, not
overwritten, when the merge plans with `--reviewed`. End to end: the CLI, real boto3, the emulator.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from connect_emulator.server import Emulator
from reconciler.app.environment import applied_store, lock_backend

from ..support.cli import invoke
from ..support.connect import live_group, live_queue, writes
from ..support.demo import ACCOUNT, DEFAULT_GROUP, DEMO_STATE, EAST, INSTANCE_ID, QUEUES

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"
QUEUES_FILE = Path("desired-state") / "anycompany-demo" / "queues.yaml"
FAIL_QUEUE_WRITES = {
    "scripted": [
        {
            "operation": "UpdateQueueOutboundCallerConfig",
            "nth": [1, 2, 3, 4, 5, 6],
            "status": 400,
            "code": "InvalidParameterException",
        }
    ]
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(DEMO_STATE, root / "desired-state")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "demo")
    return root


def run(repo: Path, *args: str) -> Result:
    return invoke(*args, "--state-dir", str(repo / "desired-state"))


def apply(repo: Path, journal: Path, *args: str) -> Result:
    return run(repo, "apply", "--auto-approve", "--journal", str(journal), *args)


def commit_caller_name(repo: Path, queue: str, name: str) -> str:
    path = repo / QUEUES_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["queues"][queue]["callerIdName"] = name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    git(repo, "commit", "-qam", f"{queue}: {name}")
    return git(repo, "rev-parse", "HEAD")


def recorded() -> str | None:
    found = applied_store(lock_backend("file")).read(KEY)
    return found.commit if found is not None else None


def test_a_failed_apply_keeps_its_change_in_the_next_pushs_scope(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    first = apply(repo, tmp_path / "j0")
    assert first.exit_code == 0, first.output
    start = git(repo, "rev-parse", "HEAD")
    assert recorded() == start
    assert "recorded " + start[:12] + " as the last commit applied" in first.stdout
    # An emergency failover in the console: outside git, and never to be reverted by a merge.
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})

    # Push B renames Sales; its apply fails (Connect refuses the queue write).
    pushed_b = commit_caller_name(repo, "Sales", "Sales B")
    demo_emulator.set_faults(FAIL_QUEUE_WRITES)
    failed = apply(repo, tmp_path / "j1", "--changed-since", "applied")
    assert failed.exit_code == 1, failed.output
    assert recorded() == start  # a failed apply records nothing
    demo_emulator.set_faults(None)

    # Push C renames Support, and push D renames Billing; D's run cancels C's pending one.
    pushed_c = commit_caller_name(repo, "Support", "Support C")
    commit_caller_name(repo, "Billing", "Billing D")

    # The event's `before` (C) would hold Sales and Support back as "changed outside git".
    by_before = run(repo, "plan", "--changed-since", pushed_c)
    assert "Plan: 1 to change" in by_before.stdout, by_before.output
    demo_emulator.clear_calls()

    # D's run scopes from the commit last applied: B's and C's changes are applied with D's.
    nxt = apply(repo, tmp_path / "j2", "--changed-since", "applied")
    assert nxt.exit_code == 0, nxt.output
    assert live_queue(demo_emulator, "Sales")["callerIdName"] == "Sales B"
    assert live_queue(demo_emulator, "Support")["callerIdName"] == "Support C"
    assert live_queue(demo_emulator, "Billing")["callerIdName"] == "Billing D"
    assert live_group(demo_emulator, DEFAULT_GROUP)["telephony"] == {"us-east-1": 0, "us-west-2": 100}
    assert {w["operation"] for w in writes(demo_emulator)} == {"UpdateQueueOutboundCallerConfig"}
    assert recorded() == git(repo, "rev-parse", "HEAD") != pushed_b


def test_a_saved_plan_scoped_by_the_record_replays_and_records(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert apply(repo, tmp_path / "j0").exit_code == 0
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    commit_caller_name(repo, "Sales", "Sales B")
    out = tmp_path / "merge.plan.json"
    planned = run(repo, "plan", "--changed-since", "applied", "--out", str(out))
    assert planned.exit_code == 0, planned.output
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["changed_since"] == "applied"
    assert meta["applied_commits"] == {"anycompany-demo": git(repo, "rev-parse", "HEAD~1")}

    applied = apply(repo, tmp_path / "j1", str(out))

    assert applied.exit_code == 0, applied.output
    assert recorded() == git(repo, "rev-parse", "HEAD")
    assert live_group(demo_emulator, DEFAULT_GROUP)["telephony"] == {"us-east-1": 0, "us-west-2": 100}


@pytest.mark.parametrize("case", ["all-zero", "unknown-commit", "no-record", "damaged-record"])
def test_a_scope_that_cannot_be_taken_is_refused_never_widened(
    demo_emulator: Emulator, repo: Path, tmp_path: Path, case: str
) -> None:
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    store = applied_store(lock_backend("file"))
    scope = "applied"
    if case == "all-zero":
        scope = "0" * 40
    elif case == "unknown-commit":  # history rewritten since the record was written
        assert apply(repo, tmp_path / "j0").exit_code == 0
        record = store.read(KEY)
        assert record is not None
        store.write(record.model_copy(update={"commit": "1" * 40}))
    elif case == "damaged-record":
        assert apply(repo, tmp_path / "j0").exit_code == 0
        Path(store.where(KEY)).write_text('{"format_version": 1, "commit": 7}', encoding="utf-8")
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    commit_caller_name(repo, "Sales", "Sales B")
    demo_emulator.clear_calls()

    refused = apply(repo, tmp_path / "j1", "--changed-since", scope)

    assert refused.exit_code == 1
    assert writes(demo_emulator) == []
    assert live_group(demo_emulator, DEFAULT_GROUP)["telephony"] == {"us-east-1": 0, "us-west-2": 100}
    line = refused.stderr.strip()
    assert "\n" not in line and line.startswith("error: ")
    expected = {
        "all-zero": "not a commit",
        "unknown-commit": "git does not know this revision",
        "no-record": "no commit was ever recorded as applied to anycompany-demo",
        "damaged-record": "is damaged (",
    }[case]
    assert expected in line


def test_a_change_made_after_review_is_held_not_overwritten(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert apply(repo, tmp_path / "j0").exit_code == 0
    start = recorded()
    # The pull request renames Sales and Support; its plan is reviewed and approved.
    commit_caller_name(repo, "Sales", "Sales PR")
    commit_caller_name(repo, "Support", "Support PR")
    reviewed = tmp_path / "pr.plan.json"
    pr_plan = run(repo, "plan", "--changed-since", "applied", "--out", str(reviewed))
    assert pr_plan.exit_code == 0, pr_plan.output
    assert "Plan: 2 to change" in pr_plan.stdout
    # After the review, someone fixes Sales in the console.
    demo_emulator.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (console fix)")

    merge = tmp_path / "merge.plan.json"
    merged = run(repo, "plan", "--changed-since", "applied", "--reviewed", str(reviewed), "--out", str(merge))
    assert merged.exit_code == 0, merged.output
    assert "changed in Connect since the reviewed plan" in merged.stdout
    demo_emulator.clear_calls()
    applied = apply(repo, tmp_path / "j1", str(merge))

    assert applied.exit_code == 1  # held: not everything asked for was done
    assert live_queue(demo_emulator, "Sales")["callerIdName"] == "Sales (console fix)"
    assert live_queue(demo_emulator, "Support")["callerIdName"] == "Support PR"
    assert [w["operation"] for w in writes(demo_emulator)] == ["UpdateQueueOutboundCallerConfig"]
    assert recorded() == start  # so the next push's scope still holds the Sales change


def test_a_reviewed_plan_that_is_not_a_plan_is_refused(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    bogus = tmp_path / "pr.plan.json"
    bogus.write_text('{"errors": []}', encoding="utf-8")
    result = run(repo, "plan", "--reviewed", str(bogus))
    assert result.exit_code == 1
    assert result.stderr == f"error: {bogus}: not a saved plan (no format_version)\n"
    assert demo_emulator.calls() == []  # refused before reading Connect


def test_a_push_with_nothing_to_write_records_its_commit(
    demo_emulator: Emulator, repo: Path, tmp_path: Path
) -> None:
    assert apply(repo, tmp_path / "j0").exit_code == 0
    demo_emulator.set_traffic_distribution(DEFAULT_GROUP, telephony={"us-east-1": 0, "us-west-2": 100})
    path = repo / QUEUES_FILE
    path.write_text(path.read_text(encoding="utf-8") + "# reviewed by the contact-centre team\n", "utf-8")
    git(repo, "commit", "-qam", "a comment")
    demo_emulator.clear_calls()

    result = apply(repo, tmp_path / "j1", "--changed-since", "applied")

    assert result.exit_code == 0, result.output
    assert "Nothing to apply." in result.stdout
    assert writes(demo_emulator) == []  # the failover, changed outside git, is held back
    assert recorded() == git(repo, "rev-parse", "HEAD")
