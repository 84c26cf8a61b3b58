"""`reconciler iam-policy`: least-privilege policies that cannot fall behind the code.

The operations the reconciler calls are derived two ways, never listed by hand here:
(a) statically, from the source of `reconciler/connect/` (boto3 client method calls such as
    `client.update_queue_outbound_caller_config(...)`, and operation names in string literals such
    as the `"SearchQueues"` given to the paginated reader), mapped to API names with botocore's own
    Connect service model; `operations.py`, the list the policy is built from, is left out;
(b) dynamically, from the emulator's call log of a full plan, apply, drift and export run.
Both must be covered by the apply policy, and the reads by the plan policy.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from connect_emulator.server import Emulator
from reconciler.planning import operations as connect_calls

from ..support.cli import invoke
from ..support.demo import ACCOUNT, EAST, INSTANCE_ID, REPO, WEST
from .helpers import operations, write_instance

CONNECT_SOURCE = REPO / "reconciler" / "connect"
READ_VERBS = ("Describe", "Get", "List", "Search")
WARNING = "warning: an instance has no accountId; its ARNs use '*' for the account\n"


def connect_operations() -> dict[str, str]:
    """boto3 method name -> Connect API name, from botocore's service model."""
    model = botocore.session.get_session().get_service_model("connect")
    return {botocore.xform_name(name): name for name in model.operation_names}


