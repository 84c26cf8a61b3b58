"""Shared helpers for the loader tests: write a small desired-state tree, load it, read the problems."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.desired import loader
from reconciler.desired.diagnostics import LoadError
from reconciler.desired.state import DesiredState

Tree = Callable[..., list[str]]  # the `check` fixture: files -> the problems found

UUID1 = "4a1b2c3d-0000-4000-8000-000000000001"
UUID2 = "4a1b2c3d-0000-4000-8000-000000000002"
ACCOUNT = "111122223333"

# Six lines: `instance:` is line 1, its keys are lines 2-6, so the file's own content starts at line 7.
INSTANCE = f"""\
instance:
  name: demo
  id: {UUID1}
  region: us-east-1
  replicaRegion: us-west-2
  accountId: "{ACCOUNT}"
"""

GROUP = """\
trafficDistributionGroups:
  main:
    telephony:
      us-east-1: 80
      us-west-2: 20
"""

QUEUE = """\
queues:
  Sales:
    callerIdName: AnyCompany Sales
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text, dedented, or raw bytes) under `root`; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def problems(state_dir: str | Path) -> list[str]:
    """Every problem `load` reports, as printed (`file:line: key.path: message`); [] when valid."""
    try:
        loader.load(state_dir)
    except LoadError as exc:
        return [str(d) for d in exc.diagnostics]
    return []


def load_ok(state_dir: str | Path) -> DesiredState:
    """Load a tree that must be valid; fail the test with every problem otherwise."""
    try:
        return loader.load(state_dir)
    except LoadError as exc:
        pytest.fail(f"expected a valid desired state, got:\n{exc}")
