"""`reconciler drift`: every finding class, the plan's risk labels, the three formats, the exit codes.

The scheduled drift check only reads: every test also checks that the emulator saw no write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from reconciler.planning.operations import READ

from ..support.cli import invoke
from ..support.demo import (
    DEFAULT_GROUP,
    EAST,
    FLOW_SUPPORT,
    INSTANCE,
    INSTANCE_BLOCK,
    INSTANCE_ID,
    NUMBER_2,
    NUMBER_OVERFLOW,
    OVERFLOW_GROUP,
    QUEUES,
    WEST,
    edit_yaml,
)
from .helpers import free_port, one_line_error, operations, write_calls, write_instance

QUEUES_YAML = "desired-state/anycompany-demo/queues.yaml"
INSTANCE_YAML = "desired-state/anycompany-demo/instance.yaml"


@pytest.fixture
def applied(applied: Emulator, state_dir: Path) -> Emulator:
    """The applied demo emulator (see conftest), with desired-state/ in the working directory."""
    return applied


def drift(*args: str) -> tuple[int, str, str]:
    result = invoke("drift", "--state-dir", "desired-state", *args)
    return result.exit_code, result.stdout, result.stderr


def drift_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = drift("--format", "json", *args)
    data: dict[str, Any] = json.loads(out)
    return code, data


def assert_read_only(emu: Emulator) -> None:
    assert emu.calls(), "the drift check read nothing"
    assert write_calls(emu) == []
    assert set(operations(emu)) <= set(READ)


def finding(kind: str, name: str, finding_: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "instance": INSTANCE,
        "kind": kind,
        "name": name,
        "finding": finding_,
        "fields": [],
        "labels": [],
        "message": "",
        "source": "",
    }
    base.update(extra)
    return base


# --- no drift ----------------------------------------------------------------------------------


def test_no_drift_right_after_applying_the_demo_exits_0(demo_emulator: Emulator, state_dir: Path) -> None:
    applied = invoke("apply", "--state-dir", "desired-state", "--auto-approve", "--journal", "j.jsonl")
    assert applied.exit_code == 0, applied.output
    assert "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped." in applied.stdout
    demo_emulator.clear_calls()

    code, out, err = drift()

    assert (code, out, err) == (0, "No drift: 9 managed resources match desired-state.\n", "")
    assert_read_only(demo_emulator)


def test_no_drift_in_json_and_markdown(applied: Emulator) -> None:
    code, data = drift_json()
    assert code == 0
    assert data == {
        "format_version": 2,
        "has_drift": False,
        "include_unmanaged": False,
        "instances": [INSTANCE],
        "managed": 9,
        "findings": [],
        "notes": [],
    }

    code, out, _ = drift("--format", "markdown")
    assert code == 0
    assert out == (
        "## Amazon Connect drift: `anycompany-demo`\n\n"
        "**No drift: 9 managed resources match desired-state.**\n"
    )
    assert_read_only(applied)


def test_the_unapplied_demo_is_drift(demo_emulator: Emulator, state_dir: Path) -> None:
    code, data = drift_json()

    assert code == 2
    assert data["has_drift"] is True
    assert [(f["finding"], f["kind"], f["name"]) for f in data["findings"]] == [
        ("differs", "queue", "Sales"),
        ("differs", "queue", "Support"),
        ("differs", "traffic-distribution", "anycompany-default"),
    ]
    assert write_calls(demo_emulator) == []


# --- differs from git ---------------------------------------------------------------------------


def test_a_managed_field_that_differs_from_git(applied: Emulator) -> None:
    applied.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (temp)")

    code, out, err = drift()

    assert (code, err) == (2, "")
    assert out == (
        "differs: live differs from git\n"
        "  ! anycompany-demo/queue/Sales\n"
        '      callerIdName: live "Sales (temp)"; git "AnyCompany Sales Team"\n'
        f"      defined at {QUEUES_YAML}:9\n"
        "\n"
        "Drift: 1 finding (1 differs).\n"
    )
    code, data = drift_json()
    assert code == 2
    assert data["has_drift"] is True
    assert data["format_version"] == 2
    assert data["findings"] == [
        finding(
            "queue",
            "Sales",
            "differs",
            fields=[{"field": "callerIdName", "live": "Sales (temp)", "desired": "AnyCompany Sales Team"}],
            source=f"{QUEUES_YAML}:9",
        )
    ]
    assert_read_only(applied)


def test_changed_numbers_and_flows_read_as_e164_and_flow_names(applied: Emulator) -> None:
    # Support: git has +18885550199 and "Support outbound whisper"; someone sets another number
    # and flow in the console (the number as an ARN, as the console may store it).
    number_arn = f"arn:aws:connect:{EAST}:111122223333:phone-number/{NUMBER_2}"
    applied.set_queue_caller_config(
        INSTANCE_ID, QUEUES["Support"], number_id=number_arn, flow_id="f0000000-0000-4000-8000-000000000001"
    )

    code, data = drift_json()

    assert code == 2
    assert data["findings"] == [
        finding(
            "queue",
            "Support",
            "differs",
            fields=[
                {"field": "callerIdNumber", "live": "+12065550101", "desired": "+18885550199"},
                {"field": "whisperFlow", "live": "Default outbound", "desired": "Support outbound whisper"},
            ],
            source=f"{QUEUES_YAML}:14",
        )
    ]
    assert_read_only(applied)


def test_a_number_stored_as_arn_instead_of_id_is_not_drift(applied: Emulator) -> None:
    support = next(q for q in applied.state.instances[0].queues if q.id == QUEUES["Support"])
    number_id = support.caller_id_number_id
    assert number_id is not None and not number_id.startswith("arn:")
    applied.set_queue_caller_config(
        INSTANCE_ID,
        QUEUES["Support"],
        number_id=f"arn:aws:connect:{EAST}:111122223333:phone-number/{number_id}",
    )

    code, _, _ = drift()

    assert code == 0


# --- missing and unresolved ----------------------------------------------------------------------


def test_a_queue_and_a_group_named_in_git_no_longer_exist(applied: Emulator) -> None:
    data = applied.state.to_dict()
    instance = data["instances"][0]
    instance["queues"] = [q for q in instance["queues"] if q["id"] != QUEUES["Sales"]]
    instance["trafficDistributionGroups"] = [
        g for g in instance["trafficDistributionGroups"] if g["id"] != OVERFLOW_GROUP
    ]
    for number in instance["phoneNumbers"]:  # its number goes back to the instance
        if number["id"] == NUMBER_OVERFLOW:
            number["claimedTo"] = "instance"
    applied.replace_state(data)

    code, out, _ = drift()
    assert code == 2
    assert out == (
        "missing: named in git, missing in Connect\n"
        "  ! anycompany-demo/queue/Sales\n"
        "      no queue named 'Sales' in anycompany-demo (us-east-1)\n"
        f"      defined at {QUEUES_YAML}:9\n"
        "  ! anycompany-demo/traffic-distribution/anycompany-overflow\n"
        "      no traffic distribution group named 'anycompany-overflow' in anycompany-demo (us-east-1);"
        " closest: 'anycompany-default'\n"
        f"      defined at {INSTANCE_YAML}:26\n"
        "\n"
        "Drift: 2 findings (2 missing).\n"
    )
    code, report = drift_json()
    assert code == 2
    assert report["findings"] == [
        finding(
            "queue",
            "Sales",
            "missing",
            message="no queue named 'Sales' in anycompany-demo (us-east-1)",
            source=f"{QUEUES_YAML}:9",
        ),
        finding(
            "traffic-distribution",
            "anycompany-overflow",
            "missing",
            message="no traffic distribution group named 'anycompany-overflow' in anycompany-demo "
            "(us-east-1); closest: 'anycompany-default'",
            source=f"{INSTANCE_YAML}:26",
        ),
    ]
    assert report["managed"] == 9
    assert_read_only(applied)


def test_references_to_a_deleted_flow_and_a_released_number_are_unresolved(applied: Emulator) -> None:
    # Deleted in Connect while queues still point at them (dangling IDs stay in the queues).
    with applied.state.lock:
        instance = applied.state.instances[0]
        instance.flows = [f for f in instance.flows if f.id != FLOW_SUPPORT]
        instance.phone_numbers = [n for n in instance.phone_numbers if n.id != NUMBER_2]

    code, data = drift_json()

    assert code == 2
    assert [(f["finding"], f["kind"], f["name"], f["source"]) for f in data["findings"]] == [
        ("unresolved", "queue", "Sales", f"{QUEUES_YAML}:11"),  # its callerIdNumber
        ("unresolved", "queue", "Support", f"{QUEUES_YAML}:18"),  # its whisperFlow
        ("unresolved", "queue", "Tech Support", f"{QUEUES_YAML}:32"),
    ]
    messages = [f["message"] for f in data["findings"]]
    assert messages[0].startswith("no phone number named '+12065550101' in anycompany-demo (us-east-1)")
    assert messages[1].startswith("no flow named 'Support outbound whisper' in anycompany-demo (us-east-1)")
    assert messages[2] == messages[1]
    assert all(f["fields"] == [] and f["labels"] == [] for f in data["findings"])
    _, out, _ = drift()
    assert out.startswith("unresolved: references that no longer resolve\n  ! anycompany-demo/queue/Sales\n")
    assert out.endswith("Drift: 3 findings (3 unresolved).\n")
    assert_read_only(applied)


def test_a_queue_keyed_by_name_and_by_id_is_one_duplicate_finding_not_a_missing_one(
    applied: Emulator, state_dir: Path
) -> None:
    # Sales is defined by name (as applied) and again, further down, by its ID with other values.
    queues = state_dir / "anycompany-demo" / "queues.yaml"
    lines = queues.read_text(encoding="utf-8").splitlines()
    queues.write_text(
        "\n".join([*lines, f'  "{QUEUES["Sales"]}":', "    callerIdName: Sales by ID", ""]), encoding="utf-8"
    )
    added = len(lines) + 1

    code, data = drift_json()

    assert code == 2
    assert data["findings"] == [
        finding(
            "queue",
            QUEUES["Sales"],
            "duplicate",
            message=f"names the same queue as 'Sales' at {QUEUES_YAML}:9; define it once",
            source=f"{QUEUES_YAML}:{added}",
        )
    ]
    assert data["managed"] == 10
    _, out, _ = drift()
    assert out.endswith("Drift: 1 finding (1 duplicate).\n")
    assert_read_only(applied)


# --- unmanaged -------------------------------------------------------------------------------------


DEMO_UNMANAGED_QUEUES = ["Callbacks", "Escalations", "Retention", "Returns", "Spanish"]


def test_include_unmanaged_lists_the_queues_git_does_not_mention(applied: Emulator) -> None:
    code, data = drift_json("--include-unmanaged")

    assert code == 2
    assert data["include_unmanaged"] is True
    assert data["findings"] == [finding("queue", name, "unmanaged") for name in DEMO_UNMANAGED_QUEUES]
    code, out, _ = drift("--include-unmanaged")
    assert code == 2
    assert out == (
        "unmanaged: in Connect, not in git\n"
        + "".join(f"  ! anycompany-demo/queue/{name}\n" for name in DEMO_UNMANAGED_QUEUES)
        + "\nDrift: 5 findings (5 unmanaged).\n"
    )
    assert_read_only(applied)


def test_unmanaged_groups_and_queues_only_with_the_flag(demo_emulator: Emulator, workdir: Path) -> None:
    # git manages the default group (by ARN) and two queues (one by name, one by ID), as applied.
    group_arn = f"arn:aws:connect:{EAST}:111122223333:traffic-distribution-group/{DEFAULT_GROUP}"
    write_instance(
        workdir / "desired-state" / "small",
        INSTANCE_BLOCK,
        trafficDistributionGroups={group_arn: {"telephony": {EAST: 100, WEST: 0}}},
        queues={
            "Sales": {"callerIdName": "AnyCompany Sales"},
            QUEUES["Support"]: {"callerIdName": "AnyCompany Support"},
        },
    )

    code, out, _ = drift()
    assert (code, out) == (0, "No drift: 3 managed resources match desired-state.\n")

    code, data = drift_json("--include-unmanaged")
    assert code == 2
    unmanaged = [(f["kind"], f["name"]) for f in data["findings"]]
    assert all(f["finding"] == "unmanaged" for f in data["findings"])
    assert unmanaged == [
        *[
            ("queue", n)
            for n in sorted(
                [
                    "After Hours",
                    "BasicQueue",
                    "Billing",
                    "Callbacks",
                    "Escalations",
                    "Retention",
                    "Returns",
                    "Spanish",
                    "Tech Support",
                    "VIP",
                ]
            )
        ],
        ("traffic-distribution", "anycompany-overflow"),
    ]
    assert write_calls(demo_emulator) == []


# --- risk labels: the plan's, from live to desired ------------------------------------------------


def _plan_risks(name: str) -> list[str]:
    result = invoke("plan", "--state-dir", "desired-state", "--format", "json")
    assert result.exit_code == 0, result.output
    risks: list[str] = next(c["risks"] for c in json.loads(result.stdout)["changes"] if c["name"] == name)
    return risks


@pytest.mark.parametrize(
    ("telephony", "shown"),
    [
        ({EAST: 0, WEST: 100}, "live us-east-1 0%, us-west-2 100%"),
        ({EAST: 100, WEST: 0}, "live us-east-1 100%, us-west-2 0%"),
    ],
)
def test_a_failover_made_in_the_console_reads_as_the_plan_would_move_it_back(
    applied: Emulator, telephony: dict[str, int], shown: str
) -> None:
    """Live at 0/100 and git at 80/20: applying git is a traffic shift, not a failover, and the
    report says so in the plan's words rather than guessing who moved the traffic."""
    applied.set_traffic_distribution(DEFAULT_GROUP, telephony=telephony)

    code, data = drift_json()

    assert code == 2
    assert data["findings"] == [
        finding(
            "traffic-distribution",
            "anycompany-default",
            "differs",
            fields=[{"field": "telephony", "live": telephony, "desired": {EAST: 80, WEST: 20}}],
            labels=["traffic-shift"],
            source=f"{INSTANCE_YAML}:14",
        )
    ]
    assert data["findings"][0]["labels"] == _plan_risks("anycompany-default")
    code, out, _ = drift()
    assert code == 2
    assert "  ! anycompany-demo/traffic-distribution/anycompany-default [traffic-shift]\n" in out
    assert f"      telephony: {shown}; git us-east-1 80%, us-west-2 20%\n" in out
    assert "outside git" not in out and "Nothing is changed automatically" in out
    code, md, _ = drift("--format", "markdown")
    assert code == 2
    assert (
        "| differs | `anycompany-demo/traffic-distribution/anycompany-default` | traffic-shift | "
        f"telephony: {shown.removeprefix('live ')} → us-east-1 80%, us-west-2 20% |"
    ) in md
    assert "outside git" not in md

    assert_read_only(applied)
    group = applied.state.to_dict()["instances"][0]["trafficDistributionGroups"][0]
    assert group["telephony"] == telephony  # the drift check moves nothing back


