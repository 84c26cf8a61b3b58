"""An append-only JSON-lines record of an apply, typed and versioned, synced line by line.

An apply that is killed half-way must leave an exact record of what it was about to do and what it
did: each write is journalled before it is sent (`change-started`, with the values it replaces and
the request that restores them) and after it returns (`change-finished`). The records are models
owned by this module, like the plan: the applier writes them and `reconciler rollback` reads them
through the same types, so a field cannot be written under one name and read under another. The
first record carries the format version; a journal of another version, or a damaged record, is
refused with its line number. A torn last line from a crash is ignored, not fatal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from reconciler.desired.model import InstanceSpec
from reconciler.errors import ReconcilerError
from reconciler.planning import jsontext
from reconciler.planning.override import Override
from reconciler.planning.plan import ApiRequest, Change, Kind
from reconciler.planning.values import Values

FORMAT_VERSION = 2
DEFAULT_DIR = ".reconciler/journal"
MAX_BYTES = 256 * 1024 * 1024  # a journal of 5,000 changes is a few MB; anything this big is not one


class Entry(BaseModel):
    """A journal record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time: str = ""  # stamped by the journal when written


class ApplyStarted(Entry):
    event: Literal["apply-started"] = "apply-started"
    format_version: int = FORMAT_VERSION
    operation: Literal["apply", "rollback", "failover (break-glass)"] = "apply"
    desired_digest: str
    plan_created_at: str | None = None
    git_commit: str | None = None
    changes: int
    dry_run: bool = False
    instances: tuple[InstanceSpec, ...]


class _ChangeRecord(Entry):
    """Which change a record is about; resource IDs, not names, identify it (names need not be unique)."""

    step: int | None
    address: str
    instance: str
    kind: Kind
    name: str
    resource_id: str
    resource_arn: str

    @property
    def ident(self) -> tuple[str, str]:
        return (self.instance, self.resource_id)

    @classmethod
    def about(cls, change: Change, **fields: Any) -> Self:
        """The record of this type about `change`."""
        return cls(
            step=change.step,
            address=change.address,
            instance=change.instance,
            kind=change.kind,
            name=change.name,
            resource_id=change.resource_id,
            resource_arn=change.resource_arn,
            **fields,
        )


class ChangeStarted(_ChangeRecord):
    event: Literal["change-started"] = "change-started"
    before: Values  # the live values the change replaces (its planned_against)
    expected: Values  # the values it sets
    request: ApiRequest
    restore: ApiRequest | None  # the request that puts `before` back, when one can
    rollout_step: int | None = None  # a progressive shift's step (0: back to the last clean one)


class ChangeFinished(_ChangeRecord):
    event: Literal["change-finished"] = "change-finished"
    outcome: Literal["sent", "failed", "stale", "already"]
    message: str = ""
    code: str | None = None
    region: str | None = None


class ChangeVerified(_ChangeRecord):
    event: Literal["change-verified"] = "change-verified"
    attempts: int


class ChangeUnverified(_ChangeRecord):
    event: Literal["change-unverified"] = "change-unverified"
    message: str


class ChangeSkipped(_ChangeRecord):
    event: Literal["change-skipped"] = "change-skipped"
    outcome: str
    message: str = ""


class ApplyFinished(Entry):
    event: Literal["apply-finished"] = "apply-finished"
    summary: dict[str, int]
    interrupted: bool = False  # stopped by Ctrl-C: changes not attempted were skipped


class OverrideRecorded(Entry):
    """A break-glass failover's override (`reconciler failover`): who, when, why, the values set,
    and how the lock was taken (preempting an apply, or not at all when its store was unreachable)."""

    event: Literal["override-recorded"] = "override-recorded"
    override: Override
    stored: str  # where the override record was stored, or why it could not be


Record = Annotated[
    ApplyStarted
    | ChangeStarted
    | ChangeFinished
    | ChangeVerified
    | ChangeUnverified
    | ChangeSkipped
    | ApplyFinished
    | OverrideRecorded,
    Field(discriminator="event"),
]
_RECORD: TypeAdapter[Record] = TypeAdapter(Record)


