"""The files of a state directory, read without trusting them.

The state directory comes from a pull request, so loading must not be tricked into reading anything
else: a symbolic link to `~/.aws/credentials` or `.env` whose content would be quoted back in an
error, `/dev/zero` or a many-gigabyte file that exhausts memory, a named pipe that blocks forever.
Loading reads only regular files inside the state directory (a symbolic link that stays inside is
fine), each of at most `MAX_FILE_BYTES` and together at most `MAX_TOTAL_BYTES`, and says which file
broke which rule. A file is checked (stat) before it is opened, opened without following links and
without waiting on a pipe, and checked again once open: a file swapped in between is refused too.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.yamlsource import MAX_FILE_BYTES

SUFFIXES = (".yaml", ".yml")
# Six times the largest state the benchmarks load (50,000 queues, about 10 MB). Loading takes about
# 30 bytes of memory per byte of YAML, so this also keeps a run under about 2 GB.
MAX_TOTAL_BYTES = 64 * 1024 * 1024

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Opening one folder at a time below the state directory, never following a link, needs *at calls.
_AT = bool(_NOFOLLOW and _DIRECTORY) and os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileData:
    """One desired-state file as read: where it was found, how to name it, its bytes."""

    path: str  # as found under the state directory (a symbolic link keeps its own name)
    rel: str  # relative to the state directory, '/'-separated: what the digest covers
    shown: str  # the name in messages
    data: bytes


@dataclass
class Listing:
    """What `read_all` found: the files read, a problem for each one it did not read, and the
    paths of the YAML files it did not read (their folder's instance may be defined in them)."""

    files: list[FileData] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def refuse(self, path: str, shown: str, message: str, line: int = 0) -> None:
        self.problems.append(Diagnostic(shown, line, "", message))
        self.unread.append(path)


@dataclass(frozen=True)
class _Candidate:
    path: str
    rel: str
    shown: str
    size: int


class _Refused(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 1 for what concerns the content (its size), as for the other content problems


def read_all(state_dir: Path, label: str) -> Listing:
    """Every `*.yaml`/`*.yml` file under `state_dir` (hidden ones skipped), sorted by path, and a
    problem for each file or folder that may not or cannot be read. `label` names the directory in
    messages (as the user gave it)."""
    root_real = os.path.realpath(state_dir)
    candidates: list[_Candidate] = []
    listing = Listing()
    _scan(str(state_dir), root_real, label, candidates, listing)
    candidates.sort(key=lambda c: c.rel)
    total = sum(c.size for c in candidates)
    if total > MAX_TOTAL_BYTES:
        message = (
            f"the desired-state files total {total:,} bytes, more than the {MAX_TOTAL_BYTES:,}-byte "
            "limit for one state directory; none was read"
        )
        listing.problems.append(Diagnostic(_display(label), 0, "", message))
        listing.unread.extend(c.path for c in candidates)
        return listing
    total = 0
    for index, candidate in enumerate(candidates):
        try:
            data = _read(root_real, candidate.path)
        except _Refused as exc:
            listing.refuse(candidate.path, candidate.shown, exc.message, exc.line)
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:  # the files grew since they were listed
            message = f"the desired-state files grew past the {MAX_TOTAL_BYTES:,}-byte limit while being read"
            listing.refuse(candidate.path, candidate.shown, message)
            listing.unread.extend(c.path for c in candidates[index + 1 :])
            break
        listing.files.append(FileData(candidate.path, candidate.rel, candidate.shown, data))
    return listing


def _scan(state_dir: str, root_real: str, label: str, found: list[_Candidate], listing: Listing) -> None:
    folders: list[tuple[str, tuple[str, ...]]] = [(state_dir, ())]
    while folders:  # a loop, not recursion: folders may nest deeper than Python's recursion limit
        folder, parts = folders.pop()
        try:
            with os.scandir(folder) as entries_of:
                entries = sorted(entries_of, key=lambda e: e.name)
        except OSError as exc:
            where = _shown(label, "/".join(parts)) if parts else _display(label)
            listing.problems.append(Diagnostic(where, 0, "", f"cannot read folder: {_reason(exc)}"))
            continue
        for entry in entries:
            subfolder = _visit(entry, parts, root_real, label, found, listing)
            if subfolder is not None:
                folders.append((entry.path, subfolder))


def _visit(
    entry: os.DirEntry[str],
    parts: tuple[str, ...],
    root_real: str,
    label: str,
    found: list[_Candidate],
    listing: Listing,
) -> tuple[str, ...] | None:
    """Note the file at `entry` in `found` or a problem in `listing`; its path parts if a folder."""
    name = entry.name
    if name.startswith("."):
        return None  # .git, .github, editors' files
    rel = "/".join((*parts, name))
    shown = _shown(label, rel)
    path = str(Path(entry.path))
    is_yaml = name.endswith(SUFFIXES)
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        if is_yaml:
            listing.refuse(path, shown, f"cannot read file: {_reason(exc)}")
        return None
    if stat.S_ISDIR(info.st_mode):
        return (*parts, name)
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(entry.path)
        except OSError as exc:
            if is_yaml:
                listing.refuse(path, shown, _link_problem(exc))
            return None
        inside = _inside(root_real, os.path.realpath(entry.path))
        if stat.S_ISDIR(info.st_mode):
            # Not followed: a folder inside is read where it is; one outside is someone else's.
            if not inside:
                message = "symbolic link to a folder outside the state directory: not read"
                listing.problems.append(Diagnostic(shown, 0, "", message))
            return None
        if is_yaml and not inside:
            listing.refuse(path, shown, "symbolic link to a file outside the state directory: not read")
            return None
    if not is_yaml:
        return None
    if not stat.S_ISREG(info.st_mode):
        listing.refuse(path, shown, f"not a regular file ({_file_kind(info.st_mode)}): not read")
        return None
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        listing.refuse(path, shown, "file name is not UTF-8 text: rename it (not read)")
        return None
    if info.st_size > MAX_FILE_BYTES:
        listing.refuse(path, shown, _too_large(info.st_size), line=1)
        return None
    found.append(_Candidate(path, rel, shown, info.st_size))
    return None


def _read(root_real: str, path: str) -> bytes:
    """The bytes of the regular file at `path`, which must resolve inside `root_real`."""
    real = os.path.realpath(path)
    if not _inside(root_real, real):  # a link changed since the folder was listed
        raise _Refused("symbolic link to a file outside the state directory: not read")
    try:
        fd, checked = _open_checked(root_real, real)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a folder or the file became a link
            raise _Refused("changed while being read (replaced by a symbolic link): run again") from None
        raise _Refused(f"cannot read file: {_reason(exc)}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise _Refused("changed while being read (not a regular file any more): run again")
        if (opened.st_dev, opened.st_ino) != (checked.st_dev, checked.st_ino):
            raise _Refused("changed while being read (replaced by another file): run again")
        if opened.st_size > MAX_FILE_BYTES:
            raise _Refused(_too_large(opened.st_size), line=1)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:  # at most one byte past the limit, even if the file grows
            chunk = os.read(fd, min(_CHUNK, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _Refused(f"file grew past the {MAX_FILE_BYTES:,}-byte limit while being read", line=1)
        return b"".join(chunks)
    except OSError as exc:
        raise _Refused(f"cannot read file: {_reason(exc)}") from None
    finally:
        os.close(fd)


def _open_checked(root_real: str, real: str) -> tuple[int, os.stat_result]:
    """Check that `real` is a small regular file, then open it: each folder below `root_real` and
    the file itself without following links, and without blocking should a pipe be swapped in."""
    flags = os.O_RDONLY | _CLOEXEC | _NONBLOCK | _NOCTTY | _NOFOLLOW
    if not _AT:
        checked = os.stat(real, follow_symlinks=False)
        _check(checked)
        return os.open(real, flags), checked
    *folders, name = os.path.relpath(real, root_real).split(os.sep)
    dir_fd = os.open(root_real, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for folder in folders:
            inner = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = inner
        checked = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        _check(checked)
        return os.open(name, flags, dir_fd=dir_fd), checked
    finally:
        os.close(dir_fd)


def _check(info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise _Refused("changed while being read (replaced by a symbolic link): run again")
    if not stat.S_ISREG(info.st_mode):
        raise _Refused(f"not a regular file ({_file_kind(info.st_mode)}): not read")
    if info.st_size > MAX_FILE_BYTES:
        raise _Refused(_too_large(info.st_size), line=1)


def _inside(root_real: str, real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def _too_large(size: int) -> str:
    return f"file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,}-byte limit"


def _link_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "broken symbolic link: its target does not exist"
    return f"cannot read file: {_reason(exc)}"


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "of an unknown kind"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _shown(label: str, rel: str) -> str:
    """How messages name the file at `rel`: joined to the directory as the user gave it."""
    return _display(os.path.join(label, rel) if label not in (".", "") else rel)


def _display(name: str) -> str:
    """`name` with the bytes of a name that is not UTF-8 shown as `\\xe9`, not as surrogates."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")
