"""plan-scale: the whole ``reconciler plan`` process at 1,000 / 5,000 / 50,000 queues, quotas off.

For each size: a generated fixture (flows, numbers and groups grow with the queues), served by the
emulator in its own process with quotas off; a desired-state tree exported from it with 10% of the
queues' caller ID names changed; then ``python -m reconciler plan --state-dir DIR --out FILE`` in a
fresh child per run. Wall time, CPU time and peak RSS are the child's own (``os.wait4``), API calls
come from the emulator's call log, and the emulator's CPU during the run is shown beside them.

Each size runs with three client-side rate limits (``RECONCILER_RATE_LIMIT``): unset, the default
of Connect's documented quota (2 requests/s, burst 4, per account, Region and operation); ``10/20``,
what an account whose quotas AWS raised to 10/s would use; and ``off``, which shows what the code
itself costs. The "limiter floor" is the least time the client's token buckets allow for the calls
made (SearchQueues pages follow each other, so the busiest operation sets it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    PYTHON,
    ChildRun,
    EmulatorProcess,
    build_tree,
    call_summary,
    check,
    child_env,
    fixture_shape,
    heading,
    machine_line,
    make_fixture,
    median,
    ops_text,
    planned_changes,
    quota_floor_seconds,
    reproduce,
    run_child,
    table,
)
from reconciler.connect.ratelimit import DEFAULT_BURST, DEFAULT_RATE

TARGETS = {5000: (2.0, 150.0), 50000: (10.0, None)}  # queues -> (seconds, MB)
# (label, RECONCILER_RATE_LIMIT, rate, burst): None leaves the variable unset (the default).
VARIANTS: tuple[tuple[str, str | None, float, float], ...] = (
    (f"default ({DEFAULT_RATE:g}/s, burst {DEFAULT_BURST})", None, DEFAULT_RATE, DEFAULT_BURST),
    ("10/20 (raised quota)", "10/20", 10.0, 20.0),
    ("off", "off", 0.0, 0.0),
)


def plan_args(state_dir: Path, out: Path) -> list[str]:
    return [PYTHON, "-m", "reconciler", "plan", "--state-dir", str(state_dir), "--out", str(out)]


def _target(queues: int) -> str:
    seconds, mb = TARGETS.get(queues, (None, None))
    parts = ([f"< {seconds:g} s"] if seconds else []) + ([f"< {mb:g} MB"] if mb else [])
    return ", ".join(parts) or "-"


def _verdict(queues: int, wall: float, rss: float) -> str:
    seconds, mb = TARGETS.get(queues, (None, None))
    if seconds is None and mb is None:
        return "-"
    misses = (["time"] if seconds is not None and wall >= seconds else []) + (
        ["memory"] if mb is not None and rss >= mb else []
    )
    return "NO (" + ", ".join(misses) + ")" if misses else "yes"


def run(sizes: Sequence[int], repeat: int, argv: Sequence[str]) -> list[list[object]]:
    heading("plan-scale: the whole `reconciler plan` process, emulator quotas off")
    print(machine_line())
    rows: list[list[object]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="connect-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        for size in sizes:
            shape = fixture_shape(size)
            fixture, path = make_fixture(size, tmp)
            with EmulatorProcess(path, log_dir=tmp) as emu:
                tree = build_tree(emu.url, fixture, tmp / f"desired-{size}", changes=size // 10)
                out = tmp / f"plan-{size}.json"
                warm = child_env(emu.url, "off")
                check(run_child(plan_args(tree.path, out), warm, tmp), "warm-up plan")
                notes.append(
                    f"{size:,} queues: {shape['flows']} flows, {shape['numbers']} numbers, "
                    f"{shape['groups']} groups; {tree.queues:,} queues in the desired state "
                    f"({len(tree.changed):,} changed); emulator up in {emu.startup_seconds:.1f} s, "
                    f"export {tree.export_seconds:.1f} s"
                )
                for label, setting, rate, burst in VARIANTS:
                    env = child_env(emu.url, setting)
                    runs: list[ChildRun] = []
                    emulator_cpu: list[float] = []
                    calls: list[dict[str, object]] = []
                    for _ in range(repeat):
                        emu.clear_calls()
                        before = emu.cpu_seconds()
                        runs.append(check(run_child(plan_args(tree.path, out), env, tmp), "plan"))
                        emulator_cpu.append(emu.cpu_seconds() - before)
                        calls = emu.calls()
                    total, _, per_op = call_summary(calls)
                    wall = median([r.wall for r in runs])
                    rss = max(r.maxrss_mb for r in runs)
                    floor = quota_floor_seconds(dict(per_op), rate, burst) if rate > 0 else float("nan")
                    rows.append(
                        [
                            f"{size:,}",
                            label,
                            planned_changes(runs[-1].stdout),
                            wall,
                            min(r.wall for r in runs),
                            median([r.cpu for r in runs]),
                            rss,
                            total,
                            ops_text(per_op),
                            median(emulator_cpu),
                            floor,
                            _target(size),
                            _verdict(size, wall, rss),
                        ]
                    )
                    print(f"  {size:,} queues, limiter {label}: {wall:.2f} s, {rss:.0f} MB", flush=True)
    print()
    print(
        table(
            [
                "queues",
                "RECONCILER_RATE_LIMIT",
                "changes",
                "wall s (median)",
                "wall s (best)",
                "CPU s",
                "peak RSS MB",
                "API calls",
                "calls per operation",
                "emulator CPU s",
                "limiter floor s",
                "target",
                "met",
            ],
            rows,
        )
    )
    print(f"\nRuns per row: {repeat}, each a fresh child process. CPU s = user + system of the plan process.")
    for note in notes:
        print(f"- {note}")
    print(reproduce(argv))
    return rows
