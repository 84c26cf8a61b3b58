"""No perpetual diffs: values that mean the same are equal, and a plan after the change is empty.

Connect may return a number as an ID where the plan sent an ARN, list Regions in any order, and
leave a 0% Region out; none of that is a change. Fields the desired state does not set are not
compared at all. The integration tests make the live state equal to the desired one (out of band,
and by sending exactly the planned requests through boto3) and plan again: nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect_emulator.server import Emulator
from connect_emulator.testing import client_kwargs
from reconciler.desired.state import DesiredState
from reconciler.planning.live import Distribution, LiveInstance, number_identity
from reconciler.planning.plan import Kind, Plan
from reconciler.planning.planner import make_plan

from ..support.demo import (
    DEFAULT_GROUP,
    EAST,
    FLOW_DEFAULT,
    FLOW_SALES,
    FLOW_SUPPORT,
    INSTANCE_ID,
    NUMBER_1,
    NUMBER_2,
    NUMBER_3,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    QUEUES,
    REPO,
    WEST,
    number_arn,
)
from ..support.live import state_of, with_group, with_queue
from .helpers import demo_live, load_desired, plan_against

DEMO_STATE = REPO / "desired-state"


def _plan(tmp_path: Path, body: str, live: LiveInstance) -> Plan:
    return make_plan(load_desired(tmp_path / "state", body), state_of(live))


@pytest.mark.parametrize(
    ("live_number", "desired_number"),
    [
        (NUMBER_2, number_arn(NUMBER_2)),  # live ID, desired ARN
        (number_arn(NUMBER_2), "+12065550101"),  # live ARN, desired E.164
        (number_arn(NUMBER_2), NUMBER_2),  # live ARN, desired ID
        (NUMBER_2.upper(), "+12065550101"),  # live ID in upper case
        (
            f"arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE_ID}/phone-number/{NUMBER_2}",
            NUMBER_2,
        ),  # old ARN form
    ],
    ids=["id-vs-arn", "arn-vs-e164", "arn-vs-id", "upper-id", "instance-arn"],
)
def test_numbers_are_compared_by_identity(tmp_path: Path, live_number: str, desired_number: str) -> None:
    live = with_queue(demo_live(), "Sales", caller_id_number=live_number)
    made = _plan(tmp_path, f'queues:\n  Sales:\n    callerIdNumber: "{desired_number}"\n', live)
    assert made.changes == ()
    assert made.instances[0].unchanged == 1


def test_region_order_does_not_matter(tmp_path: Path) -> None:
    live = with_group(
        demo_live(),
        "anycompany-default",
        distribution=Distribution({WEST: 20, EAST: 80}, {WEST: 20, EAST: 80}, {WEST: True, EAST: True}),
    )
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        default: true
        telephony: {us-west-2: 20, us-east-1: 80}
        agents: {us-east-1: 80, us-west-2: 20}
        signIn: {us-east-1: true, us-west-2: true}
    """
    assert _plan(tmp_path, body, live).changes == ()


