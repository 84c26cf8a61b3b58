"""`reconciler plan` failures: one line on stderr naming the instance, the call and the Region; exit 1.

Faults come from the emulator (a missing instance, scripted 403 and 429 answers) or from the
network (a closed port). botocore's retry backoff draws from the global `random`; the throttling
test seeds it so that the retries wait a fraction of a second instead of up to 15 s. Nothing of
boto3 is replaced.
"""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connect_emulator.server import Emulator

from ..support.cli import invoke
from ..support.demo import REPO
from .helpers import write_desired

QUICK_BACKOFF_SEED = 168042  # the first four draws sum to ~0.29 s of backoff


@pytest.fixture
def quick_backoff() -> Iterator[None]:
    state = random.getstate()
    random.seed(QUICK_BACKOFF_SEED)
    yield
    random.setstate(state)


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch, demo_emulator: Emulator) -> Emulator:
    monkeypatch.chdir(REPO)
    return demo_emulator


def _one_line_error(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("error: ")
    return stderr.rstrip("\n")


def test_an_instance_id_unknown_to_connect(tmp_path: Path, in_repo: Emulator) -> None:
    missing = "4a1b2c3d-0000-4000-8000-0000000000ff"
    instance = f"instance:\n  name: ghost\n  id: {missing}\n  region: us-east-1\n  replicaRegion: us-west-2\n"
    state_dir = write_desired(tmp_path / "state", "queues:\n  Sales: {callerIdName: X}\n", instance=instance)

    result = invoke("plan", "--state-dir", str(state_dir))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert _one_line_error(result.stderr) == (
        "error: ghost: ListTrafficDistributionGroups in us-east-1 failed: "
        f"InvalidRequestException: Instance {missing} not found"
    )


def test_access_denied(in_repo: Emulator) -> None:
    in_repo.set_faults(
        {
            "scripted": [
                {
                    "operation": "SearchQueues",
                    "nth": 1,
                    "status": 403,
                    "code": "AccessDeniedException",
                    "message": "User is not authorized to perform connect:SearchQueues",
                }
            ]
        }
    )

    result = invoke("plan")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert _one_line_error(result.stderr) == (
        "error: anycompany-demo: SearchQueues in us-east-1 failed: "
        "AccessDeniedException: User is not authorized to perform connect:SearchQueues; the role "
        "needs the IAM action connect:SearchQueues (`reconciler iam-policy --mode plan` prints the "
        "whole policy)"
    )
    searches = [c for c in in_repo.calls() if c["operation"] == "SearchQueues"]
    assert [(c["status"], c["errorCode"]) for c in searches] == [
        (403, "AccessDeniedException")
    ]  # not retried


def test_throttled_beyond_retries(in_repo: Emulator, quick_backoff: None) -> None:
    in_repo.set_faults(
        {"rules": [{"operation": "ListContactFlows", "throttle": 1.0}]}  # every attempt answers 429
    )

    result = invoke("plan")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert _one_line_error(result.stderr) == (
        "error: anycompany-demo: ListContactFlows in us-east-1 failed: "
        "ThrottlingException: Rate exceeded (still throttled after retries)"
    )
    attempts = [c["status"] for c in in_repo.calls() if c["operation"] == "ListContactFlows"]
    assert attempts == [429] * 5


def test_a_transient_throttle_is_retried_and_the_plan_succeeds(
    in_repo: Emulator, quick_backoff: None
) -> None:
    in_repo.set_faults({"scripted": [{"operation": "SearchQueues", "nth": [1, 2], "status": 429}]})

    result = invoke("plan")

    assert result.exit_code == 0
    assert result.stdout.endswith("Plan: 3 to change, 6 unchanged, 0 blocked.\n")
    assert [c["status"] for c in in_repo.calls() if c["operation"] == "SearchQueues"] == [429, 429, 200]


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_endpoint(
    monkeypatch: pytest.MonkeyPatch, closed_port: int, start_emulator: Callable[..., Emulator]
) -> None:
    monkeypatch.chdir(REPO)
    url = f"http://127.0.0.1:{closed_port}"

    result = invoke("plan", "--endpoint-url", url)

    assert result.exit_code == 1
    assert result.stdout == ""
    line = _one_line_error(result.stderr)
    unreachable = (
        r"cannot reach the Connect endpoint \(Could not connect to the endpoint URL: "
        rf'"{re.escape(url)}/traffic-distribution-groups\?\S+"\)'
    )
    assert re.fullmatch(
        r"error: anycompany-demo: neither us-east-1 nor us-west-2 answers, so nothing was read and "
        r"nothing was written \("
        rf"ListTrafficDistributionGroups in us-east-1 failed: {unreachable}; "
        rf"ListTrafficDistributionGroups in us-west-2 failed: {unreachable}\)",
        line,
    ), line


def test_an_unresolvable_name_is_reported_with_file_and_line(tmp_path: Path, in_repo: Emulator) -> None:
    state_dir = write_desired(tmp_path / "state", "queues:\n  Sales:\n    whisperFlow: Sales whisper\n")

    result = invoke("plan", "--state-dir", str(state_dir))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {state_dir / 'demo.yaml'}:9: queues.Sales.whisperFlow: "
        "no flow named 'Sales whisper' in demo (us-east-1); closest: 'Sales outbound whisper'\n"
        "1 problem found; nothing was changed\n"
    )


def test_a_usage_error_exits_1_not_2(in_repo: Emulator) -> None:
    result = invoke("plan", "--format", "xml", "--detailed-exitcode")
    assert result.exit_code == 1


def test_an_error_naming_a_hostile_file_is_inert(tmp_path: Path) -> None:
    """A file name can carry a line break and escape sequences; the error spells them out."""
    hostile = tmp_path / "plan\n::error title=forged::pwned\x1b[31m.json"
    hostile.write_text("{not json", encoding="utf-8")

    result = invoke("show", str(hostile))

    assert result.exit_code == 1
    line = _one_line_error(result.stderr)
    assert "\x1b" not in line and "\\u001b[31m" in line
    assert "\\n::error title=forged::pwned" in line
