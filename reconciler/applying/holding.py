"""Holding the apply locks of one run: take (waiting if asked), renew, check before writes, release.

A run takes one lock per instance it writes to, in sorted order so that two runs never deadlock.
A lock someone holds is waited for when the user asked for it (`--lock-timeout`), polling with
backoff; then the refusal names the holder. While the run lasts, a background thread renews every
lock well before it expires, and `check()`, called before each write, reads each lock where it
lives: a renewal that failed, a lock removed or now held by someone else, or one that expired
(a suspended process) is `LockLost`, and the run writes nothing more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator

from reconciler.applying.lock import DEFAULT_TTL, Backend, LockHeld, LockInfo, LockLost, new_info, when
from reconciler.errors import ReconcilerError

POLL_FIRST = 0.5  # seconds between tries for a held lock, doubling up to POLL_MAX
POLL_MAX = 10.0


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
        self.seized: list[LockInfo] = []  # holders a break-glass `take` replaced
        self._guard = threading.Lock()  # one renewal or check at a time: writes run side by side
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.sleep: Callable[[float], None] = time.sleep

    def take(
        self,
        keys: list[str],
        *,
        timeout: float = 0.0,
        on_wait: Callable[[LockInfo], None] | None = None,
        seize: bool = False,
    ) -> None:
        """Take every key (sorted, so two runs never deadlock) and keep them renewed.

        A key someone holds is waited for, polling with backoff, for up to `timeout` seconds in
        all; `on_wait` is told of each holder waited for. Then `LockHeld` names the holder.
        `seize` (break-glass failover) takes every key at once from whoever holds it: the holder's
        next `check()` raises `LockLost`; `self.seized` lists the holders replaced.
        """
        self._renewer = threading.Thread(target=self._renew_all, daemon=True, name="lock-renew")
        self._renewer.start()
        deadline = time.monotonic() + timeout
        for key in sorted(set(keys)):
            if seize:
                info = new_info(key, self.operation, self.ttl)
                replaced = self.backend.seize(info)
                if replaced is not None and replaced.token != info.token:
                    self.seized.append(replaced)
            else:
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
            return f"the lock {info.key} expired at {when(info.expires_at)} before it was renewed"
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
