"""The last applied commit of each instance, stored beside its lock: file and DynamoDB stores.

A record is read strictly: one that is not a record of this instance is one clear error, never a
scope guessed. The DynamoDB store runs against moto's server on 127.0.0.1, over real boto3.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from reconciler.app.environment import applied_store, lock_backend
from reconciler.applying.applied import AppliedDamaged, FileAppliedStore, clean_commit, new_record
from reconciler.applying.lockfile import FileBackend
from reconciler.connect.dynamoapplied import DynamoAppliedStore

from ..support.demo import ACCOUNT, EAST, INSTANCE, INSTANCE_ID
from ..support.moto import moto_server

KEY = f"connect-reconciler/{ACCOUNT}/{EAST}/{INSTANCE_ID}"
COMMIT = "9e4f2a1c3b5d7e9f0a1b2c3d4e5f6a7b8c9d0e1f"


def test_a_file_record_sits_beside_the_lock_and_is_replaced_whole(tmp_path: Path) -> None:
    store = applied_store(lock_backend(f"file://{tmp_path}"))
    assert isinstance(store, FileAppliedStore)
    assert store.read(KEY) is None
    store.write(new_record(KEY, INSTANCE, COMMIT, "ci"))
    store.write(new_record(KEY, INSTANCE, "a" * 40, "ci"))
    found = store.read(KEY)
    assert found is not None and found.commit == "a" * 40 and found.instance == INSTANCE
    lock_file = Path(FileBackend(tmp_path).where(KEY))
    assert Path(store.where(KEY)) == lock_file.with_suffix(".applied.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(store.where(KEY)).name]  # no temporaries


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"format_version": 2}', "format_version is not 1"),
        (
            '{"format_version": 1, "key": "k", "instance": "i", "commit": "HEAD", "applied_at": "x"}',
            "commit:",
        ),
        (
            '{"format_version": 1, "key": "other", "instance": "i", '
            f'"commit": "{COMMIT}", "applied_at": "x"}}',
            "another instance",
        ),
    ],
)
def test_a_damaged_file_record_is_one_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    store = FileAppliedStore(FileBackend(tmp_path))
    Path(store.where(KEY)).write_text(content, encoding="utf-8")
    with pytest.raises(AppliedDamaged) as damaged:
        store.read(KEY)
    message = str(damaged.value)
    assert "\n" not in message and problem in message and store.where(KEY) in message


def test_a_symbolic_link_is_not_a_record(tmp_path: Path) -> None:
    store = FileAppliedStore(FileBackend(tmp_path))
    (tmp_path / "elsewhere").write_text("{}", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", store.where(KEY))
    with pytest.raises(AppliedDamaged, match="symbolic link"):
        store.read(KEY)


def test_only_a_clean_commit_is_recorded() -> None:
    assert clean_commit(COMMIT) == COMMIT
    assert clean_commit(f"{COMMIT}-dirty") is None
    assert clean_commit(None) is None


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


def test_a_dynamodb_record_is_an_item_beside_the_lock_item(table: str) -> None:
    store = applied_store(lock_backend(f"dynamodb://{table}"))
    assert isinstance(store, DynamoAppliedStore)
    assert store.read(KEY) is None
    store.write(new_record(KEY, INSTANCE, COMMIT, "ci"))
    found = store.read(KEY)
    assert found is not None and found.commit == COMMIT
    item = boto3.client("dynamodb", region_name=EAST).get_item(
        TableName=table, Key={"LockID": {"S": f"{KEY}/applied"}}
    )["Item"]
    assert set(item) == {"LockID", "Record"}
    # the lock itself is untouched: no item under the lock key
    assert lock_backend(f"dynamodb://{table}").read(KEY) is None


def test_a_damaged_dynamodb_record_is_one_clear_error(table: str) -> None:
    boto3.client("dynamodb", region_name=EAST).put_item(
        TableName=table, Item={"LockID": {"S": f"{KEY}/applied"}, "Record": {"N": "7"}}
    )
    with pytest.raises(AppliedDamaged, match="Record is missing or not text"):
        DynamoAppliedStore(lock_backend(f"dynamodb://{table}")).read(KEY)  # type: ignore[arg-type]
