"""profile: where a plan's time goes at 5,000 and 50,000 queues, emulator in its own process.

For each size, against a quotas-off emulator in a separate process (so its work shows up on the
client side only as time waiting for responses, and its own CPU is measured apart):

1. ``benchmarks.phases`` in a fresh child: wall and CPU seconds and peak RSS of each phase of a
   plan (import, load the desired state, read live, make the plan, render, save), no profiler;
2. ``benchmarks.profile_child`` in a fresh child: the whole ``reconciler plan --out FILE`` under
   cProfile, every thread included, ``RECONCILER_RATE_LIMIT=off`` (the client-side limit's cost
   is plan-scale's subject);
3. the profile's self time attributed to libraries and layers (PyYAML, pydantic, deepdiff,
   botocore parsing, the rest of botocore, HTTP, the reconciler's loader / planner / renderers...),
   with time spent waiting (on worker threads, on the emulator's sockets, on the rate limiter)
   apart from time spent working; then the top functions by cumulative time.

cProfile slows Python code down (roughly 1.5-3x), so its seconds are for proportions; the phase
table has the real ones.
"""

from __future__ import annotations

import json
import pstats
import sysconfig
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    ROOT,
    EmulatorProcess,
    build_tree,
    check,
    child_env,
    heading,
    machine_line,
    make_fixture,
    reproduce,
    run_child,
    table,
)
from benchmarks.plan_scale import plan_args

Key = tuple[str, int, str]

WAIT_THREADS = "waiting: on worker threads / idle pool threads"
WAIT_SOCKET = "waiting: on the emulator (socket reads)"
WAIT_SLEEP = "waiting: rate limiter / retry sleeps"
WAITS = (WAIT_THREADS, WAIT_SOCKET, WAIT_SLEEP)
IMPORTS = "imports (find, load, run module bodies)"

# (label, test on the file path) in order; the first match wins.
PATH_RULES: list[tuple[str, Callable[[str], bool]]] = [
    ("PyYAML (parsing, dumping)", lambda f: "/yaml/" in f),
    ("pydantic (validation, model building)", lambda f: "/pydantic" in f),
    ("deepdiff", lambda f: "/deepdiff/" in f),
    ("botocore: response parsing", lambda f: f.endswith("botocore/parsers.py")),
    ("botocore: other (serialise, sign, hooks, endpoints, retries)", lambda f: "/botocore/" in f),
    ("boto3", lambda f: "/boto3/" in f),
    (
        "HTTP (urllib3, http.client, socket)",
        lambda f: "/urllib3/" in f or f.endswith(("http/client.py", "/socket.py")),
    ),
    ("reconciler: render", lambda f: "/reconciler/render/" in f),
    (
        "reconciler: load desired state (loader, yamlsource, model, diagnostics)",
        lambda f: f.endswith(
            (
                "reconciler/loader.py",
                "reconciler/yamlsource.py",
                "reconciler/model.py",
                "reconciler/diagnostics.py",
            )
        ),
    ),
    (
        "reconciler: plan (planner, resolve, compare, plan, requests, live)",
        lambda f: f.endswith(
            (
                "reconciler/planner.py",
                "reconciler/resolve.py",
                "reconciler/compare.py",
                "reconciler/plan.py",
                "reconciler/requests.py",
                "reconciler/live.py",
            )
        ),
    ),
    ("reconciler: connect (reader, clients, limiter)", lambda f: "/reconciler/connect/" in f),
    ("reconciler: other (cli, app, ...)", lambda f: "/reconciler/" in f),
    (IMPORTS, lambda f: f.startswith("<frozen")),
]
OTHER = "other (click, stdlib called from nowhere else, ...)"
STDLIB = sysconfig.get_paths()["stdlib"]


def _builtin_rule(name: str) -> str | None:
    if ("acquire" in name and "lock" in name.lower()) or "_queue.SimpleQueue" in name:
        return WAIT_THREADS
    if name in ("<built-in method time.sleep>",):
        return WAIT_SLEEP
    if "_socket.socket" in name and ("recv" in name or "connect" in name):
        return WAIT_SOCKET
    if "select." in name or "poll" in name:
        return WAIT_SOCKET
    if "pydantic_core" in name:
        return "pydantic (validation, model building)"
    if "_yaml" in name:
        return "PyYAML (parsing, dumping)"
    if "marshal." in name or "_imp." in name or "builtins.compile" in name:
        return IMPORTS
    return None


def attribute(stats: pstats.Stats) -> dict[str, float]:
    """Self time per category; a builtin's time goes to its callers' categories, by call site."""
    raw: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = defaultdict(float)

    def category(key: Key) -> str | None:
        """A label, or None: charge the callers (builtins, and the stdlib other than HTTP)."""
        filename, _, name = key
        if filename == "~":
            return _builtin_rule(name)
        if name == "<module>":
            return IMPORTS
        for label, test in PATH_RULES:
            if test(filename):
                return label
        if filename.startswith(STDLIB) and "site-packages" not in filename:
            return None
        return OTHER

    shares: dict[Key, dict[str, float]] = {}

    def split(key: Key, visiting: frozenset[Key]) -> dict[str, float]:
        """Fractions of `key`'s self time per category (memoised; cycles fall back to OTHER)."""
        if key in shares:
            return shares[key]
        label = category(key)
        if label is not None:
            result = {label: 1.0}
        else:
            callers: dict[Key, tuple[Any, ...]] = raw[key][4] if key in raw else {}
            weights = {c: float(v[2]) for c, v in callers.items() if c != key and c not in visiting}
            spread = sum(weights.values())
            if spread <= 0:
                result = {OTHER: 1.0}
            else:
                merged: dict[str, float] = defaultdict(float)
                for caller, weight in weights.items():
                    for name, fraction in split(caller, visiting | {key}).items():
                        merged[name] += fraction * weight / spread
                result = dict(merged)
        shares[key] = result  # memoised even inside a cycle: linear time, a negligible approximation
        return result

    for key, (_, _, tottime, _, _) in raw.items():
        for label, fraction in split(key, frozenset()).items():
            totals[label] += tottime * fraction
    return dict(totals)


