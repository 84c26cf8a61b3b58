"""`--lock-timeout` waits for a held lock; `reconciler unlock` shows and removes one.

A CI job queued behind another apply on the same instance should wait its turn rather than fail,
and a lock left behind by an apply that is gone (a runner that died on another machine) must be
removable by a person who has seen who held it and typed the instance's name.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from connect_emulator.server import Emulator
from reconciler.app.environment import lock_backend
from reconciler.applying.holding import held
from reconciler.applying.lock import LockLost, new_info
from reconciler.applying.lockfile import FileBackend, default_folder

from ..support.cli import invoke
from ..support.connect import writes
from ..support.demo import ACCOUNT, EAST, INSTANCE, INSTANCE_ID
from ..support.moto import moto_server

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"


def hold_for(seconds: float) -> threading.Thread:
    """Another apply holding the instance's lock for `seconds`, in a thread."""
    taken = threading.Event()

    def holder() -> None:
        with held(lock_backend("file"), [KEY], "apply"):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(10)
    return thread


def test_apply_waits_for_the_lock_with_lock_timeout(emu: Emulator, state_dir: Path) -> None:
    other = hold_for(1.0)
    started = time.monotonic()
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--journal",
        "j.jsonl",
        "--lock-timeout",
        "30",
    )
    other.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.9
    assert "waiting up to 30s for the lock" in result.stderr
    assert len(writes(emu)) == 3


def test_apply_refuses_after_the_lock_timeout_naming_the_holder(emu: Emulator, state_dir: Path) -> None:
    other = hold_for(3.0)
    started = time.monotonic()
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--journal",
        "j.jsonl",
        "--lock-timeout",
        "0.5",
    )
    waited = time.monotonic() - started
    other.join()
    assert result.exit_code == 1
    assert 0.5 <= waited < 2.5
    assert "is locked by " in result.stderr
    assert "(apply) since" in result.stderr
    assert "after waiting 0.5s" in result.stderr
    assert result.stderr.count("error:") == 1
    assert writes(emu) == []


def test_rollback_takes_lock_timeout_too(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    applied = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--journal", "apply.jsonl")
    assert applied.exit_code == 0, applied.output
    emu.clear_calls()
    other = hold_for(3.0)
    refused = invoke(
        "rollback", "apply.jsonl", "--auto-approve", "--journal", "r.jsonl", "--lock-timeout", "0.2"
    )
    other.join()
    assert refused.exit_code == 1
    assert "after waiting 0.2s" in refused.stderr
    assert writes(emu) == []
    other = hold_for(0.5)
    waited = invoke(
        "rollback", "apply.jsonl", "--auto-approve", "--journal", "r2.jsonl", "--lock-timeout", "20"
    )
    other.join()
    assert waited.exit_code == 0, waited.output
    assert len(writes(emu)) == 3


def test_a_negative_lock_timeout_is_a_usage_error(state_dir: Path) -> None:
    result = invoke("apply", "--state-dir", str(state_dir), "--lock-timeout", "-1")
    assert result.exit_code == 1
    assert "--lock-timeout" in result.stderr


# --- reconciler unlock --------------------------------------------------------------------------


def take_lock(operation: str = "apply", ttl: float = 600) -> str:
    """A lock on the demo instance, as an apply elsewhere would leave it; its owner."""
    info = new_info(KEY, operation, ttl=ttl)
    FileBackend().acquire(info, time.time())
    return info.owner


def lock_path() -> Path:
    return FileBackend().folder / (KEY.replace("/", "_") + ".lock")


def test_unlock_with_force_shows_the_holder_and_removes_the_lock(state_dir: Path) -> None:
    owner = take_lock("rollback")
    result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir), "--force")
    assert result.exit_code == 0, result.output
    assert f"owner      {owner}" in result.stdout
    assert "operation  rollback" in result.stdout
    assert "since      " in result.stdout
    assert "expires    " in result.stdout
    assert str(lock_path()) in result.stdout
    assert f"Removed the lock of {INSTANCE}." in result.stdout
    assert not lock_path().exists()


