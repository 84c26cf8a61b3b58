"""The apply lock as a file per instance, in one folder per machine.

The folder is the user's state folder (`$XDG_STATE_HOME/connect-reconciler/locks`, else
`~/.local/state/connect-reconciler/locks`), never the working directory: two clones of the
repository on one machine must take the same lock. `--lock file://FOLDER` names another folder
(one shared by several users, say). Runners on several machines need the DynamoDB backend.

A lock file is published whole (written beside, then linked in place: link() fails if a lock
exists), renewed by an atomic rename, and read strictly: a folder, a FIFO or a symbolic link in its
place, or content that is not a lock, is `LockDamaged` (see `reconciler.applying.lock.parse_info`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from reconciler.applying.lock import LockDamaged, LockHeld, LockInfo, parse_info
from reconciler.errors import ReconcilerError

MAX_BYTES = 64 * 1024  # a lock file is a few hundred bytes


def default_folder() -> Path:
    """$XDG_STATE_HOME/connect-reconciler/locks; XDG says to ignore a relative XDG_STATE_HOME."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            raise ReconcilerError(
                "no home folder to keep apply locks in: set XDG_STATE_HOME, or pass --lock file://FOLDER"
            )
        base = os.path.join(home, ".local", "state")
    return Path(base) / "connect-reconciler" / "locks"


class FileBackend:
    """Lock files created with link(); an expired lock is broken by an atomic rename first."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()

    def where(self, key: str) -> str:
        return str(self._path(key))

    def read(self, key: str) -> LockInfo | None:
        path = self._path(key)
        return self._read(path, key, str(path))

    def acquire(self, info: LockInfo, now: float) -> None:
        path = self._path(info.key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Publish a complete file with link(): it fails if the lock exists, and nobody can
            # ever read a half-written lock.
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
                    held = self.read(info.key)
                    # A killed apply on this machine leaves its lock behind: it need not expire.
                    if held is not None and held.expires_at > now and not held.holder_is_gone():
                        raise LockHeld(held, str(path)) from None
                    self._break(info.key, now)
                except OSError as exc:
                    raise ReconcilerError(f"cannot take the lock {path}: {exc.strerror or exc}") from None
            raise ReconcilerError(f"could not take the lock {path}: it keeps changing hands")
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def seize(self, info: LockInfo) -> LockInfo | None:
        """Break-glass: replace whatever lock is there with `info` (an atomic rename), so that its
        holder's next `check()` sees the lock is no longer its own; the holder it replaced."""
        path = self._path(info.key)
        try:
            previous = self.read(info.key)
        except LockDamaged:
            previous = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{path.name}.seize-{info.token}"
            tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            raise ReconcilerError(f"cannot take the lock {path}: {exc.strerror or exc}") from None
        return previous

    def renew(self, info: LockInfo) -> bool:
        path = self._path(info.key)
        held = self.read(info.key)
        if held is None or held.token != info.token:
            return False
        tmp = self.folder / f".{path.name}.renew-{info.token}"
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, path)
        return True

    def release(self, info: LockInfo) -> None:
        path = self._path(info.key)
        held = self.read(info.key)
        if held is not None and held.token == info.token:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def remove(self, key: str, token: str | None) -> bool:
        """Move the lock aside, then delete it if `token` held it (a damaged one: the token it
        shows, or none); else put it back as it was."""
        path = self._path(key)
        aside = path.with_name(f".{path.name}.unlock-{uuid.uuid4().hex}")
        if path.is_dir() and not path.is_symlink():
            raise LockDamaged(str(path), "it is a folder, not a lock file", folder=True)
        try:
            os.rename(path, aside)  # atomic: whatever is there now, only we hold it
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ReconcilerError(f"cannot remove the lock {path}: {exc.strerror or exc}") from None
        try:
            moved = self._read(aside, key, str(path))
            found = moved.token if moved is not None else None
        except LockDamaged as damaged:
            found = damaged.token
        if found == token:
            aside.unlink()
            return True
        with contextlib.suppress(FileExistsError, FileNotFoundError):
            os.link(aside, path)  # someone else's lock (taken meanwhile)
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
        return False

    def _path(self, key: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        return self.folder / f"{safe}.lock"

    @staticmethod
    def _read(path: Path, key: str, where: str) -> LockInfo | None:
        """The lock in the file at `path`, None when there is none; `LockDamaged` when it is not
        a regular file holding a lock."""

        def damaged(reason: str, folder: bool) -> LockDamaged:
            shown = reason if reason == NOT_REGULAR else f"{reason}, not a lock file"
            return LockDamaged(where, shown, folder=folder)

        data = read_record_file(path, where, "the lock", MAX_BYTES, damaged)
        if data is None:
            return None
        if len(data) > MAX_BYTES:
            raise LockDamaged(where, f"more than {MAX_BYTES:,} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise LockDamaged(where, "not UTF-8 text") from None
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):
            raise LockDamaged(where, "not JSON") from None
        return parse_info(raw, key, where, time.time())

    def _break(self, key: str, now: float) -> None:
        """Move an expired lock aside; if what was moved turns out to be live, put it back."""
        path = self._path(key)
        stale = path.with_name(f".{path.name}.stale-{uuid.uuid4().hex}")
        try:
            os.rename(path, stale)  # only one of several breakers gets the file
        except FileNotFoundError:
            return
        try:
            moved = self._read(stale, key, str(path))
        except ReconcilerError:
            moved = None
            restore = True  # replaced by something we cannot read meanwhile: not ours to remove
        else:
            # Another process took the lock between our read and the rename: restore it.
            restore = moved is not None and moved.expires_at > now and not moved.holder_is_gone()
        if restore:
            with contextlib.suppress(FileExistsError, FileNotFoundError):
                os.link(stale, path)
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


NOT_REGULAR = "it is not a regular file"


def read_record_file(
    path: Path, where: str, what: str, limit: int, damaged: Callable[[str, bool], Exception]
) -> bytes | None:
    """The bytes of a small record kept beside the locks (a lock, an override, an applied commit),
    at most `limit` + 1 of them; None when there is none. Never follows a link, blocks on a FIFO
    or reads a device: `damaged(reason, is_folder)` is raised for what is there instead."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise damaged("it is a symbolic link", False) from None
        raise ReconcilerError(f"cannot read {what} {where}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise damaged("it is a folder", True)
        if not stat.S_ISREG(mode):
            raise damaged(NOT_REGULAR, False)
        return os.read(fd, limit + 1)
    except OSError as exc:
        raise ReconcilerError(f"cannot read {what} {where}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
