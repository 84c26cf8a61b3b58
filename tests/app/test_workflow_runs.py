"""The workflows' own shell steps, run with bash against the emulator, job after job.

The YAML's structure is checked in test_workflows.py; here the `run:` scripts themselves run, as
the runner runs them (`bash -e`), with the `env:` the workflow gives them, the job summary in a
file, and the artifacts passed between jobs as folders: so "the apply job applies the plan the
plan job saved, and nothing else" is tested on the scripts that do it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from connect_emulator.server import Emulator
from reconciler.app.environment import applied_store, lock_backend
from reconciler.applying.applied import new_record
from reconciler.applying.lock import lock_key
from reconciler.applying.overrides import FileOverrides
from reconciler.planning.override import OverriddenGroup, Override
from reconciler.planning.values import GroupValues
from reconciler.render.markdown import MARKER

from ..support.demo import ACCOUNT, DEFAULT_GROUP, EAST, INSTANCE, INSTANCE_ID, QUEUES, WORKFLOWS, edit_yaml
from .helpers import VENV_BIN, free_port

NODE = shutil.which("node")
SCRIPTS = WORKFLOWS.parent / "scripts"
TARGETS = json.dumps([{"name": INSTANCE}, {"name": "anycompany-eu"}])


def step(workflow: str, job: str, name_or_command: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    for found in doc["jobs"][job]["steps"]:
        if found.get("name") == name_or_command or name_or_command in found.get("run", ""):
            assert isinstance(found, dict)
            return found
    raise AssertionError(f"{workflow}: {job}: no step {name_or_command!r}")


def run_step(found: dict[str, Any], cwd: Path, summary: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The step's script under `bash -e`, with its `env:` keys set from `env` (the test's values
    for the workflow's expressions) and the virtualenv's `reconciler` and `python` first on PATH."""
    assert set(found.get("env", {})) <= set(env), found.get("env")
    environ = {
        **os.environ,
        **env,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(summary.with_suffix(".output")),
    }
    return subprocess.run(
        ["bash", "-e", "-c", found["run"]],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def artifact(source: Path, dest: Path) -> Path:
    """download-artifact with merge-multiple: the files of an uploaded folder, into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copy(path, dest / path.name)
    return dest


@pytest.fixture
def jobs(workdir: Path, state_dir: Path) -> dict[str, Path]:
    """One checkout of the repository per job (they share nothing but artifacts)."""
    folders = {}
    for job in ("targets", "plan", "comment", "apply", "drift", "issue"):
        folder = workdir / job
        shutil.copytree(state_dir, folder / "desired-state")
        folders[job] = folder
    return folders


# --- apply on merge: approve what you see -----------------------------------------------------------


def test_the_apply_job_applies_the_saved_plan_and_never_plans_again(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    planned = run_step(
        step("apply.yml", "plan", "plan"), jobs["plan"], summary, INSTANCE=INSTANCE, SCOPE="everything"
    )

    assert planned.returncode == 0, planned.stderr
    saved = jobs["plan"] / "plans" / f"{INSTANCE}.plan.json"
    assert saved.is_file()
    shown = summary.read_text(encoding="utf-8")
    assert shown.startswith("> [!NOTE]\n> No reviewed plan")  # a run by hand has no pull request
    assert f"\n\n{MARKER}\n## Amazon Connect plan\n" in shown

    # While the approval waits, someone changes Sales in the console. The approver saw a plan that
    # renames Sales from the old value: apply must not overwrite the new one, nor plan again.
    demo_emulator.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (console)")
    artifact(saved.parent, jobs["apply"] / "plans")
    summary.write_text("", encoding="utf-8")

    applied = run_step(step("apply.yml", "apply", "apply"), jobs["apply"], summary, INSTANCE=INSTANCE)

    assert applied.returncode == 1, applied.stderr
    results = jobs["apply"] / "results"
    text = (results / f"{INSTANCE}.txt").read_text(encoding="utf-8")
    assert "Apply: 2 applied, 0 already, 0 failed, 1 stale, 0 skipped." in text
    assert (results / f"{INSTANCE}.exit").read_text(encoding="utf-8") == "1\n"
    assert "stale" in (results / f"{INSTANCE}.log").read_text(encoding="utf-8")  # progress kept too
    queue = demo_emulator.state.instances[0].queue(QUEUES["Sales"])
    assert queue is not None and queue.caller_id_name == "Sales (console)"
    shown = summary.read_text(encoding="utf-8")
    assert shown.startswith(f"## Apply: {INSTANCE} (exit 1)\n\n    ")
    assert "    Apply: 2 applied, 0 already, 0 failed, 1 stale, 0 skipped." in shown
    assert (jobs["apply"] / "journal" / f"{INSTANCE}.jsonl").is_file()
    # names were printed with workflow commands paused, and commands resumed after
    stop, *_, resume = [line for line in applied.stdout.splitlines() if line.startswith("::")]
    token = stop.removeprefix("::stop-commands::")
    assert len(token) == 32 and resume == f"::{token}::"


def test_the_apply_job_refuses_a_plan_made_from_other_files(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    assert (
        run_step(
            step("apply.yml", "plan", "plan"), jobs["plan"], summary, INSTANCE=INSTANCE, SCOPE="everything"
        ).returncode
        == 0
    )
    artifact(jobs["plan"] / "plans", jobs["apply"] / "plans")
    edit_yaml(
        jobs["apply"] / "desired-state" / "anycompany-demo" / "queues.yaml", lambda d: d["queues"].pop("VIP")
    )
    demo_emulator.clear_calls()

    applied = run_step(step("apply.yml", "apply", "apply"), jobs["apply"], summary, INSTANCE=INSTANCE)

    assert applied.returncode == 1
    text = (jobs["apply"] / "results" / f"{INSTANCE}.txt").read_text(encoding="utf-8")
    assert "changed since this plan was made" in text  # the error reaches the results comment
    assert [c for c in demo_emulator.calls() if str(c["operation"]).startswith("Update")] == []


# --- the scope: the PR's plan, reviewed, and the merge's plan ----------------------------------------


def committed_and_recorded(folder: Path) -> str:
    """`folder` as a git checkout whose parent commit, from before its desired state, is recorded as
    the last applied to the instance: the whole desired state is in the scope."""
    steps = (
        ["init", "-q"],
        ["commit", "-q", "--allow-empty", "-m", "start"],
        ["rev-parse", "HEAD"],
        ["add", "."],
        ["commit", "-qm", "state"],
    )
    for args in steps[:2]:
        subprocess.run(
            ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            check=True,
            capture_output=True,
        )
    start = subprocess.run(
        ["git", "-C", str(folder), *steps[2]], check=True, capture_output=True, text=True
    ).stdout.strip()
    for args in steps[3:]:
        subprocess.run(
            ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            check=True,
            capture_output=True,
        )
    key = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"
    applied_store(lock_backend("file")).write(new_record(key, INSTANCE, start, "test"))
    return start


def test_the_merge_plan_holds_what_changed_in_connect_since_the_pr_plan_was_reviewed(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    committed_and_recorded(jobs["plan"])
    pr = run_step(step("plan.yml", "plan", "plan"), jobs["plan"], summary, INSTANCE=INSTANCE)
    assert pr.returncode == 0, pr.stderr
    reviewed = jobs["plan"] / "reviewed" / f"{INSTANCE}.plan.json"
    assert json.loads(reviewed.read_text(encoding="utf-8"))["meta"]["changed_since"] == "applied"
    # After the review, someone changes Sales in the console; the pull request is merged.
    demo_emulator.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (console)")
    merge = jobs["apply"]
    committed_and_recorded(merge)
    artifact(reviewed.parent, merge / "reviewed")
    summary.write_text("", encoding="utf-8")

    planned = run_step(step("apply.yml", "plan", "plan"), merge, summary, INSTANCE=INSTANCE, SCOPE="applied")

    assert planned.returncode == 0, planned.stderr
    saved = json.loads((merge / "plans" / f"{INSTANCE}.plan.json").read_text(encoding="utf-8"))
    sales = next(c for c in saved["changes"] if c["name"] == "Sales")
    assert sales["action"] == "blocked" and "changed in Connect since the reviewed plan" in sales["reason"]
    assert "unreviewed" not in summary.read_text(encoding="utf-8")

    # Without the pull request's plan (none found), the plan says it is unreviewed.
    shutil.rmtree(merge / "reviewed")
    summary.write_text("", encoding="utf-8")
    planned = run_step(step("apply.yml", "plan", "plan"), merge, summary, INSTANCE=INSTANCE, SCOPE="applied")
    assert planned.returncode == 0, planned.stderr
    assert "this plan is unreviewed" in summary.read_text(encoding="utf-8")


def test_the_merge_plan_refuses_without_a_recorded_commit(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    subprocess.run(["git", "-C", str(jobs["apply"]), "init", "-q"], check=True)
    planned = run_step(
        step("apply.yml", "plan", "plan"), jobs["apply"], summary, INSTANCE=INSTANCE, SCOPE="applied"
    )
    assert planned.returncode == 1
    assert "no commit was ever recorded as applied to anycompany-demo" in planned.stderr


# --- the pull-request plan comment -------------------------------------------------------------------


def test_plan_jobs_and_the_comment_job_make_one_comment_naming_every_instance(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    committed_and_recorded(jobs["plan"])
    planned = run_step(step("plan.yml", "plan", "plan"), jobs["plan"], summary, INSTANCE=INSTANCE)
    assert planned.returncode == 0, planned.stderr  # 2 (changes) is not a failure
    assert summary.read_text(encoding="utf-8").startswith(MARKER)
    # anycompany-eu's job died before planning: it left no result
    artifact(jobs["plan"] / "results", jobs["comment"] / "results")

    rendered = run_step(step("plan.yml", "comment", "render"), jobs["comment"], summary, TARGETS=TARGETS)

    assert rendered.returncode == 0, rendered.stderr
    comment = (jobs["comment"] / "comment.md").read_text(encoding="utf-8")
    assert len(comment) <= 65000 and comment.count(MARKER) == 1
    assert f"- `{INSTANCE}`: 3 to change (traffic-shift, agents-shift)\n" in comment
    assert "- `anycompany-eu`: **failed** (1 problem)\n" in comment
    assert "the plan job stopped before it produced a plan" in comment
    assert (jobs["comment"] / "labels.txt").read_text(encoding="utf-8") == "traffic-shift\nagents-shift\n"


def test_invalid_yaml_reaches_the_comment_and_the_diff(jobs: dict[str, Path], workdir: Path) -> None:
    summary = workdir / "summary.md"
    queues = jobs["targets"] / "desired-state" / "anycompany-demo" / "queues.yaml"
    edit_yaml(queues, lambda doc: doc["queues"]["Sales"].update(callerIdNumber="12"))

    validated = run_step(step("plan.yml", "targets", "validate"), jobs["targets"], summary)

    assert validated.returncode == 1
    annotation = next(line for line in validated.stderr.splitlines() if line.startswith("::error "))
    assert annotation.startswith("::error file=desired-state/anycompany-demo/queues.yaml,line=")
    artifact(jobs["targets"] / "results", jobs["comment"] / "results")

    rendered = run_step(step("plan.yml", "comment", "render"), jobs["comment"], summary, TARGETS="")

    assert rendered.returncode == 0, rendered.stderr
    comment = (jobs["comment"] / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith(f"{MARKER}\n## Amazon Connect plan\n\n> [!CAUTION]\n> **The plan failed**")
    assert "- `desired-state/anycompany-demo/queues.yaml:" in comment and "callerIdNumber" in comment


# --- the drift check ----------------------------------------------------------------------------------


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_each_instances_drift_result_reaches_the_issue_failed_or_not(
    demo_emulator: Emulator, jobs: dict[str, Path], workdir: Path
) -> None:
    summary = workdir / "summary.md"
    drift_step = step("drift.yml", "drift", "drift")
    folder = jobs["drift"] / "drift"
    # one instance's job cannot reach Connect at all (its files are renamed to stand for it) ...
    unreachable = f"http://127.0.0.1:{free_port()}"
    failed = run_step(
        drift_step,
        jobs["drift"],
        summary,
        INSTANCE=INSTANCE,
        JOBS="2",
        LOCK="",  # no RECONCILER_LOCK variable: the runner's own lock folder
        AWS_ENDPOINT_URL_CONNECT=unreachable,
    )
    assert failed.returncode == 1  # the job fails, and its result is still written
    (folder / f"{INSTANCE}.md").rename(folder / "anycompany-eu.md")
    (folder / f"{INSTANCE}.exit").rename(folder / "anycompany-eu.exit")
    # ... the other finds the unapplied demo: drift (2) is a result, not a failure
    # ... and a break-glass failover overrode its default group: the issue shows who, why, and how to adopt
    locks = workdir / "locks"
    FileOverrides(locks).create(
        Override(
            key=lock_key(ACCOUNT, EAST, INSTANCE_ID),
            instance=INSTANCE,
            instance_id=INSTANCE_ID,
            to_region="us-west-2",
            groups=(
                OverriddenGroup(
                    name="anycompany-default",
                    id=DEFAULT_GROUP,
                    arn="",
                    values=GroupValues(),
                    before=GroupValues(),
                ),
            ),
            reason="INC-7",
            user="oncall@laptop",
            at="2026-12-01T03:00:00+00:00",
            written_from="us-west-2",
            token="t",
        )
    )
    drifted = run_step(
        drift_step, jobs["drift"], summary, INSTANCE=INSTANCE, JOBS="2", LOCK=f"file://{locks}"
    )
    assert drifted.returncode == 0, drifted.stderr
    assert (folder / f"{INSTANCE}.exit").read_text(encoding="utf-8") == "2\n"
    assert len((folder / f"{INSTANCE}.md").read_text(encoding="utf-8")) <= 30000

    program = f"""
const fake = require({json.dumps(str(Path(__file__).with_name("fake_github.js")))});
const {{ updateDriftIssue }} = require({json.dumps(str(SCRIPTS / "drift-issue.js"))});
(async () => {{
  const github = fake.fakeGithub();
  const targets = JSON.parse(process.env.TARGETS).map((target) => target.name);
  await updateDriftIssue({{ github, context: fake.fakeContext(), core: fake.core, dir: 'drift', targets }});
  process.stdout.write(JSON.stringify(github.calls));
}})();
"""
    assert NODE is not None
    done = subprocess.run(
        [NODE, "-e", program],
        cwd=jobs["drift"],
        env={**os.environ, "TARGETS": TARGETS},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (created,) = [c["params"] for c in json.loads(done.stdout) if c["name"] == "create"]
    body = created["body"]
    assert "**Drift check: 2 instances: 1 differ from git, 1 could not be checked.**" in body
    assert f"## Amazon Connect drift: `{INSTANCE}`" in body
    assert "**Drift: 3 findings (2 differs, 1 overridden).**" in body
    assert "INC-7" in body and f"reconciler failover --instance {INSTANCE} --adopt" in body
    assert (
        "**The drift check for `anycompany-demo` failed**" in body
        and "cannot reach the Connect endpoint" in body
    )
