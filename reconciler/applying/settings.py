"""How an apply behaves: waits, retries of read-back, the stale re-check, and its callbacks.

Defaults suit real Connect: a busy group is waited for up to five minutes, and writes are read
back for up to two minutes with backoff (reads are eventually consistent). Tests shorten the
waits and inject `sleep` and `clock`; the CLI sets `on_result` to print progress. `before_write`
is called right before each write is journalled and sent; it raises (the apply lock's `check()`:
`LockLost`) when the run must not write any more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.applying.results import Result


@dataclass
class Settings:
    fail_fast: bool = False
    dry_run: bool = False
    wait_timeout: float = 300.0
    poll_interval: float = 2.0
    verify_timeout: float = 120.0  # seconds to read a write back before calling it unverified
    verify_attempts: int | None = None  # a cap on the read-backs too (tests); None: the time decides
    verify_delay: float = 0.5  # first pause between read-backs, doubling to 8 s
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    # each change once, in step order, as its write completes (or it is skipped): result, done, total
    on_result: Callable[[Result, int, int], None] = field(default=lambda r, i, n: None)
    # a written change whose read-back then failed or never showed it
    on_verified: Callable[[Result], None] = field(default=lambda r: None)
    before_write: Callable[[], None] = field(default=lambda: None)
