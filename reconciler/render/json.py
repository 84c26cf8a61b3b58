"""The plan as JSON: the versioned format that `plan --out` saves and `apply PLANFILE` executes.

The format is `Plan.to_json()` itself (documented field by field in docs/plan-format.md), so what a
CI job parses from `--format json` and what apply reads back are one and the same: sorted keys,
two-space indent, a final newline, and `format_version` so that a reader can refuse what it does not
know. This module exists so that the CLI picks every format the same way, through `render`.
"""

from __future__ import annotations

from reconciler.planning.plan import Plan


def render_json(plan: Plan) -> str:
    """The saved-plan JSON (format_version 1): stable byte for byte for the same plan."""
    return plan.to_json()
