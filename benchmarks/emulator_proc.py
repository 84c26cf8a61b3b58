"""The Connect emulator in its own process, serving a fixture JSON file the benchmark generated.

``python -m benchmarks.emulator_proc FIXTURE.json [--quotas aws|off]`` does what
``reconciler emulator --state FIXTURE`` does, except that it reads the fixture with ``json.load``
and ``Emulator(state=dict)``: the emulator's fixture-file loader parses JSON with a line-tracking
pure-Python YAML loader (9.5 s of CPU at 50,000 queues, against 1.6 s this way), which is not what
the benchmarks measure. The first line on stdout is ``listening on URL``; the process serves until
SIGTERM or until its stdin closes (so it never outlives the benchmark that started it).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from connect_emulator.server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_proc")
    parser.add_argument("fixture")
    parser.add_argument("--quotas", choices=["off", "aws"], default="off")
    parser.add_argument("--quota-scale", type=float, default=1.0)
    parser.add_argument("--update-in-progress-seconds", type=float, default=2.0)
    parser.add_argument("--outage-mix", default=None)
    parser.add_argument("--outage-seed", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.fixture, encoding="utf-8") as fh:
        fixture = json.load(fh)
    emu = Emulator(
        fixture,
        quotas=args.quotas,
        quota_scale=args.quota_scale,
        update_in_progress_seconds=args.update_in_progress_seconds,
        outage_mix=args.outage_mix,
        outage_seed=args.outage_seed,
    ).start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def watch_stdin() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"listening on {emu.url}", flush=True)
    try:
        while not stop.wait(0.25):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
