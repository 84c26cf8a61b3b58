"""``python -m benchmarks.launch RESULT.json -- ARGS``: run ARGS and record its own rusage.

Why a launcher: on Linux a child's peak RSS (``ru_maxrss``) starts from its parent's high-water
mark, because ``fork`` copies the memory map's counters and ``execve`` keeps the old map's peak.
A plan started straight from a benchmark process that holds a 50,000-queue fixture would report
the benchmark's memory, not its own. This small process starts with a small map, so the child it
starts reports only what the child itself used. RESULT.json gets the exit code, the wall seconds
from just before the start to the exit, user + system CPU seconds and the peak RSS in kilobytes;
stdin, stdout and stderr are passed through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m benchmarks.launch RESULT.json -- ARGS", file=sys.stderr)
        return 2
    result, args = argv[0], argv[2:]
    started = time.perf_counter()
    proc = subprocess.Popen(args)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    record = {
        "returncode": os.waitstatus_to_exitcode(status),
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
    }
    with open(result, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
