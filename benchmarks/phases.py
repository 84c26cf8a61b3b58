"""``python -m benchmarks.phases --state-dir DIR``: time each phase of one plan, in this process.

Runs the steps ``reconciler plan --out FILE`` runs, one at a time and in the same collector pause,
and prints one JSON object: per phase its wall seconds, CPU seconds (all threads of this process)
and the peak RSS so far.
The client-side rate limit comes from ``RECONCILER_RATE_LIMIT`` as for the CLI (the profile
benchmark sets ``off``, so the read phase shows the client's own cost); so do the endpoint and
the credentials.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.phases")
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args(argv)
    phases: list[dict[str, Any]] = []
    clock = [time.perf_counter(), time.process_time()]

    def mark(name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        phases.append({"phase": name, "wall": wall - clock[0], "cpu": cpu - clock[1], "rss_mb": rss})
        clock[:] = [wall, cpu]

    import reconciler.cli  # noqa: F401  (the CLI imports everything a plan needs)
    from reconciler.app import git, run
    from reconciler.gcpause import paused
    from reconciler.planning.planner import make_plan
    from reconciler.render import render

    mark("import the CLI (boto3, pydantic models, ...)")
    with paused():  # as `reconciler plan` runs (reconciler.gcpause)
        desired = run.load_desired(args.state_dir)
        mark("load desired state (YAML, validation)")
        live = run.Run().read(desired)
        mark("read live (boto3 against the emulator)")
        made = make_plan(desired, live)
        mark("make the plan (resolve, compare)")
        git.git_commit(args.state_dir)
        mark("stamp (git rev-parse)")
        text = render(made, "text")
        mark("render text")
        saved = made.to_json()
        mark("plan to JSON (--out)")
    print(json.dumps({"phases": phases, "changes": len(made.updates), "text": len(text), "json": len(saved)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
