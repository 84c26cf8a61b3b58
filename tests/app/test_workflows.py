"""The GitHub Actions workflows: schema-valid, zizmor-clean, and shaped the way the README promises.

Schema and security checks run the real tools from the virtualenv, offline: check-jsonschema with
its vendored GitHub workflow schema, and zizmor without network audits.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..support.demo import REPO, WORKFLOWS
from .helpers import VENV_BIN

FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
NAMES = [p.name for p in FILES]
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on:` key as the boolean True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), on
    return on


def steps(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def test_the_four_workflows_exist() -> None:
    assert set(NAMES) >= {"ci.yml", "plan.yml", "apply.yml", "drift.yml"}


def test_workflows_match_the_github_workflow_schema() -> None:
    done = run_tool(
        str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, FILES)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_zizmor_offline_has_no_findings() -> None:
    done = run_tool(str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOWS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_top_level_permissions_and_no_pull_request_target(path: Path) -> None:
    workflow = load(path)

    assert "permissions" in workflow, f"{path.name}: no top-level permissions"
    assert "pull_request_target" not in triggers(workflow)
    # top-level grants no write access: jobs ask for what they need, each for itself
    top = workflow["permissions"]
    assert top in ({}, "read-all") or (isinstance(top, dict) and "write" not in top.values()), top
    for job_id, job in workflow["jobs"].items():
        assert "write-all" not in str(job.get("permissions", "")), f"{path.name}: {job_id}"


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_every_action_is_pinned_to_a_commit_sha(path: Path) -> None:
    workflow = load(path)
    uses = [step["uses"] for _, step in steps(workflow) if "uses" in step]
    uses += [job["uses"] for job in workflow["jobs"].values() if "uses" in job]

    assert uses, path.name
    unpinned = [u for u in uses if not u.startswith("./") and not SHA_PIN.match(u)]
    assert unpinned == []


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_no_expression_is_interpolated_into_a_run_script(path: Path) -> None:
    workflow = load(path)
    scripts = [(job_id, step["run"]) for job_id, step in steps(workflow) if "run" in step]
    scripts += [
        (job_id, step["with"]["script"])
        for job_id, step in steps(workflow)
        if str(step.get("uses", "")).startswith("actions/github-script@")
    ]

    assert scripts, path.name
    injected = [
        (job_id, EXPRESSION.findall(script)) for job_id, script in scripts if EXPRESSION.search(script)
    ]
    assert injected == []


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    workflow = load(path)
    for job_id, step in steps(workflow):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert (step.get("with") or {}).get("persist-credentials") is False, job_id


def test_plan_runs_on_pull_requests_that_touch_desired_state() -> None:
    workflow = load(WORKFLOWS / "plan.yml")

    on = triggers(workflow)
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == ["desired-state/**"]
    plan_job = workflow["jobs"]["plan"]
    assert plan_job["permissions"] == {"contents": "read", "id-token": "write"}  # read-only role
    script = next(s["run"] for s in plan_job["steps"] if "reconciler plan" in s.get("run", ""))
    assert "--detailed-exitcode" in script
    assert '--instance "$INSTANCE"' in script


def test_apply_is_serialised_and_behind_an_environment() -> None:
    workflow = load(WORKFLOWS / "apply.yml")

    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["paths"] == ["desired-state/**"]
    apply_jobs = [j for j in workflow["jobs"].values() if "reconciler apply" in str(j.get("steps"))]
    assert len(apply_jobs) == 1
    job = apply_jobs[0]
    concurrency = job.get("concurrency") or workflow.get("concurrency")
    assert concurrency and concurrency["group"]
    assert concurrency["cancel-in-progress"] is False  # never cancel an apply half-way
    assert job["environment"]
    script = next(s["run"] for s in job["steps"] if "reconciler apply" in s.get("run", ""))
    assert "--auto-approve" in script and "--journal" in script


def test_drift_runs_on_a_schedule_and_on_demand() -> None:
    workflow = load(WORKFLOWS / "drift.yml")

    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert [len(entry["cron"].split()) for entry in on["schedule"]] == [5]
    drift_job = workflow["jobs"]["drift"]
    assert drift_job["permissions"] == {"contents": "read", "id-token": "write"}
    script = next(s["run"] for s in drift_job["steps"] if "reconciler drift" in s.get("run", ""))
    assert "--format markdown" in script
    assert "reconciler apply" not in str(workflow)  # the drift check never reverts anything
    # one run at a time, never cancelled: two runs at once could each open a drift issue
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert "${{" not in workflow["concurrency"]["group"]  # one group for all runs


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_matrix_values_reach_scripts_through_env(name: str) -> None:
    workflow = load(WORKFLOWS / name)
    matrix_jobs = [j for j in workflow["jobs"].values() if "matrix" in j.get("strategy", {})]

    assert matrix_jobs, name
    for job in matrix_jobs:
        assert job["strategy"]["matrix"]["target"] == "${{ fromJSON(needs.targets.outputs.matrix) }}"
        run_steps = [s for s in job["steps"] if "run" in s and "$INSTANCE" in s["run"]]
        assert run_steps
        for step in run_steps:
            assert step["env"]["INSTANCE"] == "${{ matrix.target.name }}"


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_the_matrix_comes_from_reconciler_targets(name: str) -> None:
    workflow = load(WORKFLOWS / name)
    targets = workflow["jobs"]["targets"]

    assert targets["outputs"]["matrix"] == "${{ steps.targets.outputs.matrix }}"
    step = next(s for s in targets["steps"] if s.get("id") == "targets")
    assert step["run"] == 'echo "matrix=$(reconciler targets --json)" >> "$GITHUB_OUTPUT"'
