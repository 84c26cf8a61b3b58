"""The `render` entry point: the formats it offers, dispatch, and purity of every renderer."""

from __future__ import annotations

import pytest

from reconciler.errors import ReconcilerError
from reconciler.render import FORMATS, render, render_json, render_markdown, render_text

from .plans import CASES, demo_plan


def test_formats() -> None:
    assert FORMATS == ("text", "markdown", "json")


def test_dispatch() -> None:
    plan = demo_plan()
    assert render(plan, "text") == render_text(plan)
    assert render(plan, "text", color=True) == render_text(plan, color=True)
    assert render(plan, "markdown") == render_markdown(plan)
    assert render(plan, "json") == render_json(plan)


def test_unknown_format() -> None:
    with pytest.raises(
        ReconcilerError, match="unknown plan format 'yaml': choose one of text, markdown, json"
    ):
        render(demo_plan(), "yaml")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(set(CASES) - {"huge"}))
def test_pure(case: str, fmt: str) -> None:
    """Same plan, same output; and rendering leaves the plan as it was."""
    plan = CASES[case]()
    before = plan.model_dump()
    first = render(plan, fmt)
    assert render(plan, fmt) == first
    assert render(CASES[case](), fmt) == first
    assert plan.model_dump() == before
