"""What this machine last saw of each instance's traffic distribution groups: name, ARN, default.

Groups live in the instance's source Region. When that Region is down, the replica's Region must
be asked for them by their full ARN, and AWS does not document whether listing groups there shows
the source's groups at all. A group keyed by its ARN (or by its ID, with `accountId`) is found
either way; one keyed by name is found through this directory, which every successful listing in
the source Region refreshes. It holds names and ARNs only (no credentials, no distributions).

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
        with self._lock:
            known = self._read()
            if known.get(instance_id) == groups:
                return
            known[instance_id] = groups
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
