"""An append-only JSON-lines record of an apply, flushed and synced line by line.

An apply that is killed half-way must leave an exact record of what it was about to do and what it
did: each write is journalled before it is sent (`change-started`, with the values it replaces and
the request that restores them) and after it returns (`change-finished`). `reconciler rollback`
reads it back; a torn last line from a crash is ignored, not fatal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any, TextIO

from reconciler.errors import ReconcilerError

DEFAULT_DIR = ".reconciler/journal"


def default_path(now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(DEFAULT_DIR, f"apply-{stamp}-{os.getpid()}.jsonl")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Journal:
    """Thread-safe appender; every record gets a timestamp and is on disk before `record` returns."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # "x": a journal records one run; appending to an old one (maybe torn) would corrupt both.
            self._handle: TextIO | None = open(path, "x", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except FileExistsError:
            if Path(path).is_file():
                raise ReconcilerError(
                    f"the journal {path} already exists; give each apply a new --journal path"
                ) from None
            raise ReconcilerError(f"cannot write the journal {path}: a parent is not a folder") from None
        except OSError as exc:
            raise ReconcilerError(f"cannot write the journal {path}: {exc.strerror or exc}") from None
        self._lock = threading.Lock()

    def record(self, event: str, **fields: Any) -> None:
        with self._lock:  # stamped under the lock, so the file's order is the order of the times
            line = json.dumps(
                {"event": event, "time": now_iso(), **fields}, sort_keys=True, ensure_ascii=False
            )
            if self._handle is None:
                raise ReconcilerError(f"journal {self.path} is closed")
            self._handle.write(line + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read(path: str) -> list[dict[str, Any]]:
    """All complete records of a journal; a torn final line (a crash mid-write) is skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReconcilerError(f"{path}: no such journal") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"{path}: cannot read the journal: {exc}") from None
    records: list[dict[str, Any]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines) and not text.endswith("\n"):
                break  # torn by an interruption: everything before it is intact
            raise ReconcilerError(f"{path}:{number}: not a journal record (invalid JSON)") from None
        if not isinstance(record, dict) or "event" not in record:
            raise ReconcilerError(f"{path}:{number}: not a journal record")
        records.append(record)
    if not records or records[0].get("event") != "apply-started":
        raise ReconcilerError(f"{path}: not an apply journal (no apply-started record)")
    return records
