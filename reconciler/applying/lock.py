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
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import ReconcilerError

DEFAULT_TTL = 900.0
POLL_FIRST = 0.5  # seconds between tries for a held lock, doubling up to POLL_MAX
POLL_MAX = 10.0


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
        since, until = _when(self.acquired_at), _when(self.expires_at)
        return f"{self.owner} ({self.operation}) since {since}, expires {until}"


class LockHeld(ReconcilerError):
    def __init__(self, info: LockInfo, where: str, *, waited: float = 0.0) -> None:
        after = f" after waiting {waited:g}s" if waited else ""
        super().__init__(
            f"{info.key} is locked by {info.describe()}; another apply is running{after}. Wait for it "
            f"(--lock-timeout SECONDS), or, if it is gone, let the lock expire or remove it with "
            f"reconciler unlock ({where})"
        )
        self.info = info
        self.where = where


class LockLost(ReconcilerError):
    """The lock an apply held is no longer its own: it must not write any more."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"{reason}; this run stops writing (its journal records what it did): see who holds the "
            "lock (reconciler unlock INSTANCE shows it), then plan again"
        )
        self.reason = reason


class Backend(Protocol):
    def acquire(self, info: LockInfo, now: float) -> None:
        """Take the lock `info` describes, or raise `LockHeld` naming who holds it."""
        ...

    def renew(self, info: LockInfo) -> bool:
        """Store `info`'s later expiry, if `info.token` still holds the lock (else False)."""
        ...

    def release(self, info: LockInfo) -> None:
        """Remove the lock, if `info.token` still holds it."""
        ...

    def read(self, key: str) -> LockInfo | None:
        """The lock on `key` as stored now, None when nothing holds it."""
        ...

    def where(self, key: str) -> str:
        """Where the lock on `key` lives, for messages (a file, a table and key)."""
        ...

    def remove(self, key: str, token: str | None) -> bool:
        """Remove the lock on `key` if `token` still holds it (`reconciler unlock`); whether it did."""
        ...


def new_info(key: str, operation: str, ttl: float, now: float | None = None) -> LockInfo:
    start = time.time() if now is None else now
    run = os.environ.get("GITHUB_RUN_ID")
    owner = f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()}" + (f" run {run}" if run else "")
    return LockInfo(
        key, owner, uuid.uuid4().hex, operation, start, start + ttl, socket.gethostname(), os.getpid()
    )


class HeldLocks:
    """The locks one run holds: renewed in the background until released; `check()` before writing.

    A renewal that fails, a lock removed by someone, or one another run holds now (it expired and
    was taken over, or was overwritten) means this run may no longer be alone on the instance:
    `check()` then raises `LockLost`, and keeps raising it. It reads the lock where it lives, so a
    change made there is seen at the next write, not at the next renewal.
    """

    def __init__(self, backend: Backend, operation: str, ttl: float = DEFAULT_TTL) -> None:
        self.backend = backend
        self.operation = operation
        self.ttl = ttl
        self.infos: list[LockInfo] = []
        self._guard = threading.Lock()  # one renewal or check at a time: writes run side by side
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.sleep: Callable[[float], None] = time.sleep

    def take(
        self, keys: list[str], *, timeout: float = 0.0, on_wait: Callable[[LockInfo], None] | None = None
    ) -> None:
        """Take every key (sorted, so two runs never deadlock) and keep them renewed.

        A key someone holds is waited for, polling with backoff, for up to `timeout` seconds in
        all; `on_wait` is told of each holder waited for. Then `LockHeld` names the holder.
        """
        self._renewer = threading.Thread(target=self._renew_all, daemon=True, name="lock-renew")
        self._renewer.start()
        deadline = time.monotonic() + timeout
        for key in sorted(set(keys)):
            info = self._take(key, deadline, timeout, on_wait)
            with self._guard:
                self.infos.append(info)

    def _take(
        self, key: str, deadline: float, timeout: float, on_wait: Callable[[LockInfo], None] | None
    ) -> LockInfo:
        delay, announced = POLL_FIRST, ""
        while True:
            info = new_info(key, self.operation, self.ttl)
            try:
                self.backend.acquire(info, time.time())
                return info
            except LockHeld as refused:
                left = deadline - time.monotonic()
                if left <= 0:
                    if not timeout:
                        raise
                    raise LockHeld(refused.info, refused.where, waited=timeout) from None
                if on_wait is not None and refused.info.token != announced:
                    announced = refused.info.token
                    on_wait(refused.info)
            self.sleep(min(left, delay * random.uniform(0.8, 1.2)))
            delay = min(delay * 2, POLL_MAX)

    def check(self) -> None:
        """Raise `LockLost` unless every lock is still this run's and will not expire soon."""
        with self._guard:
            if self._lost is None:
                self._lost = self._confirm()
            if self._lost is not None:
                raise LockLost(self._lost)

    def ok(self) -> bool:
        """Whether every lock is still this run's (what `check()` raises about, as a boolean)."""
        try:
            self.check()
        except LockLost:
            return False
        return True

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=30)  # never renew a lock after it is released
        with self._guard:
            for info in self.infos:
                with contextlib.suppress(Exception):  # not ours any more, or gone: it expires
                    self.backend.release(info)

    def _confirm(self) -> str | None:
        now = time.time()
        for index, info in enumerate(self.infos):
            try:
                current = self.backend.read(info.key)
            except ReconcilerError as exc:
                return f"cannot confirm the lock {info.key} is still held: {exc}"
            if current is None:
                return f"the lock {info.key} was removed ({self.backend.where(info.key)})"
            if current.token != info.token:
                return f"the lock {info.key} is now held by {current.describe()}"
            if now + self.ttl / 3 > info.expires_at:  # renewal overdue (a suspended process?)
                reason = self._renew(index, now)
                if reason is not None:
                    return reason
        return None

    def _renew(self, index: int, now: float) -> str | None:
        """Renew one lock (under the guard); why it failed, or None."""
        info = self.infos[index]
        if now >= info.expires_at:  # anyone may have taken it meanwhile: never renew it now
            return f"the lock {info.key} expired at {_when(info.expires_at)} before it was renewed"
        fresh = dataclasses.replace(info, expires_at=now + self.ttl)
        try:
            renewed = self.backend.renew(fresh)
        except Exception as exc:
            detail = exc if isinstance(exc, ReconcilerError) else f"{type(exc).__name__}: {exc}"
            return f"renewing the lock {info.key} failed ({detail})"
        if not renewed:
            return f"renewing the lock {info.key} failed: it is no longer held by this run"
        self.infos[index] = fresh
        return None

    def _renew_all(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._guard:
                if self._lost is not None:
                    return
                now = time.time()
                for index in range(len(self.infos)):
                    self._lost = self._renew(index, now)
                    if self._lost is not None:
                        return


@contextlib.contextmanager
def held(
    backend: Backend,
    keys: list[str],
    operation: str,
    ttl: float = DEFAULT_TTL,
    *,
    timeout: float = 0.0,
    on_wait: Callable[[LockInfo], None] | None = None,
) -> Iterator[HeldLocks]:
    """Hold locks on every key, renewed until the block ends; check them before each write.

    A held key is waited for up to `timeout` seconds (see `HeldLocks.take`)."""
    locks = HeldLocks(backend, operation, ttl)
    try:
        locks.take(keys, timeout=timeout, on_wait=on_wait)
        yield locks
    finally:
        locks.release()


def _when(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")
