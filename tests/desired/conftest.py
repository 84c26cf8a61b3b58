"""Fixtures for the loader tests: a scratch directory to write desired-state trees into.

Each test runs in its own temporary directory (the working directory), and trees are written to
`state/` in it, so messages read `state/<file>:<line>: ...` exactly as a user would see them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import Tree, problems, write_tree


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def check(workdir: Path) -> Tree:
    """Write the files (relative path -> text or bytes) to a fresh `state/`; return the problems found."""

    def run(files: dict[str, str | bytes]) -> list[str]:
        shutil.rmtree(workdir / "state", ignore_errors=True)
        write_tree(workdir / "state", files)
        return problems("state")

    return run
