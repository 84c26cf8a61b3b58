"""The one rule for golden files: compare, or rewrite them when UPDATE_GOLDEN=1.

A renderer's or a message's change shows up as a diff of a reviewed file in the pull request.
After changing output on purpose, run `UPDATE_GOLDEN=1 pytest tests/test_golden.py` and read the
diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def check(path: Path, actual: str) -> None:
    """`actual` must equal the golden file at `path` (rewritten instead when UPDATE_GOLDEN=1)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs; if the change is intended, run UPDATE_GOLDEN=1"
