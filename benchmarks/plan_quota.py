"""plan-quota: ``reconciler plan`` against an emulator that throttles like Amazon Connect.

The emulator runs with ``--quotas aws`` (2 requests/s, burst 5, per account, Region and
operation; 429 ThrottlingException beyond that). The plan runs as shipped, in a fresh child
process, against a tree exported from the same fixture with 10% of the caller ID names changed.
Figures: the calls it made against the fewest the API allows for a full read (see
``common.minimum_read_calls``), the 429s in the emulator's call log (target 0: the client-side
limiter should keep every call inside the quota, so nothing is retried), the wall time, the
quota floor (the least time the service's buckets allow for the minimum calls), and the model
the design rejects: one DescribeQueue per queue at 2/s.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    CONNECT_BURST,
    CONNECT_RATE,
    EmulatorProcess,
    build_tree,
    call_summary,
    check,
    child_env,
    heading,
    machine_line,
    make_fixture,
    median,
    minimum_read_calls,
    ops_text,
    planned_changes,
    quota_floor_seconds,
    reproduce,
    run_child,
    table,
)
from benchmarks.plan_scale import plan_args
from reconciler.connect.ratelimit import DEFAULT_BURST, DEFAULT_RATE


def run(queues: int, repeat: int, argv: Sequence[str]) -> list[object]:
    heading(f"plan-quota: `reconciler plan` at {queues:,} queues, emulator --quotas aws (2/s, burst 5)")
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="connect-bench-quota-") as tmp_name:
        tmp = Path(tmp_name)
        fixture, path = make_fixture(queues, tmp)
        minimum = minimum_read_calls(fixture)
        with EmulatorProcess(path, quotas="aws", log_dir=tmp) as emu:
            tree = build_tree(emu.url, fixture, tmp / "desired", changes=queues // 10, limit_client=True)
            env = child_env(emu.url)  # the default client limit: Connect's documented quota
            out = tmp / "plan.json"
            emu.reset_quotas()
            check(run_child(plan_args(tree.path, out), env, tmp), "warm-up plan")
            walls: list[float] = []
            cpus: list[float] = []
            worst: tuple[int, int, Counter[str]] | None = None  # (429s, calls, per operation)
            changes = None
            for _ in range(repeat):
                emu.reset_quotas()
                emu.clear_calls()
                result = check(run_child(plan_args(tree.path, out), env, tmp), "plan")
                walls.append(result.wall)
                cpus.append(result.cpu)
                changes = planned_changes(result.stdout)
                total, throttled, per_op = call_summary(emu.calls())
                if worst is None or throttled > worst[0]:
                    worst = (throttled, total, per_op)
    assert worst is not None, "--repeat must be at least 1"
    throttled, total, per_op = worst
    min_total = sum(minimum.values())
    service_floor = quota_floor_seconds(minimum, CONNECT_RATE, CONNECT_BURST)
    client_floor = quota_floor_seconds(minimum, DEFAULT_RATE, DEFAULT_BURST)
    describe_model = queues / CONNECT_RATE
    row: list[object] = [
        f"{queues:,}",
        changes,
        total,
        min_total,
        total - min_total,
        throttled,
        "0",
        median(walls),
        max(walls),
        median(cpus),
        service_floor,
        client_floor,
        describe_model,
    ]
    print()
    print(
        table(
            [
                "queues",
                "changes",
                "calls made",
                "minimum calls",
                "extra",
                "429s (worst run)",
                "target 429s",
                "wall s (median)",
                "wall s (worst)",
                "CPU s",
                "service floor s",
                "client floor s",
                "DescribeQueue per queue s",
            ],
            [row],
        )
    )
    print(f"\nCalls made: {ops_text(per_op)}. Minimum: {ops_text(Counter(minimum))}.")
    print(
        f"Service floor: the busiest operation's (calls - {CONNECT_BURST}) / {CONNECT_RATE:g} per s for "
        f"the minimum calls; client floor: the same with the client's burst of {DEFAULT_BURST}. "
        f"DescribeQueue per queue: {queues:,} calls at {CONNECT_RATE:g}/s, the read the design rejects."
    )
    print(f"Runs: {repeat}, each a fresh child, quota buckets refilled before each.")
    print(reproduce(argv))
    return row
