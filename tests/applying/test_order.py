"""Write order: per instance, traffic before queues; `order:` waves first; batches one by one.

The order is the applier's decision, so it is checked on the in-memory port; that several
instances are applied one after another is checked end to end, real boto3 against the emulator
holding two instances.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import yaml

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.connect import make_plan, outcomes, run_apply, writes
from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    DEMO_FIXTURE,
    EAST,
    INSTANCE_ID,
    QUEUES,
    WEST,
    edit_yaml,
)
from ..support.fake_connect import Call, FakeConnect

SECOND_ID = "4a1b2c3d-0000-4000-8000-000000000002"
READ_BACKS = ("DescribeQueue", "GetTrafficDistribution")


def target(call: Call) -> str:
    """`traffic` or the queue name a write call addressed."""
    if call.operation == "UpdateTrafficDistribution":
        return "traffic"
    return next(name for name, qid in QUEUES.items() if qid == call.target)


def test_traffic_is_written_and_verified_before_any_queue(fake: FakeConnect, state_dir: Path) -> None:
    plan = make_plan(state_dir, fake)
    assert [(c.step, c.kind.value) for c in plan.updates] == [
        (1, "traffic-distribution"),
        (2, "queue"),
        (3, "queue"),
    ]
    fake.calls.clear()

    _, report = run_apply(state_dir, fake, plan)

    assert report.count(Outcome.APPLIED) == 3
    ops = [c.operation for c in fake.calls]
    first_queue_write = ops.index("UpdateQueueOutboundCallerConfig")
    traffic_write = ops.index("UpdateTrafficDistribution")
    assert traffic_write < first_queue_write
    # The traffic batch is read back (verified) before the queue batch starts.
    assert "GetTrafficDistribution" in ops[traffic_write:first_queue_write]
    assert target(fake.writes()[0]) == "traffic"
    assert fake.writes()[0].target == DEFAULT_GROUP_ARN


def test_order_waves_run_first_whatever_the_kind(fake: FakeConnect, state_dir: Path) -> None:
    def waves_in_instance(doc: dict[str, object]) -> None:
        groups = doc["trafficDistributionGroups"]
        assert isinstance(groups, dict)
        groups["anycompany-default"]["order"] = 2

    def waves_in_queues(doc: dict[str, object]) -> None:
        queues = doc["queues"]
        assert isinstance(queues, dict)
        queues["Support"]["order"] = -1
        queues["Billing"]["callerIdName"] = "Billing desk"
        queues["Billing"]["order"] = 1

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", waves_in_instance)
    edit_yaml(state_dir / "anycompany-demo" / "queues.yaml", waves_in_queues)
    plan = make_plan(state_dir, fake)
    assert [(c.name, c.order) for c in plan.updates] == [
        ("Support", -1),
        ("Sales", 0),
        ("Billing", 1),
        ("anycompany-default", 2),
    ]
    fake.calls.clear()

    _, report = run_apply(state_dir, fake, plan)

    assert report.ok
    assert [target(c) for c in fake.writes()] == ["Support", "Sales", "Billing", "traffic"]
    # Each wave is finished (read back) before the next one starts.
    ops = [c.operation for c in fake.calls]
    write_at = [i for i, op in enumerate(ops) if op.startswith("Update")]
    verify_at = [i for i, op in enumerate(ops) if op in READ_BACKS]
    for before, after in itertools.pairwise(write_at):
        assert any(before < v < after for v in verify_at)
    group = fake.groups[DEFAULT_GROUP].distribution
    assert group is not None and group.telephony == {EAST: 80, WEST: 20}
    assert fake.queues[QUEUES["Billing"]].caller_id_name == "Billing desk"


def second_instance_fixture() -> dict[str, object]:
    """The demo instance twice: the second one with other IDs, alias and the same names."""
    text = DEMO_FIXTURE.read_text(encoding="utf-8")
    demo = yaml.safe_load(text)
    other = yaml.safe_load(
        text.replace(INSTANCE_ID, SECOND_ID)
        .replace("7d000000-", "7e000000-")
        .replace("0e000000-", "0f000000-")
        .replace("90000000-", "91000000-")
        .replace("f0000000-", "f1000000-")
        .replace("+1206", "+1425")
        .replace("+1888", "+1877")
        .replace("+1503", "+1971")
        .replace("alias: anycompany-demo", "alias: anycompany-second")
    )
    demo["instances"].append(other["instances"][0])
    return dict(demo)


def test_several_instances_are_applied_one_after_another_traffic_first_in_each(
    emu: Emulator, port: Connect, state_dir: Path
) -> None:
    emu.replace_state(EmulatorState.from_dict(second_instance_fixture()))
    second = state_dir / "anycompany-second"
    shutil.copytree(state_dir / "anycompany-demo", second)
    (second / "instance.yaml").write_text(
        (second / "instance.yaml")
        .read_text(encoding="utf-8")
        .replace("name: anycompany-demo", "name: anycompany-second")
        .replace(INSTANCE_ID, SECOND_ID),
        "utf-8",
    )
    (second / "queues.yaml").write_text(
        (second / "queues.yaml")
        .read_text(encoding="utf-8")
        .replace("+1206", "+1425")
        .replace("+1888", "+1877")
        .replace("+1503", "+1971"),
        "utf-8",
    )
    plan = make_plan(state_dir, port)
    assert [(c.instance, c.name) for c in plan.updates] == [
        ("anycompany-demo", "anycompany-default"),
        ("anycompany-demo", "Sales"),
        ("anycompany-demo", "Support"),
        ("anycompany-second", "anycompany-default"),
        ("anycompany-second", "Sales"),
        ("anycompany-second", "Support"),
    ]
    emu.clear_calls()

    _, report = run_apply(state_dir, port, plan)

    assert outcomes(report) == {
        "anycompany-default": Outcome.APPLIED,
        "Sales": Outcome.APPLIED,
        "Support": Outcome.APPLIED,
    }
    assert report.count(Outcome.APPLIED) == 6
    sent = writes(emu)
    instance_of = [
        "demo" if (INSTANCE_ID in c["path"] or DEFAULT_GROUP in c["path"]) else "second" for c in sent
    ]
    assert instance_of == ["demo"] * 3 + ["second"] * 3
    kinds = [c["operation"] for c in sent]
    assert kinds[0] == kinds[3] == "UpdateTrafficDistribution"
    assert set(kinds[1:3] + kinds[4:]) == {"UpdateQueueOutboundCallerConfig"}
    assert DEFAULT_GROUP_ARN.rsplit("/", 1)[-1] in sent[0]["path"]
    assert QUEUES["Sales"] not in sent[4]["path"] + sent[5]["path"]
