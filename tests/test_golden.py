"""Every golden file, checked by one runner under one rule (`tests/support/golden.py`).

Four families of reviewed output live under `tests/golden/`:
- `desired/<case>.txt`: what `reconciler validate` prints for each broken tree in
  `tests/desired/cases/` (paths relative to that folder, the working directory of the run);
- `render/<case>.<ext>`: each hand-built plan of `tests/render/plans.py` in each format;
- `plan/demo.<ext>`: `reconciler plan` against the demo emulator, end to end, with only the time
  and the git commit normalised, so a change in the reader, the planner or a renderer shows up;
- `comment/<case>.md`: what `reconciler show --format markdown` makes of several saved plans and
  failed plans, within a budget (the pull-request comment).

After changing output on purpose: `UPDATE_GOLDEN=1 pytest tests/test_golden.py`, then read the diff.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from connect_emulator.server import Emulator
from reconciler.app.git import git_commit
from reconciler.planning.plan import Plan
from reconciler.render import FORMATS, render
from reconciler.render.comment import render_comment
from reconciler.render.failure import Failure, Problem

from .render.plans import CASES as PLANS
from .render.plans import demo_plan, huge_plan, no_changes_plan, two_instances_plan
from .support import golden
from .support.cli import invoke
from .support.demo import REPO

GOLDEN = Path(__file__).parent / "golden"
DESIRED_CASES = Path(__file__).parent / "desired" / "cases"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


# --- desired state: validation messages ------------------------------------------------------


def _desired_cases() -> list[str]:
    return sorted(p.name for p in DESIRED_CASES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _desired_cases())
def test_validation_messages(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DESIRED_CASES)
    result = invoke("validate", "--state-dir", case)
    golden.check(GOLDEN / "desired" / f"{case}.txt", result.stderr)
    assert (result.exit_code, result.stdout) == (1, "")
    *lines, summary = result.stderr.splitlines()
    errors = [line for line in lines if not line.startswith("  ")]  # "  ": a YAML error's excerpt
    assert errors
    assert all(line.startswith(f"error: {case}") for line in errors)
    assert summary == f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found; nothing was changed"


def test_every_validation_golden_has_a_case() -> None:
    assert sorted(p.stem for p in (GOLDEN / "desired").glob("*.txt")) == _desired_cases()


# --- renderers: hand-built plans -------------------------------------------------------------

# The huge plan has a Markdown golden only: its text and JSON would be megabytes of repetition.
PAIRS = [(case, fmt) for case in PLANS for fmt in FORMATS if case != "huge" or fmt == "markdown"]


@pytest.mark.parametrize(("case", "fmt"), PAIRS, ids=[f"{c}-{f}" for c, f in PAIRS])
def test_rendered_plans(case: str, fmt: str) -> None:
    golden.check(GOLDEN / "render" / f"{case}.{SUFFIX[fmt]}", render(PLANS[case](), fmt))


# --- several plans in one comment ------------------------------------------------------------

FAILED = Failure(
    instance="anycompany-eu",
    errors=(
        Problem(
            file="desired-state/anycompany-eu/instance.yaml",
            line=16,
            message="trafficDistributionGroups.eu-default.telephony: percentages sum to 90, must be 100",
        ),
        Problem(
            message="anycompany-eu: AccessDeniedException: not authorized to perform connect:SearchQueues"
        ),
    ),
)
COMMENTS: dict[str, tuple[Callable[[], list[Plan | Failure]], int]] = {
    "three_instances": (lambda: [demo_plan(), FAILED, no_changes_plan()], 65536),
    "shared_budget": (lambda: [huge_plan(), two_instances_plan(), FAILED], 12000),
    "failed_alone": (lambda: [FAILED], 65536),
}


@pytest.mark.parametrize("case", list(COMMENTS))
def test_comments(case: str) -> None:
    documents, limit = COMMENTS[case]
    text = render_comment(documents(), limit=limit)
    assert len(text) <= limit
    golden.check(GOLDEN / "comment" / f"{case}.md", text)


# --- the demo plan, end to end ---------------------------------------------------------------


def _normalise(fmt: str, output: str, commit: str) -> str:
    if fmt == "json":
        data = json.loads(output)
        assert TIMESTAMP.fullmatch(data["meta"]["created_at"])
        assert data["meta"]["git_commit"] in (commit, f"{commit}-dirty")
        data["meta"]["created_at"] = "<created_at>"
        data["meta"]["git_commit"] = "<git_commit>"
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert len(TIMESTAMP.findall(output)) == 1, "the plan's time appears once"
    output = TIMESTAMP.sub("<created_at>", output).replace("-dirty", "")
    for length in (40, 12, 7):  # full, then the abbreviations renderers may show
        output = output.replace(commit[:length], "<git_commit>")
    return output


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_demo_plan(fmt: str, demo_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    commit = git_commit("desired-state")
    assert commit is not None, "the golden test runs in the project's git work tree"
    commit = commit.removesuffix("-dirty")

    result = invoke("plan", "--format", fmt, "--no-color")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    golden.check(GOLDEN / "plan" / f"demo.{SUFFIX[fmt]}", _normalise(fmt, result.stdout, commit))


def test_the_demo_plan_golden_is_a_loadable_saved_plan() -> None:
    data = json.loads((GOLDEN / "plan" / "demo.json").read_text(encoding="utf-8"))
    data["meta"]["created_at"] = "2024-01-01T00:00:00+00:00"
    data["meta"]["git_commit"] = None
    made = Plan.from_json(json.dumps(data), "demo.json")
    assert [c.step for c in made.changes] == [1, 2, 3]
    assert made.to_json() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
