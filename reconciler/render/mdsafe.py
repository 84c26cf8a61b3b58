"""Putting untrusted text into GitHub Markdown so that it reads literally and breaks nothing.

Queue, flow and group names come from Amazon Connect and from YAML, so they may hold `|`, `<`,
backticks, `*`, `@mentions`, newlines or terminal escapes. In a pull-request comment each of those
could break a table row, open an HTML tag, start a link, ping a team or hide text. Every piece of
user text therefore goes through exactly one of these, chosen by where it lands:

- `code`: a code span, for names and values (GitHub shows it literally: no tags, links, emphasis
  or mentions), with a fence longer than any run of backticks inside, and `|` escaped in tables;
- `text`: prose from the planner (warnings, reasons), with Markdown punctuation backslash-escaped
  and every word GitHub would turn into a link or a notification (an `@mention`, an email
  address, a bare URL, an `#123` reference) put in a code span: a backslash does not stop those,
  since GitHub finds them in the rendered text, after Markdown has removed the escapes;
- `html_code`: inside raw HTML such as `<summary>`, where Markdown does not apply;
- `json_block`: a request body in a fenced block no backtick run inside can close.

Non-printable characters are spelled out first (`values.clean`), so nothing can forge a line.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from reconciler.render.values import clean

_PIPE = re.compile(r"(\\*)\|")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
# Words GitHub links or notifies from after rendering: mentions and emails (`@`), references
# (`#12`, `org/repo#12`), URLs with a scheme and `www.` autolinks. Words end at whitespace and at
# `|`, so a code span made of one never holds a table's cell separator.
_WORDS = re.compile(r"([\s|]+)")
_LINKISH = re.compile(r"@|#\d|://|(?:^|[^\w.])www\.", re.IGNORECASE)


def json_block(body: dict[str, Any]) -> list[str]:
    """The body as sent (keys sorted), in a fence longer than any run of backticks inside it."""
    dumped = "\n".join(clean(line) for line in compact_json(body).split("\n"))
    fence = "`" * max(3, _longest_run(dumped, "`") + 1)
    return [f"{fence}json", dumped, fence]


def compact_json(value: Any, indent: str = "") -> str:
    """Indented JSON (keys sorted) that keeps small flat objects and lists on one line.

    `{"Region": "us-east-1", "Percentage": 80}` reads best on one line; a body of nested
    distributions at one key per line is four times as long and no clearer.
    """
    flat = json.dumps(value, sort_keys=True, ensure_ascii=False)
    scalars = isinstance(value, dict | list) and not any(
        isinstance(v, dict | list) for v in (value.values() if isinstance(value, dict) else value)
    )
    if not isinstance(value, dict | list) or not value or (scalars and len(flat) <= 80):
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {compact_json(value[k], inner)}"
            for k in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [f"{inner}{compact_json(v, inner)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def code(value: str, *, table: bool = False) -> str:
    """`value` as a code span, which GitHub shows literally: no links, tags, emphasis or mentions."""
    shown = clean(value)
    if not shown:
        return "(empty)"
    fence = "`" * (_longest_run(shown, "`") + 1)
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""
    span = f"{fence}{pad}{shown}{pad}{fence}"
    if not table:
        return span
    # A table row is split at every `|` not escaped by `\`, and `\\` is itself an escape: so the
    # backslashes before a pipe are doubled (shown doubled: a code span cannot do better) and the
    # pipe escaped, which keeps a name like `a\|b` inside its cell.
    return _PIPE.sub(lambda m: m.group(1) * 2 + "\\|", span)


def text(value: str) -> str:
    """Free text (warnings, reasons) with Markdown and HTML punctuation escaped (`|` included), and
    mentions, references and URLs shown literally in code spans, so they neither ping nor link."""
    out = []
    for word in _WORDS.split(clean(value)):
        if _LINKISH.search(word):
            out.append(code(word))
        else:
            out.append(_MD_SPECIAL.sub(r"\\\1", word.replace("&", "&amp;")))
    return "".join(out)


def html_code(value: str) -> str:
    """`value` inside HTML (a `<summary>`), where Markdown does not apply: escaped, in `<code>`."""
    escaped = html.escape(clean(value), quote=True).replace("`", "&#96;").replace("|", "&#124;")
    return f"<code>{escaped}</code>"


def _longest_run(value: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", value)), default=0)
