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


# --- the scope: the PR's plan and the merge's plan from the commit last applied ----------------------


def test_the_pr_plan_and_the_merge_plan_use_the_same_scope_from_a_shared_record() -> None:
    pr, merge = load(WORKFLOWS / "plan.yml"), load(WORKFLOWS / "apply.yml")
    for workflow in (pr, merge):
        # the record lives beside the lock, in a table every runner reaches (never a runner's disk)
        assert workflow["env"]["RECONCILER_LOCK"] == "dynamodb://${{ vars.CONNECT_LOCK_TABLE }}"
        job = workflow["jobs"]["plan"]
        assert "--changed-since applied" in job_script(job, "reconciler plan")
        checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0  # the recorded commit must be in the history
    # the PR's plan is kept as reviewed; the merge's plan passes it back with --reviewed
    pr_job = pr["jobs"]["plan"]
    assert '--out "reviewed/$INSTANCE.plan.json"' in job_script(pr_job, "reconciler plan")
    kept = next(
        s
        for s in pr_job["steps"]
        if str(s.get("uses", "")).startswith("actions/upload-artifact@") and "reviewed" in str(s)
    )
    assert kept["with"]["name"] == "reviewed-plan-${{ matrix.target.name }}"
    assert kept["with"]["path"] == "reviewed/"
    merge_job = merge["jobs"]["plan"]
    found = next(s for s in merge_job["steps"] if s.get("id") == "reviewed")
    assert "reviewed-plan.js" in found["with"]["script"]
    fetched = next(
        s for s in merge_job["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@")
    )
    assert fetched["with"]["name"] == "reviewed-plan-${{ matrix.target.name }}"
    assert fetched["with"]["run-id"] == "${{ steps.reviewed.outputs.run-id }}"
    assert fetched["continue-on-error"] is True  # none found: an unreviewed plan, still approved
    assert '--reviewed "reviewed/$INSTANCE.plan.json"' in job_script(merge_job, "reconciler plan")
    # by hand, `everything` is the deliberate revert of drift (and the first record of an instance)
    scope = triggers(merge)["workflow_dispatch"]["inputs"]["scope"]
    assert scope["options"] == ["applied", "everything"] and scope["default"] == "applied"


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


# --- every job is bounded -------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_every_job_has_a_timeout(path: Path) -> None:
    """A hung job holds its runner, and an apply's concurrency slot, for GitHub's six hours."""
    for job_id, job in load(path)["jobs"].items():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 120, f"{path.name}: {job_id}"


# --- approve what you see --------------------------------------------------------------------------


def job_script(job: dict[str, Any], command: str) -> str:
    (script,) = [s["run"] for s in job["steps"] if command in s.get("run", "")]
    assert isinstance(script, str)
    return script


def test_apply_on_merge_plans_first_then_applies_that_saved_plan_behind_the_approval() -> None:
    workflow = load(WORKFLOWS / "apply.yml")
    jobs = workflow["jobs"]
    plan, apply = jobs["plan"], jobs["apply"]

    # the plan: read-only role, no environment (so no approval is needed to see it), saved
    assert "environment" not in plan
    assert plan["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "actions": "read",  # the reviewed plan artifact of the merged pull request's plan run
        "pull-requests": "read",
    }
    assert "CONNECT_PLAN_ROLE_ARN" in str(plan["steps"]) and "CONNECT_APPLY_ROLE_ARN" not in str(plan)
    planned = job_script(plan, "reconciler plan")
    assert '--out "plans/$INSTANCE.plan.json"' in planned
    assert "scope=(--changed-since applied)" in planned
    assert "github.event.before" not in str(workflow) and "BEFORE" not in planned
    assert '>> "$GITHUB_STEP_SUMMARY"' in planned  # the approver reads the plan in the run summary
    upload = next(s for s in plan["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "plan-${{ matrix.target.name }}"
    assert upload["with"]["path"] == "plans/${{ matrix.target.name }}.plan.json"

    # the apply: after the plan, in the protected environment, with that artifact, never planning
    assert "plan" in apply["needs"]
    assert apply["environment"] == "connect-production"
    assert apply["concurrency"] == {
        "group": "connect-apply-${{ matrix.target.name }}",
        "cancel-in-progress": False,
    }
    download = next(
        s for s in apply["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@")
    )
    assert download["with"] == {"name": "plan-${{ matrix.target.name }}", "path": "plans"}
    applied = job_script(apply, "reconciler apply")
    assert 'reconciler apply "plans/$INSTANCE.plan.json" --auto-approve' in applied
    assert "reconciler plan" not in str(apply) and "--changed-since" not in applied
    assert '>> "$GITHUB_STEP_SUMMARY"' in applied

    # the results reach the merged pull request
    report = jobs["report"]
    assert set(report["needs"]) >= {"apply"} and "always()" in report["if"]
    assert report["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "apply-results.js" in str(report["steps"])


def test_only_jobs_in_the_protected_environment_can_reach_the_apply_role() -> None:
    for path in FILES:
        for job_id, job in load(path)["jobs"].items():
            if "CONNECT_APPLY_ROLE_ARN" in str(job):
                assert job.get("environment") == "connect-production", f"{path.name}: {job_id}"
            if job.get("permissions", {}).get("id-token") == "write" and job.get("environment") is None:
                assert "CONNECT_PLAN_ROLE_ARN" in str(job), f"{path.name}: {job_id}"


def test_the_pull_request_comment_is_rendered_by_show_within_githubs_limit() -> None:
    workflow = load(WORKFLOWS / "plan.yml")
    comment = workflow["jobs"]["comment"]

    rendered = job_script(comment, "reconciler show")
    assert "reconciler show results/*.json --format markdown --max-chars 65000 > comment.md" in rendered
    assert "missing-results" in rendered
    script = next(s for s in comment["steps"] if str(s.get("uses", "")).startswith("actions/github-script@"))
    assert "plan-comment.js" in script["with"]["script"]
    assert ".slice(" not in str(workflow) and "65536" not in str(workflow)  # no cutting by hand
    # plan errors reach the comment: the plan step runs after a failed login, and is uploaded
    plan = workflow["jobs"]["plan"]
    step = next(s for s in plan["steps"] if "reconciler plan" in s.get("run", ""))
    assert step["if"] == "${{ !cancelled() }}" and "--format json" in step["run"]
    assert comment["if"] == "${{ !cancelled() }}"


def test_risk_labels_are_opt_in_through_a_repository_variable() -> None:
    comment = load(WORKFLOWS / "plan.yml")["jobs"]["comment"]
    script = next(s for s in comment["steps"] if str(s.get("uses", "")).startswith("actions/github-script@"))

    assert script["env"]["LABELS"] == "${{ vars.CONNECT_PR_LABELS == 'true' }}"
    assert "process.env.LABELS === 'true' ? 'labels.txt' : null" in script["with"]["script"]
    assert "reconciler show results/*.json --labels > labels.txt" in job_script(comment, "--labels")


def test_the_drift_issue_hears_of_every_instance_even_failed_ones() -> None:
    workflow = load(WORKFLOWS / "drift.yml")
    drift, issue = workflow["jobs"]["drift"], workflow["jobs"]["issue"]

    step = next(s for s in drift["steps"] if "reconciler drift" in s.get("run", ""))
    assert step["if"] == "${{ !cancelled() }}"
    assert '"drift/$INSTANCE.exit"' in step["run"] and "--max-chars" in step["run"]
    assert "success()" not in str(issue.get("if")) and "!cancelled()" in issue["if"]
    assert "drift-issue.js" in str(issue["steps"])
