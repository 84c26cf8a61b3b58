"""`reconciler export`: live -> desired-state YAML, written the way people read it, and round trips.

The round trip is the contract that makes export useful: export a live instance, then plan the
exported folder against the same live instance, and the plan must show no changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import running_emulator
from reconciler.planning.export import HEADER

from ..support.cli import invoke
from ..support.demo import (
    ACCOUNT,
    EAST,
    FLOW_INBOUND,
    FLOW_SUPPORT,
    INSTANCE_ID,
    NUMBER_2,
    QUEUES,
    REPO,
    WEST,
    copy_demo,
)
from .helpers import one_line_error, write_calls

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

DEMO_GROUPS = {
    "anycompany-default": {
        "default": True,
        "telephony": {EAST: 100, WEST: 0},
        "agents": {EAST: 100, WEST: 0},
        "signIn": {EAST: True, WEST: False},
    },
    "anycompany-overflow": {"telephony": {EAST: 50, WEST: 50}, "agents": {EAST: 50, WEST: 50}},
}
# The demo live state (connect_emulator/fixtures/demo.yaml) as people write it: every STANDARD
# queue with a caller config (Callbacks has none), numbers in E.164 whether Connect holds an ID or
# an ARN (VIP, After Hours), and whisper flows by name.
DEMO_QUEUES = {
    "After Hours": {"callerIdName": "AnyCompany", "callerIdNumber": "+15035550123"},
    "BasicQueue": {
        "callerIdName": "AnyCompany",
        "callerIdNumber": "+12065550100",
        "whisperFlow": "Default outbound",
    },
    "Billing": {
        "callerIdName": "AnyCompany Billing",
        "callerIdNumber": "+12065550100",
        "whisperFlow": "Default outbound",
    },
    "Escalations": {"callerIdName": "AnyCompany Support", "callerIdNumber": "+12065550102"},
    "Retention": {"callerIdName": "AnyCompany", "callerIdNumber": "+12065550100"},
    "Returns": {"callerIdName": "AnyCompany Returns", "callerIdNumber": "+12065550100"},
    "Sales": {
        "callerIdName": "AnyCompany Sales",
        "callerIdNumber": "+12065550101",
        "whisperFlow": "Sales outbound whisper",
    },
    "Spanish": {"callerIdName": "AnyCompany Español", "callerIdNumber": "+12065550101"},
    "Support": {
        "callerIdName": "AnyCompany Support",
        "callerIdNumber": "+12065550102",
        "whisperFlow": "Support outbound whisper",
    },
    "Tech Support": {
        "callerIdName": "AnyCompany Tech",
        "callerIdNumber": "+12065550102",
        "whisperFlow": "Support outbound whisper",
    },
    "VIP": {
        "callerIdName": "AnyCompany VIP",
        "callerIdNumber": "+18885550199",
        "whisperFlow": "Sales outbound whisper",
    },
}


def export(out: Path, *extra: str, instance_id: str = INSTANCE_ID, name: str = "demo") -> Any:
    return invoke(
        "export",
        "--instance-id",
        instance_id,
        "--region",
        EAST,
        "--replica-region",
        WEST,
        "--name",
        name,
        "--out",
        str(out),
        *extra,
    )


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def assert_plan_is_empty(state_dir: Path, managed: int) -> None:
    result = invoke("plan", "--state-dir", str(state_dir), "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert f"No changes. Live state matches desired-state ({managed} unchanged).\n" in result.stdout
    assert f"Plan: 0 to change, {managed} unchanged, 0 blocked.\n" in result.stdout


def test_export_writes_names_e164_numbers_and_flow_names(demo_emulator: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "exported"

    result = export(out, "--account-id", ACCOUNT)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out / 'instance.yaml'}\nwrote {out / 'queues.yaml'}\n"
    assert sorted(p.name for p in out.iterdir()) == ["instance.yaml", "queues.yaml"]
    instance_text = (out / "instance.yaml").read_text(encoding="utf-8")
    queues_text = (out / "queues.yaml").read_text(encoding="utf-8")
    assert instance_text.startswith(HEADER)
    assert queues_text.startswith(HEADER)
    assert load(out / "instance.yaml") == {
        "instance": {
            "name": "demo",
            "id": INSTANCE_ID,
            "region": EAST,
            "replicaRegion": WEST,
            "accountId": ACCOUNT,
        },
        "trafficDistributionGroups": DEMO_GROUPS,
    }
    assert load(out / "queues.yaml") == {"queues": DEMO_QUEUES}
    assert UUID.search(queues_text) is None  # names, numbers and flow names only
    assert "arn:" not in queues_text
    assert write_calls(demo_emulator) == []
    # the written files are valid desired state
    validated = invoke("validate", "--state-dir", str(out))
    assert validated.exit_code == 0, validated.output


def test_round_trip_export_then_plan_shows_no_changes(demo_emulator: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert export(out).exit_code == 0

    assert_plan_is_empty(out, managed=len(DEMO_GROUPS) + len(DEMO_QUEUES))
    assert write_calls(demo_emulator) == []


def test_export_leaves_out_what_cannot_be_planned_and_still_round_trips(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    # A released number and a deleted flow still referenced by queues, a non-whisper flow set on
    # Billing, two queues sharing a name (only an ID tells them apart), two flows sharing a name.
    with demo_emulator.state.lock:
        instance = demo_emulator.state.instances[0]
        instance.phone_numbers = [n for n in instance.phone_numbers if n.id != NUMBER_2]
        instance.flows = [f for f in instance.flows if f.id != FLOW_SUPPORT]
        instance.queue(QUEUES["Billing"]).outbound_flow_id = FLOW_INBOUND  # type: ignore[union-attr]
        instance.queue(QUEUES["Sales"]).name = "Retention"  # type: ignore[union-attr]
        flow = next(f for f in instance.flows if f.id == "f0000000-0000-4000-8000-000000000002")
        flow.name = "Default outbound"
    out = tmp_path / "exported"

    assert export(out).exit_code == 0

    queues = load(out / "queues.yaml")["queues"]
    retention = next(q for q in instance.queues if q.name == "Retention" and q.id != QUEUES["Sales"])
    assert queues[QUEUES["Sales"]] == {
        "callerIdName": "AnyCompany Sales",  # its number was released: left out
        "whisperFlow": "f0000000-0000-4000-8000-000000000002",  # flow name now ambiguous: by ID
    }
    assert queues[retention.id] == {"callerIdName": "AnyCompany", "callerIdNumber": "+12065550100"}
    assert "Retention" not in queues
    assert queues["Spanish"] == {"callerIdName": "AnyCompany Español"}
    assert queues["Support"] == {"callerIdName": "AnyCompany Support", "callerIdNumber": "+12065550102"}
    assert queues["Billing"] == {"callerIdName": "AnyCompany Billing", "callerIdNumber": "+12065550100"}
    assert queues["BasicQueue"]["whisperFlow"] == "f0000000-0000-4000-8000-000000000001"
    assert_plan_is_empty(out, managed=len(DEMO_GROUPS) + len(DEMO_QUEUES))


def test_names_that_would_read_back_as_ids_are_exported_by_id(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    # Names are free text in Connect: one that looks like a UUID or an ARN would be read back as an
    # ID by the planner, and a blank caller ID name is refused by the loader.
    uuid_name = "0e000000-0000-4000-8000-0000000000ff"
    with demo_emulator.state.lock:
        instance = demo_emulator.state.instances[0]
        instance.queue(QUEUES["Sales"]).name = uuid_name  # type: ignore[union-attr]
        instance.queue(QUEUES["Billing"]).name = "arn:billing"  # type: ignore[union-attr]
        instance.queue(QUEUES["Billing"]).caller_id_name = "   "  # type: ignore[union-attr]
        next(f for f in instance.flows if f.id == FLOW_SUPPORT).name = "F0000000-0000-4000-8000-0000000000EE"
        instance.groups[1].name = "7D000000-0000-4000-8000-0000000000EE"
        next(q for q in instance.queues if q.name == "Returns").name = "yes"
    out = tmp_path / "exported"

    assert export(out).exit_code == 0

    queues = load(out / "queues.yaml")["queues"]
    assert uuid_name not in queues
    assert queues[QUEUES["Sales"]]["callerIdName"] == "AnyCompany Sales"
    assert queues[QUEUES["Billing"]] == {"callerIdNumber": "+12065550100", "whisperFlow": "Default outbound"}
    assert queues["Support"]["whisperFlow"] == FLOW_SUPPORT
    assert queues["yes"] == {"callerIdName": "AnyCompany Returns", "callerIdNumber": "+12065550100"}
    groups = load(out / "instance.yaml")["trafficDistributionGroups"]
    assert list(groups) == [
        "anycompany-default",
        f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/7d000000-0000-4000-8000-000000000002",
    ]
    assert_plan_is_empty(out, managed=len(DEMO_GROUPS) + len(DEMO_QUEUES))


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, dict[str, Any]]]:
    fixture = generate_fixture(queues=600, flows=12, numbers=40, groups=3, seed=7)
    with running_emulator(fixture) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", emu.url)
        yield emu, fixture


def test_round_trip_on_a_generated_fixture(
    generated: tuple[Emulator, dict[str, Any]], tmp_path: Path
) -> None:
    emu, fixture = generated
    live = fixture["instances"][0]
    out = tmp_path / "generated"

    result = export(out, instance_id=live["id"], name="generated")

    assert result.exit_code == 0, result.output
    queues = load(out / "queues.yaml")["queues"]
    configured = [q for q in live["queues"] if q.get("callerIdName") or q.get("outboundFlowId")]
    assert len(configured) > 500
    assert sorted(queues) == sorted(q["name"] for q in configured)
    numbers = {n["id"]: n["number"] for n in live["phoneNumbers"]}
    flows = {f["id"]: f["name"] for f in live["flows"]}
    arn_numbered = 0
    for queue in configured:
        expected: dict[str, Any] = {}
        if queue.get("callerIdName"):
            expected["callerIdName"] = queue["callerIdName"]
        if queue.get("callerIdNumberId"):
            arn_numbered += queue["callerIdNumberId"].startswith("arn:")
            expected["callerIdNumber"] = numbers[queue["callerIdNumberId"].rsplit("/", 1)[-1]]
        if queue.get("outboundFlowId"):
            expected["whisperFlow"] = flows[queue["outboundFlowId"]]
        assert queues[queue["name"]] == expected, queue["name"]
    assert arn_numbered > 0  # numbers of the us-west-2 group, held as ARNs, export as E.164
    groups = load(out / "instance.yaml")["trafficDistributionGroups"]
    assert list(groups) == ["default", "group-01", "group-02"]
    assert groups["group-01"] == {"telephony": {EAST: 50, WEST: 50}, "agents": {EAST: 50, WEST: 50}}
    emu.clear_calls()

    assert_plan_is_empty(out, managed=len(configured) + 3)
    assert [c["operation"] for c in emu.calls()].count("SearchQueues") == 2  # pages of 500
    assert write_calls(emu) == []


def test_export_refuses_to_overwrite_without_force(demo_emulator: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    out.mkdir()
    (out / "queues.yaml").write_text("# mine\n", encoding="utf-8")

    refused = export(out)

    assert refused.exit_code == 1
    assert one_line_error(refused) == (
        f"error: {out / 'queues.yaml'} already exist; pass --force to overwrite"
    )
    assert (out / "queues.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (out / "instance.yaml").exists()  # nothing written at all

    forced = export(out, "--force")

    assert forced.exit_code == 0, forced.output
    assert load(out / "queues.yaml") == {"queues": DEMO_QUEUES}
    assert (out / "instance.yaml").exists()
    again = export(out)
    assert again.exit_code == 1
    assert one_line_error(again) == (
        f"error: {out / 'instance.yaml'}, {out / 'queues.yaml'} already exist; pass --force to overwrite"
    )


def test_export_defaults_to_desired_state_slash_name(demo_emulator: Emulator, workdir: Path) -> None:
    result = invoke(
        "export", "--instance-id", INSTANCE_ID, "--region", EAST, "--replica-region", WEST, "--name", "demo"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote desired-state/demo/instance.yaml\nwrote desired-state/demo/queues.yaml\n"
    assert (workdir / "desired-state" / "demo" / "queues.yaml").is_file()


def test_export_by_instance_arn_round_trips(demo_emulator: Emulator, tmp_path: Path) -> None:
    arn = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}"
    out = tmp_path / "by-arn"

    assert export(out, instance_id=arn).exit_code == 0

    assert load(out / "instance.yaml")["instance"]["id"] == arn
    assert_plan_is_empty(out, managed=len(DEMO_GROUPS) + len(DEMO_QUEUES))


@pytest.mark.parametrize(
    ("instance_id", "message"),
    [
        (
            "bogus",
            "error: invalid instance option id: 'bogus' is neither an instance ID (UUID) nor an instance ARN",
        ),
        (
            f"arn:aws:connect:eu-west-2:{ACCOUNT}:instance/{INSTANCE_ID}",
            "error: invalid instance option id: the ARN is in eu-west-2, but region is us-east-1",
        ),
    ],
)
def test_a_malformed_instance_id_is_one_line_and_no_call(
    demo_emulator: Emulator, tmp_path: Path, instance_id: str, message: str
) -> None:
    result = export(tmp_path / "out", instance_id=instance_id)

    assert result.exit_code == 1
    assert one_line_error(result) == message
    assert demo_emulator.calls() == []
    assert not (tmp_path / "out").exists()


def test_an_instance_that_does_not_exist_is_one_line(demo_emulator: Emulator, tmp_path: Path) -> None:
    missing = "4a1b2c3d-0000-4000-8000-0000000000ff"

    result = export(tmp_path / "out", instance_id=missing)

    assert result.exit_code == 1
    line = one_line_error(result)
    assert line.startswith("error: demo: ")
    assert f"InvalidRequestException: Instance {missing} not found" in line
    assert not (tmp_path / "out").exists()


def test_the_schema_modeline_resolves_where_export_writes_by_default() -> None:
    modeline = HEADER.removeprefix("# yaml-language-server: $schema=").strip()
    default_folder = REPO / "desired-state" / "some-instance"

    assert (default_folder / modeline).resolve() == (REPO / "schema" / "desired-state.json").resolve()
    assert (REPO / "schema" / "desired-state.json").is_file()
    # the same modeline as the hand-written files in the repository
    for path in (REPO / "desired-state").rglob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith(HEADER), path


def test_the_constants_match_the_demo_fixture() -> None:
    instance = EmulatorState.demo().instances[0]
    standard = {q.name for q in instance.queues if q.type == "STANDARD"}
    assert set(DEMO_QUEUES) == standard - {"Callbacks"}
    assert {g.name for g in instance.groups} == set(DEMO_GROUPS)


# --- an instance the state directory already defines ---------------------------------------------

OTHER_ID = "4a1b2c3d-0000-4000-8000-0000000000ff"


@pytest.mark.parametrize(
    ("name", "instance_id", "clash"),
    [
        ("anycompany-demo", OTHER_ID, "an instance named 'anycompany-demo'"),
        ("demo", INSTANCE_ID, f"instance {INSTANCE_ID} (as 'anycompany-demo')"),
        ("demo", f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID.upper()}", None),
    ],
    ids=["same-name", "same-id", "same-id-as-arn"],
)
def test_export_refuses_an_instance_already_defined(
    demo_emulator: Emulator, workdir: Path, name: str, instance_id: str, clash: str | None
) -> None:
    """Exporting it again would define it twice: the desired state would no longer load."""
    copy_demo(workdir / "desired-state")
    out = workdir / "exported"

    result = export(out, name=name, instance_id=instance_id)

    assert result.exit_code == 1
    line = one_line_error(result)
    where = "desired-state/anycompany-demo/instance.yaml:4"
    if clash is not None:
        assert line == (
            f"error: {clash} is already defined at {where}: exporting it again would define it twice "
            "in desired-state; edit that file, or pass --force to export anyway (and overwrite files "
            "with --out)"
        )
    assert f"is already defined at {where}" in line
    assert demo_emulator.calls() == []  # refused before any call to Connect
    assert not out.exists()


def test_force_exports_an_instance_already_defined(demo_emulator: Emulator, workdir: Path) -> None:
    state = copy_demo(workdir / "desired-state")
    target = state / "anycompany-demo"

    result = invoke(
        "export",
        *("--instance-id", INSTANCE_ID, "--region", EAST, "--replica-region", WEST),
        *("--name", "anycompany-demo", "--account-id", ACCOUNT, "--out", str(target), "--force"),
    )

    assert result.exit_code == 0, result.output
    assert load(target / "instance.yaml")["instance"]["name"] == "anycompany-demo"
    assert invoke("validate", "--state-dir", str(state)).exit_code == 0  # replaced, not doubled


def test_export_checks_the_state_dir_it_is_given_and_writes_under_it(
    demo_emulator: Emulator, workdir: Path
) -> None:
    copy_demo(workdir / "desired-state")  # the default folder defines the instance; this one does not
    (workdir / "other").mkdir()
    (workdir / "other" / "x.yaml").write_text(
        yaml.safe_dump({"instance": {"name": "x", "id": OTHER_ID, "region": EAST, "replicaRegion": WEST}}),
        encoding="utf-8",
    )

    result = invoke(
        "export",
        *("--instance-id", INSTANCE_ID, "--region", EAST, "--replica-region", WEST),
        *("--name", "demo", "--state-dir", "other"),
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote other/demo/instance.yaml\nwrote other/demo/queues.yaml\n"


def test_export_into_a_state_dir_that_does_not_load_is_refused(
    demo_emulator: Emulator, workdir: Path
) -> None:
    (workdir / "desired-state").mkdir()
    (workdir / "desired-state" / "broken.yaml").write_text("queues: [\n", encoding="utf-8")

    result = export(workdir / "out")

    assert result.exit_code == 1
    assert one_line_error(result) == (
        "error: cannot tell whether 'demo' is already defined: desired-state has 1 problem(s) "
        "(see `reconciler validate --state-dir desired-state`); pass --force to export anyway"
    )
    assert demo_emulator.calls() == []