def test_an_unapplied_failover_in_git_carries_the_failover_label_the_plan_gives(
    applied: Emulator, state_dir: Path
) -> None:
    """Git moves every call to us-west-2 and the merge was never applied: the same difference,
    labelled as the plan labels it (failover: applying git puts a Region at 0%)."""

    def all_west(doc: dict[str, Any]) -> None:
        group = doc["trafficDistributionGroups"]["anycompany-default"]
        group["telephony"] = {EAST: 0, WEST: 100}

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", all_west)

    code, data = drift_json()

    assert code == 2
    (found,) = data["findings"]
    assert found["finding"] == "differs"
    assert found["fields"][0] == {
        "field": "telephony",
        "live": {EAST: 80, WEST: 20},
        "desired": {EAST: 0, WEST: 100},
    }
    assert found["labels"] == ["traffic-shift", "failover"] == _plan_risks("anycompany-default")
    _, out, _ = drift()
    assert "[traffic-shift, failover]" in out
    assert "failover: a Region would go to 0% or 100% of calls" in out
    assert_read_only(applied)


def test_a_traffic_change_that_is_not_a_failover_has_no_failover_label(applied: Emulator) -> None:
    applied.set_traffic_distribution(DEFAULT_GROUP, telephony={EAST: 70, WEST: 30})

    code, data = drift_json()

    assert code == 2
    assert [f["labels"] for f in data["findings"]] == [["traffic-shift"]]
    _, out, _ = drift()
    assert "[traffic-shift]" in out and "[failover" not in out and ", failover" not in out


