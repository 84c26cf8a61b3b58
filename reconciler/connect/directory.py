"""What this machine last saw of each instance's groups and phone numbers: names, IDs, ARNs.

Groups live in the instance's source Region. When that Region is down, the replica's Region must
be asked for them by their full ARN, and AWS does not document whether listing groups there shows
the source's groups at all. A group keyed by its ARN (or by its ID, with `accountId`) is found
either way; one keyed by name is found through this directory, which every successful listing in
the source Region refreshes. Phone numbers claimed to the instance are listed in the source Region
only (those claimed to a group, in both): the directory keeps them too, so that `+12065550100` in
git still means the same number while the source is down. It holds names, numbers, IDs and ARNs
only (no credentials, no distributions, no caller configs).

One file per machine, under the user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`), written
whole or not at all. A missing, unreadable or damaged file is an empty directory, never an error:
it is a convenience, and without it a name-keyed group is shown blocked with what to do.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FILE = "groups.json"


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "connect-reconciler"


class GroupDirectory:
    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(folder or default_folder()) / FILE
        self._lock = threading.Lock()

    def remember(self, instance_id: str, summaries: Iterable[dict[str, Any]]) -> None:
        """Record an instance's groups as a listing in its source Region returned them."""
        groups = {
            str(g["Arn"]): {"name": str(g.get("Name", "")), "default": bool(g.get("IsDefault", False))}
            for g in summaries
            if g.get("Arn")
        }
        self._store(instance_id, groups)

    def remember_numbers(self, instance_id: str, numbers: Iterable[dict[str, Any]]) -> None:
        """Record the numbers a listing in the source Region returned (ListPhoneNumbersV2 items)."""
        keep = ("PhoneNumberId", "PhoneNumberArn", "PhoneNumber", "TargetArn")
        self._store(
            f"{instance_id}/numbers",
            {str(n["PhoneNumberId"]): {k: n.get(k, "") for k in keep} for n in numbers},
        )

    def numbers(self, instance_id: str) -> list[dict[str, Any]]:
        """The numbers as last listed in the source Region (ListPhoneNumbersV2 items)."""
        with self._lock:
            found = self._read().get(f"{instance_id}/numbers")
        return [dict(n) for n in found.values() if isinstance(n, dict)] if isinstance(found, dict) else []

    def _store(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            known = self._read()
            if known.get(key) == value:
                return
            known[key] = value
            with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_name(f".{FILE}.{os.getpid()}.{threading.get_ident()}")
                tmp.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
                os.replace(tmp, self.path)

    def groups(self, instance_id: str) -> dict[str, dict[str, Any]]:
        """ARN -> {name, default} as last seen, for one instance."""
        with self._lock:
            found = self._read().get(instance_id)
        return found if isinstance(found, dict) else {}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
