"""Interruption: `reconciler apply` killed with SIGKILL at random points, 20 trials.

Each trial starts a real apply process against an emulator with added latency and kills it once
the emulator has served a random number of its calls (so before, during or after its writes; the
call log is the clock, which makes each trial as short as the point it kills at), then checks that
the journal it left is readable and that a re-run, which must not be blocked by the dead process's
lock, converges: exit 0, and a plan straight after is empty.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.applying import journal
from reconciler.cli import cli

from .helpers import desired_tree, fixture

TRIALS = 20
LATENCY_MS = 40  # per call: paces the apply so kills land between its calls
KILL_WITHIN = 60  # calls: a full apply of this tree makes about 45


def kill_after(process: subprocess.Popen[bytes], emu: Emulator, calls: int) -> None:
    """SIGKILL `process` once the emulator has logged `calls` calls (or the process has ended)."""
    deadline = time.monotonic() + 60
    while len(emu.calls()) < calls and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)


def test_apply_killed_at_random_points_leaves_a_readable_journal_and_reruns_converge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = fixture(30, seed=3)
    with running_emulator(base) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=20, shift_groups=True)
        env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_CONNECT"}
        env["RECONCILER_RATE_LIMIT"] = "off"  # the emulator's latency paces the writes instead
        locks = f"file://{tmp_path / 'locks'}"
        killed_mid_write = 0
        for trial in range(TRIALS):
            emu.replace_state(base)
            emu.set_faults({"seed": trial, "rules": [{"operation": "*", "latencyMs": LATENCY_MS}]})
            emu.clear_calls()
            path = tmp_path / f"journal-{trial}.jsonl"
            args = ["apply", "--state-dir", str(state), "--auto-approve", "--endpoint-url", emu.url]
            process = subprocess.Popen(
                [sys.executable, "-m", "reconciler", *args, "--journal", str(path), "--lock", locks],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            kill_after(process, emu, random.Random(trial).randint(0, KILL_WITHIN))
            process.wait(timeout=30)
            if path.exists():
                records = journal.read(str(path))  # readable, a torn last line at most
                events = [r.event for r in records]
                killed_mid_write += "change-started" in events and "apply-finished" not in events
            emu.set_faults(None)
            monkeypatch.setenv("RECONCILER_RATE_LIMIT", "off")  # the re-run need not pace itself here
            rerun = CliRunner().invoke(
                cli, [*args, "--journal", str(tmp_path / f"rerun-{trial}.jsonl"), "--lock", locks]
            )
            assert rerun.exit_code == 0, (trial, rerun.stdout, rerun.stderr)
            plan = CliRunner().invoke(
                cli, ["plan", "--state-dir", str(state), "--endpoint-url", emu.url, "--detailed-exitcode"]
            )
            assert plan.exit_code == 0, (trial, plan.stdout)
            monkeypatch.delenv("RECONCILER_RATE_LIMIT")
        assert killed_mid_write >= 3, "the kills should land during writes in several trials"