def test_unlock_refuses_when_nothing_holds_the_lock(state_dir: Path) -> None:
    result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir), "--force")
    assert result.exit_code == 1
    assert result.stderr == f"error: nothing holds the lock of {INSTANCE} ({lock_path()})\n"


def test_unlock_without_a_terminal_needs_force(state_dir: Path) -> None:
    take_lock()
    result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir))
    assert result.exit_code == 1
    assert "no terminal to ask on" in result.stderr
    assert "--force" in result.stderr
    assert lock_path().exists()


def test_unlock_of_an_unknown_instance_is_refused(state_dir: Path) -> None:
    result = invoke("unlock", "nope", "--state-dir", str(state_dir), "--force")
    assert result.exit_code == 1
    assert "no instance named 'nope'" in result.stderr


def unlock_on_a_terminal(state_dir: Path, answer: str) -> tuple[int, str]:
    """`reconciler unlock` run with a terminal as its stdin, answering the prompt with `answer`."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "unlock", INSTANCE, "--state-dir", str(state_dir)],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    os.close(secondary)
    os.write(main, answer.encode() + b"\n")
    out, err = process.communicate(timeout=60)
    os.close(main)
    return process.returncode, out.decode() + err.decode()


def test_unlock_on_a_terminal_asks_for_the_instance_name(state_dir: Path) -> None:
    take_lock()
    code, output = unlock_on_a_terminal(state_dir, "yes")
    assert code == 1, output
    assert f"Type the instance name ({INSTANCE}) to remove its lock" in output
    assert "Unlock cancelled; the lock was left as it was." in output
    assert lock_path().exists()
    code, output = unlock_on_a_terminal(state_dir, INSTANCE)
    assert code == 0, output
    assert f"Removed the lock of {INSTANCE}." in output
    assert not lock_path().exists()


def test_an_apply_whose_lock_is_removed_by_unlock_loses_it(state_dir: Path) -> None:
    with held(FileBackend(default_folder()), [KEY], "apply") as lock:
        result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir), "--force")
        assert result.exit_code == 0, result.output
        with pytest.raises(LockLost, match="was removed"):
            lock.check()


def test_unlock_names_the_lock_with_the_account_the_credentials_are_in(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without accountId the lock is the one an apply took: named by the account STS gives."""
    from ..support.demo import edit_yaml

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", lambda doc: doc["instance"].pop("accountId"))
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", url)
        key = f"connect-reconciler/123456789012/{EAST}/{INSTANCE_ID}"
        FileBackend().acquire(new_info(key, "apply", ttl=600), time.time())
        result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir), "--force")
    assert result.exit_code == 0, result.output
    assert key in result.stdout


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
        boto3.client("dynamodb", region_name=EAST).create_table(
            TableName="locks",
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield "locks"


def test_unlock_removes_a_dynamodb_lock(state_dir: Path, table: str) -> None:
    backend = lock_backend(f"dynamodb://{table}")
    info = new_info(KEY, "apply", ttl=600)
    backend.acquire(info, time.time())
    result = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", f"dynamodb://{table}", "--force"
    )
    assert result.exit_code == 0, result.output
    assert f"DynamoDB table {table}, LockID {KEY}" in result.stdout
    assert backend.read(KEY) is None
    again = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", f"dynamodb://{table}", "--force"
    )
    assert again.exit_code == 1
    assert "nothing holds the lock" in again.stderr


def test_unlock_shows_the_lock_file_as_written(state_dir: Path) -> None:
    take_lock()
    on_disk = json.loads(lock_path().read_text(encoding="utf-8"))
    result = invoke("unlock", INSTANCE, "--state-dir", str(state_dir), "--force")
    assert on_disk["owner"] in result.stdout
