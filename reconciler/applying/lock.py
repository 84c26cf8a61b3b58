"""One apply per instance at a time: what a lock is, what it is called, and where it may live.

Two applies interleaving on one instance could each pass the stale check and then write over each
other, so apply and rollback take a lock per instance first (`reconciler.applying.holding`). The
second one refuses and says who holds the lock, since when, and until when. Locks expire (a killed
CI job must not block the next one forever), and a lock file whose process is gone from this
machine is taken over at once.

The lock is named by what identifies the instance, its account, Region and instance ID
(`lock_key`), never by how a desired state happens to write it: with `accountId` or without it,
from one clone of the repository or another, an apply on one instance takes the same lock.

A stored lock is read strictly (`parse_info`): one that does not say plainly who holds it until
when (an expiry that is NaN, infinite, negative, text or years away; a folder where the file
belongs) is `LockDamaged`, an error naming it, never a lock silently taken or a crash.

Backends: a lock file per instance in one folder per machine (`reconciler.applying.lockfile`, the
default), or a DynamoDB table with conditional writes (`--lock dynamodb://TABLE`, for CI runners on
many machines, the way Terraform's S3 backend locks), which lives in
`reconciler.connect.dynamolock` because it uses boto3.
"""

from __future__ import annotations

import datetime as dt
import getpass
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import ReconcilerError

DEFAULT_TTL = 900.0
MAX_AHEAD = 7 * 86400.0  # no lock is renewed this far ahead, whatever the clocks of its machines
MAX_TEXT = 500  # characters of a name in a lock (owner, operation, host, key)


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
        since, until = when(self.acquired_at), when(self.expires_at)
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

    def seize(self, info: LockInfo) -> LockInfo | None:
        """Break-glass (`reconciler failover`): replace any holder with `info`; the one replaced."""
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


def user_name() -> str:
    """The login name, or `uid N` where the uid has no name (CI containers often run as one)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        getuid = getattr(os, "getuid", None)
        return f"uid {getuid()}" if getuid is not None else "an unnamed user"


def new_info(key: str, operation: str, ttl: float, now: float | None = None) -> LockInfo:
    start = time.time() if now is None else now
    run = os.environ.get("GITHUB_RUN_ID")
    owner = f"{user_name()}@{socket.gethostname()} pid {os.getpid()}" + (f" run {run}" if run else "")
    return LockInfo(
        key, owner, uuid.uuid4().hex, operation, start, start + ttl, socket.gethostname(), os.getpid()
    )


class LockDamaged(ReconcilerError):
    """A stored lock that does not say plainly who holds it until when: nobody can tell whether an
    apply is running, so no apply starts until a person removes it."""

    def __init__(self, where: str, problem: str, *, token: str | None = None, folder: bool = False) -> None:
        fix = "remove that folder" if folder else "remove it with reconciler unlock INSTANCE --force"
        super().__init__(f"the lock {where} is damaged ({problem}); if no apply is running, {fix}")
        self.where = where
        self.problem = problem
        self.token = token  # the token it holds, if it holds one as text (unlock removes by it)
        self.folder = folder


def parse_info(data: object, key: str, where: str, now: float | None = None) -> LockInfo:
    """A stored lock's fields (JSON-like values) -> `LockInfo`, or `LockDamaged` saying what is wrong."""
    now = time.time() if now is None else now
    fields = data if isinstance(data, dict) else {}
    token = fields.get("token") if isinstance(fields.get("token"), str) else None

    def damaged(problem: str) -> LockDamaged:
        return LockDamaged(where, problem, token=token)

    if not isinstance(data, dict):
        raise damaged("not a JSON object")
    for name in ("key", "owner", "token", "operation", "host"):
        value = data.get(name, "" if name == "host" else None)
        if not isinstance(value, str) or (not value and name != "host"):
            raise damaged(f"{name} is missing or not text")
        if len(value) > MAX_TEXT or not value.isprintable():
            raise damaged(f"{name} is not one line of printable text of at most {MAX_TEXT} characters")
    if data["key"] != key:
        raise damaged("it holds the lock of another instance")
    pid = data.get("pid", 0)
    if type(pid) is not int or not 0 <= pid < 2**32:
        raise damaged("pid is not a process ID")
    times: dict[str, float] = {}
    for name in ("acquired_at", "expires_at"):
        value = data.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise damaged(f"{name} is missing or not a number")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise damaged(f"{name} is not a finite number")
        if number <= 0:
            raise damaged(f"{name} is not a time")
        if number > now + MAX_AHEAD:
            raise damaged(f"{name} is more than {MAX_AHEAD / 86400:g} days ahead")
        times[name] = number
    if times["acquired_at"] > times["expires_at"]:
        raise damaged("acquired_at is after expires_at")
    return LockInfo(
        key,
        data["owner"],
        data["token"],
        data["operation"],
        times["acquired_at"],
        times["expires_at"],
        data.get("host", ""),
        pid,
    )


def when(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")
