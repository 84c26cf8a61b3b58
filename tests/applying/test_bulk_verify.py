"""Many queue changes are verified with SearchQueues pages, not one DescribeQueue per change."""

from __future__ import annotations

from pathlib import Path

from connect_emulator.testing import running_emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome
from tests.support.connect import make_plan

from ..reliability.helpers import desired_tree, fast_settings, fixture
from ..support.connect import emulator_port


def test_a_large_batch_is_read_back_in_pages(tmp_path: Path) -> None:
    with running_emulator(fixture(60, seed=4)) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=40, shift_groups=False)
        port = emulator_port(emu)
        made = make_plan(state, port)
        emu.clear_calls()
        report = Applier(port, None, fast_settings()).run(made)
        assert report.count(Outcome.APPLIED) == 40
        operations = [c["operation"] for c in emu.calls()]
        assert operations.count("UpdateQueueOutboundCallerConfig") == 40
        assert "DescribeQueue" not in operations
        # one SearchQueues for the refresh, one for the read-back (60 queues fit in a page)
        assert operations.count("SearchQueues") == 2


def test_a_small_batch_is_read_back_queue_by_queue(tmp_path: Path) -> None:
    with running_emulator(fixture(60, seed=4)) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=3, shift_groups=False)
        port = emulator_port(emu)
        made = make_plan(state, port)
        emu.clear_calls()
        Applier(port, None, fast_settings()).run(made)
        operations = [c["operation"] for c in emu.calls()]
        assert operations.count("DescribeQueue") == 3
        assert operations.count("SearchQueues") == 1
