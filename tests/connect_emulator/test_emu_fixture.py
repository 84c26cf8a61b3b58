"""Fixture loading and validation, the state dump, and the large-fixture generator."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from connect_emulator.fixture import FixtureError
from connect_emulator.generate import generate_fixture, main
from connect_emulator.state import EmulatorState

from ..support.demo import EAST, WEST


def demo_dict() -> dict[str, Any]:
    return EmulatorState.demo().to_dict()


def test_demo_loads_and_round_trips() -> None:
    state = EmulatorState.demo()
    assert state.source == "demo"
    inst = state.instances[0]
    assert (inst.region, inst.replica_region) == (EAST, WEST)
    assert len(inst.queues) == 14 and len(inst.groups) == 2
    assert [q.name for q in inst.queues if q.type == "AGENT"] == [None, None]
    dumped = state.to_dict()
    assert EmulatorState.from_dict(dumped).to_dict() == dumped
    assert EmulatorState.from_dict(json.loads(json.dumps(dumped))).to_dict() == dumped


def test_dump_reflects_writes() -> None:
    state = EmulatorState.demo()
    state.instances[0].queues[0].caller_id_name = "Changed"
    assert state.to_dict()["instances"][0]["queues"][0]["callerIdName"] == "Changed"


def mutate(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(demo_dict())
    change(data["instances"][0])
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i["queues"][0].update(colour="red"), "queues[0].colour: unknown field"),
        (lambda i: i["queues"][0].update(outboundFlowId="nope"), "queues[0].outboundFlowId: no such flow"),
        (
            lambda i: i["queues"][0].update(callerIdNumberId="nope"),
            "queues[0].callerIdNumberId: no such phone",
        ),
        (lambda i: i["queues"][1].update(id=i["queues"][0]["id"]), "duplicate queue ID"),
        (lambda i: i["queues"][0].update(name=None), "a STANDARD queue needs a name"),
        (lambda i: i.update(region="Mars"), "region: not a Region"),
        (
            lambda i: i["trafficDistributionGroups"][0].update(region="eu-west-1"),
            "group anycompany-default (7d000000-0000-4000-8000-000000000001) is homed in eu-west-1",
        ),
        (
            lambda i: i["trafficDistributionGroups"][1].update(region=WEST),
            "group anycompany-overflow (7d000000-0000-4000-8000-000000000002) is homed in us-west-2, "
            "but traffic distribution groups exist only in the instance's Region us-east-1",
        ),
        (lambda i: i["trafficDistributionGroups"][0]["telephony"].pop(WEST), "needs exactly the Regions"),
        (
            lambda i: i["trafficDistributionGroups"][1].update(signIn={EAST: True, WEST: True}),
            "only the default",
        ),
        (lambda i: i["trafficDistributionGroups"][1].update(isDefault=True), "more than one default group"),
        (lambda i: i["phoneNumbers"][0].update(claimedTo="nobody"), "claimedTo: must be 'instance'"),
        (lambda i: i["phoneNumbers"][0].update(number="555"), "must be E.164"),
        (lambda i: i.pop("replicaRegion"), "need an instance with replicaRegion"),
        (lambda i: i.update(queues="many"), "expected a list"),
    ],
)
def test_bad_fixtures_are_one_clear_error(change: Any, message: str) -> None:
    with pytest.raises(FixtureError) as exc:
        EmulatorState.from_dict(mutate(change), source="fixture.yaml")
    text = str(exc.value)
    assert text.startswith("fixture.yaml: ") and message in text and "\n" not in text


def test_yaml_errors_carry_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    text = yaml.safe_dump(demo_dict(), sort_keys=False).replace("type: AGENT\n", "type: ROBOT\n", 1)
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ROBOT" in row)
    with pytest.raises(FixtureError, match=rf"^{path}:{line}: instances\[0\]\.queues\[12\]\.type"):
        EmulatorState.from_file(path)
    path.write_text("defaultAccount: '1'\ndefaultAccount: '2'\n")
    with pytest.raises(FixtureError, match=rf"^{path}:2: duplicate key 'defaultAccount'"):
        EmulatorState.from_file(path)


def test_generated_fixture_is_deterministic_and_valid() -> None:
    first = generate_fixture(queues=300, seed=5)
    assert first == generate_fixture(queues=300, seed=5)
    assert first != generate_fixture(queues=300, seed=6)
    state = EmulatorState.from_dict(first)
    inst = state.instances[0]
    assert len(inst.queues) == 300 and {q.type for q in inst.queues} == {"STANDARD"}
    assert [g.region for g in inst.groups] == [EAST, EAST, EAST]
    assert inst.groups[0].is_default and not inst.groups[1].is_default
    second_group = {n.id for n in inst.phone_numbers if n.claimed_to == inst.groups[1].id}
    assert second_group
    # queues that use a number of the second group store it as an ARN (naming us-east-1)
    refs = [q.caller_id_number_id for q in inst.queues if q.caller_id_number_id]
    assert all(r.startswith(f"arn:aws:connect:{EAST}:") for r in refs if r.rsplit("/", 1)[-1] in second_group)
    assert any(r.startswith("arn:") for r in refs)


def test_generate_command_writes_a_loadable_file(tmp_path: Path) -> None:
    out = tmp_path / "big.yaml"
    assert main(["--queues", "50", "--agent-queues", "3", "--out", str(out)]) == 0
    state = EmulatorState.from_file(out)
    assert len(state.instances[0].queues) == 53
    out_json = tmp_path / "big.json"
    assert main(["--queues", "5", "--out", str(out_json)]) == 0
    assert len(json.loads(out_json.read_text())["instances"][0]["queues"]) == 5


def test_a_group_homed_in_the_replica_region_names_the_group_file_and_line(tmp_path: Path) -> None:
    data = demo_dict()
    data["instances"][0]["trafficDistributionGroups"][1]["region"] = WEST
    text = yaml.safe_dump(data, sort_keys=False)
    path = tmp_path / "replica-group.yaml"
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip() == f"region: {WEST}")
    with pytest.raises(FixtureError) as exc:
        EmulatorState.from_file(path)
    assert str(exc.value).startswith(
        f"{path}:{line}: instances[0].trafficDistributionGroups[1].region: group anycompany-overflow "
        "(7d000000-0000-4000-8000-000000000002) is homed in us-west-2"
    )


def test_a_group_without_region_is_homed_in_the_instance_region() -> None:
    data = demo_dict()
    del data["instances"][0]["trafficDistributionGroups"][1]["region"]
    assert EmulatorState.from_dict(data).instances[0].groups[1].region == EAST


@pytest.mark.parametrize(("region", "replica"), [(EAST, WEST), ("eu-west-2", "eu-central-1")])
@pytest.mark.parametrize("groups", [1, 2, 7])
def test_the_generator_never_homes_a_group_in_the_replica_region(
    region: str, replica: str, groups: int
) -> None:
    fixture = generate_fixture(queues=20, groups=groups, region=region, replica_region=replica, seed=groups)
    homes = {g["region"] for g in fixture["instances"][0]["trafficDistributionGroups"]}
    assert homes == {region}
    EmulatorState.from_dict(fixture)  # and the fixture checks agree
