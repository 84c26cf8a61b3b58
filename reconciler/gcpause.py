"""Pause Python's cyclic garbage collector while a run builds its large, long-lived values.

Loading the desired state, reading the live state and planning each allocate millions of small
objects (YAML nodes, dicts, models) that stay alive until the phase ends. Every full pass of the
cyclic collector walks all of them again, and a 50,000-queue plan spent a third of its CPU time
there (12.1 s of CPU with the collector, 8.0 s without). Reference counting still frees every
acyclic object at once while the collector is paused; cycles made meanwhile (a caught exception
and its traceback) wait until it resumes. Pauses are short and bounded (one phase), nest, and
always end: long-running work, such as applying at the write quota, runs with the collector on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _State:
    lock = threading.Lock()
    depth = 0  # blocks open, in any thread
    was_enabled = False  # the collector's state when the outermost block began


@contextmanager
def paused() -> Iterator[None]:
    """Collector off inside the block; back as it was when the outermost block ends."""
    with _State.lock:
        if _State.depth == 0:
            _State.was_enabled = gc.isenabled()
            gc.disable()
        _State.depth += 1
    try:
        yield
    finally:
        with _State.lock:
            _State.depth -= 1
            if _State.depth == 0 and _State.was_enabled:
                gc.enable()
