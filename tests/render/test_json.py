"""The JSON renderer is the saved-plan format: it round-trips and refuses versions it does not know."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.errors import ReconcilerError
from reconciler.planning.plan import FORMAT_VERSION, Plan
from reconciler.render.json import render_json

from .plans import CASES, huge_plan

DOC = Path(__file__).parents[2] / "docs" / "plan-format.md"


@pytest.mark.parametrize("case", sorted(set(CASES) - {"huge"}))
def test_round_trip(case: str) -> None:
    plan = CASES[case]()
    text = render_json(plan)
    again = Plan.from_json(text, "plan.json")
    assert again == plan
    assert render_json(again) == text


def test_huge_round_trip() -> None:
    plan = huge_plan(300)
    assert Plan.from_json(render_json(plan), "plan.json") == plan


def test_stable_and_versioned() -> None:
    text = render_json(CASES["demo"]())
    raw = json.loads(text)
    assert raw["format_version"] == FORMAT_VERSION == 3
    assert text == json.dumps(raw, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("version", "shown"), [(1, "1"), (4, "4"), (True, "True"), ("2", "'2'"), (2.0, "2.0")]
)
def test_unknown_format_version_is_refused_clearly(version: object, shown: str) -> None:
    raw = json.loads(render_json(CASES["demo"]()))
    raw["format_version"] = version
    with pytest.raises(ReconcilerError) as caught:
        Plan.from_json(json.dumps(raw), "plans/prod.json")
    message = str(caught.value)
    assert message.startswith(f"plans/prod.json: plan format version {shown} is not supported")
    assert "reads version 3" in message and "make the plan again" in message


def test_not_a_plan_is_refused() -> None:
    with pytest.raises(ReconcilerError, match="no format_version"):
        Plan.from_json("{}", "x.json")
    with pytest.raises(ReconcilerError, match=r"x.json:1: not a saved plan: invalid JSON"):
        Plan.from_json("{", "x.json")


def _doc_example() -> str:
    match = re.search(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert match, "docs/plan-format.md has no ```json example"
    return match.group(1)


def test_documented_example_is_a_valid_plan() -> None:
    plan = Plan.from_json(_doc_example(), str(DOC))
    assert plan.format_version == 3
    assert {c.kind.value for c in plan.changes} == {"traffic-distribution", "queue"}


def test_documentation_names_every_field() -> None:
    doc = DOC.read_text(encoding="utf-8")
    raw = json.loads(_doc_example())
    keys = set(raw) | set(raw["instances"][0]) | set(raw["meta"])
    for change in raw["changes"]:
        keys |= set(change) | set(change["fields"][0])
        if change["request"]:
            keys |= set(change["request"])
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, f"undocumented fields: {missing}"