def _short(key: Key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for marker in ("/site-packages/", f"{ROOT}/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})"


def top_cumulative(stats: pstats.Stats, count: int) -> list[list[object]]:
    raw: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    skip = ("<frozen", "threading.py", "concurrent/futures", "click/", "runpy", "<string>")
    rows = []
    for key, (_, calls, tottime, cumtime, _) in sorted(raw.items(), key=lambda kv: -kv[1][3]):
        if any(s in key[0] for s in skip) or key[2] in ("<module>", "<built-in method builtins.exec>"):
            continue
        if key[0] == "~" and _builtin_rule(key[2]) in WAITS:
            continue
        rows.append([cumtime, tottime, calls, _short(key)])
        if len(rows) == count:
            break
    return rows


def top_self(stats: pstats.Stats, count: int) -> list[list[object]]:
    raw: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    rows = []
    for key, (_, calls, tottime, cumtime, _) in sorted(raw.items(), key=lambda kv: -kv[1][2]):
        if key[0] == "~" and _builtin_rule(key[2]) in WAITS:
            continue
        rows.append([tottime, cumtime, calls, _short(key)])
        if len(rows) == count:
            break
    return rows


def run(sizes: Sequence[int], argv: Sequence[str], prof_dir: str | None) -> dict[int, dict[str, Any]]:
    heading("profile: where a plan's time goes (emulator in its own process, client limiter off)")
    print(machine_line())
    keep = Path(prof_dir) if prof_dir else Path(tempfile.mkdtemp(prefix="connect-bench-prof-"))
    keep.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="connect-bench-profile-") as tmp_name:
        tmp = Path(tmp_name)
        for size in sizes:
            fixture, path = make_fixture(size, tmp)
            with EmulatorProcess(path, log_dir=tmp) as emu:
                tree = build_tree(emu.url, fixture, tmp / f"desired-{size}", changes=size // 10)
                env = child_env(emu.url, "off")
                out = tmp / f"plan-{size}.json"
                check(run_child(plan_args(tree.path, out), env, tmp), "warm-up plan")
                before = emu.cpu_seconds()
                phased = check(
                    run_child([PYTHON, "-m", "benchmarks.phases", "--state-dir", str(tree.path)], env, tmp),
                    "phases",
                )
                phase_emulator = emu.cpu_seconds() - before
                prof = keep / f"plan-{size}.prof"
                before = emu.cpu_seconds()
                profiled = check(
                    run_child(
                        [
                            PYTHON,
                            "-m",
                            "benchmarks.profile_child",
                            str(prof),
                            "--",
                            *plan_args(tree.path, out)[3:],
                        ],
                        env,
                        tmp,
                    ),
                    "profiled plan",
                )
                profile_emulator = emu.cpu_seconds() - before
            results[size] = _report(size, phased.stdout, phase_emulator, prof, profiled.wall)
            print(
                f"\nProfiled plan: {profiled.wall:.1f} s wall under cProfile; "
                f"emulator CPU {profile_emulator:.1f} s."
            )
    print(f"\nProfiles kept in {keep} (open with: python -m pstats FILE, or snakeviz FILE).")
    print(reproduce(argv))
    return results


def _report(
    size: int, phases_json: str, emulator_cpu: float, prof: Path, profiled_wall: float
) -> dict[str, Any]:
    data = json.loads(phases_json.strip().splitlines()[-1])
    print(f"\n### {size:,} queues ({data['changes']:,} changes)\n")
    rows = [[p["phase"], p["wall"], p["cpu"], p["rss_mb"]] for p in data["phases"]]
    total_wall = sum(p["wall"] for p in data["phases"])
    total_cpu = sum(p["cpu"] for p in data["phases"])
    rows.append(
        ["total (in-process, no profiler)", total_wall, total_cpu, max(p["rss_mb"] for p in data["phases"])]
    )
    print(table(["phase", "wall s", "CPU s", "peak RSS MB so far"], rows))
    print(f"\nEmulator CPU during these phases: {emulator_cpu:.2f} s (its own process).")
    stats = pstats.Stats(str(prof))
    shares = attribute(stats)
    work = sum(v for k, v in shares.items() if k not in WAITS)
    cat_rows = []
    for label, seconds in sorted(shares.items(), key=lambda kv: -kv[1]):
        share = "-" if label in WAITS else f"{seconds / work:.0%}"
        cat_rows.append([label, seconds, share])
    print()
    print(table(["self time by category (cProfile, all threads)", "s", "share of work"], cat_rows))
    print()
    print(
        table(
            ["cumulative s", "self s", "calls", "function (top by cumulative time)"],
            top_cumulative(stats, 25),
        )
    )
    print()
    print(
        table(
            ["self s", "cumulative s", "calls", "function (top by self time, waits left out)"],
            top_self(stats, 15),
        )
    )
    return {"phases": data["phases"], "categories": shares, "profiled_wall": profiled_wall}
