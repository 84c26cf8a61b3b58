"""The reliability figures the README quotes, counted from the suite itself (never typed by hand).

    .venv/bin/python -m tests.reliability.figures          # count the cases
    .venv/bin/python -m tests.reliability.figures --run    # count, run them, and say what was lost

Cases are what pytest collects under tests/reliability (so a new tamper or race counts as soon as
it is written), times the trials a case loops over (its module's TRIALS, or hypothesis' EXAMPLES).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KINDS = {  # file name prefix -> the figure its cases count towards
    "test_bad_input": "inputs tried",
    "test_tamper_": "tampers",
    "test_interrupt": "kills",
    "test_concurrent_change": "races",
    "test_scope_races": "races",
    "test_apply_races": "races",
    "test_fault_soak": "fault soaks",
}


def collected() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", str(HERE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if "::" in line]


def trials(module: str) -> int:
    found = importlib.import_module(f"tests.reliability.{module}")
    return int(getattr(found, "TRIALS", 0) or getattr(found, "EXAMPLES", 0) or 1)


def figures(ids: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for node in ids:
        module = Path(node.split("::")[0]).stem
        kind = next((k for prefix, k in KINDS.items() if module.startswith(prefix)), "other")
        name = node.split("::")[1].split("[")[0]
        looped = trials(module) if "[" not in node and name.startswith("test_") else 1
        if kind == "inputs tried":  # the hypothesis runs; the 5,000-tree one with --run-slow
            looped = 5000 if "thousands" in name else looped if "broken_trees" in name else 1
        counts[kind] += looped
    return counts


def main() -> int:
    ids = collected()
    counts = figures(ids)
    for kind in ("inputs tried", "tampers", "kills", "races", "fault soaks"):
        print(f"{kind:<14}{counts[kind]:>7,}")
    print(f"{'cases':<14}{len(ids):>7,}  (pytest --collect-only -q tests/reliability)")
    if "--run" in sys.argv:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", str(HERE)], cwd=ROOT, check=False)
        print("nothing lost: every case passed" if done.returncode == 0 else "FAILED: see above")
        return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
