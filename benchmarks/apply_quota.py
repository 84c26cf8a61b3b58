"""apply-quota: applying N queue changes against an emulator that throttles like Amazon Connect.

The emulator runs with ``--quotas aws`` (2 requests/s, burst 5 per operation). A plan of N caller
ID name changes is made in-process (``Run.plan``), the quota buckets are refilled, and the
plan is applied in-process exactly as ``reconciler apply --auto-approve`` does it:
``Applier(...)`` with a fresh port (a new process's limiter), a journal in a
temporary folder and ``Settings(verify_delay=0.1)``. From the emulator's call log:

- write throughput: successful UpdateQueueOutboundCallerConfig calls per second between the first
  and the last write, as a share of the 2/s quota (target >= 90%);
- throttled responses (429) as a share of all calls the apply made (target <= 2%);
- failed changes (failed or stale; target 0);
- the whole apply's wall time, split into refresh (reads before the first write), writing, and
  read-back verification after the last write (SearchQueues pages for a batch of more than 10).

Once the refresh is older than 30 s, each queue is read again (DescribeQueue) right before its
write; DescribeQueue has its own quota, so those reads should not slow the writes down.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CONNECT_BURST,
    CONNECT_RATE,
    WRITE_OPERATION,
    EmulatorProcess,
    build_tree,
    call_summary,
    heading,
    machine_line,
    make_fixture,
    ops_text,
    reproduce,
    table,
)
from reconciler.app import environment
from reconciler.app import run as runs
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.results import Outcome
from reconciler.applying.settings import Settings


def run(changes: int, argv: Sequence[str]) -> dict[str, Any]:
    queues = max(1000, changes * 5)
    heading(f"apply-quota: applying {changes} queue changes, emulator --quotas aws (2/s, burst 5)")
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="connect-bench-apply-") as tmp_name:
        tmp = Path(tmp_name)
        fixture, path = make_fixture(queues, tmp)
        with EmulatorProcess(path, quotas="aws", log_dir=tmp) as emu:
            tree = build_tree(emu.url, fixture, tmp / "desired", changes=changes, limit_client=True)
            emu.reset_quotas()
            made = runs.Run(endpoints=[emu.url]).plan(str(tree.path))
            if len(made.updates) != changes:
                raise RuntimeError(f"expected {changes} changes in the plan, got {len(made.updates)}")
            emu.reset_quotas()
            emu.clear_calls()
            settings = Settings(verify_delay=0.1)
            with Journal(str(tmp / "journal.jsonl")) as journal:
                started = time.time()
                report = Applier(environment.connect_port([emu.url]), journal, settings).run(made)
                finished = time.time()
            calls = emu.calls()
    outcomes = Counter(r.outcome.value for r in report.results)
    failed = sum(1 for r in report.results if r.outcome in (Outcome.FAILED, Outcome.STALE))
    total, throttled, per_op = call_summary(calls)
    writes = sorted(c["time"] for c in calls if c["operation"] == WRITE_OPERATION and c["status"] == 200)
    throttled_writes = sum(1 for c in calls if c["operation"] == WRITE_OPERATION and c["status"] == 429)
    window = writes[-1] - writes[0] if len(writes) > 1 else float("nan")
    rate = (len(writes) - 1) / window if len(writes) > 1 and window > 0 else float("nan")
    # Steady state: from the write after the burst to the last one, so the burst cannot lift it.
    skip = min(CONNECT_BURST, len(writes) - 2)
    steady = (
        (len(writes) - 1 - skip) / (writes[-1] - writes[skip])
        if skip >= 0 and writes[-1] > writes[skip]
        else float("nan")
    )
    wall = finished - started
    refresh = writes[0] - started if writes else float("nan")
    verify = finished - writes[-1] if writes else float("nan")
    floor = max(0, changes - CONNECT_BURST) / CONNECT_RATE
    throughput = [
        f"{changes}",
        len(writes),
        window,
        steady,
        f"{steady / CONNECT_RATE:.0%}",
        ">= 90%",
        rate,
        floor,
        wall,
        refresh,
        verify,
        f"{len(writes) / wall:.2f} ({len(writes) / wall / CONNECT_RATE:.0%})",
    ]
    errors = [
        total,
        throttled,
        throttled_writes,
        f"{throttled / total:.1%}" if total else "-",
        "<= 2%",
        failed,
        "0",
        " ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
    ]
    print()
    print(
        table(
            [
                "changes",
                "writes",
                "write window s",
                "writes/s (steady)",
                "share of 2/s",
                "target",
                "writes/s (with burst)",
                "quota floor s",
                "apply wall s",
                "refresh s",
                "verify s",
                "writes/s over the whole apply",
            ],
            [throughput],
        )
    )
    print()
    print(
        table(
            [
                "API calls",
                "429s",
                "429s on writes",
                "throttled share",
                "target",
                "failed changes",
                "target",
                "outcomes",
            ],
            [errors],
        )
    )
    print(f"\nCalls during the apply: {ops_text(per_op)}.")
    print(
        f"From the emulator's call log: writes/s (steady) counts from the write after the service's burst "
        f"of {CONNECT_BURST} to the last write; (with burst) from the first. Quota floor: "
        f"({changes} - {CONNECT_BURST} burst) / {CONNECT_RATE:g} per s, the least time the quota allows "
        f"for the writes alone. Fixture: {queues:,} queues."
    )
    print(reproduce(argv))
    return {"throughput": throughput, "errors": errors}
