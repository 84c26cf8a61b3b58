"""Golden files: the exact stderr of `reconciler validate --state-dir <case>` for every case.

Each directory under `cases/` is a small desired-state tree; `golden/<case>.txt` holds what a user
sees on stderr, with paths relative to `cases/` (the working directory of the run). After changing a
message on purpose, regenerate with `UPDATE_GOLDEN=1 pytest tests/loader/test_golden.py` and read
the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

HERE = Path(__file__).parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", case_names())
def test_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    result = CliRunner().invoke(cli, ["validate", "--state-dir", case], prog_name="reconciler")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    golden = GOLDEN / f"{case}.txt"
    if UPDATE:
        golden.write_text(result.stderr, encoding="utf-8")
    assert result.stderr == golden.read_text(encoding="utf-8")
    assert (result.exit_code, result.stdout) == (1, "")
    *errors, summary = result.stderr.splitlines()
    assert errors
    assert all(line.startswith(f"error: {case}") for line in errors)
    assert summary == f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found; nothing was changed"


def test_every_golden_file_has_a_case() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == case_names()
