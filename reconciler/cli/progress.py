"""Apply progress on stderr, and Ctrl-C during an apply.

In a CI log (no terminal) every change gets one plain line as its write completes, in plan-step
order, and nothing is ever rewritten, so the log reads top to bottom. On a terminal the same lines
scroll by, with a live status line under them (counts, writes per second, time left) rewritten in
place. The first Ctrl-C stops new writes and lets those in flight finish and be journalled, so the
run ends with a journal that says exactly what was written (and can be rolled back); a second one
ends the process at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TextIO

import click

from reconciler.applying.results import Outcome, Result
from reconciler.render.apply import render_result
from reconciler.render.progress import status_line

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
_CLEAR = "\r\x1b[2K"


class Progress:
    """`Settings.on_result`: a line per completed change, plus the status line on a terminal."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        color: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.color = self.tty if color is None else color
        self.clock = clock
        self.started = clock()
        self.counts: Counter[Outcome] = Counter()
        self.status_shown = False
        self._lock = threading.RLock()  # a Ctrl-C handler may print while a line is printed

    def __call__(self, result: Result, done: int, total: int) -> None:
        with self._lock:
            self.counts[result.outcome] += 1
            line = render_result(result, done, total, color=self.color)
            if not self.tty:
                click.echo(line, file=self.stream, color=self.color)
                return
            status = status_line(done, total, self.clock() - self.started, self.counts)
            if self.color:
                status = click.style(status, dim=True)
            # Written as is: click.echo would strip the line clearing along with colour.
            self._write(f"{_CLEAR}{line}\n{status}")
            self.status_shown = True

    def say(self, text: str) -> None:
        """A line of its own, above the status line."""
        with self._lock:
            if self.status_shown:
                self._write(_CLEAR)
            click.echo(text, file=self.stream, color=self.color)
            self.status_shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        """End the status line (it stays on screen as the last word on progress)."""
        with self._lock:
            if self.status_shown:
                click.echo("", file=self.stream)
                self.status_shown = False


@contextlib.contextmanager
def graceful_interrupt(stop: threading.Event, say: Callable[[str], None]) -> Iterator[None]:
    """While inside: the first Ctrl-C sets `stop` (no new write starts); a second exits at once.

    Outside the main thread (where signals cannot be handled) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            stop.set()
            say(
                "Interrupted: finishing the writes in flight, starting no new one "
                "(Ctrl-C again to stop at once)."
            )
            return
        # The journal is on disk after every record: what it says stays true.
        sys.stderr.write("Interrupted again: stopped at once; the journal shows what was written.\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
