"""The demo instance as a live snapshot, built by hand: what the boto3 port reads from the demo
fixture (a test in tests/connect checks that they agree), for pure planning tests and the fake port.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.planning.live import (
    Distribution,
    LiveFlow,
    LiveGroup,
    LiveInstance,
    LivePhoneNumber,
    LiveQueue,
    LiveState,
)

from .demo import (
    ACCOUNT,
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    FLOW_AGENT,
    FLOW_DEFAULT,
    FLOW_INBOUND,
    FLOW_SALES,
    FLOW_SUPPORT,
    GROUP_HOME,
    INSTANCE,
    INSTANCE_ARN,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_2,
    NUMBER_3,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
    queue_arn,
)


def flow_arn(flow_id: str) -> str:
    return f"{INSTANCE_ARN}/contact-flow/{flow_id}"


def _q(name: str, caller: str | None, number: str | None, flow: str | None) -> LiveQueue:
    return LiveQueue(QUEUES[name], queue_arn(QUEUES[name]), name, caller, number, flow)


def demo_live(name: str = INSTANCE, **changes: Any) -> LiveInstance:
    """The demo instance as the reader returns it (fields of LiveInstance can be replaced)."""
    west_home = GROUP_HOME[OVERFLOW_GROUP]
    live = LiveInstance(
        name=name,
        id=INSTANCE_ID,
        region=EAST,
        replica_region=WEST,
        account=ACCOUNT,
        queues=(
            _q("BasicQueue", "AnyCompany", NUMBER_1, FLOW_DEFAULT),
            _q("Sales", "AnyCompany Sales", NUMBER_2, FLOW_SALES),
            _q("Support", "AnyCompany Support", NUMBER_3, FLOW_SUPPORT),
            _q("Billing", "AnyCompany Billing", NUMBER_1, FLOW_DEFAULT),
            _q("Returns", "AnyCompany Returns", NUMBER_1, None),
            _q("VIP", "AnyCompany VIP", number_arn(NUMBER_TOLL_FREE), FLOW_SALES),
            _q("Spanish", "AnyCompany Español", NUMBER_2, None),
            _q("Callbacks", None, None, None),
            _q("Escalations", "AnyCompany Support", NUMBER_3, None),
            _q("Retention", "AnyCompany", NUMBER_1, None),
            _q("Tech Support", "AnyCompany Tech", NUMBER_3, FLOW_SUPPORT),
            _q("After Hours", "AnyCompany", number_arn(NUMBER_OVERFLOW, west_home), None),
        ),
        flows=(
            LiveFlow(FLOW_DEFAULT, flow_arn(FLOW_DEFAULT), "Default outbound", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_SALES, flow_arn(FLOW_SALES), "Sales outbound whisper", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_SUPPORT, flow_arn(FLOW_SUPPORT), "Support outbound whisper", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_INBOUND, flow_arn(FLOW_INBOUND), "Main inbound", "CONTACT_FLOW"),
            LiveFlow(FLOW_AGENT, flow_arn(FLOW_AGENT), "Default agent whisper", "AGENT_WHISPER"),
        ),
        numbers=(
            LivePhoneNumber(NUMBER_1, number_arn(NUMBER_1), "+12065550100", INSTANCE_ARN),
            LivePhoneNumber(NUMBER_2, number_arn(NUMBER_2), "+12065550101", INSTANCE_ARN),
            LivePhoneNumber(NUMBER_3, number_arn(NUMBER_3), "+12065550102", INSTANCE_ARN),
            LivePhoneNumber(
                NUMBER_TOLL_FREE, number_arn(NUMBER_TOLL_FREE), "+18885550199", DEFAULT_GROUP_ARN
            ),
            LivePhoneNumber(
                NUMBER_OVERFLOW, number_arn(NUMBER_OVERFLOW, west_home), "+15035550123", OVERFLOW_GROUP_ARN
            ),
        ),
        groups=(
            LiveGroup(
                DEFAULT_GROUP,
                DEFAULT_GROUP_ARN,
                "anycompany-default",
                "ACTIVE",
                True,
                Distribution({EAST: 100, WEST: 0}, {EAST: 100, WEST: 0}, {EAST: True, WEST: False}),
            ),
            LiveGroup(
                OVERFLOW_GROUP,
                OVERFLOW_GROUP_ARN,
                "anycompany-overflow",
                "ACTIVE",
                False,
                Distribution({EAST: 50, WEST: 50}, {EAST: 50, WEST: 50}, None),
            ),
        ),
        calls=10,
        read_region=EAST,
    )
    return replace(live, **changes)


def with_group(live: LiveInstance, name: str, **changes: Any) -> LiveInstance:
    """`live` with the group called `name` changed (LiveGroup fields, or `distribution=`)."""
    groups = tuple(replace(g, **changes) if g.name == name else g for g in live.groups)
    return replace(live, groups=groups)


def with_queue(live: LiveInstance, name: str, **changes: Any) -> LiveInstance:
    queues = tuple(replace(q, **changes) if q.name == name else q for q in live.queues)
    return replace(live, queues=queues)


def state_of(*instances: LiveInstance) -> LiveState:
    return LiveState(instances=instances)