def test_a_region_left_out_of_a_read_counts_as_zero(tmp_path: Path) -> None:
    live = with_group(
        demo_live(),
        "anycompany-default",
        distribution=Distribution({EAST: 100}, {EAST: 100}, {EAST: True, WEST: False}),
    )
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        telephony: {us-east-1: 100, us-west-2: 0}
        agents: {us-east-1: 100, us-west-2: 0}
    """
    assert _plan(tmp_path, body, live).changes == ()


def test_unmanaged_fields_are_not_compared(tmp_path: Path) -> None:
    # Live differs from anything one might write in every field the desired state leaves out.
    live = with_queue(demo_live(), "Sales", caller_id_number=NUMBER_3, whisper_flow_id=FLOW_SUPPORT)
    live = with_group(
        live,
        "anycompany-default",
        distribution=Distribution({EAST: 100, WEST: 0}, {EAST: 30, WEST: 70}, {EAST: True, WEST: True}),
    )
    body = """\
    trafficDistributionGroups:
      anycompany-default:
        default: true
        telephony: {us-east-1: 100, us-west-2: 0}
    queues:
      Sales:
        callerIdName: AnyCompany Sales
    """
    made = _plan(tmp_path, body, live)
    assert made.changes == ()
    assert made.instances[0].unchanged == 2


def test_a_whisper_flow_by_name_equals_the_live_id(tmp_path: Path) -> None:
    made = _plan(tmp_path, "queues:\n  Sales:\n    whisperFlow: Sales outbound whisper\n", demo_live())
    assert made.changes == ()


# --- integration: live set to the desired values, then plan ----------------------------------------


def test_a_plan_after_setting_live_to_the_desired_values_is_empty(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    emu = start_emulator()
    assert len(plan_against(emu, DEMO_STATE).updates) == 3

    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Sales"], name="AnyCompany Sales Team")
    # The number goes in as the ARN this time; desired says +18885550199.
    emu.set_queue_caller_config(INSTANCE_ID, QUEUES["Support"], number_id=number_arn(NUMBER_TOLL_FREE))
    emu.set_traffic_distribution(
        DEFAULT_GROUP,
        telephony={WEST: 20, EAST: 80},
        agents={EAST: 80, WEST: 20},
        sign_in={EAST: True, WEST: True},
    )

    made = plan_against(emu, DEMO_STATE)
    assert made.changes == ()
    assert (made.instances[0].managed, made.instances[0].unchanged) == (9, 9)


def test_sending_exactly_the_planned_requests_leaves_nothing_to_do(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    emu = start_emulator()
    made = plan_against(emu, DEMO_STATE)
    assert [c.name for c in made.updates] == ["anycompany-default", "Sales", "Support"]
    config = Config(retries={"total_max_attempts": 1})

    for change in made.updates:
        assert change.request is not None
        request = change.request
        client = boto3.client(**client_kwargs(emu, request.region), config=config)
        if change.kind is Kind.TRAFFIC:
            group_arn = unquote(request.path.removeprefix("/traffic-distribution/"))
            assert group_arn == change.resource_arn
            client.update_traffic_distribution(Id=group_arn, **request.body)
        else:
            _, _, instance_id, queue_id, _ = request.path.split("/")
            client.update_queue_outbound_caller_config(
                InstanceId=instance_id, QueueId=queue_id, **request.body
            )

    # The emulator logged exactly the planned operation, Region, method, path and body.
    sent = [
        (c["operation"], c["region"], c["method"], c["path"], c["requestBody"])
        for c in emu.calls()
        if c["operation"].startswith("Update")
    ]
    assert sent == [
        (c.request.operation, c.request.region, c.request.method, c.request.path, c.request.body)
        for c in made.updates
        if c.request is not None
    ]
    again = plan_against(emu, DEMO_STATE)
    assert again.changes == ()


# --- property: the values a plan expects make the next plan empty --------------------------------

NUMBER_IDS = [NUMBER_1, NUMBER_2, NUMBER_3, NUMBER_TOLL_FREE, NUMBER_OVERFLOW]
NUMBERS = {
    NUMBER_1: "+12065550100",
    NUMBER_2: "+12065550101",
    NUMBER_3: "+12065550102",
    NUMBER_TOLL_FREE: "+18885550199",
    NUMBER_OVERFLOW: "+15035550123",
}
FLOWS = {
    FLOW_DEFAULT: "Default outbound",
    FLOW_SALES: "Sales outbound whisper",
    FLOW_SUPPORT: "Support outbound whisper",
}
NAMES = ["AnyCompany", "AnyCompany Sales", "Ünïcödé Ltd", "A"]


def _number_forms(number_id: str) -> list[str]:
    region = WEST if number_id == NUMBER_OVERFLOW else EAST
    return [number_id, number_id.upper(), number_arn(number_id, region), NUMBERS[number_id]]


queue_specs = st.fixed_dictionaries(
    {},
    optional={
        "callerIdName": st.sampled_from(NAMES),
        "callerIdNumber": st.sampled_from(NUMBER_IDS).flatmap(lambda n: st.sampled_from(_number_forms(n))),
        "whisperFlow": st.sampled_from(sorted(FLOWS)).flatmap(lambda f: st.sampled_from([f, FLOWS[f]])),
    },
).filter(bool)
percent = st.integers(0, 10).map(lambda n: n * 10)


def _desired_body(queues: dict[str, dict[str, str]], telephony: int, agents: int | None) -> str:
    lines = ["trafficDistributionGroups:", "  anycompany-overflow:"]
    lines.append(f"    telephony: {{us-east-1: {telephony}, us-west-2: {100 - telephony}}}")
    if agents is not None:
        lines.append(f"    agents: {{us-east-1: {agents}, us-west-2: {100 - agents}}}")
    lines.append("queues:")
    for name, spec in queues.items():
        lines.append(f"  {name}:")
        lines.extend(f'    {key}: "{value}"' for key, value in spec.items())
    return "\n".join(lines) + "\n"


def _as_applied(live: LiveInstance, made: Plan, number_form: int) -> LiveInstance:
    """The live state after `made`, read back the way Connect might return it."""
    for change in made.updates:
        values: dict[str, Any] = change.expected.as_dict()
        if change.kind is Kind.QUEUE:
            number = values.get("callerIdNumber")
            if number is not None:
                number = _number_forms(number)[number_form % 3]  # an ID or an ARN, as reads vary
            live = with_queue(
                live,
                change.name,
                caller_id_name=values.get("callerIdName"),
                caller_id_number=number,
                whisper_flow_id=values.get("whisperFlow"),
            )
        else:
            group = next(g for g in live.groups if g.id == change.resource_id)
            assert group.distribution is not None
            reordered = {WEST: values["telephony"][WEST], EAST: values["telephony"][EAST]}
            dist = replace(group.distribution, telephony=reordered, agents=values.get("agents"))
            live = with_group(live, change.name, distribution=dist)
    return live


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    queues=st.dictionaries(
        st.sampled_from(["Sales", "Support", "Returns", "Callbacks", "After Hours"]), queue_specs, max_size=5
    ),
    telephony=percent,
    agents=st.none() | percent,
    number_form=st.integers(0, 2),
)
def test_plan_then_apply_the_expected_values_then_plan_is_empty(
    tmp_path_factory: pytest.TempPathFactory,
    queues: dict[str, dict[str, str]],
    telephony: int,
    agents: int | None,
    number_form: int,
) -> None:
    desired: DesiredState = load_desired(
        tmp_path_factory.mktemp("state"), _desired_body(queues, telephony, agents)
    )
    live = demo_live()

    first = make_plan(desired, state_of(live))
    for change in first.updates:  # every update really changes something, and carries its request
        assert change.fields
        assert all(f.before != f.after for f in change.fields)
        assert change.request is not None

    second = make_plan(desired, state_of(_as_applied(live, first, number_form)))
    assert second.changes == ()
    assert second.instances[0].unchanged == len(queues) + 1
    # Identity, not strings: every expected number is a bare lower-case UUID.
    for change in first.updates:
        number = change.expected.get("callerIdNumber")
        if number is not None:
            assert number == number_identity(number)
