"""The Markdown renderer: GitHub's size limit, escaping of user text, risks up front."""

from __future__ import annotations

import re

import pytest

from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown

from .plans import demo_plan, hostile_names_plan, huge_plan, two_instances_plan

NOTE = "Shortened to fit the"


def test_huge_plan_fits_a_github_comment() -> None:
    text = render_markdown(huge_plan())
    assert len(text) <= GITHUB_COMMENT_LIMIT == 65536
    assert "**Plan: 3000 to change, 2000 unchanged, 0 blocked.**" in text
    assert "**Risks:** none." in text
    assert NOTE in text and "the details of all 3000 changes" in text
    assert "`reconciler plan --format text`" in text and "saved plan artifact" in text
    assert "<details>" not in text  # details are dropped before any table row
    shown = len(re.findall(r"^\| \d+ \| queue \|", text, flags=re.MULTILINE))
    assert 100 < shown < 3000
    assert f"{3000 - shown} of 3000 table rows are not shown" in text
    assert "`Queue 0001`" in text  # rows go from the end


def test_small_plan_is_not_shortened() -> None:
    text = render_markdown(demo_plan())
    assert NOTE not in text
    assert text.count("<details>") == 5


@pytest.mark.parametrize("limit", [5000, 3000, 2000, 1500])
def test_custom_limit_drops_details_then_rows_and_keeps_the_head(limit: int) -> None:
    full = render_markdown(demo_plan())
    text = render_markdown(demo_plan(), limit=limit)
    assert len(full) > limit >= len(text)
    assert NOTE in text and f"{limit:,}-character limit" in text
    assert "**Plan: 4 to change, 5 unchanged, 1 blocked.**" in text
    assert "> - **failover** (1): `anycompany-overflow`" in text
    assert "- `anycompany-campaigns`: group is UPDATE\\_IN\\_PROGRESS" in text
    if "<details>" in text:  # some details kept: then every row is too
        assert text.count("| queue |") == 2


def test_partial_details_keep_plan_order() -> None:
    summaries = re.findall(r"<summary>(\w+ ?\d*):", render_markdown(demo_plan()))
    assert summaries == ["Blocked", "Step 1", "Step 2", "Step 3", "Step 4"]
    text = render_markdown(demo_plan(), limit=3500)
    kept = re.findall(r"<summary>(\w+ ?\d*):", text)
    assert 0 < len(kept) < 5 and kept == summaries[: len(kept)]
    assert f"the details of {5 - len(kept)} of 5 changes are not shown" in text


@pytest.mark.parametrize("limit", [1, 50, 200, 600])
def test_tiny_limit_is_still_respected(limit: int) -> None:
    assert len(render_markdown(huge_plan(50), limit=limit)) <= limit


def test_risks_up_front_with_counts_and_resources() -> None:
    text = render_markdown(demo_plan())
    risks = text.index("> [!CAUTION]")
    assert risks < text.index("| step |")
    assert "> - **traffic-shift** (2): `anycompany-default`, `anycompany-overflow`" in text
    assert "> - **agents-shift** (1): `anycompany-default`" in text
    assert "- `anycompany-overflow`: agents stay at us-east-1 50%" in text


def test_two_instances_name_the_instance() -> None:
    text = render_markdown(two_instances_plan())
    assert "> - **sign-in-disabled** (1): `anycompany-eu-default` in `anycompany-eu`" in text
    assert "### `anycompany-eu`: eu-central-1 → replica eu-west-2" in text


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "| queue |" in line]


def _cells(row: str) -> list[str]:
    """Split a table row the way GitHub does: at pipes not escaped by a backslash."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_user_text_cannot_break_tables_or_inject_html() -> None:
    text = render_markdown(hostile_names_plan())
    for row in _table_rows(text):
        assert len(_cells(row)) == 5, row
    assert "| `Sales \\| EMEA` |" in text
    assert "`<script>alert('x')</script>`" in text  # a code span: shown, never run
    assert (
        "<summary>Step 2: queue <code>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</code></summary>"
        in text
    )
    assert "``` Tier `2` ``support`` ```" in text  # a longer fence around backticks
    assert "`</details> [link](http://x) @octocat #1`" in text
    assert "flow name \\<b\\>bold\\</b\\> \\| pipes \\`ticks\\` and \\_underscores\\_" in text
    assert "\x1b" not in text and "\u202e" not in text


def test_outside_code_spans_no_raw_html_from_users() -> None:
    text = render_markdown(hostile_names_plan())
    outside = re.sub(r"(`+)(?:(?!\1).)+?\1", "", text)  # drop code spans
    outside = re.sub(r"```json\n.*?\n```", "", outside, flags=re.DOTALL)
    assert "<script" not in outside and "<b>" not in outside
    assert outside.count("<details>") == outside.count("</details>") == 4


def test_request_body_is_exact_json() -> None:
    text = render_markdown(demo_plan())
    assert '"OutboundCallerIdName": "AnyCompany Sales Team",' in text
    assert '{"Percentage": 80, "Region": "us-east-1"},' in text
