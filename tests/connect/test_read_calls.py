"""Reading the live state: which calls, how many, in which Region, and what comes back.

The emulator's call log is the witness: every request real boto3 sent is in it. For a generated
2,000-queue instance the expected count is computed from the fixture itself (pages of 500 queues,
1000 flows and numbers, 10 groups), so the test says exactly what "the fewest calls" means.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.app.run import Run
from reconciler.app.run import load_desired as load_state
from reconciler.connect.clients import Target
from reconciler.errors import ConnectCallError
from reconciler.planning.plan import Kind
from tests.support.connect import emulator_port

from ..planning.helpers import demo_live, load_desired, operation_counts, plan_against, write_desired
from ..support.demo import DEFAULT_GROUP, EAST, INSTANCE_ID, OVERFLOW_GROUP, OVERFLOW_GROUP_ARN
from ..support.live import state_of

QUEUES, FLOWS, NUMBERS, GROUPS, AGENT_QUEUES = 2000, 1200, 1500, 23, 25


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    return generate_fixture(
        queues=QUEUES, flows=FLOWS, numbers=NUMBERS, groups=GROUPS, agent_queues=AGENT_QUEUES, seed=7
    )


@pytest.fixture(scope="module")
def big_emu(big: dict[str, Any]) -> Iterator[Emulator]:
    """Read-only for every test here; each test clears the call log first."""
    with running_emulator(big) as emu:
        yield emu


def _pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


def _instance_of(big: dict[str, Any]) -> dict[str, Any]:
    instance: dict[str, Any] = big["instances"][0]
    return instance


def _big_desired(root: Path, big: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    inst = _instance_of(big)
    groups = inst["trafficDistributionGroups"]
    last_queue = inst["queues"][QUEUES - 1]  # on the last SearchQueues page
    first_queue = next(q for q in inst["queues"] if "callerIdName" in q)  # on the first page, unchanged
    body = f"""\
    trafficDistributionGroups:
      group-01:                     # managed by name
        telephony: {{us-east-1: 60, us-west-2: 40}}
      {groups[3]["id"]}:  # group-03, managed by ID
        telephony: {{us-east-1: 50, us-west-2: 50}}
    queues:
      "{last_queue["name"]}":
        callerIdName: Last page
      {first_queue["id"]}:
        callerIdName: {first_queue["callerIdName"]}
    """
    instance = (
        f"instance:\n  name: big\n  id: {inst['id']}\n  region: us-east-1\n  replicaRegion: us-west-2\n"
    )
    return write_desired(root, body, instance=instance), last_queue


def _expected_counts(big: dict[str, Any], managed_groups: int) -> Counter[tuple[str, str]]:
    inst = _instance_of(big)
    groups = inst["trafficDistributionGroups"]
    numbers = inst["phoneNumbers"]
    on_instance = sum(1 for n in numbers if n["claimedTo"] == "instance")
    per_group = Counter(n["claimedTo"] for n in numbers if n["claimedTo"] != "instance")
    homed = Counter(g["region"] for g in groups)
    standard = sum(1 for q in inst["queues"] if q["type"] == "STANDARD")
    assert standard == QUEUES
    return Counter(
        {
            ("SearchQueues", EAST): math.ceil(standard / 500),
            ("ListContactFlows", EAST): math.ceil(len(inst["flows"]) / 1000),
            ("ListPhoneNumbersV2", EAST): _pages(on_instance, 1000)
            + sum(_pages(per_group[g["id"]], 1000) for g in groups),
            ("ListTrafficDistributionGroups", EAST): _pages(homed[EAST], 10),  # groups live in the source
            # the managed groups and the default group, each described and read once, by ARN
            ("DescribeTrafficDistributionGroup", EAST): managed_groups + 1,
            ("GetTrafficDistribution", EAST): managed_groups + 1,
        }
    )


def test_plan_of_2000_queues_makes_exactly_the_fewest_calls(
    tmp_path: Path, big: dict[str, Any], big_emu: Emulator
) -> None:
    emu = big_emu
    emu.clear_calls()
    state_dir, last_queue = _big_desired(tmp_path / "state", big)

    made = plan_against(emu, state_dir)

    calls = emu.calls()
    by_op_region = Counter((str(c["operation"]), str(c["region"])) for c in calls)
    expected = _expected_counts(big, managed_groups=2)
    # The numbers the formula gives for this fixture, written out so a reviewer sees them.
    assert expected == Counter(
        {
            ("SearchQueues", EAST): 4,
            ("ListContactFlows", EAST): 2,
            ("ListPhoneNumbersV2", EAST): 2 + GROUPS,
            ("ListTrafficDistributionGroups", EAST): 3,  # groups live in the source Region only
            ("DescribeTrafficDistributionGroup", EAST): 3,
            ("GetTrafficDistribution", EAST): 3,
        }
    )
    assert by_op_region == expected
    assert len(calls) == sum(expected.values()) == 40
    assert made.instances[0].read_calls == 40
    assert all(c["status"] == 200 for c in calls)
    assert operation_counts(emu)["DescribeQueue"] == 0
    assert operation_counts(emu)["ListQueues"] == 0
    # The queue on the last page resolved: its change is the only queue change.
    queue_changes = [c for c in made.changes if c.kind is Kind.QUEUE]
    assert [(c.name, c.resource_id) for c in queue_changes] == [(last_queue["name"], last_queue["id"])]
    assert queue_changes[0].fields[0].after == "Last page"
    assert [c.name for c in made.changes if c.kind is Kind.TRAFFIC] == ["group-01"]


def test_every_page_is_read(tmp_path: Path, big: dict[str, Any], big_emu: Emulator) -> None:
    emu = big_emu
    state_dir, _ = _big_desired(tmp_path / "state", big)
    desired = load_state(str(state_dir))

    live = Run(port=emulator_port(emu)).read(desired)

    (instance,) = live.instances
    inst = _instance_of(big)
    assert len(instance.queues) == QUEUES  # the 25 agent queues are not searched
    # Whole queues, caller config included, from SearchQueues alone.
    assert [(q.id, q.caller_id_name, q.caller_id_number, q.whisper_flow_id) for q in instance.queues] == [
        (q["id"], q.get("callerIdName"), q.get("callerIdNumberId"), q.get("outboundFlowId"))
        for q in inst["queues"]
        if q["type"] == "STANDARD"
    ]
    assert len(instance.flows) == FLOWS
    assert len(instance.numbers) == NUMBERS
    assert sorted(g.id for g in instance.groups) == sorted(g["id"] for g in inst["trafficDistributionGroups"])
    read = {g.name for g in instance.groups if g.distribution is not None}
    assert read == {"default", "group-01", "group-03"}
    # Numbers claimed to groups carry the group as their target and an ARN in the group's home Region.
    west_group = next(g for g in instance.groups if g.name == "group-01")
    west_numbers = [n for n in instance.numbers if n.target_arn == west_group.arn]
    assert west_numbers
    assert all(n.arn.startswith(f"arn:aws:connect:{EAST}:") for n in west_numbers)


def test_reader_returns_the_demo_snapshot(tmp_path: Path, start_emulator: Callable[..., Emulator]) -> None:
    emu = start_emulator()
    desired = load_desired(
        tmp_path / "state",
        """\
        trafficDistributionGroups:
          anycompany-default:
            default: true
            telephony: {us-east-1: 100, us-west-2: 0}
          anycompany-overflow:
            telephony: {us-east-1: 50, us-west-2: 50}
        """,
    )

    live = Run(port=emulator_port(emu)).read(desired)

    assert live == state_of(demo_live())
    assert operation_counts(emu) == Counter(
        {
            "SearchQueues": 1,
            "ListContactFlows": 1,
            "ListPhoneNumbersV2": 3,
            "ListTrafficDistributionGroups": 1,
            "DescribeTrafficDistributionGroup": 2,
            "GetTrafficDistribution": 2,
        }
    )


def test_no_managed_group_means_no_group_reads(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    emu = start_emulator()
    state_dir = write_desired(tmp_path / "state", "queues:\n  Sales: {callerIdName: AnyCompany Sales}\n")

    made = plan_against(emu, state_dir)

    assert made.changes == ()
    assert operation_counts(emu) == Counter(
        {
            "SearchQueues": 1,
            "ListContactFlows": 1,
            "ListPhoneNumbersV2": 3,
            "ListTrafficDistributionGroups": 1,
        }
    )


def test_only_the_default_group_is_read_when_it_is_the_one_managed(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    emu = start_emulator()
    state_dir = write_desired(
        tmp_path / "state",
        f"trafficDistributionGroups:\n  {DEFAULT_GROUP}:\n    telephony: {{us-east-1: 100, us-west-2: 0}}\n",
    )

    made = plan_against(emu, state_dir)

    assert made.changes == ()
    reads = [
        (c["operation"], c["path"].rsplit("%2F", 1)[-1])
        for c in emu.calls()
        if c["operation"] in ("DescribeTrafficDistributionGroup", "GetTrafficDistribution")
    ]
    assert sorted(reads) == [
        ("DescribeTrafficDistributionGroup", DEFAULT_GROUP),
        ("GetTrafficDistribution", DEFAULT_GROUP),
    ]


def test_a_refused_read_names_the_region_it_went_to(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    # The instance lives in us-east-1; a desired state that says eu-west-2 is refused there (the
    # Region answered: no reading from the replica instead), and the error names that Region.
    emu = start_emulator()
    instance = (
        f"instance:\n  name: demo\n  id: {INSTANCE_ID}\n  region: eu-west-2\n  replicaRegion: us-west-2\n"
    )
    state_dir = write_desired(tmp_path / "state", "queues:\n  Sales: {callerIdName: X}\n", instance=instance)

    with pytest.raises(ConnectCallError) as caught:
        plan_against(emu, state_dir)

    assert caught.value.region == "eu-west-2"
    assert caught.value.operation == "ListTrafficDistributionGroups"
    assert str(caught.value) == (
        "demo: ListTrafficDistributionGroups in eu-west-2 failed: "
        f"InvalidRequestException: Instance {INSTANCE_ID} not found"
    )


@pytest.mark.parametrize(
    "key",
    [
        OVERFLOW_GROUP.upper(),
        OVERFLOW_GROUP_ARN.upper().replace("ARN:AWS:CONNECT:US-EAST-1", "arn:aws:connect:us-east-1"),
    ],
    ids=["upper-case-id", "arn-with-upper-case-id"],
)
def test_a_group_named_by_id_in_any_case_has_its_distribution_read(
    tmp_path: Path, start_emulator: Callable[..., Emulator], key: str
) -> None:
    # The resolver matches IDs case-insensitively; the reader must read the same group, or the
    # plan shows a change from "nothing" on every run.
    emu = start_emulator()
    state_dir = write_desired(
        tmp_path / "state",
        f"trafficDistributionGroups:\n  {key}:\n    telephony: {{us-east-1: 50, us-west-2: 50}}\n",
    )

    made = plan_against(emu, state_dir)

    assert made.changes == ()
    assert made.instances[0].unchanged == 1
    described = sorted(
        c["path"].rsplit("%2F", 1)[-1] for c in emu.calls() if c["operation"] == "GetTrafficDistribution"
    )
    assert described == [DEFAULT_GROUP, OVERFLOW_GROUP]


def test_responses_keep_timestamps_as_sent(demo_emulator: Emulator) -> None:
    # Parsing every queue's LastModifiedTime into a datetime was 40% of reading a page; nothing
    # the reconciler reads uses it, so the clients leave timestamps as the service sent them.
    client = emulator_port(demo_emulator).factory.connect(Target(instance="demo", region=EAST))
    (queue, *_) = client.search_queues(InstanceId=INSTANCE_ID, MaxResults=1)["Queues"]
    assert isinstance(queue["LastModifiedTime"], int | float | str)
