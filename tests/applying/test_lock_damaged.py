"""A damaged lock is a clear error, never a crash and never silently taken; so is an unreachable table.

A lock file or item that does not say plainly who holds it until when (a folder where the file
should be, an expiry that is NaN, infinite, negative, text or centuries away, a name with a line
break) cannot tell an apply whether another one is running. Treating it as expired could let two
applies interleave, and reading it blindly crashed; it is refused, naming the lock and the way out
(`reconciler unlock --force`), and nothing is written.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from connect_emulator.server import Emulator
from reconciler.applying.holding import held
from reconciler.applying.lock import LockDamaged, LockHeld, new_info
from reconciler.applying.lockfile import FileBackend
from reconciler.connect.dynamolock import DynamoBackend
from reconciler.errors import ReconcilerError

from ..support.cli import invoke
from ..support.connect import writes
from ..support.demo import ACCOUNT, EAST, INSTANCE, INSTANCE_ID
from ..support.moto import moto_server

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"
FAR = 10 * 365 * 86400  # ten years: no lock is renewed that far ahead

ODD_TIMES: list[tuple[str, str]] = [
    ("NaN", "expires_at"),
    ("Infinity", "expires_at"),
    ("-Infinity", "expires_at"),
    ("-5", "expires_at"),
    ("0", "expires_at"),
    ('"tomorrow"', "expires_at"),
    ("1e308", "expires_at"),
    ("1e400", "expires_at"),
    ("1" + "0" * 30, "expires_at"),
    ("true", "expires_at"),
    ("null", "expires_at"),
    ("NaN", "acquired_at"),
    ('"yesterday"', "acquired_at"),
    ("-1e308", "acquired_at"),
]


def lock_path(folder: Path) -> Path:
    return folder / (KEY.replace("/", "_") + ".lock")


def write_lock(folder: Path, **changes: Any) -> dict[str, Any]:
    """A lock file for KEY held by a live process here, with some fields replaced (raw JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = dict(new_info(KEY, "apply", ttl=600).__dict__)
    text = json.dumps(data)
    for name, raw in changes.items():
        text = text.replace(f'"{name}": {json.dumps(data[name])}', f'"{name}": {raw}')
    lock_path(folder).write_text(text, encoding="utf-8")
    return data


@pytest.mark.parametrize(("raw", "field"), ODD_TIMES)
def test_an_odd_time_in_a_lock_file_is_a_clear_error(tmp_path: Path, raw: str, field: str) -> None:
    write_lock(tmp_path, **{field: raw})
    before = lock_path(tmp_path).read_bytes()
    with pytest.raises(LockDamaged) as refused:
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())
    message = str(refused.value)
    assert str(lock_path(tmp_path)) in message
    assert field in message
    assert "reconciler unlock" in message
    assert lock_path(tmp_path).read_bytes() == before  # never taken over


def test_an_expiry_years_ahead_is_damaged_not_held_forever(tmp_path: Path) -> None:
    write_lock(tmp_path, expires_at=str(time.time() + FAR))
    with pytest.raises(LockDamaged, match="expires_at is more than"):
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 60_000 + b"]" * 60_000, "more than 65,536 bytes"),
        (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "not JSON"),
        (b'{"key": "x"}', "owner is missing"),
    ],
)
def test_a_lock_file_that_is_not_a_lock_is_a_clear_error(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    lock_path(tmp_path).write_bytes(content)
    with pytest.raises(LockDamaged, match=problem):
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())


def test_names_with_line_breaks_or_escapes_are_damaged(tmp_path: Path) -> None:
    for owner in ('"ci\\nerror: all good"', '"\\u001b[2Jci"', json.dumps("x" * 5000)):
        write_lock(tmp_path, owner=owner)
        with pytest.raises(LockDamaged, match="owner"):
            FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())


def test_a_lock_file_for_another_key_is_damaged(tmp_path: Path) -> None:
    write_lock(tmp_path, key=json.dumps("connect-reconciler/999999999999/us-east-1/x"))
    with pytest.raises(LockDamaged, match="the lock of another instance"):
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())


def test_a_folder_where_the_lock_file_belongs_is_a_clear_error(tmp_path: Path) -> None:
    lock_path(tmp_path).mkdir(parents=True)
    (lock_path(tmp_path) / "inside").write_text("x")
    with pytest.raises(LockDamaged, match="is a folder, not a lock file"):
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())
    assert (lock_path(tmp_path) / "inside").exists()


def test_a_fifo_where_the_lock_file_belongs_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(lock_path(tmp_path))
    with pytest.raises(LockDamaged, match="not a regular file"):
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())


def test_a_valid_old_style_lock_is_still_read(tmp_path: Path) -> None:
    """Lock files as earlier versions wrote them (the same fields) are read as they were."""
    data = write_lock(tmp_path)
    with pytest.raises(LockHeld) as refused:
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=60), time.time())
    assert refused.value.info.token == data["token"]


