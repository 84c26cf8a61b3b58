"""The per-instance apply lock: file and DynamoDB backends, expiry, renewal, and the CLI refusal."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto.server import ThreadedMotoServer

from connect_emulator.server import Emulator
from reconciler.app.environment import lock_backend
from reconciler.applying.holding import held
from reconciler.applying.lock import LockHeld, new_info
from reconciler.applying.lockfile import FileBackend
from reconciler.cli import cli
from reconciler.connect.dynamolock import DynamoBackend

from ..support.demo import DEMO_STATE

KEY = "connect-reconciler/111122223333/us-east-1/4a1b2c3d-0000-4000-8000-000000000001"


def test_second_file_lock_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    backend = FileBackend(str(tmp_path))
    first = new_info(KEY, "apply", ttl=60)
    backend.acquire(first, time.time())
    with pytest.raises(LockHeld) as refused:
        backend.acquire(new_info(KEY, "apply", ttl=60), time.time())
    assert first.owner in str(refused.value)
    assert "(apply) since" in str(refused.value)
    assert refused.value.info.token == first.token


def test_expired_file_lock_is_taken_over(tmp_path: Path) -> None:
    backend = FileBackend(str(tmp_path))
    old = new_info(KEY, "apply", ttl=10, now=time.time() - 100)
    backend.acquire(old, old.acquired_at)
    fresh = new_info(KEY, "apply", ttl=60)
    backend.acquire(fresh, time.time())
    (lock_file,) = tmp_path.glob("*.lock")
    assert json.loads(lock_file.read_text())["token"] == fresh.token
    backend.release(old)  # the old holder's release must not remove the new lock
    assert lock_file.exists()
    backend.release(fresh)
    assert not lock_file.exists()


def test_racing_acquirers_get_exactly_one_lock(tmp_path: Path) -> None:
    backend = FileBackend(str(tmp_path))
    wins: list[str] = []
    losses: list[str] = []
    start = threading.Barrier(8)

    def race() -> None:
        info = new_info(KEY, "apply", ttl=60)
        start.wait()
        try:
            backend.acquire(info, time.time())
            wins.append(info.token)
        except LockHeld:
            losses.append(info.token)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    assert len(losses) == 7


def test_held_renews_and_releases(tmp_path: Path) -> None:
    backend = FileBackend(str(tmp_path))
    with held(backend, [KEY], "apply", ttl=0.3) as taken:
        first_expiry = taken.infos[0].expires_at
        time.sleep(0.5)  # past the first expiry: the renewer must have extended it
        on_disk = json.loads(next(tmp_path.glob("*.lock")).read_text())
        assert on_disk["expires_at"] > first_expiry
        with pytest.raises(LockHeld):
            backend.acquire(new_info(KEY, "apply", ttl=60), time.time())
    assert not list(tmp_path.glob("*.lock"))


def test_apply_refuses_while_another_apply_holds_the_lock(
    demo_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locks"
    other = new_info(KEY, "apply", ttl=600)
    FileBackend(str(folder)).acquire(other, time.time())
    result = CliRunner().invoke(
        cli,
        [
            "apply",
            "--state-dir",
            str(DEMO_STATE),
            "--auto-approve",
            "--lock",
            f"file://{folder}",
            "--journal",
            str(tmp_path / "j.jsonl"),
        ],
    )
    assert result.exit_code == 1
    assert f"is locked by {other.owner}" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    writes = [c for c in demo_emulator.calls() if c["operation"].startswith("Update")]
    assert writes == []


def test_unknown_lock_backend_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="use file, file://FOLDER or dynamodb://TABLE"):
        lock_backend("s3://bucket")


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


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


def test_dynamodb_lock_refuses_a_second_holder_and_takes_over_when_expired(dynamodb: str, table: str) -> None:
    backend = DynamoBackend(table, region="us-east-1", endpoint_url=dynamodb)
    first = new_info(KEY, "apply", ttl=60)
    backend.acquire(first, time.time())
    with pytest.raises(LockHeld) as refused:
        backend.acquire(new_info(KEY, "rollback", ttl=60), time.time())
    assert refused.value.info.owner == first.owner
    assert f"DynamoDB table {table}" in str(refused.value)
    # Pretend the first holder died an hour ago: its lock has expired and can be taken.
    later = time.time() + 3600
    second = new_info(KEY, "apply", ttl=60, now=later)
    backend.acquire(second, later)
    assert backend.renew(first) is False  # the old holder cannot renew a lock it lost
    backend.release(first)  # nor remove it
    with pytest.raises(LockHeld):
        backend.acquire(new_info(KEY, "apply", ttl=60), later)
    backend.release(second)
    backend.acquire(new_info(KEY, "apply", ttl=60), time.time())


def test_dynamodb_lock_renewal_extends_the_expiry(dynamodb: str, table: str) -> None:
    backend = DynamoBackend(table, region="us-east-1", endpoint_url=dynamodb)
    info = new_info(KEY, "apply", ttl=5)
    backend.acquire(info, time.time())
    longer = new_info(KEY, "apply", ttl=500)
    renewed = type(info)(
        info.key, info.owner, info.token, info.operation, info.acquired_at, longer.expires_at
    )
    assert backend.renew(renewed) is True
    with pytest.raises(LockHeld) as refused:
        backend.acquire(new_info(KEY, "apply", ttl=60), time.time() + 60)
    assert refused.value.info.expires_at == pytest.approx(longer.expires_at)


def test_iam_policy_lock_table_allows_exactly_the_lock_calls() -> None:
    result = CliRunner().invoke(
        cli,
        ["iam-policy", "--state-dir", str(DEMO_STATE), "--mode", "apply", "--lock-table", "connect-locks"],
    )
    assert result.exit_code == 0, result.stderr
    statements = {s["Sid"]: s for s in json.loads(result.stdout)["Statement"]}
    lock = statements["ApplyLock"]
    assert lock["Action"] == ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    assert lock["Resource"] == ["arn:aws:dynamodb:*:111122223333:table/connect-locks"]
    # the plan role reads each instance's last applied commit there (--changed-since applied)
    planned = CliRunner().invoke(cli, ["iam-policy", "--state-dir", str(DEMO_STATE), "--lock-table", "t"])
    assert planned.exit_code == 0, planned.stderr
    statements = {s["Sid"]: s for s in json.loads(planned.stdout)["Statement"]}
    assert statements["ReadAppliedCommits"]["Action"] == ["dynamodb:GetItem"]
    assert statements["ReadAppliedCommits"]["Resource"] == ["arn:aws:dynamodb:*:111122223333:table/t"]
    assert "ApplyLock" not in statements


def test_a_lock_left_by_a_killed_process_on_this_machine_is_taken_over(tmp_path: Path) -> None:
    import dataclasses
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    backend = FileBackend(str(tmp_path))
    left = dataclasses.replace(new_info(KEY, "apply", ttl=600), pid=int(gone.stdout))
    backend.acquire(left, time.time())
    fresh = new_info(KEY, "apply", ttl=600)
    backend.acquire(fresh, time.time())  # not refused: the holder's process no longer exists
    assert json.loads(next(tmp_path.glob("*.lock")).read_text())["token"] == fresh.token
    with pytest.raises(LockHeld):  # but a live holder (this process) still blocks
        backend.acquire(new_info(KEY, "apply", ttl=600), time.time())
