"""Drift reports rendered from hostile names: the drift issue and the CI log read them literally.

Queue names and caller IDs come from Connect, where anyone with console access can type them, and
the markdown report becomes the body of a GitHub issue. A name must not forge a table row, ping a
team, open a link or repaint a terminal.
"""

from __future__ import annotations

import json
import re

import pytest

from reconciler.planning.drift import DriftReport, FieldDifference, Finding, FindingKind
from reconciler.planning.plan import Kind
from reconciler.render.drift import render_drift

HOSTILE = "Sales\n| forged | row | x | y |\x1b[2J @acme/oncall [click](https://evil.example) `x`"


def report() -> DriftReport:
    return DriftReport(
        instances=("demo",),
        managed=2,
        findings=(
            Finding(
                instance="demo",
                kind=Kind.QUEUE,
                name="Sales",
                finding=FindingKind.DIFFERS,
                fields=(FieldDifference(field="callerIdName", live=HOSTILE, desired="AnyCompany Sales"),),
                source="desired-state/demo/queues.yaml:3",
            ),
            Finding(instance="demo", kind=Kind.QUEUE, name=HOSTILE, finding=FindingKind.UNMANAGED),
            Finding(
                instance="demo",
                kind=Kind.QUEUE,
                name="Support",
                finding=FindingKind.UNRESOLVED,
                message=f"no flow named {HOSTILE!r} in demo (us-east-1)",
                source="desired-state/demo/queues.yaml:9",
            ),
        ),
    )


def test_markdown_keeps_every_finding_on_its_own_row_and_links_nothing() -> None:
    out = render_drift(report(), "markdown")

    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3  # header, rule, one row per finding: no forged row
    assert not any(line.startswith("| forged") for line in out.splitlines())
    assert "\x1b" not in out
    for row in rows[2:]:
        # every `|` that is not a cell border is escaped, so each row has exactly 5 borders
        assert row.replace("\\|", "").count("|") == 5, row
    # names and values are code spans (shown literally: no link, mention or emphasis); prose is escaped
    literal = (
        "Sales\\n\\| forged \\| row \\| x \\| y \\|\\u001b[2J @acme/oncall [click](https://evil.example) `x`"
    )
    assert rows[2:] == [
        f"| differs | `demo/queue/Sales` |  | callerIdName: `` {literal} `` → `AnyCompany Sales` |",
        f"| unmanaged | `` demo/queue/{literal} `` |  |  |",
        "| unresolved | `demo/queue/Support` |  | no flow named 'Sales\\\\n\\| forged \\| row \\| x \\| y "
        "\\|\\\\x1b\\[2J `@acme/oncall` `[click](https://evil.example)` \\`x\\`' in demo (us-east-1) |",
    ]


def test_text_spells_out_control_characters() -> None:
    out = render_drift(report(), "text")

    assert "\x1b" not in out
    assert out.count("\n| forged") == 0
    assert "  ! demo/queue/Sales\\n| forged | row | x | y |\\u001b[2J @acme/oncall" in out
    assert '      callerIdName: live "Sales\\n| forged | row | x | y |\\u001b[2J' in out


def test_json_keeps_the_raw_values() -> None:
    data = json.loads(render_drift(report(), "json"))

    assert data["findings"][0]["fields"][0]["live"] == HOSTILE
    assert data["findings"][1]["name"] == HOSTILE
    assert data["has_drift"] is True


@pytest.mark.parametrize("name", ["@org/team", "https://evil.example", "www.evil.example", "org/repo#12"])
def test_markdown_neither_mentions_nor_links_a_queue_named_after_a_team_or_a_url(name: str) -> None:
    """In the drift issue, `@org/team` would notify a whole team and a bare URL would be a link:
    GitHub finds both in the rendered text, where a backslash no longer stands before them."""
    drifted = DriftReport(
        instances=("demo",),
        managed=1,
        findings=(
            Finding(instance="demo", kind=Kind.QUEUE, name=name, finding=FindingKind.UNMANAGED),
            Finding(
                instance="demo",
                kind=Kind.QUEUE,
                name="Sales",
                finding=FindingKind.UNRESOLVED,
                message=f"no flow named {name!r} in demo",
            ),
            Finding(
                instance="demo",
                kind=Kind.QUEUE,
                name="Support",
                finding=FindingKind.DIFFERS,
                fields=(FieldDifference(field="callerIdName", live=name, desired="Support"),),
            ),
        ),
        notes=(f"{name}: us-east-1 unreachable",),
    )

    out = render_drift(drifted, "markdown")

    # Outside code spans, nothing GitHub links or notifies from is left.
    outside = re.sub(r"(`+)(?:(?!\1).)+?\1", "", out)
    assert name not in outside
    assert "@" not in outside and "://" not in outside and "www." not in outside and "#12" not in outside
    assert f"`demo/queue/{name}`" in out  # the name is still there, literally
    assert f"no flow named `'{name}'` in demo" in out


def test_markdown_fits_the_limit_by_dropping_rows_and_saying_how_many() -> None:
    many = DriftReport(
        instances=("demo",),
        managed=500,
        findings=tuple(
            Finding(instance="demo", kind=Kind.QUEUE, name=f"Queue {n:03}", finding=FindingKind.UNMANAGED)
            for n in range(500)
        ),
    )
    whole = render_drift(many, "markdown")
    assert "not shown" not in whole

    out = render_drift(many, "markdown", limit=4000)

    assert len(whole) > 4000 >= len(out)
    rows = [line for line in out.splitlines() if line.startswith("| unmanaged |")]
    assert 10 < len(rows) < 500
    assert rows[0] == "| unmanaged | `demo/queue/Queue 000` |  |  |"  # rows go from the end
    assert out.endswith(
        f"_{500 - len(rows)} more findings not shown, to fit the 4,000-character limit of a GitHub "
        "issue: run `reconciler drift` for the whole report._\n"
    )
    assert len(render_drift(many, "markdown", limit=30)) <= 30
