"""Which files loading may open: regular files inside the state directory, of a bounded size.

A desired-state directory comes from a pull request, so anything in it may be hostile: a symbolic
link to a secrets file or to `/dev/zero`, a named pipe that blocks whoever opens it, a file of many
gigabytes. Each is one clear problem naming the file; none is ever opened for reading. An audit hook
(`refused`) stands in for the operating system: it records and refuses any opening of the names it
watches, so a regression shows as a failed assertion, not as a hung or killed test run.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.desired import files, loader, yamlsource
from reconciler.desired.diagnostics import LoadError

from .helpers import INSTANCE, QUEUE, load_ok, problems, write_tree

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OUTSIDE_FILE = "symbolic link to a file outside the state directory: not read"
OUTSIDE_FOLDER = "symbolic link to a folder outside the state directory: not read"


class _Watch:
    """File and folder names (last path component) that must never be opened or listed."""

    names: set[str] = set()  # noqa: RUF012 - one process-wide watch list, reset by the fixture
    opened: list[str] = []  # noqa: RUF012
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if not cls.names or event not in ("open", "os.scandir", "os.listdir") or not args:
            return
        path = args[0]
        if not isinstance(path, str | bytes | os.PathLike):
            return
        name = os.path.basename(os.path.normpath(os.fsdecode(path)))
        if name in cls.names:
            cls.opened.append(name)
            raise PermissionError(f"test: {name} must not be opened")


@pytest.fixture
def refused() -> Iterator[type[_Watch]]:
    """Add names to `refused.names`; opening or listing one fails and is recorded in `refused.opened`."""
    if not _Watch.installed:
        sys.addaudithook(_Watch.hook)
        _Watch.installed = True
    _Watch.names.clear()
    _Watch.opened.clear()
    yield _Watch
    _Watch.names.clear()
    _Watch.opened.clear()


def digest_problems(state_dir: str | Path) -> list[str]:
    try:
        loader.digest_of(state_dir)
    except LoadError as exc:
        return [str(d) for d in exc.diagnostics]
    return []


# --- symbolic links -----------------------------------------------------------------------------------


def test_link_to_a_file_outside_is_refused_without_reading_it(workdir: Path, refused: type[_Watch]) -> None:
    (workdir / ".env").write_text(f"AWS_SECRET_ACCESS_KEY={SECRET}\n")
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    (root / "prod.yaml").symlink_to("../.env")
    refused.names.add(".env")
    expected = [f"state/prod.yaml: {OUTSIDE_FILE}"]
    assert problems("state") == expected
    assert digest_problems("state") == expected
    assert refused.opened == []


def test_link_to_a_device_outside_is_refused(workdir: Path, refused: type[_Watch]) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    (root / "zero.yaml").symlink_to("/dev/zero")
    refused.names.update({"zero", "zero.yaml"})
    assert problems("state") == [f"state/zero.yaml: {OUTSIDE_FILE}"]
    assert refused.opened == []


def test_a_sibling_whose_name_starts_like_the_state_directory_is_outside(workdir: Path) -> None:
    write_tree(workdir / "state-other", {"prod.yaml": INSTANCE})
    root = write_tree(workdir / "state", {"q.yaml": QUEUE})
    (root / "prod.yaml").symlink_to("../state-other/prod.yaml")
    assert problems("state") == [f"state/prod.yaml: {OUTSIDE_FILE}"]


def test_chain_of_links_that_ends_outside(workdir: Path) -> None:
    (workdir / "secret.txt").write_text(SECRET)
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    (root / ".hop.yaml").symlink_to("../secret.txt")  # hidden: not read itself
    (root / "prod.yaml").symlink_to(".hop.yaml")
    assert problems("state") == [f"state/prod.yaml: {OUTSIDE_FILE}"]


def test_link_to_a_folder_outside_is_refused(workdir: Path, refused: type[_Watch]) -> None:
    write_tree(workdir / "elsewhere", {"secrets.yaml": f"key: {SECRET}\n"})
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    (root / "shared").symlink_to("../elsewhere")
    (root / "etc.yaml").symlink_to("/etc")  # a folder, whatever its name
    refused.names.update({"elsewhere", "secrets.yaml", "etc"})
    assert problems("state") == [f"state/etc.yaml: {OUTSIDE_FOLDER}", f"state/shared: {OUTSIDE_FOLDER}"]
    assert refused.opened == []


def test_links_inside_the_state_directory_keep_working(workdir: Path) -> None:
    more = QUEUE.replace("Sales", "Support")
    root = write_tree(
        workdir / "state",
        {".shared/prod.yaml": INSTANCE, ".shared/more.yaml": more, "queues/q.yaml": QUEUE},
    )
    (root / "prod.yaml").symlink_to(".shared/prod.yaml")
    (root / "queues-alias").symlink_to("queues")  # a folder inside: not followed, no duplicates
    (root / "queues" / "up.yml").symlink_to("../.shared/more.yaml")
    state = load_ok("state")
    assert state.files == ("state/prod.yaml", "state/queues/q.yaml", "state/queues/up.yml")
    assert [q.key for q in state.instances[0].queues] == ["Sales", "Support"]
    # The state directory itself may be a link.
    (workdir / "link").symlink_to("state")
    assert [i.name for i in load_ok("link").instances] == ["demo"]
    assert loader.digest_of("link") == loader.digest_of("state") == state.digest


def test_broken_and_looping_links_are_one_line_each(workdir: Path) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    (root / "gone.yaml").symlink_to("nowhere.yaml")
    (root / "loop-a.yaml").symlink_to("loop-b.yaml")
    (root / "loop-b.yaml").symlink_to("loop-a.yaml")
    (root / "notes.txt").symlink_to("/nowhere")  # not a YAML name: never looked at
    assert problems("state") == [
        "state/gone.yaml: broken symbolic link: its target does not exist",
        "state/loop-a.yaml: cannot read file: Too many levels of symbolic links",
        "state/loop-b.yaml: cannot read file: Too many levels of symbolic links",
    ]


# --- files that are not regular files ---------------------------------------------------------------------


def test_named_pipe_is_refused_without_opening_it(workdir: Path, refused: type[_Watch]) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    os.mkfifo(root / "pipe.yaml")
    refused.names.add("pipe.yaml")
    expected = ["state/pipe.yaml: not a regular file (a named pipe): not read"]
    assert problems("state") == expected
    assert digest_problems("state") == expected
    assert refused.opened == []


def test_socket_is_refused(workdir: Path, refused: type[_Watch]) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "sock.yaml"))
        refused.names.add("sock.yaml")
        assert problems("state") == ["state/sock.yaml: not a regular file (a socket): not read"]
    assert refused.opened == []


def test_a_pipe_swapped_in_after_the_check_does_not_hang(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Right after the check (a stat) finds a regular file, it is replaced by a named pipe: opening
    # it must not wait for a writer, and what was opened is checked again before it is read.
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE, "q.yaml": QUEUE})
    real_stat = os.stat
    swapped: list[str] = []

    def stat_then_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)
        if (
            isinstance(path, str | bytes | os.PathLike)
            and os.fsdecode(path).endswith("q.yaml")
            and not swapped
        ):
            swapped.append(os.fsdecode(path))
            (root / "q.yaml").unlink()
            os.mkfifo(root / "q.yaml")
        return result

    monkeypatch.setattr(os, "stat", stat_then_swap)
    found: list[list[str]] = []
    reader = threading.Thread(target=lambda: found.append(problems("state")), daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # release the blocked reader before failing
        os.close(os.open(root / "q.yaml", os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=20)
        pytest.fail("opening a named pipe blocked")
    assert swapped
    assert found == [["state/q.yaml: changed while being read (not a regular file any more): run again"]]


# --- sizes ----------------------------------------------------------------------------------------------


def test_an_oversized_file_is_refused_before_it_is_opened(workdir: Path, refused: type[_Watch]) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    size = 64 * 1024**3  # sparse: no disk space, but reading it would exhaust memory
    with open(root / "big.yaml", "wb") as handle:
        handle.truncate(size)
    refused.names.add("big.yaml")
    limit = yamlsource.MAX_FILE_BYTES
    expected = [f"state/big.yaml:1: file is {size:,} bytes, larger than the {limit:,}-byte limit"]
    assert problems("state") == expected
    assert digest_problems("state") == expected
    assert refused.opened == []


def test_files_together_larger_than_the_total_limit(workdir: Path, refused: type[_Watch]) -> None:
    root = write_tree(workdir / "state", {})
    count = files.MAX_TOTAL_BYTES // yamlsource.MAX_FILE_BYTES + 1
    for index in range(count):
        with open(root / f"part-{index:02d}.yaml", "wb") as handle:
            handle.truncate(yamlsource.MAX_FILE_BYTES)  # each at the per-file limit, which is allowed
        refused.names.add(f"part-{index:02d}.yaml")
    total = count * yamlsource.MAX_FILE_BYTES
    expected = [
        f"state: the desired-state files total {total:,} bytes, more than the "
        f"{files.MAX_TOTAL_BYTES:,}-byte limit for one state directory; none was read"
    ]
    assert problems("state") == expected
    assert digest_problems("state") == expected
    assert refused.opened == []


# --- names and folders ------------------------------------------------------------------------------------


def test_file_name_that_is_not_utf8(workdir: Path) -> None:
    root = write_tree(workdir / "state", {"instance.yaml": INSTANCE})
    with open(os.path.join(os.fsencode(root), b"caf\xe9.yaml"), "wb") as handle:
        handle.write(QUEUE.encode())
    os.mkdir(os.path.join(os.fsencode(root), b"t\xe9am"))
    with open(os.path.join(os.fsencode(root), b"t\xe9am", b"q.yaml"), "wb") as handle:
        handle.write(QUEUE.encode())
    expected = [
        "state/caf\\xe9.yaml: file name is not UTF-8 text: rename it (not read)",
        "state/t\\xe9am/q.yaml: file name is not UTF-8 text: rename it (not read)",
    ]
    assert problems("state") == expected
    assert digest_problems("state") == expected


def test_deeply_nested_folders(workdir: Path) -> None:
    folder = str(write_tree(workdir / "state", {"instance.yaml": INSTANCE}))
    made = []
    try:
        for _ in range(sys.getrecursionlimit() + 100):  # one by one: os.makedirs recurses too
            folder = os.path.join(folder, "d")
            os.mkdir(folder)
            made.append(folder)
        Path(folder, "q.yaml").write_text(QUEUE)
        assert [q.key for q in load_ok("state").instances[0].queues] == ["Sales"]
    finally:  # shutil.rmtree, which cleans up pytest's temporary folders, recurses as well
        Path(folder, "q.yaml").unlink(missing_ok=True)
        for path in reversed(made):
            os.rmdir(path)


def test_a_folder_that_cannot_be_listed_is_an_error(workdir: Path, refused: type[_Watch]) -> None:
    # Skipping it silently would drop its queues from the desired state without a word.
    write_tree(workdir / "state", {"instance.yaml": INSTANCE, "team/q.yaml": QUEUE})
    refused.names.add("team")
    expected = ["state/team: cannot read folder: test: team must not be opened"]
    assert problems("state") == expected
    assert digest_problems("state") == expected
