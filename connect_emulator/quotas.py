"""Amazon Connect API throttling: one token bucket per (account, Region, operation).

The documented default for every operation the reconciler uses is 2 requests per second with a
burst of 5 (DESIGN.md, "Amazon Connect facts"); a request that finds its bucket empty gets 429
``ThrottlingException``, which botocore retries in standard mode. ``--quotas aws`` turns this
on, ``off`` (the default) lets every request through. ``scale`` multiplies the refill rates and
keeps the burst at 5, so a test can exercise throttling behaviour without waiting seconds
(``scale=10`` -> 20 requests/s) or make a benchmark model a raised quota. ``rates`` overrides the
per-second rate of single operations (e.g. the 10/s that Service Quotas lists for DescribeQueue
and ListQueues in some accounts); the defaults stay at the documented 2/s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

DEFAULT_RATE: Final = 2.0
DEFAULT_BURST: Final = 5.0
MODES: Final = ("off", "aws")


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class QuotaLimiter:
    """Thread-safe limiter; :meth:`allow` is called once per API request."""

    def __init__(
        self,
        mode: str = "off",
        scale: float = 1.0,
        *,
        rates: Mapping[str, float] | None = None,
        burst: float = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"quotas must be one of {', '.join(MODES)}, not {mode!r}")
        if not scale > 0:
            raise ValueError(f"quota scale must be > 0, not {scale!r}")
        self.mode = mode
        self.scale = scale
        self.rates = dict(rates or {})
        self.burst = burst
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.mode == "aws"

    def rate_for(self, operation: str) -> float:
        return self.rates.get(operation, DEFAULT_RATE) * self.scale

    def allow(self, account: str, region: str, operation: str) -> bool:
        """Take a token for this request; ``False`` means answer 429 ThrottlingException."""
        if not self.enabled:
            return True
        key = (account, region, operation)
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = TokenBucket(self.rate_for(operation), self.burst, self.burst, now)
                self._buckets[key] = bucket
            return bucket.take(now)

    def reset(self) -> None:
        """Refill every bucket (forget all past requests)."""
        with self._lock:
            self._buckets.clear()
