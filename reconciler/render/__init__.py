"""Renderers: pure functions from a `Plan` to the text a person or a program reads.

`render(plan, fmt)` is the one entry point the CLI uses for `--format`; each format lives in its own
module: `text` for terminals (Terraform-like, optional colour), `markdown` for pull-request comments
(risks first, within GitHub's size limit), `json` for machines and saved plans. Beside them:
`comment` puts several plans in one comment within a budget, `failure` renders a plan that could
not be made (and its GitHub annotations), `drift` the drift report, `apply` apply's output. None
of them does I/O or reads a clock, so the same plan always renders to the same string
(golden-file tested).
"""

from __future__ import annotations

from reconciler.errors import ReconcilerError
from reconciler.planning.plan import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

FORMATS = ("text", "markdown", "json")

__all__ = ["FORMATS", "render", "render_json", "render_markdown", "render_text"]


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """The plan in format `fmt` (one of FORMATS); `color` applies to text only."""
    if fmt == "text":
        return render_text(plan, color=color)
    if fmt == "markdown":
        return render_markdown(plan)
    if fmt == "json":
        return render_json(plan)
    raise ReconcilerError(f"unknown plan format {fmt!r}: choose one of {', '.join(FORMATS)}")