def default_path(now: dt.datetime | None = None) -> str:
    """A new journal's path: sorted by time, and unique even for two runs of one process in the
    same second (a failover and the apply right after it, say): the journal is never appended to."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    return os.path.join(DEFAULT_DIR, f"apply-{stamp}-{os.getpid()}-{secrets.token_hex(3)}.jsonl")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Journal:
    """Thread-safe appender; every record gets a timestamp and is on disk before `record` returns.

    The file is created with the first record: a run refused before it writes anything (a saved
    plan that does not replay, both Regions down) leaves no journal behind. Whether the path is
    free is checked at once, so a reused path is refused before any call is made.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._handle: BinaryIO | None = None
        self._closed = False
        if Path(path).is_file():
            raise ReconcilerError(f"the journal {path} already exists; give each apply a new --journal path")
        if Path(path).exists():
            raise ReconcilerError(
                f"cannot write the journal {path}: it exists and is not a regular file; "
                "give each apply a new --journal path"
            )
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise ReconcilerError(f"cannot write the journal {path}: a parent is not a folder") from None
        except OSError as exc:
            raise ReconcilerError(f"cannot write the journal {path}: {exc.strerror or exc}") from None
        self._lock = threading.Lock()
        self._failed: ReconcilerError | None = None  # once a write failed, every later one fails

    def _open(self) -> BinaryIO:
        """The file, created by the first record (a run that records nothing leaves no file)."""
        if self._closed:
            raise ReconcilerError(f"journal {self.path} is closed")
        if self._handle is None:
            try:
                # "x": a journal records one run; appending to an old one (maybe torn) would corrupt both.
                # Unbuffered: a record is on disk or the write failed; nothing is left to flush later.
                self._handle = open(self.path, "xb", buffering=0)  # noqa: SIM115 - closed in close()
            except FileExistsError:
                raise ReconcilerError(
                    f"the journal {self.path} already exists; give each apply a new --journal path"
                ) from None
            except OSError as exc:
                raise ReconcilerError(
                    f"cannot write the journal {self.path}: {exc.strerror or exc}"
                ) from None
        return self._handle

    def record(self, record: Entry) -> None:
        """Append `record`, on disk when this returns; a journal that cannot be written stops the
        apply (`ReconcilerError`): a change is sent only once its start is journalled."""
        with self._lock:  # stamped under the lock, so the file's order is the order of the times
            if self._failed is not None:
                raise ReconcilerError(str(self._failed))
            stamped = record.model_copy(update={"time": now_iso()})
            line = json.dumps(stamped.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
            handle = self._open()
            try:
                data = memoryview((line + "\n").encode("utf-8"))
                while data:
                    written = handle.write(data)
                    if not written:
                        raise OSError(errno.EIO, "the file took no bytes")
                    data = data[written:]
                os.fsync(handle.fileno())
            except OSError as exc:  # a full disk, a quota, a file size limit, an I/O error
                self._failed = ReconcilerError(
                    f"cannot write the journal {self.path}: {exc.strerror or exc}; the apply stopped and "
                    "sends no further change (the journal holds every change started: rollback reads it)"
                )
                raise ReconcilerError(str(self._failed)) from None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            handle, self._handle = self._handle, None
            if handle is not None:
                with contextlib.suppress(OSError):  # every record was written and synced already
                    handle.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read(path: str) -> list[Record]:
    """All complete records of a journal; a torn final line (a crash mid-write) is skipped."""
    return [record for _, record in read_numbered(path)]


def read_numbered(path: str) -> list[tuple[int, Record]]:
    """`read`, each record with its line number (for messages that name the line).

    Strict: the journal is JSON this module wrote, so anything it would not have written (a byte
    order mark, NaN, a number given as text, an unknown key, a time without a zone or going back)
    is refused with its line number rather than coerced into something rollback would act on.
    """
    text = _read_text(path)
    if text.startswith("\ufeff"):
        raise ReconcilerError(f"{path}:1: not a journal record (starts with a byte order mark)")
    records: list[tuple[int, Record]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last record
    last: dt.datetime | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = jsontext.loads(line)
        except jsontext.BadJson as exc:
            if number == len(lines) and not text.endswith("\n") and exc.torn and line.startswith("{"):
                break  # torn by an interruption: everything before it is intact
            raise ReconcilerError(f"{path}:{number}: not a journal record ({exc.reason})") from None
        if number == 1 or not records:
            _check_header(raw, path, number)
        try:
            record = _RECORD.validate_json(line, strict=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _short(".".join(str(p) for p in first["loc"]), 120) or "the record"
            raise ReconcilerError(
                f"{path}:{number}: damaged journal record: {where}: {_short(first['msg'], 120)}"
            ) from None
        except (RecursionError, ValueError):
            raise ReconcilerError(f"{path}:{number}: not a journal record (JSON nested too deep)") from None
        last = _check_time(record.time, last, path, number)
        records.append((number, record))
    if not records:
        raise ReconcilerError(f"{path}: not an apply journal (no apply-started record)")
    return records


def _check_time(text: str, last: dt.datetime | None, path: str, number: int) -> dt.datetime:
    """A record's time: ISO 8601 with a zone, never before the record above it."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or when.utcoffset() is None:
        raise ReconcilerError(
            f"{path}:{number}: damaged journal record: time {_short(text)} is not an ISO time with a zone"
        )
    if last is not None and when < last:
        raise ReconcilerError(f"{path}:{number}: damaged journal record: time {_short(text)} goes backwards")
    return when


def _short(value: object, limit: int = 40) -> str:
    text = value if isinstance(value, str) and limit != 40 else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_text(path: str) -> str:
    # Opened without blocking and checked on the open file: a FIFO would wait for a writer for ever,
    # and a path swapped between a check and the open must not get past the check.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ReconcilerError(f"{path}: cannot read the journal: not a regular file")
            if info.st_size > MAX_BYTES:
                raise ReconcilerError(f"{path}: {info.st_size:,} bytes is too large for a journal")
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ReconcilerError(f"{path}: more than {MAX_BYTES:,} bytes is too large for a journal")
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ReconcilerError(f"{path}: no such journal") from None
    except UnicodeDecodeError:
        raise ReconcilerError(f"{path}: cannot read the journal: not UTF-8 text") from None
    except OSError as exc:
        raise ReconcilerError(f"{path}: cannot read the journal: {exc.strerror or exc}") from None


def _check_header(raw: object, path: str, number: int) -> None:
    if not isinstance(raw, dict) or raw.get("event") != "apply-started":
        raise ReconcilerError(f"{path}: not an apply journal (no apply-started record)")
    version = raw.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        shown = _short(version)
        raise ReconcilerError(
            f"{path}:{number}: journal format version {shown} is not supported "
            f"(this reconciler reads version {FORMAT_VERSION})"
        )
