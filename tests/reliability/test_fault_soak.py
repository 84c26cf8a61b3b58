"""Fault soak: 500 queue changes and group changes through 500s, 429s, dropped connections, latency.

The emulator injects faults on every operation, reads included. Apply is re-run until it reports
success (as an operator or CI would); then the live state must equal the desired state, every
write in the emulator's log must be one the plans asked for, no planned change may be missing,
and every write that reached the emulator must be in a journal. It runs twice: as a short apply
does (one refresh, then the writes), and as a long one does once its refresh is 30 s old (each
resource read again right before its write: those reads go through the faults too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.applying import journal
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.results import Outcome
from reconciler.planning.plan import Plan
from tests.support.connect import make_plan

from ..support.connect import emulator_port
from .helpers import WRITES, desired_tree, fast_settings, fixture

FAULTS = {
    "seed": 11,
    "rules": [{"operation": "*", "error500": 0.10, "throttle": 0.05, "drop": 0.02, "latencyMs": 2}],
}


def _soak(tmp_path: Path, queues: int, renamed: int) -> None:
    with running_emulator(fixture(queues, seed=5)) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=renamed, shift_groups=True)
        emu.set_faults(FAULTS)
        emu.clear_calls()
        plans: list[Plan] = []
        journals: list[Path] = []
        for attempt in range(6):
            port = emulator_port(emu)  # each run a new process: what it learned of Regions goes with it
            made = make_plan(state, port)
            plans.append(made)
            if not made.updates:
                break
            path = tmp_path / f"journal-{attempt}.jsonl"
            journals.append(path)
            with Journal(str(path)) as record:
                settings = fast_settings()
                report = Applier(port, record, settings).run(made)
            if report.ok:
                break
            assert report.count(Outcome.STALE) == 0  # nobody else writes here: nothing can be stale
        first = plans[0]
        assert len([c for c in first.updates if c.kind.value == "queue"]) == renamed
        assert len([c for c in first.updates if c.kind.value == "traffic-distribution"]) == 3
        # read-back uses SearchQueues pages: these are the re-reads right before each write
        assert sum(c["operation"] == "DescribeQueue" for c in emu.calls()) >= renamed
        faulted = [c for c in emu.calls() if c.get("fault")]
        assert len(faulted) > len(emu.calls()) // 20, "the soak must really have gone through faults"
        emu.set_faults(None)
        assert not make_plan(state, emulator_port(emu)).has_changes, "live state differs from desired"
        _check_log_against_plans_and_journals(emu, plans, journals)


def _check_log_against_plans_and_journals(emu: Emulator, plans: list[Plan], journals: list[Path]) -> None:
    planned = {(c.request.path, _canon(c.request.body)) for p in plans for c in p.updates if c.request}
    writes = [c for c in emu.calls() if c["operation"] in WRITES]
    sent = {(w["path"], _canon(w["requestBody"])) for w in writes}
    assert sent <= planned, "a write the plans did not contain"
    succeeded = {(w["path"], _canon(w["requestBody"])) for w in writes if w["status"] == 200}
    first = {(c.request.path, _canon(c.request.body)) for c in plans[0].updates if c.request}
    paths_done = {path for path, _ in succeeded}
    assert {path for path, _ in first} <= paths_done, "a planned change never reached Connect"
    started = {
        (r.request.path, _canon(r.request.body))
        for j in journals
        for r in journal.read(str(j))
        if r.event == "change-started"
    }
    assert succeeded <= started, "a write reached Connect without a journal record"


def _canon(body: Any) -> str:
    return json.dumps(body, sort_keys=True)


def test_fault_soak_500_queue_changes(tmp_path: Path) -> None:
    _soak(tmp_path, queues=600, renamed=500)


@pytest.mark.slow
def test_fault_soak_5000_queue_changes(tmp_path: Path) -> None:
    _soak(tmp_path, queues=6000, renamed=5000)
