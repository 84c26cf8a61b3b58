"""`reconciler schema`: the JSON Schema editors use must match what the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from reconciler.cli import cli
from reconciler.desired import model, patterns

from ..support.demo import DEMO_STATE as EXAMPLE

KEYS = {
    "StateFile": {"instance", "trafficDistributionGroups", "queues"},
    "InstanceSpec": {"name", "id", "region", "replicaRegion", "accountId", "profile", "roleArn", "endpoints"},
    "GroupSpec": {"default", "order", "telephony", "agents", "signIn", "rollout"},
    "RolloutSpec": {"step", "bake", "haltOn", "onHalt"},
    "HaltOn": {"alarms"},
    "AlarmRef": {"name", "region"},
    "QueueSpec": {"order", "callerIdName", "callerIdNumber", "whisperFlow"},
}
CONNECT_FIELDS = {
    "GroupSpec": ("telephony", "agents", "signIn"),
    "QueueSpec": ("callerIdName", "callerIdNumber", "whisperFlow"),
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def section(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema if name == "StateFile" else schema["$defs"][name]


def test_schema_is_json_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://connect-reconciler.dev/schema/desired-state.json"
    assert schema["type"] == "object"
    assert schema["title"] == "connect-reconciler desired state"
    assert schema == model.json_schema()


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_yaml_key_is_in_the_schema(schema: dict[str, Any], name: str) -> None:
    props = section(schema, name)["properties"]
    assert set(props) == KEYS[name]
    model_type: type[BaseModel] = getattr(model, name)
    assert {f.alias or n for n, f in model_type.model_fields.items()} == KEYS[name]
    assert section(schema, name)["additionalProperties"] is False
    assert all(props[key].get("description") for key in props if name != "StateFile" or key != "instance")


def test_required_keys(schema: dict[str, Any]) -> None:
    assert schema["$defs"]["InstanceSpec"]["required"] == ["name", "id", "region", "replicaRegion"]
    assert "required" not in schema
    assert "required" not in schema["$defs"]["GroupSpec"]
    assert "required" not in schema["$defs"]["QueueSpec"]


@pytest.mark.parametrize(("name", "key"), [(n, k) for n, keys in CONNECT_FIELDS.items() for k in keys])
def test_descriptions_say_fields_cannot_be_cleared(schema: dict[str, Any], name: str, key: str) -> None:
    description = schema["$defs"][name]["properties"][key]["description"]
    assert "Cannot be cleared" in description
    assert "Leave it out to keep the live value" in description


def test_schema_offers_no_null_since_the_loader_refuses_it(schema: dict[str, Any]) -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert node.get("type") != "null", node
            assert not ("default" in node and node["default"] is None), node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert schema["properties"]["instance"] == {"$ref": "#/$defs/InstanceSpec"}
    assert schema["$defs"]["QueueSpec"]["properties"]["callerIdName"]["type"] == "string"


def test_percentages_and_regions_in_the_schema(schema: dict[str, Any]) -> None:
    telephony = schema["$defs"]["GroupSpec"]["properties"]["telephony"]
    assert telephony["type"] == "object"
    assert telephony["patternProperties"] == {
        patterns.REGION_RE.pattern: {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 10}
    }
    caller_id_name = schema["$defs"]["QueueSpec"]["properties"]["callerIdName"]
    assert (caller_id_name["minLength"], caller_id_name["maxLength"]) == (1, 255)


def example_files() -> list[Path]:
    return sorted(EXAMPLE.rglob("*.yaml"))


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_files_validate_against_the_schema(schema: dict[str, Any], path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))


def test_schema_refuses_what_the_loader_refuses(schema: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema)
    for bad in (
        {"queues": {"Sales": {"callerIdName": None}}},
        {"queues": {"Sales": {"callerIdNam": "x"}}},
        {"trafficDistributionGroups": {"g": {"telephony": {"us-east-1": 55, "us-west-2": 45}}}},
        {"instance": None},
    ):
        assert not validator.is_valid(bad), bad


def test_examples_exist() -> None:
    assert [p.name for p in example_files()] == ["instance.yaml", "queues.yaml"]
