"""A lock an apply no longer holds stops its writes: `check()` before each write says so.

The lock can be lost three ways: its renewal fails (the folder or table cannot be written), someone
removes it (by hand, or `reconciler unlock`), or someone else holds it now (it expired and was taken
over, or it was overwritten). Each is a `LockLost`: one clear line, and no further write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from connect_emulator.server import Emulator
from reconciler.app.run import Run
from reconciler.applying.holding import held
from reconciler.applying.lock import LockLost, new_info
from reconciler.applying.lockfile import FileBackend
from reconciler.applying.results import Result
from reconciler.applying.settings import Settings
from reconciler.connect.dynamolock import DynamoBackend
from reconciler.errors import ReconcilerError
from reconciler.port import ConnectPort

from ..support.connect import make_plan, writes
from ..support.demo import ACCOUNT, EAST, INSTANCE_ID
from ..support.moto import moto_server

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"


def lock_file(folder: Path) -> Path:
    (found,) = folder.glob("*.lock")
    return found


def test_a_held_lock_checks_out(tmp_path: Path) -> None:
    with held(FileBackend(tmp_path), [KEY], "apply") as lock:
        lock.check()
        assert lock.ok()
    assert issubclass(LockLost, ReconcilerError)


def test_a_lock_file_overwritten_by_someone_else_is_lost(tmp_path: Path) -> None:
    with held(FileBackend(tmp_path), [KEY], "apply") as lock:
        thief = new_info(KEY, "apply", ttl=600)
        lock_file(tmp_path).write_text(json.dumps(thief.__dict__), encoding="utf-8")
        assert not lock.ok()
        with pytest.raises(LockLost, match=f"is now held by {thief.owner}"):
            lock.check()
    assert json.loads(lock_file(tmp_path).read_text())["token"] == thief.token  # not released: not ours


def test_a_removed_lock_file_is_lost(tmp_path: Path) -> None:
    with held(FileBackend(tmp_path), [KEY], "apply") as lock:
        lock_file(tmp_path).unlink()
        with pytest.raises(LockLost, match="was removed"):
            lock.check()
        # Once lost, always lost: a lock taken again by someone does not make it ours.
        FileBackend(tmp_path).acquire(new_info(KEY, "apply", ttl=600), time.time())
        with pytest.raises(LockLost):
            lock.check()


def test_a_failed_renewal_of_a_lock_file_is_lost(tmp_path: Path) -> None:
    with held(FileBackend(tmp_path), [KEY], "apply", ttl=0.6) as lock:
        # The renewal writes a file beside the lock, then renames it over the lock: a folder in
        # its way makes it fail, as a full disk or a read-only folder would.
        path = lock_file(tmp_path)
        (tmp_path / f".{path.name}.renew-{lock.infos[0].token}").mkdir()
        time.sleep(0.5)  # past the first renewal (every ttl/3)
        with pytest.raises(LockLost, match=r"renewing the lock .* failed"):
            lock.check()


def test_an_expired_lock_is_lost_even_when_nobody_took_it(tmp_path: Path) -> None:
    """A process suspended past its lock's expiry (a laptop lid, a stopped container) must not
    write on: anyone could have taken the lock meanwhile."""
    with held(FileBackend(tmp_path), [KEY], "apply") as lock:
        lock.infos[0] = type(lock.infos[0])(**{**lock.infos[0].__dict__, "expires_at": time.time() - 1})
        with pytest.raises(LockLost, match="expired"):
            lock.check()


def test_an_apply_whose_lock_is_taken_stops_writing(
    emu: Emulator, port: ConnectPort, state_dir: Path, tmp_path: Path
) -> None:
    """Through Run.apply, as the CLI runs it: after the first change the lock file is overwritten
    by another holder; the queue writes that follow are not sent."""
    plan = make_plan(state_dir, port)
    folder = tmp_path / "locks"
    seen: list[Any] = []

    def tamper(result: Result, done: int, total: int) -> None:
        if done == 1:
            thief = new_info(KEY, "apply", ttl=600)
            lock_file(folder).write_text(json.dumps(thief.__dict__), encoding="utf-8")
            try:
                settings.before_write()
            except LockLost as exc:
                seen.append(exc)

    settings = Settings(verify_delay=0.01, verify_attempts=4, on_result=tamper)
    with pytest.raises(LockLost, match="is now held by"):
        Run(port=port).apply(
            plan,
            settings=settings,
            journal_path=str(tmp_path / "j.jsonl"),
            lock=f"file://{folder}",
            operation="apply",
        )
    assert len(seen) == 1  # the hook the applier calls before each write says so too
    assert [c["operation"] for c in writes(emu)] == ["UpdateTrafficDistribution"]


# --- DynamoDB -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def table(dynamodb: str) -> str:
    client = boto3.client("dynamodb", endpoint_url=dynamodb, region_name="us-east-1")
    name = f"locks-{time.monotonic_ns()}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_a_deleted_dynamodb_lock_is_lost(dynamodb: str, table: str) -> None:
    backend = DynamoBackend(table, region="us-east-1", endpoint_url=dynamodb)
    with held(backend, [KEY], "apply") as lock:
        lock.check()
        backend.client.delete_item(TableName=table, Key={"LockID": {"S": KEY}})
        with pytest.raises(LockLost, match="was removed"):
            lock.check()


def test_a_dynamodb_lock_with_another_token_is_lost(dynamodb: str, table: str) -> None:
    backend = DynamoBackend(table, region="us-east-1", endpoint_url=dynamodb)
    with held(backend, [KEY], "apply") as lock:
        backend.client.update_item(
            TableName=table,
            Key={"LockID": {"S": KEY}},
            UpdateExpression="SET #t = :t, #o = :o",
            ExpressionAttributeNames={"#t": "Token", "#o": "Owner"},
            ExpressionAttributeValues={":t": {"S": "another"}, ":o": {"S": "ci@runner-7 pid 42"}},
        )
        with pytest.raises(LockLost, match="is now held by ci@runner-7 pid 42"):
            lock.check()
    assert backend.client.get_item(TableName=table, Key={"LockID": {"S": KEY}}).get("Item")  # left alone


def test_a_failed_renewal_of_a_dynamodb_lock_is_lost(dynamodb: str, table: str) -> None:
    backend = DynamoBackend(table, region="us-east-1", endpoint_url=dynamodb)
    with held(backend, [KEY], "apply", ttl=0.9) as lock:
        backend.client.delete_table(TableName=table)
        time.sleep(0.6)  # past the first renewal (every ttl/3)
        with pytest.raises(LockLost, match=f"renewing the lock {KEY} failed"):
            lock.check()
