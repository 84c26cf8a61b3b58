"""The apply lock as a file per instance, in one folder per machine.

The folder is the user's state folder (`$XDG_STATE_HOME/connect-reconciler/locks`, else
`~/.local/state/connect-reconciler/locks`), never the working directory: two clones of the
repository on one machine must take the same lock. `--lock file://FOLDER` names another folder
(one shared by several users, say). Runners on several machines need the DynamoDB backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import asdict
from pathlib import Path

from reconciler.applying.lock import LockHeld, LockInfo
from reconciler.errors import ReconcilerError


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
    """Lock files created with O_EXCL; an expired lock is broken by an atomic rename first."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()

    def read(self, key: str) -> LockInfo | None:
        return self._read(self._path(key))

    def where(self, key: str) -> str:
        return str(self._path(key))

    def remove(self, key: str, token: str | None) -> bool:
        """Move the lock aside, then delete it if `token` held it; else put it back."""
        path = self._path(key)
        aside = path.with_name(f".{path.name}.unlock-{uuid.uuid4().hex}")
        try:
            os.rename(path, aside)  # atomic: whoever holds the lock now, we now hold the file
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ReconcilerError(f"cannot remove the lock {path}: {exc.strerror or exc}") from None
        moved = self._read(aside)
        if moved is not None and moved.token == token:
            aside.unlink()
            return True
        with contextlib.suppress(FileExistsError, FileNotFoundError):
            os.link(aside, path)  # someone else's lock (taken meanwhile): put it back as it was
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
        return False

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
