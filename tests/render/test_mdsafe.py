"""Untrusted text into GitHub Markdown: code spans, escaped prose, HTML, fenced JSON."""

from __future__ import annotations

import re

import pytest

from reconciler.render import mdsafe as md


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("Sales", "`Sales`"),
        ("a`b", "``a`b``"),
        ("`edge`", "`` `edge` ``"),
        ("x``y", "```x``y```"),
        ("<script>", "`<script>`"),
        ("line\nbreak", "`line\\nbreak`"),
        ("", "(empty)"),
    ],
)
def test_code_span(value: str, span: str) -> None:
    assert md.code(value) == span


def _cells(row: str) -> list[str]:
    """Cells as GitHub splits them: `\\` escapes the next punctuation character, `|` separates."""
    cells, current, chars = [], "", iter(row.strip().strip("|"))
    for ch in chars:
        if ch == "\\":
            current += ch + next(chars, "")
        elif ch == "|":
            cells.append(current)
            current = ""
        else:
            current += ch
    return [*cells, current]


@pytest.mark.parametrize("value", ["a|b", "a\\|b", "a\\\\|b", "|", "\\", "x\\"])
def test_code_in_table_never_splits_a_cell(value: str) -> None:
    row = f"| {md.code(value, table=True)} | next |"
    assert len(_cells(row)) == 2, row


def test_text_escapes_markdown_and_html() -> None:
    assert md.text("<b>x</b> | *y* _z_ [l](u) `c` ~s~ # !i & \\") == (
        "\\<b\\>x\\</b\\> \\| \\*y\\* \\_z\\_ \\[l\\](u) \\`c\\` \\~s\\~ \\# \\!i &amp; \\\\"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("ask @org/team now", "ask `@org/team` now"),
        ("ping @octocat.", "ping `@octocat.`"),
        ("mail ops@example.com", "mail `ops@example.com`"),
        ("see https://evil.example/x?a=1", "see `https://evil.example/x?a=1`"),
        ("[click](https://evil.example)", "`[click](https://evil.example)`"),
        ("go to www.evil.example", "go to `www.evil.example`"),
        ("fixes #12 and org/repo#3", "fixes `#12` and `org/repo#3`"),
        ("a|@b|c", "a\\|`@b`\\|c"),
        ("x`@y", "``x`@y``"),
    ],
)
def test_text_shows_mentions_references_and_urls_literally(value: str, shown: str) -> None:
    """GitHub links `@name`, `#12` and URLs in the rendered text, where backslashes are gone."""
    assert md.text(value) == shown


def test_text_leaves_ordinary_words_alone() -> None:
    assert md.text("a www-like awww.x word, 50% and C# code") == "a www-like awww.x word, 50% and C\\# code"


def test_html_code() -> None:
    assert md.html_code("<a href='x'>&`|") == "<code>&lt;a href=&#x27;x&#x27;&gt;&amp;&#96;&#124;</code>"


def test_json_block_fence_outlasts_backticks() -> None:
    lines = md.json_block({"OutboundCallerIdName": "````", "X": "\u202e"})
    fence = lines[0].removesuffix("json")
    assert re.fullmatch("`{5,}", fence) and lines[-1] == fence
    assert "\\u202e" in lines[1] and "\u202e" not in lines[1]


def test_compact_json_keeps_flat_objects_on_one_line() -> None:
    body = {"T": {"Distributions": [{"Region": "us-east-1", "Percentage": 80}]}}
    assert md.compact_json(body) == (
        '{\n  "T": {\n    "Distributions": [\n      {"Percentage": 80, "Region": "us-east-1"}\n    ]\n  }\n}'
    )
