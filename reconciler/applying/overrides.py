"""Break-glass overrides: the record that a person moved traffic by hand, and where every runner sees it.

When a Region fails, `reconciler failover` moves traffic at once, without a pull request. From
then on git and Connect disagree on purpose, and the tool must not fight the person who did it:
drift reports the groups as `overridden` (who, when, why), and plan and apply hold them back until
git adopts the live values (`failover --adopt`, one commit) or the override is cleared
(`failover --clear`, then apply fails back to git's values).

So the override is stored where every runner looks, beside the instance's lock: a JSON file next
to the lock file for the file backend (`FileOverrides`), an item next to the lock item in the
DynamoDB table (`reconciler.connect.dynamooverrides`). One record per instance, created only if
none exists (link() for a file, a conditional put for DynamoDB): of two failovers started at once,
one wins and the other says who did. Records are typed and versioned; a damaged one is one clear
line naming where it is, and `--clear` removes it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Protocol

from reconciler.applying.lockfile import read_record_file
from reconciler.errors import ReconcilerError
from reconciler.planning.override import MAX_BYTES, Override, OverrideDamaged, OverrideExists, parse_override


class OverrideStore(Protocol):
    def create(self, override: Override) -> None:
        """Store `override` if the instance has none, else raise `OverrideExists`."""
        ...

    def read(self, key: str) -> Override | None:
        """The instance's active override, None when there is none (`OverrideDamaged`)."""
        ...

    def remove(self, key: str, token: str | None) -> bool:
        """Remove the override if `token` is still its token (None: whatever is there)."""
        ...

    def where(self, key: str) -> str: ...


class FileOverrides:
    """Override records as files beside the lock files: `<lock name>.override`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def where(self, key: str) -> str:
        return str(self._path(key))

    def create(self, override: Override) -> None:
        path = self._path(override.key)
        tmp = self.folder / f".{path.name}.{override.token}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(override.model_dump_json(indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ReconcilerError(f"cannot write the override in {self.folder}: {exc.strerror}") from None
        try:
            os.link(tmp, path)  # fails if a record exists: one failover wins
        except FileExistsError:
            existing = self.read(override.key)
            if existing is None:
                raise ReconcilerError(f"the override {path} keeps changing; try again") from None
            raise OverrideExists(existing, str(path)) from None
        except OSError as exc:
            raise ReconcilerError(f"cannot write the override {path}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def read(self, key: str) -> Override | None:
        path = self._path(key)
        where = str(path)
        data = read_record_file(
            path, where, "the override", MAX_BYTES, lambda why, _: OverrideDamaged(where, why)
        )
        if data is None:
            return None
        return parse_override(data, key, str(path))

    def remove(self, key: str, token: str | None) -> bool:
        path = self._path(key)
        aside = path.with_name(f".{path.name}.clear-{uuid.uuid4().hex}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ReconcilerError(f"cannot remove the override {path}: {exc.strerror or exc}") from None
        found: str | None = None
        with contextlib.suppress(ReconcilerError):
            moved = FileOverrides._parse_file(aside, key, str(path))
            found = moved.token
        if token is None or found == token:
            aside.unlink()
            return True
        with contextlib.suppress(OSError):
            os.link(aside, path)  # another failover's record, made meanwhile: put it back
        with contextlib.suppress(OSError):
            aside.unlink()
        return False

    @staticmethod
    def _parse_file(path: Path, key: str, where: str) -> Override:
        return parse_override(path.read_bytes(), key, where)

    def _path(self, key: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        return self.folder / f"{safe}.override"
