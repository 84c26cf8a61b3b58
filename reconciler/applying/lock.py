"""One apply per instance at a time: a lock with an owner, an expiry and a heartbeat.

Two applies interleaving on one instance could each pass the stale check and then write over each
other, so apply and rollback take a lock per instance first. The second one refuses and says who
holds the lock, since when, and until when. Locks expire (a killed CI job must not block the next
one forever), a lock file whose process is gone from this machine is taken over at once, and a
running apply renews its lock in the background well before it expires.

The lock is named by what identifies the instance, its account, Region and instance ID
(`lock_key`), never by how a desired state happens to write it: with `accountId` or without it,
from one clone of the repository or another, an apply on one instance takes the same lock.

Backends: a lock file per instance in one folder per machine (`reconciler.applying.lockfile`, the
default), or a DynamoDB table with conditional writes (`--lock dynamodb://TABLE`, for CI runners on
many machines, the way Terraform's S3 backend locks), which lives in
`reconciler.connect.dynamolock` because it uses boto3.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import ReconcilerError

DEFAULT_TTL = 900.0


def lock_key(account: str, region: str, instance_id: str) -> str:
    """The name of an instance's lock: its account, its (source) Region and its instance ID."""
    return f"connect-reconciler/{account}/{region}/{instance_id.lower()}"


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock: shown to whoever is refused."""

    key: str
    owner: str
    token: str
    operation: str
    acquired_at: float
    expires_at: float
    host: str = ""
    pid: int = 0

    def holder_is_gone(self) -> bool:
        """True when the holder ran on this machine and its process no longer exists."""
        if not self.pid or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def describe(self) -> str:
        def when(t: float) -> str:
            return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")

        return (
            f"{self.owner} ({self.operation}) since {when(self.acquired_at)}, expires {when(self.expires_at)}"
        )


class LockHeld(ReconcilerError):
    def __init__(self, info: LockInfo, where: str) -> None:
        super().__init__(
            f"{info.key} is locked by {info.describe()}; another apply is running. "
            f"Wait for it, or if it is gone, let the lock expire or remove it ({where})"
        )
        self.info = info


class Backend(Protocol):
    def acquire(self, info: LockInfo, now: float) -> None: ...
    def renew(self, info: LockInfo) -> bool: ...
    def release(self, info: LockInfo) -> None: ...


def new_info(key: str, operation: str, ttl: float, now: float | None = None) -> LockInfo:
    start = time.time() if now is None else now
    run = os.environ.get("GITHUB_RUN_ID")
    owner = f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()}" + (f" run {run}" if run else "")
    return LockInfo(
        key, owner, uuid.uuid4().hex, operation, start, start + ttl, socket.gethostname(), os.getpid()
    )


@contextlib.contextmanager
def held(
    backend: Backend, keys: list[str], operation: str, ttl: float = DEFAULT_TTL
) -> Iterator[list[LockInfo]]:
    """Hold locks on every key (sorted, so two runs never deadlock), renewed until the block ends."""
    taken: list[LockInfo] = []
    stop = threading.Event()
    try:
        for key in sorted(set(keys)):
            info = new_info(key, operation, ttl)
            backend.acquire(info, time.time())
            taken.append(info)
        renewer = threading.Thread(
            target=_renew, args=(backend, taken, ttl, stop), daemon=True, name="lock-renew"
        )
        renewer.start()
        yield taken
    finally:
        stop.set()
        for info in taken:
            with contextlib.suppress(Exception):
                backend.release(info)


def _renew(backend: Backend, taken: list[LockInfo], ttl: float, stop: threading.Event) -> None:
    while not stop.wait(ttl / 3):
        for index, info in enumerate(taken):
            now = time.time()
            fresh = dataclasses.replace(info, expires_at=now + ttl)
            with contextlib.suppress(Exception):
                if backend.renew(fresh):
                    taken[index] = fresh
