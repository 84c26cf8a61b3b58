"""What a run takes from its environment: the rate limit, the Connect port, the lock backend.

Parsing lives here, once, so every command reads `RECONCILER_RATE_LIMIT` and `--lock` the same way
and reports a bad setting in the same words. boto3 is imported only when a port or a DynamoDB
lock is actually built, so commands that never call AWS do not pay for it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reconciler.applying.applied import AppliedStore, FileAppliedStore
from reconciler.applying.lock import Backend
from reconciler.applying.lockfile import FileBackend
from reconciler.desired.patterns import ENDPOINT_RE, REGION_RE
from reconciler.errors import ReconcilerError, redact

if TYPE_CHECKING:
    from reconciler.connect import Connect, RateLimiter
    from reconciler.port import AlarmPort

RATE_ENV = "RECONCILER_RATE_LIMIT"
LOCK_ENV = "RECONCILER_LOCK"


def connect_port(endpoints: Sequence[str] = (), limiter: RateLimiter | None = None) -> Connect:
    """The boto3 port for one run: one client factory, one rate limiter for every instance.

    `endpoints` are the `--endpoint-url` values: `URL` for every Region, `REGION=URL` for one.
    """
    from reconciler.connect import ClientFactory, Connect

    default, per_region = parse_endpoints(endpoints)
    factory = ClientFactory(
        endpoint_url=default,
        region_endpoints=per_region,
        limiter=limiter or rate_limiter(os.environ.get(RATE_ENV)),
    )
    return Connect(factory)


def alarm_port(port: object) -> AlarmPort | None:
    """CloudWatch alarms through the boto3 port's client factory (None for another port: tests)."""
    from reconciler.connect import Connect
    from reconciler.connect.alarms import CloudWatchAlarms

    return CloudWatchAlarms(port.factory) if isinstance(port, Connect) else None


def parse_endpoints(values: Sequence[str]) -> tuple[str | None, dict[str, str]]:
    """`--endpoint-url` values -> (the URL for every Region, URLs by Region); clear errors."""
    default: str | None = None
    per_region: dict[str, str] = {}
    for value in values:
        region, sep, url = value.partition("=")
        if not sep or "://" in region:
            region, url = "", value
        if not ENDPOINT_RE.fullmatch(url):
            raise ReconcilerError(
                f"--endpoint-url {redact(value)!r}: not a URL (http://HOST[:PORT] or https://...)"
            )
        if not region:
            if default is not None:
                raise ReconcilerError("--endpoint-url URL is given twice; use REGION=URL for a second Region")
            default = url
        elif not REGION_RE.fullmatch(region):
            raise ReconcilerError(
                f"--endpoint-url {redact(value)!r}: {region!r} is not a Region code like us-east-1"
            )
        elif region in per_region:
            raise ReconcilerError(f"--endpoint-url names {region} twice")
        else:
            per_region[region] = url
    return default, per_region


def rate_limiter(setting: str | None) -> RateLimiter:
    """`RATE` or `RATE/BURST` requests per second per operation, or `off`; unset: Connect's quotas.

    Accounts whose quotas AWS has raised can go faster; `off` is for emulators with quotas off.
    """
    from reconciler.connect import RateLimiter

    if setting is None or not setting.strip():
        return RateLimiter()
    text = setting.strip().lower()
    if text in ("off", "0"):
        return RateLimiter(rate=0)
    rate_text, _, burst_text = text.partition("/")
    try:
        rate = float(rate_text)
        burst = int(burst_text) if burst_text else max(1, int(rate * 2))
    except (ValueError, OverflowError):
        raise ReconcilerError(f"{RATE_ENV}={setting!r}: use RATE, RATE/BURST (e.g. 10/20) or off") from None
    if not math.isfinite(rate) or rate <= 0 or burst < 1:
        raise ReconcilerError(
            f"{RATE_ENV}={setting!r}: the rate and burst must be positive finite numbers (or use off)"
        )
    return RateLimiter(rate=rate, burst=burst)


def lock_backend(spec: str) -> Backend:
    """`file` (this machine's lock folder), `file://FOLDER` or `dynamodb://TABLE` -> a lock backend."""
    if spec == "file":
        return FileBackend()
    if spec.startswith("file://") and len(spec) > len("file://"):
        return FileBackend(spec.removeprefix("file://"))
    if spec.startswith("dynamodb://") and len(spec) > len("dynamodb://"):
        from reconciler.connect.dynamolock import DynamoBackend

        return DynamoBackend(spec.removeprefix("dynamodb://"))
    raise ReconcilerError(f"--lock {spec!r}: use file, file://FOLDER or dynamodb://TABLE")


def applied_store(backend: Backend) -> AppliedStore:
    """Where the commits last applied live: beside the locks of `backend` (`--lock`)."""
    if isinstance(backend, FileBackend):
        return FileAppliedStore(backend)
    from reconciler.connect.dynamolock import DynamoBackend

    if isinstance(backend, DynamoBackend):
        from reconciler.connect.dynamoapplied import DynamoAppliedStore

        return DynamoAppliedStore(backend)
    raise ReconcilerError(f"the lock backend {type(backend).__name__} keeps no applied commits")
