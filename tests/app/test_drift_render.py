"""Drift reports rendered from hostile names: the drift issue and the CI log read them literally.

Queue names and caller IDs come from Connect, where anyone with console access can type them, and
the markdown report becomes the body of a GitHub issue. A name must not forge a table row, ping a
team, open a link or repaint a terminal.
"""

from __future__ import annotations

import json

from reconciler.planning.drift import DriftReport, Finding, FindingKind
from reconciler.planning.plan import FieldChange, Kind
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
                finding=FindingKind.CHANGED,
                fields=(FieldChange(field="callerIdName", before=HOSTILE, after="AnyCompany Sales"),),
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
        f"| changed | `demo/queue/Sales` |  | callerIdName: `` {literal} `` → `AnyCompany Sales` |",
        f"| unmanaged | `` demo/queue/{literal} `` |  |  |",
        "| unresolved | `demo/queue/Support` |  | no flow named 'Sales\\\\n\\| forged \\| row \\| x \\| y "
        "\\|\\\\x1b\\[2J @acme/oncall \\[click\\](https://evil.example) \\`x\\`' in demo (us-east-1) |",
    ]


def test_text_spells_out_control_characters() -> None:
    out = render_drift(report(), "text")

    assert "\x1b" not in out
    assert out.count("\n| forged") == 0
    assert "  ! demo/queue/Sales\\n| forged | row | x | y |\\u001b[2J @acme/oncall" in out
    assert '      callerIdName: live "Sales\\n| forged | row | x | y |\\u001b[2J' in out


def test_json_keeps_the_raw_values() -> None:
    data = json.loads(render_drift(report(), "json"))

    assert data["findings"][0]["fields"][0]["before"] == HOSTILE
    assert data["findings"][1]["name"] == HOSTILE
    assert data["has_drift"] is True
