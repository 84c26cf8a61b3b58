"""Shared values of the planner tests: the demo fixture's IDs, hand-built live snapshots, small
desired-state trees, and a plan made through the real read path against an emulator.

The live snapshot `demo_live()` mirrors `connect_emulator/fixtures/demo.yaml` exactly as the
reader returns it (checked by test_read_calls.py), so pure tests and integration tests agree.
"""

from __future__ import annotations

import copy
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

from connect_emulator.server import Emulator
from reconciler.connect import RateLimiter
from reconciler.desired import loader
from reconciler.desired.state import DesiredState
from reconciler.planning.live import (
    LiveInstance,
)
from reconciler.planning.plan import Plan

from ..support import live as support_live
from ..support.connect import emulator_port, make_plan
from ..support.demo import ACCOUNT, INSTANCE_ID, demo_fixture
from ..support.live import state_of, with_group, with_queue

__all__ = ["ACCOUNT", "INSTANCE_ID", "state_of", "with_group", "with_queue"]

INSTANCE_NAME = "demo"  # the instance's name in these tests' desired-state trees


# --- emulator states ----------------------------------------------------------------------------


def demo_state() -> dict[str, Any]:
    """The demo fixture as a dict, a fresh copy each time (tests change it)."""
    return copy.deepcopy(_DEMO)


_DEMO: dict[str, Any] = demo_fixture()


def demo_queue(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in state["instances"][0]["queues"] if q["name"] == name)


def demo_group(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in state["instances"][0]["trafficDistributionGroups"] if g["name"] == name)


# --- hand-built live snapshots ------------------------------------------------------------------


def demo_live(**changes: Any) -> LiveInstance:
    """The demo instance as the reader returns it, named as in these tests' desired state."""
    return support_live.demo_live(**{"name": INSTANCE_NAME, **changes})


# --- desired-state trees ------------------------------------------------------------------------

INSTANCE_BLOCK = f"""\
instance:
  name: demo
  id: {INSTANCE_ID}
  region: us-east-1
  replicaRegion: us-west-2
  accountId: "{ACCOUNT}"
"""
BODY_FIRST_LINE = INSTANCE_BLOCK.count("\n") + 1  # the first line of `body` in write_desired


def write_desired(root: Path, body: str, *, instance: str = INSTANCE_BLOCK, name: str = "demo.yaml") -> Path:
    """A one-file desired-state tree under `root`: the instance block, then `body` (dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(instance + textwrap.dedent(body), encoding="utf-8")
    return root


def load_desired(root: Path, body: str, **kwargs: Any) -> DesiredState:
    return loader.load(write_desired(root, body, **kwargs))


# --- plans through the real read path -----------------------------------------------------------


def plan_against(emu: Emulator, state_dir: Path | str, limiter: RateLimiter | None = None) -> Plan:
    """A plan made the way the CLI makes it, through the boto3 port talking to `emu`."""
    return make_plan(Path(state_dir), emulator_port(emu, limiter))


def operation_counts(emu: Emulator) -> Counter[str]:
    return Counter(str(c["operation"]) for c in emu.calls())