# --- formats, output file, errors --------------------------------------------------------------------


def test_markdown_is_a_table_with_live_and_git_values(applied: Emulator) -> None:
    applied.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales | <temp>")

    code, out, _ = drift("--format", "markdown")

    assert code == 2
    assert out == (
        "## Amazon Connect drift: `anycompany-demo`\n"
        "\n"
        "**Drift: 1 finding (1 differs).**\n"
        "\n"
        "| finding | resource | labels | live → git |\n"
        "|---|---|---|---|\n"
        "| differs | `anycompany-demo/queue/Sales` |  | "
        "callerIdName: `Sales \\| <temp>` → `AnyCompany Sales Team` |\n"
    )


def test_out_writes_the_same_report(applied: Emulator, workdir: Path) -> None:
    applied.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="Sales (temp)")

    code, out, _ = drift("--format", "json", "--out", "drift.json")

    assert code == 2
    assert (workdir / "drift.json").read_text(encoding="utf-8") == out
    assert json.loads(out)["has_drift"] is True


def test_instance_filter_and_unknown_instance(applied: Emulator) -> None:
    code, out, _ = drift("--instance", INSTANCE)
    assert (code, out) == (0, "No drift: 9 managed resources match desired-state.\n")

    result = invoke("drift", "--state-dir", "desired-state", "--instance", "nope")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        "error: no instance named 'nope' in desired-state (instances: anycompany-demo)"
    )


