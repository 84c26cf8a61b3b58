"""``python -m benchmarks.profile_child OUT.prof -- ARGS``: ``reconciler ARGS`` under cProfile.

cProfile only sees the thread that enabled it, and a plan reads Connect from a thread pool, so
this child wraps ``threading.Thread.run`` to give every thread its own profiler and merges them
all with the main thread's into ``OUT.prof`` (readable with ``pstats`` or snakeviz). The profile
covers the imports too: everything ``reconciler ...`` does from the first line.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import sys
import threading
from typing import Any


def main() -> int:
    argv = sys.argv[1:]
    if len(argv) < 2 or argv[1] != "--":
        print("usage: python -m benchmarks.profile_child OUT.prof -- ARGS", file=sys.stderr)
        return 2
    out, cli_args = argv[0], argv[2:]
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original_run(self)
        finally:
            profile.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    sys.argv = ["reconciler", *cli_args]
    main_profile = cProfile.Profile()
    code: Any = 0
    main_profile.enable()
    try:
        from reconciler.cli import main as cli_main

        cli_main()
    except SystemExit as exc:
        code = exc.code
    finally:
        main_profile.disable()
    stats = pstats.Stats(main_profile)
    with lock:
        for profile in profiles:
            with contextlib.suppress(TypeError):  # a thread that ran no Python code adds nothing
                stats.add(profile)
    stats.dump_stats(out)
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
