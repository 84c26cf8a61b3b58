"""One lock per Connect instance, wherever the apply runs from and however the instance is written.

The lock is named by what identifies the instance (account, Region, instance ID), so a desired
state with `accountId` and one without it take the same lock, and file locks live in one folder
per machine ($XDG_STATE_HOME/connect-reconciler/locks), so two clones of the repository (two
working directories) take the same lock too. When neither the instance block nor the live read
says which account the instance is in, the account of the instance's credentials (STS) does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.app.environment import lock_backend
from reconciler.app.run import lock_keys
from reconciler.applying.holding import held
from reconciler.applying.lockfile import FileBackend, default_folder
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ReconcilerError
from reconciler.port import ConnectPort

from ..support.cli import invoke
from ..support.connect import make_plan, writes
from ..support.demo import ACCOUNT, EAST, INSTANCE_BLOCK, INSTANCE_ID, copy_demo, edit_yaml
from ..support.moto import MOTO_ACCOUNT, moto_server

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"


def without_account(state: Path) -> Path:
    edit_yaml(state / "anycompany-demo" / "instance.yaml", lambda doc: doc["instance"].pop("accountId"))
    return state


def test_file_locks_live_in_the_machine_state_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    backend = lock_backend("file")
    assert isinstance(backend, FileBackend)
    assert backend.folder == tmp_path / "state" / "connect-reconciler" / "locks"
    # Unset, or not an absolute path (the XDG rule): the user's ~/.local/state.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for value in ("", "relative/state"):
        monkeypatch.setenv("XDG_STATE_HOME", value)
        assert default_folder() == tmp_path / "home" / ".local" / "state" / "connect-reconciler" / "locks"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_folder() == tmp_path / "home" / ".local" / "state" / "connect-reconciler" / "locks"
    explicit = lock_backend(f"file://{tmp_path / 'shared'}")
    assert isinstance(explicit, FileBackend)
    assert explicit.folder == tmp_path / "shared"


def test_with_and_without_account_id_the_lock_is_the_same(
    emu: Emulator, port: ConnectPort, tmp_path: Path
) -> None:
    written = make_plan(copy_demo(tmp_path / "with"), port)
    learned = make_plan(without_account(copy_demo(tmp_path / "without")), port)
    assert learned.instances[0].spec.account_id is None
    assert lock_keys(written) == lock_keys(learned) == [KEY]


def test_an_apply_without_account_id_is_refused_while_one_with_it_holds_the_lock(
    emu: Emulator, port: ConnectPort, tmp_path: Path
) -> None:
    written = make_plan(copy_demo(tmp_path / "with"), port)
    state = without_account(copy_demo(tmp_path / "without"))
    with held(lock_backend("file"), lock_keys(written), "apply") as lock:
        result = invoke("apply", "--state-dir", str(state), "--auto-approve", "--journal", "j.jsonl")
        holder = lock.infos[0].owner
    assert result.exit_code == 1
    assert f"is locked by {holder} (apply)" in result.stderr
    assert writes(emu) == []


@pytest.fixture
def slow_queue_writes(start_emulator: Callable[..., Emulator]) -> Emulator:
    """The demo emulator, its queue writes taking 2 s each: an apply holds its lock a while."""
    return start_emulator(
        faults={"rules": [{"operation": "UpdateQueueOutboundCallerConfig", "latencyMs": 2000}]}
    )


def _wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}: {process.communicate()}")
        time.sleep(0.02)


def test_two_applies_from_two_working_directories_never_interleave(
    slow_queue_writes: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_clone, second_clone = tmp_path / "clone-a", tmp_path / "clone-b"
    for clone in (first_clone, second_clone):
        copy_demo(clone / "desired-state")
    env = {**os.environ, "RECONCILER_RATE_LIMIT": "off"}
    command = [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--journal", "j.jsonl"]
    first = subprocess.Popen(
        command, cwd=first_clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(lambda: bool(writes(slow_queue_writes)), "the first apply's first write", first)
        monkeypatch.chdir(second_clone)
        second = invoke("apply", "--auto-approve", "--journal", "j.jsonl")
        first_still_running = first.poll() is None
    finally:
        out, err = first.communicate(timeout=60)
    assert second.exit_code == 1, second.output
    assert first_still_running
    assert first.returncode == 0, (out, err)
    assert f"pid {first.pid}" in second.stderr
    assert "is locked by" in second.stderr
    assert not (second_clone / "j.jsonl").exists()
    assert len(writes(slow_queue_writes)) == 3  # the first apply's three changes, and nothing else


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", url)
        yield url


def test_the_account_of_the_credentials_names_the_lock_when_nothing_else_does(
    emu: Emulator, port: ConnectPort, tmp_path: Path, sts: str
) -> None:
    plan = make_plan(without_account(copy_demo(tmp_path / "state")), port)
    # An instance whose read learned no account (no queue or group ARN): ask STS.
    unknown = plan.model_copy(update={"instances": (plan.instances[0].model_copy(update={"account": None}),)})
    assert lock_keys(unknown) == [f"connect-reconciler/{MOTO_ACCOUNT}/{EAST}/{INSTANCE_ID}"]


def test_an_account_nobody_can_tell_is_a_clear_error(
    emu: Emulator, port: ConnectPort, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://user:secret@127.0.0.1:9")  # nothing listens there
    plan = make_plan(without_account(copy_demo(tmp_path / "state")), port)
    unknown = plan.model_copy(update={"instances": (plan.instances[0].model_copy(update={"account": None}),)})
    with pytest.raises(ReconcilerError) as refused:
        lock_keys(unknown)
    message = str(refused.value)
    assert "cannot tell which AWS account anycompany-demo is in" in message
    assert "write accountId" in message
    assert "secret" not in message


def test_caller_account_uses_the_instance_credentials(sts: str) -> None:
    from reconciler.connect.identity import caller_account

    assert caller_account(InstanceSpec.model_validate(INSTANCE_BLOCK)) == MOTO_ACCOUNT


def test_an_old_style_lock_in_the_working_directory_is_not_where_locks_live(
    emu: Emulator, state_dir: Path, workdir: Path
) -> None:
    """The folder apply used to lock in, under the working directory, is not used any more."""
    result = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", "j.jsonl")
    assert result.exit_code == 0, result.output
    assert not (workdir / ".reconciler" / "locks").exists()
    assert default_folder().is_dir()
