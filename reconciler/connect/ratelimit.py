"""Client-side token buckets per (account, Region, operation), shared by every client in a run.

Amazon Connect allows about 2 requests/s with a burst of 5 per account, Region and API. A run that
plans twenty instances in one account would otherwise set off a storm of 429s that botocore then
retries into more 429s. The limiter hooks botocore's `before-send` event, so every HTTP attempt,
retries included, waits for a token first.

The default burst is one below Connect's: the service counts a request when it arrives, and the
first request of a burst arrives later than the ones after it (connection set-up, threads starting),
so a client bucket exactly as large as the service's sends the request after the burst a little
too early and gets a 429. One token of headroom absorbs up to 1/rate seconds of such jitter and
costs no throughput once requests are paced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RATE = 2.0
DEFAULT_BURST = 4  # Connect's burst (5) minus one token of headroom; see the module docstring


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets keyed by (account, Region, operation); `rate <= 0` disables limiting."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self.waited = 0.0  # total seconds spent waiting, for benchmarks
        self.sent: dict[tuple[str, str, str], int] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, account: str, region: str, operation: str) -> None:
        """Block until a request to `operation` may be sent."""
        key = (account, region, operation)
        while True:
            with self._lock:
                if not self.enabled:
                    self.sent[key] = self.sent.get(key, 0) + 1
                    return
                now = self._clock()
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = _Bucket(self.rate, self.burst, float(self.burst), now)
                bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rate)
                bucket.stamp = now
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    self.sent[key] = self.sent.get(key, 0) + 1
                    return
                wait = (1 - bucket.tokens) / bucket.rate
                self.waited += wait  # under the lock: threads add to it concurrently
            self._sleep(wait)
