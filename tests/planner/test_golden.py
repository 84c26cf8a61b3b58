"""The demo plan, end to end: `reconciler plan` against the demo emulator, in every format, compared
with the reviewed files in golden/ (demo.txt, demo.md, demo.json).

Only what changes from run to run is normalised: the time the plan was made becomes `<created_at>`
and the git commit `<git_commit>`. Everything else (IDs, requests, fingerprints, the desired-state
digest, the number of API calls) is compared byte for byte, so a change in the reader, the planner
or a renderer shows up as a diff of these files. Regenerate with
`UPDATE_GOLDEN=1 pytest tests/planner/test_golden.py` and read the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from connect_emulator.server import Emulator
from reconciler.app import run as workflow
from reconciler.planning.plan import Plan

from .cli import invoke
from .helpers import REPO

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def _normalise(fmt: str, output: str, commit: str) -> str:
    if fmt == "json":
        data = json.loads(output)
        assert TIMESTAMP.fullmatch(data["meta"]["created_at"])
        assert data["meta"]["git_commit"] == commit
        data["meta"]["created_at"] = "<created_at>"
        data["meta"]["git_commit"] = "<git_commit>"
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert len(TIMESTAMP.findall(output)) == 1, "the plan's time appears once"
    output = TIMESTAMP.sub("<created_at>", output)
    for length in (40, 12, 7):  # full, then the abbreviations renderers may show
        output = output.replace(commit[:length], "<git_commit>")
    return output


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_demo_plan_golden(fmt: str, demo_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    commit = workflow.git_commit("desired-state")
    assert commit is not None, "the golden test runs in the project's git work tree"

    result = invoke("plan", "--format", fmt, "--no-color")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rendered = _normalise(fmt, result.stdout, commit)
    path = GOLDEN / f"demo.{SUFFIX[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/planner/test_golden.py"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if intended, run UPDATE_GOLDEN=1"
    )


def test_the_json_golden_is_a_loadable_saved_plan() -> None:
    data = json.loads((GOLDEN / "demo.json").read_text(encoding="utf-8"))
    data["meta"]["created_at"] = "2024-01-01T00:00:00+00:00"
    data["meta"]["git_commit"] = None
    made = Plan.from_json(json.dumps(data), "demo.json")
    assert [c.step for c in made.changes] == [1, 2, 3]
    assert made.to_json() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
