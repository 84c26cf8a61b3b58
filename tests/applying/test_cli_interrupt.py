"""Ctrl-C during `reconciler apply`, for real: a process, a signal, the emulator over loopback.

The first SIGINT must let the write in flight finish and be journalled, start no other write, and
end with what was applied, what was not, the journal and the command that undoes it (exit 130).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from connect_emulator.server import Emulator

from ..support.connect import writes


def test_the_first_ctrl_c_finishes_the_write_in_flight_and_starts_no_other(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    # The group's read-back after its write is slow: the signal arrives before the queues' batch.
    emu.set_faults({"rules": [{"operation": "GetTrafficDistribution", "latencyMs": 1500}]})
    journal = tmp_path / "journal.jsonl"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "reconciler", "apply", "--state-dir", str(state_dir)),
            *("--auto-approve", "--no-color", "--journal", str(journal)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("[1/3] applied"):
            break
    assert seen and seen[-1].startswith('[1/3] applied traffic-distribution "anycompany-default"'), seen
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    err = "".join(seen) + err

    assert process.returncode == 130, (out, err)
    assert "Traceback" not in out + err
    assert "Interrupted: finishing the writes in flight, starting no new one" in err
    assert 'Applied (1):\n  traffic-distribution "anycompany-default" (anycompany-demo)\n' in out
    assert 'Not applied (2):\n  queue "Sales" (anycompany-demo): skipped\n' in out
    assert f"Journal: {journal}\n" in out
    assert f"To undo what was applied: reconciler rollback {journal}\n" in out
    records = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert records[-1]["event"] == "apply-finished"
    assert records[-1]["interrupted"] is True
    skipped = [r for r in records if r["event"] == "change-skipped"]
    assert {r["message"] for r in skipped} == {"not attempted: the apply was interrupted"}
    assert [w["operation"] for w in writes(emu)] == ["UpdateTrafficDistribution"]


def test_a_second_ctrl_c_stops_at_once_in_one_line(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    emu.set_faults({"rules": [{"operation": "GetTrafficDistribution", "latencyMs": 3000}]})
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "reconciler", "apply", "--state-dir", str(state_dir)),
            *("--auto-approve", "--no-color", "--journal", str(tmp_path / "journal.jsonl")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        if line.startswith("Plan: "):  # the plan is printed: the apply is under way
            break
    time.sleep(1.0)  # into the first write's slow read (3 s), the Ctrl-C handling installed by then
    process.send_signal(signal.SIGINT)
    assert process.stderr.readline().startswith("Interrupted: finishing the writes in flight")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)

    assert process.returncode == 130
    assert err == "Interrupted again: stopped at once; the journal shows what was written.\n"
    assert "Traceback" not in out