def test_unreachable_endpoint_is_exit_1_with_one_line(state_dir: Path) -> None:
    port = free_port()

    result = invoke("drift", "--state-dir", "desired-state", "--endpoint-url", f"http://127.0.0.1:{port}")

    assert result.exit_code == 1
    assert result.stdout == ""
    line = one_line_error(result)
    assert line.startswith("error: anycompany-demo: ")
    assert (
        f'cannot reach the Connect endpoint (Could not connect to the endpoint URL: "http://127.0.0.1:{port}/'
        in line
    )


def test_an_instance_missing_from_connect_is_exit_1(demo_emulator: Emulator, workdir: Path) -> None:
    block = {**INSTANCE_BLOCK, "id": "4a1b2c3d-0000-4000-8000-0000000000ff"}
    write_instance(workdir / "desired-state" / "gone", block, queues={"Sales": {"callerIdName": "x"}})

    result = invoke("drift", "--state-dir", "desired-state")

    assert result.exit_code == 1
    assert f"InvalidRequestException: Instance {block['id']} not found" in one_line_error(result)
    assert write_calls(demo_emulator) == []


def test_the_emulator_state_used_here_is_the_demo() -> None:
    """Guards the constants above: they must name the demo fixture's resources."""
    instance = EmulatorState.demo().instances[0]
    assert instance.id == INSTANCE_ID
    assert {g.id: g.name for g in instance.groups} == {
        DEFAULT_GROUP: "anycompany-default",
        OVERFLOW_GROUP: "anycompany-overflow",
    }
    assert instance.queue(QUEUES["Sales"]) is not None and instance.queue(QUEUES["Support"]) is not None