def operations_in_source(path: Path, api: dict[str, str]) -> set[str]:
    """Connect operations a module calls: `<obj>.<boto3 method>(...)` and operation-name literals."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set(api.values())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in api:
            found.add(api[node.func.attr])
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            found.add(node.value)
    return found


def code_operations() -> dict[str, set[str]]:
    api = connect_operations()
    return {
        p.name: operations_in_source(p, api)
        for p in sorted(CONNECT_SOURCE.glob("*.py"))
        if p.name != "operations.py"
    }


def iam_policy(state_dir: Path | str, mode: str) -> tuple[dict[str, Any], str]:
    result = invoke("iam-policy", "--state-dir", str(state_dir), "--mode", mode)
    assert result.exit_code == 0, result.output
    policy: dict[str, Any] = json.loads(result.stdout)
    return policy, result.stderr


def actions(policy: dict[str, Any]) -> set[str]:
    found = {a for s in policy["Statement"] for a in s["Action"]}
    assert all(a.startswith("connect:") for a in found), found
    return {a.removeprefix("connect:") for a in found}


def resources(policy: dict[str, Any]) -> set[str]:
    return {r for s in policy["Statement"] for r in s["Resource"]}


def assert_valid_policy(policy: dict[str, Any]) -> None:
    assert set(policy) == {"Version", "Statement"}
    assert policy["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert set(statement) == {"Sid", "Effect", "Action", "Resource"}
        assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"])
        assert statement["Effect"] == "Allow"
        assert statement["Action"] and statement["Resource"]
        assert all(re.fullmatch(r"connect:[A-Z][A-Za-z0-9]+", a) for a in statement["Action"])
        assert "*" not in statement["Resource"]
        assert all(r.startswith("arn:aws:connect:") for r in statement["Resource"])


# --- actions -------------------------------------------------------------------------------------


def test_the_source_scan_finds_the_calls_it_must() -> None:
    """The scanner itself: the reads' paginated literals and client methods, the writes' methods."""
    found = code_operations()
    assert {"SearchQueues", "ListContactFlows", "ListPhoneNumbersV2", "DescribeQueue"} <= found["reads.py"]
    assert {"UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig"} <= found["writes.py"]
    assert "AssumeRole" not in set().union(*found.values())  # STS, not Connect


def test_every_operation_in_the_code_is_in_the_apply_policy_and_nothing_else() -> None:
    called = set().union(*code_operations().values())
    apply_policy, _ = iam_policy(REPO / "desired-state", "apply")
    plan_policy, _ = iam_policy(REPO / "desired-state", "plan")

    assert_valid_policy(apply_policy)
    assert_valid_policy(plan_policy)
    assert called <= actions(apply_policy), called - actions(apply_policy)
    assert actions(apply_policy) <= called, "the apply policy grants operations the code never calls"
    # What the reads module calls for plans (apply's own single reads are listed with its writes).
    reads = code_operations()["reads.py"] - set(connect_calls.WRITE)
    assert reads <= actions(plan_policy), reads - actions(plan_policy)


def test_the_plan_policy_has_only_read_actions() -> None:
    policy, _ = iam_policy(REPO / "desired-state", "plan")

    assert_valid_policy(policy)
    assert len(policy["Statement"]) == 1
    assert all(a.startswith(READ_VERBS) for a in actions(policy)), actions(policy)
    assert not {"UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig"} & actions(policy)


def run_full_cycle(emu: Emulator, state: str, workdir: Path) -> tuple[set[str], set[str]]:
    """plan, apply, drift and export against `emu`: (operations of the read-only steps, all)."""
    emu.clear_calls()
    plan = invoke("plan", "--state-dir", state, "--out", "demo.plan.json")
    assert plan.exit_code == 0, plan.output
    reads = set(operations(emu))
    emu.clear_calls()
    applied = invoke(
        "apply", "demo.plan.json", "--state-dir", state, "--auto-approve", "--journal", "journal.jsonl"
    )
    assert applied.exit_code == 0, applied.output
    assert "Apply: 3 applied, 0 already, 0 failed, 0 stale, 0 skipped." in applied.stdout
    during_apply = set(operations(emu))
    emu.clear_calls()
    emu.set_traffic_distribution("7d000000-0000-4000-8000-000000000001", telephony={EAST: 0, WEST: 100})
    assert invoke("drift", "--state-dir", state, "--include-unmanaged").exit_code == 2
    exported = invoke(
        "export",
        "--instance-id",
        INSTANCE_ID,
        "--region",
        EAST,
        "--replica-region",
        WEST,
        "--name",
        "x",
        "--out",
        str(workdir / "exported"),
        "--force",  # the state directory defines this instance already: export it all the same
    )
    assert exported.exit_code == 0, exported.output
    reads |= set(operations(emu))
    return reads, reads | during_apply


def test_every_operation_the_emulator_served_is_in_the_policies(
    demo_emulator: Emulator, state_dir: Path, workdir: Path
) -> None:
    reads, called = run_full_cycle(demo_emulator, "desired-state", workdir)
    apply_policy, _ = iam_policy(state_dir, "apply")
    plan_policy, _ = iam_policy(state_dir, "plan")

    assert {"UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig"} <= called  # it really applied
    assert "SearchQueues" in reads
    assert called <= actions(apply_policy), called - actions(apply_policy)
    assert reads <= actions(plan_policy), reads - actions(plan_policy)
    # and the static scan saw everything that ran
    assert called <= set().union(*code_operations().values())


# --- resources -----------------------------------------------------------------------------------


def demo_arns(account: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"instance": [], "group": [], "under": []}
    for region in (EAST, WEST):
        base = f"arn:aws:connect:{region}:{account}"
        out["instance"].append(f"{base}:instance/{INSTANCE_ID}")
        out["group"].append(f"{base}:traffic-distribution-group/*")
        out["under"] += [
            f"{base}:instance/{INSTANCE_ID}/queue/*",
            f"{base}:instance/{INSTANCE_ID}/contact-flow/*",
            f"{base}:phone-number/*",
        ]
    return out


def test_resources_are_scoped_to_the_instance_in_both_regions() -> None:
    policy, err = iam_policy(REPO / "desired-state", "apply")

    assert err == ""
    arns = demo_arns(ACCOUNT)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    read = next(s for s in policy["Statement"] if "connect:SearchQueues" in s["Action"])
    assert set(read["Resource"]) == set(arns["instance"] + arns["group"] + arns["under"])
    traffic = next(s for s in policy["Statement"] if "connect:UpdateTrafficDistribution" in s["Action"])
    assert traffic["Action"] == ["connect:UpdateTrafficDistribution"]
    assert set(traffic["Resource"]) == set(arns["group"])
    queue = next(s for s in policy["Statement"] if "connect:UpdateQueueOutboundCallerConfig" in s["Action"])
    assert set(queue["Resource"]) == set(arns["instance"] + arns["under"])
    assert len(by_sid) == 3
    for arn in resources(policy):
        region, account = arn.split(":")[3:5]
        assert (region in (EAST, WEST), account) == (True, ACCOUNT), arn


def test_without_account_id_the_account_is_a_wildcard_with_a_warning(tmp_path: Path) -> None:
    block = {"name": "noacct", "id": INSTANCE_ID, "region": EAST, "replicaRegion": WEST}
    write_instance(tmp_path / "state", block)

    for mode in ("plan", "apply"):
        policy, err = iam_policy(tmp_path / "state", mode)
        assert err == WARNING
        assert_valid_policy(policy)
        assert {r.split(":")[4] for r in resources(policy)} == {"*"}
        assert set(demo_arns("*")["instance"]) <= resources(policy)


def test_an_instance_arn_supplies_the_account(tmp_path: Path) -> None:
    arn = f"arn:aws:connect:{EAST}:444455556666:instance/{INSTANCE_ID}"
    write_instance(tmp_path / "state", {"name": "by-arn", "id": arn, "region": EAST, "replicaRegion": WEST})

    policy, err = iam_policy(tmp_path / "state", "apply")

    assert err == ""
    assert {r.split(":")[4] for r in resources(policy)} == {"444455556666"}
    assert set(demo_arns("444455556666")["instance"]) <= resources(policy)


def test_two_instances_are_both_covered(tmp_path: Path) -> None:
    other = "5b2c3d4e-0000-4000-8000-000000000002"
    write_instance(
        tmp_path / "state" / "a",
        {"name": "a", "id": INSTANCE_ID, "region": EAST, "replicaRegion": WEST, "accountId": ACCOUNT},
    )
    write_instance(
        tmp_path / "state" / "b",
        {"name": "b", "id": other, "region": "eu-west-2", "replicaRegion": "eu-central-1"},
    )

    policy, err = iam_policy(tmp_path / "state", "plan")

    assert err == WARNING
    assert {
        f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}",
        f"arn:aws:connect:{WEST}:{ACCOUNT}:instance/{INSTANCE_ID}",
        f"arn:aws:connect:eu-west-2:*:instance/{other}",
        f"arn:aws:connect:eu-central-1:*:instance/{other}",
    } <= resources(policy)
    assert {r.split(":")[3] for r in resources(policy)} == {EAST, WEST, "eu-west-2", "eu-central-1"}


def test_an_unknown_mode_is_a_usage_error() -> None:
    result = invoke("iam-policy", "--state-dir", str(REPO / "desired-state"), "--mode", "admin")

    assert result.exit_code == 1  # usage errors are errors; 2 means changes or drift
    assert result.stdout == ""


@pytest.mark.parametrize("mode", ["plan", "apply"])
def test_the_policy_is_stable_json(mode: str) -> None:
    first = invoke("iam-policy", "--state-dir", str(REPO / "desired-state"), "--mode", mode).stdout
    second = invoke("iam-policy", "--state-dir", str(REPO / "desired-state"), "--mode", mode).stdout
    assert first == second
    assert json.loads(first)["Statement"][0]["Action"] == sorted(json.loads(first)["Statement"][0]["Action"])


def test_rollout_alarms_add_describe_alarms_on_those_alarms_to_the_apply_policy(tmp_path: Path) -> None:
    group = {
        "telephony": {EAST: 50, WEST: 50},
        "rollout": {
            "step": 10,
            "bake": "5m",
            "haltOn": {"alarms": ["missed", {"name": "errors", "region": WEST}]},
        },
    }
    block = {"name": "demo", "id": INSTANCE_ID, "region": EAST, "replicaRegion": WEST, "accountId": ACCOUNT}
    write_instance(tmp_path / "state", block, trafficDistributionGroups={"g": group})

    apply_policy, _ = iam_policy(tmp_path / "state", "apply")
    plan_policy, _ = iam_policy(tmp_path / "state", "plan")

    (statement,) = [s for s in apply_policy["Statement"] if s["Action"] == ["cloudwatch:DescribeAlarms"]]
    assert statement["Resource"] == [
        f"arn:aws:cloudwatch:{EAST}:{ACCOUNT}:alarm:missed",
        f"arn:aws:cloudwatch:{WEST}:{ACCOUNT}:alarm:errors",
        f"arn:aws:cloudwatch:{WEST}:{ACCOUNT}:alarm:missed",
    ]
    assert "cloudwatch:DescribeAlarms" not in actions(plan_policy)


def test_without_rollout_alarms_the_policy_has_no_cloudwatch_action() -> None:
    policy, _ = iam_policy(REPO / "desired-state", "apply")

    assert not any(a.startswith("cloudwatch:") for a in actions(policy))
