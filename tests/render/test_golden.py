"""Every hand-built plan rendered in every format, compared with the reviewed file in golden/.

A renderer change shows up as a diff of these files in the pull request, which is where a reviewer
judges it. Regenerate with `UPDATE_GOLDEN=1 pytest tests/render` and read the diff before committing.
The huge plan has a Markdown golden only: its text and JSON would be megabytes of repetition, and
their behaviour is covered by test_text.py and test_json.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.render import FORMATS, render

from .plans import CASES

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}
PAIRS = [(case, fmt) for case in CASES for fmt in FORMATS if case != "huge" or fmt == "markdown"]


@pytest.mark.parametrize(("case", "fmt"), PAIRS, ids=[f"{c}-{f}" for c, f in PAIRS])
def test_golden(case: str, fmt: str) -> None:
    path = GOLDEN / f"{case}.{SUFFIX[fmt]}"
    rendered = render(CASES[case](), fmt)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/render"
    expected = path.read_text(encoding="utf-8")
    assert rendered == expected, f"{path.name} differs: if the change is intended, run UPDATE_GOLDEN=1"