def test_apply_on_a_damaged_lock_is_one_line_and_writes_nothing(
    emu: Emulator, state_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "locks"
    for raw in ("NaN", '"soon"', "1e400", "-1"):
        write_lock(folder, expires_at=raw)
        result = invoke(
            "apply",
            "--state-dir",
            str(state_dir),
            "--auto-approve",
            "--lock",
            f"file://{folder}",
            "--journal",
            "j",
        )
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"error: the lock {lock_path(folder)} is damaged (expires_at ")
        assert writes(emu) == []
        assert not Path("j").exists()


def test_apply_on_a_lock_folder_is_one_line(emu: Emulator, state_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    lock_path(folder).mkdir(parents=True)
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--lock",
        f"file://{folder}",
        "--journal",
        "j",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the lock {lock_path(folder)} is damaged (it is a folder, not a lock file); if no apply is "
        "running, remove that folder\n"
    )
    assert writes(emu) == []


def test_unlock_removes_a_damaged_lock_file(state_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    write_lock(folder, expires_at="NaN")
    result = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", f"file://{folder}", "--force"
    )
    assert result.exit_code == 0, result.output
    assert "is damaged (expires_at is not a finite number)" in result.stdout
    assert not lock_path(folder).exists()
    lock_path(folder).mkdir()
    refused = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", f"file://{folder}", "--force"
    )
    assert refused.exit_code == 1
    assert "remove that folder" in refused.stderr
    assert lock_path(folder).is_dir()


def test_a_held_lock_that_turns_damaged_is_lost(tmp_path: Path) -> None:
    with held(FileBackend(tmp_path), [KEY], "apply") as lock:
        lock_path(tmp_path).write_text("{", encoding="utf-8")
        with pytest.raises(ReconcilerError, match="cannot confirm the lock"):
            lock.check()


# --- DynamoDB -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def table(dynamodb: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb)
    name = f"locks-{time.monotonic_ns()}"
    boto3.client("dynamodb", region_name=EAST).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def put_item(table: str, **attributes: dict[str, str]) -> None:
    item = {
        "LockID": {"S": KEY},
        "Owner": {"S": "ci@runner-3 pid 7"},
        "Token": {"S": "t0k3n"},
        "Operation": {"S": "apply"},
        "AcquiredAt": {"N": str(time.time())},
        "ExpiresAt": {"N": str(time.time() + 600)},
        **attributes,
    }
    boto3.client("dynamodb", region_name=EAST).put_item(TableName=table, Item=item)


@pytest.mark.parametrize(
    "expires",
    [{"N": "-5"}, {"N": "0"}, {"N": "1E+100"}, {"N": str(time.time() + FAR)}, {"S": "soon"}, {"BOOL": True}],
)
def test_an_odd_expiry_in_a_dynamodb_lock_is_a_clear_error(table: str, expires: dict[str, str]) -> None:
    put_item(table, ExpiresAt=expires)
    backend = DynamoBackend(table)
    with pytest.raises(LockDamaged, match=f"the lock DynamoDB table {table}, LockID {KEY} is damaged"):
        backend.acquire(new_info(KEY, "apply", ttl=60), time.time())
    got = boto3.client("dynamodb", region_name=EAST).get_item(TableName=table, Key={"LockID": {"S": KEY}})
    assert got["Item"]["Token"] == {"S": "t0k3n"}  # never taken over


def test_unlock_removes_a_damaged_dynamodb_lock(table: str, state_dir: Path) -> None:
    put_item(table, ExpiresAt={"S": "soon"})
    result = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", f"dynamodb://{table}", "--force"
    )
    assert result.exit_code == 0, result.output
    assert DynamoBackend(table).read(KEY) is None


def test_a_missing_lock_table_is_one_clear_line(emu: Emulator, state_dir: Path, table: str) -> None:
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--lock",
        "dynamodb://no-such-table",
        "--journal",
        "j",
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot take the lock in DynamoDB table no-such-table: the table does not exist in us-east-1 "
        "(create it with a string partition key LockID)\n"
    )
    assert writes(emu) == []


def test_an_unreachable_lock_table_is_one_clear_line(
    emu: Emulator, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://user:secret@127.0.0.1:{closed}")
    result = invoke(
        "apply",
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        "--lock",
        "dynamodb://locks",
        "--journal",
        "j",
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        "error: cannot take the lock in DynamoDB table locks: cannot reach DynamoDB"
    )
    assert "secret" not in result.stderr
    assert "internal error" not in result.stderr
    assert writes(emu) == []


def test_a_lock_table_without_a_region_is_one_clear_line(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    result = invoke(
        "unlock", INSTANCE, "--state-dir", str(state_dir), "--lock", "dynamodb://locks", "--force"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --lock dynamodb://locks: no Region for the lock table; set AWS_REGION "
        "(or AWS_DEFAULT_REGION, or a region in the AWS profile)\n"
    )
