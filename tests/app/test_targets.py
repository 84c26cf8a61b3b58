"""`reconciler targets`: the instances of the desired state, as the CI workflows' job matrix."""

from __future__ import annotations

import json
from pathlib import Path

from ..support.cli import invoke
from ..support.demo import DEMO_STATE
from .helpers import write_instance

EAST_ID = "4a1b2c3d-0000-4000-8000-000000000001"
EU_ID = "5b2c3d4e-0000-4000-8000-000000000002"


def two_instances(root: Path) -> Path:
    state = root / "state"
    write_instance(
        state / "us",
        {
            "name": "acme-us",
            "id": EAST_ID,
            "region": "us-east-1",
            "replicaRegion": "us-west-2",
            "accountId": "111122223333",
        },
    )
    write_instance(
        state / "eu",
        {"name": "acme-eu", "id": EU_ID, "region": "eu-west-2", "replicaRegion": "eu-central-1"},
    )
    return state


def test_targets_json_is_the_ci_matrix(tmp_path: Path) -> None:
    state = two_instances(tmp_path)

    result = invoke("targets", "--state-dir", str(state), "--json")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1  # one line: it goes into $GITHUB_OUTPUT as matrix=...
    assert json.loads(result.stdout) == [
        {
            "name": "acme-eu",
            "account": None,
            "region": "eu-west-2",
            "replicaRegion": "eu-central-1",
            "source": f"{state}/eu/instance.yaml",
        },
        {
            "name": "acme-us",
            "account": "111122223333",
            "region": "us-east-1",
            "replicaRegion": "us-west-2",
            "source": f"{state}/us/instance.yaml",
        },
    ]


def test_targets_text(tmp_path: Path) -> None:
    state = two_instances(tmp_path)

    result = invoke("targets", "--state-dir", str(state))

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "acme-eu\t-\teu-west-2 -> eu-central-1\nacme-us\t111122223333\tus-east-1 -> us-west-2\n"
    )


def test_targets_of_the_repository_desired_state() -> None:
    result = invoke("targets", "--state-dir", str(DEMO_STATE), "--json")

    assert result.exit_code == 0, result.output
    assert [
        (t["name"], t["account"], t["region"], t["replicaRegion"]) for t in json.loads(result.stdout)
    ] == [("anycompany-demo", "111122223333", "us-east-1", "us-west-2")]


def test_targets_of_invalid_yaml_is_exit_1_and_makes_no_matrix(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "bad.yaml").write_text("instance: [\n", encoding="utf-8")

    result = invoke("targets", "--state-dir", str(state), "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {state}/bad.yaml:")
    assert result.stderr.endswith("1 problem found; nothing was changed\n")
