"""One apply per instance at a time: a lock with an owner, an expiry and a heartbeat.

Two applies interleaving on one instance could each pass the stale check and then write over each
other, so apply and rollback take a lock per instance first. The second one refuses and says who
holds the lock, since when, and until when. Locks expire (a killed CI job must not block the next
one forever), a lock file whose process is gone from this machine is taken over at once, and a
running apply renews its lock in the background well before it expires.

Backends: a lock file per instance under `.reconciler/locks/` (the default, for one machine), or a
DynamoDB table with conditional writes (`--lock dynamodb://TABLE`, for CI runners on many machines,
the way Terraform's S3 backend locks); that one lives in `reconciler.connect.dynamolock`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from reconciler.errors import ReconcilerError

DEFAULT_TTL = 900.0
DEFAULT_DIR = ".reconciler/locks"


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


class FileBackend:
    """Lock files created with O_EXCL; an expired lock is broken by an atomic rename first."""

    def __init__(self, folder: str = DEFAULT_DIR) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        return self.folder / f"{safe}.lock"

    def acquire(self, info: LockInfo, now: float) -> None:
        path = self._path(info.key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Publish a complete file with link(): it fails if the lock exists, and nobody can
            # ever read a half-written lock (an empty one would look expired and be broken).
            tmp = self.folder / f".{path.name}.{info.token}"
            tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        except OSError as exc:
            raise ReconcilerError(f"cannot write in the lock folder {self.folder}: {exc.strerror}") from None
        try:
            for _ in range(3):
                try:
                    os.link(tmp, path)
                    return
                except FileExistsError:
                    held = self._read(path)
                    # A killed apply on this machine leaves its lock behind: it need not expire.
                    if held is not None and held.expires_at > now and not held.holder_is_gone():
                        raise LockHeld(held, str(path)) from None
                    self._break(path, now)
            raise ReconcilerError(f"could not take the lock {path}: it keeps changing hands")
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def renew(self, info: LockInfo) -> bool:
        path = self._path(info.key)
        held = self._read(path)
        if held is None or held.token != info.token:
            return False
        tmp = self.folder / f".{path.name}.renew-{info.token}"
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, path)
        return True

    def release(self, info: LockInfo) -> None:
        path = self._path(info.key)
        held = self._read(path)
        if held is not None and held.token == info.token:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    @staticmethod
    def _read(path: Path) -> LockInfo | None:
        try:
            return LockInfo(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            # Not ours to read (locks are published whole): expired once it is a minute old.
            try:
                age_limit = path.stat().st_mtime + 60
            except OSError:
                age_limit = 0.0
            return LockInfo(str(path), "an unreadable lock file", "", "unknown", 0.0, age_limit)

    def _break(self, path: Path, now: float) -> None:
        """Move an expired lock aside; if what was moved turns out to be live, put it back."""
        stale = path.with_name(f".{path.name}.stale-{uuid.uuid4().hex}")
        try:
            os.rename(path, stale)  # only one of several breakers gets the file
        except FileNotFoundError:
            return
        moved = self._read(stale)
        if moved is not None and moved.expires_at > now and not moved.holder_is_gone():
            # Another process took the lock between our read and the rename: restore it.
            with contextlib.suppress(FileExistsError, FileNotFoundError):
                os.link(stale, path)
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


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
