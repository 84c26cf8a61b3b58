"""`make demo` (`python -m reconciler.app.demo`): the whole GitOps story, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..support.demo import REPO

# What each step must show, in this order.
MILESTONES = [
    # validate
    "$ reconciler validate --state-dir desired-state",
    "desired-state: valid: 2 files, 1 instance: anycompany-demo (2 groups, 7 queues)",
    # plan: 3 changes, the traffic shift labelled
    "$ reconciler plan --state-dir desired-state --out ",
    '1. ~ traffic-distribution "anycompany-default"  [traffic-shift, agents-shift]',
    '2. ~ queue "Sales"',
    '3. ~ queue "Support"',
    "Plan: 3 to change, 6 unchanged, 0 blocked.",
    # apply the saved plan
    "$ reconciler apply ",
    '[1/3] applied traffic-distribution "anycompany-default" (us-east-1) ',
    '[2/3] applied queue "Sales" (us-east-1) ',
    '[3/3] applied queue "Support" (us-east-1) ',
    "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped.",
    # the second plan is empty
    "$ reconciler plan --state-dir desired-state --detailed-exitcode",
    "No changes. Live state matches desired-state (9 unchanged).",
    "Plan: 0 to change, 9 unchanged, 0 blocked.",
    # drift catches the difference from git
    "$ reconciler drift --state-dir desired-state",
    "  ! anycompany-demo/queue/Sales",
    '      callerIdName: live "Sales (temp)"; git "AnyCompany Sales Team"',
    "Drift: 1 finding (1 differs).",
    # ... and an apply puts it back
    "Apply: 1 applied, 0 already, 0 failed, 0 stale, 0 skipped.",
    # a Region outage: plan and apply from the replica, then an empty plan once the source is back
    "2. A Region outage: us-east-1 fails, traffic moves to us-west-2 through git",
    "$ reconciler plan --state-dir ",
    "anycompany-demo: us-east-1 unreachable; read from the replica in us-west-2",
    "call       UpdateTrafficDistribution in us-west-2: PUT /traffic-distribution/",
    "Plan: 2 to change, 7 unchanged, 0 blocked.",
    "$ reconciler apply --state-dir ",
    'applied traffic-distribution "anycompany-',
    "anycompany-demo: us-east-1 unreachable; read from the replica in us-west-2",
    "Apply: 2 applied, 0 already, 0 failed, 0 stale, 0 skipped.",
    "# us-east-1 comes back",
    "Plan: 0 to change, 9 unchanged, 0 blocked.",
    # a progressive shift: halted by an alarm during a bake, back one step, then finished
    "3. A progressive shift: half the calls back to us-east-1, step by step, alarm-gated",
    "rollout    3 steps of 20 points, bake 2s (about 6 s): 0/100 -> 20/80 -> 40/60 -> 50/50",
    "halt on    connect-missed-calls-use1 (us-east-1); on halt: previous",
    '[1/1] halted traffic-distribution "anycompany-default" (us-east-1): halted baking step 2/3',
    "alarm connect-missed-calls-use1 (us-east-1) is ALARM since ",
    "went back to 20/80 us-east-1/us-west-2, the last step that baked clean",
    "Apply: 0 applied, 0 already, 0 failed, 0 stale, 0 skipped, 1 halted.",
    '[1/1] applied traffic-distribution "anycompany-default" (us-east-1)',
    "Plan: 0 to change, 9 unchanged, 0 blocked.",
    # a break-glass failover, then git adopts it
    "4. Break-glass",
    "$ reconciler failover --instance anycompany-demo --to us-west-2 --reason INC-1",
    "Override recorded: failover to us-west-2",
    "overridden: moved by a break-glass failover",
    "reason     overridden by failover: INC-1; adopt or clear",
    "anycompany-overflow: telephony, agents",
    "Plan: 0 to change, 9 unchanged, 0 blocked.",
    "Demo finished: ",
]


def test_make_demo_runs_the_whole_story_and_exits_0(tmp_path: Path) -> None:
    # A lock setting of the user's own must not leak into the demo (a dynamodb:// one would send
    # the demo's apply to real AWS): point it at a folder the demo must leave untouched.
    user_locks = tmp_path / "user-locks"
    env = {**os.environ, "RECONCILER_LOCK": f"file://{user_locks}"}

    done = subprocess.run(
        [sys.executable, "-m", "reconciler.app.demo"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout

    assert done.returncode == 0, output
    assert "Traceback" not in output
    assert "demo: expected exit" not in output
    position = 0
    for milestone in MILESTONES:
        found = output.find(milestone, position)
        assert found >= 0, f"missing (in order): {milestone!r}\n---\n{output}"
        position = found + len(milestone)
    assert output.count("Apply: ") == 7  # two in chapter 1, one in 2, two in 3 (halted, resumed), two in 4
    assert "all on 127.0.0.1." in output
    assert not user_locks.exists()
