"""The in-memory port answers as the boto3 port does against the emulator, where the applier looks.

The applier's logic tests trust `FakeConnect` (tests/support/fake_connect.py) to stand in for
Connect; these tests hold it to that, asking both ports the same questions: what a read of the
instance holds (which distributions, whatever a group's status), what a write stores, and which
errors come back, with which code and `retryable`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.connect import Connect
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError
from reconciler.planning.live import LiveInstance
from reconciler.port import ConnectPort

from ..support.demo import (
    DEFAULT_GROUP_ARN,
    EAST,
    FLOW_SUPPORT,
    INSTANCE_BLOCK,
    NUMBER_OVERFLOW,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
)
from ..support.fake_connect import FakeConnect
from ..support.live import demo_live, flow_arn

SPEC = InstanceSpec.model_validate(INSTANCE_BLOCK)


def seen(live: LiveInstance) -> dict[str, Any]:
    """What the applier uses of a read: queues and groups by ID (not the count of calls made)."""
    return {"queues": {q.id: q for q in live.queues}, "groups": {g.id: g for g in live.groups}}


@pytest.mark.parametrize(
    "groups",
    [
        None,
        [],
        ["anycompany-overflow"],
        ["ANYCOMPANY-OVERFLOW"],
        [OVERFLOW_GROUP.upper()],
        [OVERFLOW_GROUP_ARN],
    ],
    ids=["all", "none", "by-name", "name-in-other-case", "id-in-other-case", "by-arn"],
)
def test_a_read_of_the_instance_holds_the_same_distributions(
    emu: Emulator, port: Connect, groups: Collection[str] | None
) -> None:
    fake = FakeConnect(demo_live())

    assert seen(fake.read_instance(SPEC, groups, region=EAST)) == seen(
        port.read_instance(SPEC, groups, region=EAST)
    )


def test_a_busy_group_reads_the_same(emu: Emulator, port: Connect) -> None:
    emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")
    live = demo_live()
    fake = FakeConnect(
        replace(
            live,
            groups=tuple(
                replace(g, status="UPDATE_IN_PROGRESS") if g.id == OVERFLOW_GROUP else g for g in live.groups
            ),
        )
    )
    named = ["anycompany-overflow"]

    assert seen(fake.read_instance(SPEC, named, region=EAST)) == seen(
        port.read_instance(SPEC, named, region=EAST)
    )
    # Connect shows a distribution only while the group is ACTIVE: both refuse, the same way.
    busy = (
        failure(lambda: fake.traffic_distribution(SPEC, OVERFLOW_GROUP_ARN, region=WEST)),
        failure(lambda: port.traffic_distribution(SPEC, OVERFLOW_GROUP_ARN, region=WEST)),
    )
    assert busy[0] == busy[1] == ("InvalidRequestException", 400, False)
    assert fake.group_status(SPEC, OVERFLOW_GROUP_ARN, region=EAST) == port.group_status(
        SPEC, OVERFLOW_GROUP_ARN, region=EAST
    )


def test_writes_store_the_same_values(emu: Emulator, port: Connect) -> None:
    fake = FakeConnect(demo_live())
    # A number and a flow sent as ARNs, a name left out; agents and sign-in left out of a traffic write.
    queue = {
        "OutboundCallerConfig": {
            "OutboundCallerIdNumberId": number_arn(NUMBER_OVERFLOW),
            "OutboundFlowId": flow_arn(FLOW_SUPPORT),
        }
    }
    traffic = {
        "TelephonyConfig": {
            "Distributions": [{"Region": EAST, "Percentage": 70}, {"Region": WEST, "Percentage": 30}]
        }
    }
    both: list[ConnectPort] = [fake, port]

    for each in both:
        each.update_queue_outbound_caller_config(SPEC, QUEUES["Retention"], queue, region=EAST)
        each.update_traffic_distribution(SPEC, DEFAULT_GROUP_ARN, traffic, region=WEST)

    assert fake.describe_queue(SPEC, QUEUES["Retention"], region=EAST) == port.describe_queue(
        SPEC, QUEUES["Retention"], region=EAST
    )
    assert fake.search_queues(SPEC, region=WEST)[QUEUES["Retention"]].caller_id_number == NUMBER_OVERFLOW
    assert fake.traffic_distribution(SPEC, DEFAULT_GROUP_ARN, region=EAST) == port.traffic_distribution(
        SPEC, DEFAULT_GROUP_ARN, region=EAST
    )


def failure(call: Callable[[], object]) -> tuple[str, int | None, bool]:
    with pytest.raises(ConnectCallError) as caught:
        call()
    return caught.value.code, caught.value.status, caught.value.retryable


def test_errors_come_back_alike(emu: Emulator, port: Connect) -> None:
    fake = FakeConnect(demo_live())
    missing = "0e000000-0000-4000-8000-0000000000ff"
    emu.set_group_status(OVERFLOW_GROUP, "UPDATE_IN_PROGRESS")
    fake.groups[OVERFLOW_GROUP] = replace(fake.groups[OVERFLOW_GROUP], status="UPDATE_IN_PROGRESS")
    body = {
        "TelephonyConfig": {
            "Distributions": [{"Region": EAST, "Percentage": 60}, {"Region": WEST, "Percentage": 40}]
        }
    }

    def both(ask: Callable[[ConnectPort], object]) -> tuple[tuple[str, int | None, bool], ...]:
        return failure(lambda: ask(fake)), failure(lambda: ask(port))

    gone = both(lambda p: p.describe_queue(SPEC, missing, region=EAST))
    assert gone[0] == gone[1] == ("ResourceNotFoundException", 404, False)
    busy = both(lambda p: p.update_traffic_distribution(SPEC, OVERFLOW_GROUP_ARN, body, region=EAST))
    assert busy[0] == busy[1] == ("InvalidRequestException", 400, False)
