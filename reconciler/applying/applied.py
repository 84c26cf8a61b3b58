"""The last commit applied to each instance: the scope `--changed-since applied` plans from.

Apply on merge must change what git changed since the instance was last brought to a commit, not
since the event's `before`: a push whose apply failed, or whose pending run GitHub cancelled,
would otherwise have its change held back forever as "made outside git". So a successful apply
(every change applied or already there, none failed, stale, unverified or blocked) of a plan made
from a clean commit records that commit for each instance it covered, and the next plan's scope
starts there. A failed apply records nothing: its changes stay in the next plan's scope.

The record lives where the lock lives, so every runner that shares the lock shares it: a small
JSON file beside the lock file (replaced atomically), or an item beside the lock item in the
DynamoDB table (`reconciler.connect.dynamoapplied`). It is keyed like the lock (account, Region,
instance ID). A record that cannot be read as one is an error naming it, never a scope guessed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.applying.lockfile import FileBackend, read_record_file
from reconciler.errors import ReconcilerError

FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024
COMMIT_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # a full SHA-1 or SHA-256 object name


class AppliedRecord(BaseModel):
    """One instance's last successful apply: which commit, when, by whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    key: str = Field(min_length=1, max_length=500)  # the instance's lock key
    instance: str = Field(min_length=1, max_length=200)  # its name in the desired state
    commit: str = Field(pattern=COMMIT_RE.pattern)
    applied_at: str = Field(min_length=1, max_length=64)  # ISO 8601, UTC
    owner: str = Field(default="", max_length=500)  # who applied (the lock's owner text)
    plan_created_at: str = Field(default="", max_length=64)


class AppliedDamaged(ReconcilerError):
    """A stored record that is not one: the scope it should give cannot be told."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(
            f"the applied-commit record {where} is damaged ({problem}); remove it, then apply once "
            "without --changed-since (or with --changed-since REV) to record the commit again"
        )


class NoAppliedRecord(ReconcilerError):
    def __init__(self, instance: str, where: str) -> None:
        super().__init__(
            f"--changed-since applied: no commit was ever recorded as applied to {instance} ({where}); "
            "apply once without --changed-since (or with --changed-since REV) to record one"
        )


class AppliedStore(Protocol):
    def read(self, key: str) -> AppliedRecord | None:
        """The record of the instance whose lock key is `key`, None when there is none."""
        ...

    def write(self, record: AppliedRecord) -> None:
        """Replace the record of `record.key` (whole: a reader sees the old one or the new one)."""
        ...

    def where(self, key: str) -> str:
        """Where the record of `key` lives, for messages."""
        ...


def parse_record(text: str | bytes, key: str, where: str) -> AppliedRecord:
    """A stored record -> `AppliedRecord`, or `AppliedDamaged` saying what is wrong."""
    if len(text) > MAX_BYTES:
        raise AppliedDamaged(where, f"more than {MAX_BYTES:,} bytes")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise AppliedDamaged(where, "not JSON") from None
    if not isinstance(raw, dict):
        raise AppliedDamaged(where, "not a JSON object")
    if raw.get("format_version") != FORMAT_VERSION:
        raise AppliedDamaged(where, f"format_version is not {FORMAT_VERSION}")
    try:
        record = AppliedRecord.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        raise AppliedDamaged(where, f"{field}: {first['msg']}") from None
    if record.key != key:
        raise AppliedDamaged(where, "it is the record of another instance")
    return record


def new_record(key: str, instance: str, commit: str, owner: str, plan_created_at: str = "") -> AppliedRecord:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return AppliedRecord(
        key=key,
        instance=instance,
        commit=commit,
        applied_at=now,
        owner=owner,
        plan_created_at=plan_created_at,
    )


def clean_commit(commit: str | None) -> str | None:
    """The commit a plan was made from, if it was made from that commit alone (not `-dirty`)."""
    return commit if commit is not None and COMMIT_RE.fullmatch(commit) else None


class FileAppliedStore:
    """Records as files beside the lock files: `<lock name>.applied.json`."""

    def __init__(self, locks: FileBackend) -> None:
        self.locks = locks
        self.folder = locks.folder

    def _path(self, key: str) -> Path:
        return Path(self.locks.where(key)).with_suffix(".applied.json")

    def where(self, key: str) -> str:
        return str(self._path(key))

    def read(self, key: str) -> AppliedRecord | None:
        path = self._path(key)
        where = str(path)
        data = read_record_file(
            path, where, "the applied-commit record", MAX_BYTES, lambda why, _: AppliedDamaged(where, why)
        )
        if data is None:
            return None
        return parse_record(data, key, str(path))

    def write(self, record: AppliedRecord) -> None:
        path = self._path(record.key)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as out:
                out.write(record.model_dump_json(indent=2) + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)  # atomic: a reader sees the old record or the new one
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ReconcilerError(f"cannot write the applied-commit record {path}: {exc.strerror}") from None
