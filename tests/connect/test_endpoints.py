"""Endpoints per Region: a replica call never goes to the other Region's URL.

Teams reach Connect through interface VPC endpoints, one per Region. `--endpoint-url REGION=URL`
(repeatable) and the instance block's `endpoints:` say which URL serves which Region; a plain
`--endpoint-url URL` and boto3's own settings (AWS_ENDPOINT_URL_CONNECT) still serve the rest.
Two emulators stand in for the two Regions' endpoints here, so the call logs show which URL each
call reached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.app.environment import parse_endpoints
from reconciler.errors import ReconcilerError

from ..support.cli import invoke
from ..support.demo import EAST, WEST, copy_demo, edit_yaml


def regions_called(emu: Emulator) -> set[str]:
    return {str(c["region"]) for c in emu.calls()}


def plan(state: Path, *flags: str) -> dict[str, Any]:
    result = invoke("plan", "--state-dir", str(state), "--format", "json", *flags)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture
def two(
    start_emulator: Callable[..., Emulator], monkeypatch: pytest.MonkeyPatch
) -> tuple[Emulator, Emulator]:
    """An endpoint for each Region (the same instance behind both), and no default endpoint."""
    east, west = start_emulator(outage_mix="unavailable"), start_emulator(outage_mix="unavailable")
    monkeypatch.delenv("AWS_ENDPOINT_URL_CONNECT", raising=False)
    return east, west


def test_each_region_is_called_on_its_own_url(two: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    east, west = two
    state = copy_demo(tmp_path / "state")
    plan(state, "--endpoint-url", f"{EAST}={east.url}", "--endpoint-url", f"{WEST}={west.url}")
    assert regions_called(east) == {EAST} and west.calls() == []

    east.set_region_down(EAST, True)  # the source Region's endpoint fails: the replica's is used
    data = plan(state, "--endpoint-url", f"{EAST}={east.url}", "--endpoint-url", f"{WEST}={west.url}")

    assert data["instances"][0]["read_region"] == WEST
    assert regions_called(east) == {EAST}  # never a us-west-2 call on us-east-1's URL
    assert regions_called(west) == {WEST}


def test_the_instance_block_names_the_endpoints_and_the_command_line_wins(
    two: tuple[Emulator, Emulator], start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    east, west = two
    state = copy_demo(tmp_path / "state")
    wrong = start_emulator()
    edit_yaml(
        state / "anycompany-demo" / "instance.yaml",
        lambda doc: doc["instance"].update(endpoints={EAST: east.url, WEST: wrong.url}),
    )
    east.set_region_down(EAST, True)

    data = plan(state, "--endpoint-url", f"{WEST}={west.url}")

    assert data["instances"][0]["read_region"] == WEST
    assert regions_called(east) == {EAST}
    assert regions_called(west) == {WEST}
    assert wrong.calls() == []  # the command line's us-west-2 URL beat the instance block's
    assert data["instances"][0]["spec"]["endpoints"] == {EAST: east.url, WEST: wrong.url}


def test_a_region_without_its_own_url_uses_boto3_settings_not_the_other_regions(
    two: tuple[Emulator, Emulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    east, west = two
    state = copy_demo(tmp_path / "state")
    edit_yaml(
        state / "anycompany-demo" / "instance.yaml",
        lambda doc: doc["instance"].update(endpoints={EAST: east.url}),
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", west.url)
    east.set_region_down(EAST, True)

    plan(state)

    assert regions_called(east) == {EAST}
    assert regions_called(west) == {WEST}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (None, {})),
        (["http://127.0.0.1:8765"], ("http://127.0.0.1:8765", {})),
        (
            ["us-east-1=https://vpce-1.connect.us-east-1.vpce.amazonaws.com", "https://x.example"],
            ("https://x.example", {"us-east-1": "https://vpce-1.connect.us-east-1.vpce.amazonaws.com"}),
        ),
    ],
)
def test_endpoint_settings(values: list[str], expected: tuple[str | None, dict[str, str]]) -> None:
    assert parse_endpoints(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["not a url"], "--endpoint-url 'not a url': not a URL"),
        (["us-east-1=ftp://x"], "--endpoint-url 'us-east-1=ftp://x': not a URL"),
        (["east=https://x.example"], "'east' is not a Region code like us-east-1"),
        (["https://a.example", "https://b.example"], "--endpoint-url URL is given twice"),
        (
            ["us-east-1=https://a.example", "us-east-1=https://b.example"],
            "--endpoint-url names us-east-1 twice",
        ),
        (["https://admin:s3cret@host.example/ x"], "--endpoint-url 'https://***@host.example/ x'"),
    ],
)
def test_bad_endpoint_settings_are_one_clear_error_without_secrets(values: list[str], message: str) -> None:
    with pytest.raises(ReconcilerError) as caught:
        parse_endpoints(values)
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_an_instance_block_may_name_only_its_own_regions(tmp_path: Path) -> None:
    state = copy_demo(tmp_path / "state")
    edit_yaml(
        state / "anycompany-demo" / "instance.yaml",
        lambda doc: doc["instance"].update(endpoints={"eu-west-1": "https://x.example"}),
    )
    result = invoke("validate", "--state-dir", str(state))
    assert result.exit_code == 1
    assert "endpoints names eu-west-1, not a Region of this instance (us-east-1, us-west-2)" in result.stderr
