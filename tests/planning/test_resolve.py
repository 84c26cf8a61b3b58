"""Resolving names, IDs and ARNs in the desired state to live resources, and the errors when that fails.

Pure tests use the hand-built demo snapshot; the last tests send the planned request for a number
claimed to a group through real boto3 to the emulator, which (like Connect) from the other Region
accepts only the full phone-number ARN for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator
from connect_emulator.testing import client_kwargs
from reconciler.desired.diagnostics import LoadError
from reconciler.planning.live import LiveFlow, LiveQueue
from reconciler.planning.planner import make_plan
from reconciler.planning.resolve import Resolver, Unresolved

from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    FLOW_SALES,
    INSTANCE_ID,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
    queue_arn,
)
from ..support.live import flow_arn, state_of
from .helpers import BODY_FIRST_LINE, demo_live, load_desired, plan_against, write_desired

# --- lookups by name, ID and ARN -----------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    ["Sales", QUEUES["Sales"], QUEUES["Sales"].upper(), queue_arn(QUEUES["Sales"])],
    ids=["name", "id", "ID", "arn"],
)
def test_queue_by_name_id_or_arn(ref: str) -> None:
    assert Resolver(demo_live()).queue(ref).id == QUEUES["Sales"]


@pytest.mark.parametrize(
    "ref", ["Sales outbound whisper", FLOW_SALES, flow_arn(FLOW_SALES)], ids=["name", "id", "arn"]
)
def test_flow_by_name_id_or_arn(ref: str) -> None:
    assert Resolver(demo_live()).flow(ref).id == FLOW_SALES


@pytest.mark.parametrize(
    "ref", ["anycompany-overflow", OVERFLOW_GROUP, OVERFLOW_GROUP_ARN], ids=["name", "id", "arn"]
)
def test_group_by_name_id_or_arn(ref: str) -> None:
    assert Resolver(demo_live()).group(ref).arn == OVERFLOW_GROUP_ARN


@pytest.mark.parametrize(
    "ref",
    ["+15035550123", NUMBER_OVERFLOW, NUMBER_OVERFLOW.upper(), number_arn(NUMBER_OVERFLOW)],
    ids=["e164", "id", "ID", "arn"],
)
def test_number_by_e164_id_or_arn(ref: str) -> None:
    number = Resolver(demo_live()).number(ref)
    assert (number.id, number.arn) == (
        NUMBER_OVERFLOW,
        f"arn:aws:connect:us-east-1:111122223333:phone-number/{NUMBER_OVERFLOW}",
    )


def test_a_queue_arn_of_another_queue_id_is_not_found() -> None:
    missing = "0e000000-0000-4000-8000-0000000000ff"
    with pytest.raises(Unresolved) as caught:
        Resolver(demo_live()).queue(queue_arn(missing))
    assert str(caught.value) == f"no queue with ID {missing} in demo (us-east-1)"


def test_references_by_id_and_arn_plan_exactly_like_names(tmp_path: Path) -> None:
    by_name = load_desired(
        tmp_path / "names",
        """\
        trafficDistributionGroups:
          anycompany-default: {default: true, telephony: {us-east-1: 90, us-west-2: 10}}
        queues:
          Sales: {callerIdName: New, callerIdNumber: "+18885550199", whisperFlow: Default outbound}
        """,
    )
    by_id = load_desired(
        tmp_path / "ids",
        f"""\
        trafficDistributionGroups:
          {DEFAULT_GROUP_ARN}: {{default: true, telephony: {{us-east-1: 90, us-west-2: 10}}}}
        queues:
          {QUEUES["Sales"]}:
            callerIdName: New
            callerIdNumber: {number_arn(NUMBER_TOLL_FREE)}
            whisperFlow: {flow_arn("f0000000-0000-4000-8000-000000000001")}
        """,
    )
    live = state_of(demo_live())

    named, ided = make_plan(by_name, live), make_plan(by_id, live)

    assert [c.name for c in named.changes] == ["anycompany-default", "Sales"]

    def comparable(change_list: tuple[object, ...]) -> list[dict[str, object]]:
        return [c.model_dump(exclude={"source", "key"}) for c in change_list]  # type: ignore[attr-defined]

    assert comparable(ided.changes) == comparable(named.changes)


# --- errors: nothing matches, several match, wrong type -----------------------------------------


def test_unknown_names_list_the_closest_ones_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "state"
    desired = load_desired(
        root,
        """\
        trafficDistributionGroups:
          anycompany-defualt:
            telephony: {us-east-1: 100, us-west-2: 0}
        queues:
          Slaes:
            callerIdName: X
          Support:
            callerIdNumber: "+12065550199"
            whisperFlow: Sales outbound whispr
          Billing:
            callerIdNumber: 90000000-0000-4000-8000-0000000000ff
        """,
    )

    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))

    file = root / "demo.yaml"
    line = BODY_FIRST_LINE  # `trafficDistributionGroups:`
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{file}:{line + 1}: trafficDistributionGroups.anycompany-defualt: no traffic distribution group "
        "named 'anycompany-defualt' in demo (us-east-1); "
        "closest: 'anycompany-default', 'anycompany-overflow'",
        f"{file}:{line + 4}: queues.Slaes: no queue named 'Slaes' in demo (us-east-1); closest: 'Sales'",
        f"{file}:{line + 7}: queues.Support.callerIdNumber: no phone number named '+12065550199' in demo "
        "(us-east-1); closest: '+12065550102', '+12065550101', '+12065550100'",
        f"{file}:{line + 8}: queues.Support.whisperFlow: no flow named 'Sales outbound whispr' in demo "
        "(us-east-1); closest: 'Sales outbound whisper', 'Support outbound whisper'",
        f"{file}:{line + 10}: queues.Billing.callerIdNumber: no phone number with ID "
        "90000000-0000-4000-8000-0000000000ff is claimed to demo (us-east-1) "
        "or to its traffic distribution groups",
    ]


def test_a_name_with_nothing_close_gives_no_hint(tmp_path: Path) -> None:
    desired = load_desired(tmp_path / "state", "queues:\n  Zzzzzzz: {callerIdName: X}\n")
    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))
    assert caught.value.diagnostics[0].message == "no queue named 'Zzzzzzz' in demo (us-east-1)"


def test_an_ambiguous_name_is_an_error_never_a_guess(tmp_path: Path) -> None:
    live = demo_live()
    twin_queue = LiveQueue(
        "0e000000-0000-4000-8000-0000000000f1", queue_arn("0e000000-0000-4000-8000-0000000000f1"), "Sales"
    )
    twin_flow = LiveFlow(
        "f0000000-0000-4000-8000-0000000000f1",
        flow_arn("f0000000-0000-4000-8000-0000000000f1"),
        "Default outbound",
        "OUTBOUND_WHISPER",
    )
    live = replace(live, queues=(*live.queues, twin_queue), flows=(*live.flows, twin_flow))
    desired = load_desired(
        tmp_path / "state",
        """\
        queues:
          Sales: {callerIdName: X}
          Billing: {whisperFlow: Default outbound}
        """,
    )

    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(live))

    assert [(d.path, d.message) for d in caught.value.diagnostics] == [
        ("queues.Sales", "2 queues are named 'Sales' in demo (us-east-1); use the ID"),
        (
            "queues.Billing.whisperFlow",
            "2 flows are named 'Default outbound' in demo (us-east-1); use the ID",
        ),
    ]
    # The ID settles it.
    by_id = load_desired(tmp_path / "ids", f"queues:\n  {QUEUES['Sales']}: {{callerIdName: X}}\n")
    assert [c.resource_id for c in make_plan(by_id, state_of(live)).changes] == [QUEUES["Sales"]]


@pytest.mark.parametrize(
    ("flow", "kind"), [("Main inbound", "CONTACT_FLOW"), ("Default agent whisper", "AGENT_WHISPER")]
)
def test_a_flow_of_the_wrong_type_is_an_error(tmp_path: Path, flow: str, kind: str) -> None:
    desired = load_desired(tmp_path / "state", f"queues:\n  BasicQueue:\n    whisperFlow: {flow}\n")
    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.path, diagnostic.message) == (
        BODY_FIRST_LINE + 2,  # the whisperFlow line, under `BasicQueue:`
        "queues.BasicQueue.whisperFlow",
        f"flow {flow!r} is a {kind} flow; an outbound whisper flow is needed",
    )


def test_a_group_id_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = DEFAULT_GROUP[:-1] + "f"
    desired = load_desired(
        tmp_path / "state",
        f"trafficDistributionGroups:\n  {missing}:\n    telephony: {{us-east-1: 100, us-west-2: 0}}\n",
    )
    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))
    assert (
        caught.value.diagnostics[0].message
        == f"no traffic distribution group with ID {missing} in demo (us-east-1)"
    )


# --- numbers go as the full phone-number ARN, without `instance/` ---------------------------------


@pytest.mark.parametrize(
    "ref", ["+15035550123", NUMBER_OVERFLOW, number_arn(NUMBER_OVERFLOW)], ids=["e164", "id", "arn"]
)
def test_a_number_of_a_group_is_sent_as_its_arn(tmp_path: Path, ref: str) -> None:
    desired = load_desired(tmp_path / "state", f'queues:\n  Sales:\n    callerIdNumber: "{ref}"\n')

    (change,) = make_plan(desired, state_of(demo_live())).changes

    assert change.request is not None
    assert change.request.region == EAST
    assert change.request.body["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == (
        f"arn:aws:connect:us-east-1:111122223333:phone-number/{NUMBER_OVERFLOW}"
    )
    assert "instance/" not in change.request.body["OutboundCallerConfig"]["OutboundCallerIdNumberId"]


def test_instance_numbers_are_sent_as_arns_too(tmp_path: Path) -> None:
    desired = load_desired(tmp_path / "state", 'queues:\n  Sales:\n    callerIdNumber: "+12065550100"\n')
    (change,) = make_plan(desired, state_of(demo_live())).changes
    assert change.request is not None
    assert change.request.body["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == (
        "arn:aws:connect:us-east-1:111122223333:phone-number/90000000-0000-4000-8000-000000000001"
    )


def test_the_planned_number_arn_is_accepted_by_connect_where_the_uuid_is_not(
    tmp_path: Path, start_emulator: Callable[..., Emulator]
) -> None:
    emu = start_emulator()
    state_dir = write_desired(tmp_path / "state", 'queues:\n  Sales:\n    callerIdNumber: "+15035550123"\n')
    (change,) = plan_against(emu, state_dir).changes
    assert change.request is not None
    # the group lives in us-east-1: from us-west-2 its number's UUID is refused, its ARN is not
    client = boto3.client(**client_kwargs(emu, WEST), config=Config(retries={"total_max_attempts": 1}))
    body = change.request.body["OutboundCallerConfig"]

    with pytest.raises(ClientError) as refused:
        client.update_queue_outbound_caller_config(
            InstanceId=INSTANCE_ID,
            QueueId=QUEUES["Sales"],
            OutboundCallerConfig={**body, "OutboundCallerIdNumberId": NUMBER_OVERFLOW},
        )
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"

    client.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID, QueueId=QUEUES["Sales"], OutboundCallerConfig=body
    )
    assert plan_against(emu, state_dir).changes == ()


def test_the_after_hours_queue_holding_a_group_number_arn_is_unchanged(tmp_path: Path) -> None:
    # Live holds the us-west-2 ARN, desired the E.164 number: the same number, no change.
    desired = load_desired(
        tmp_path / "state", 'queues:\n  After Hours:\n    callerIdNumber: "+15035550123"\n'
    )
    made = make_plan(desired, state_of(demo_live()))
    assert made.changes == ()
    assert made.instances[0].unchanged == 1
    assert Resolver(demo_live()).queue("After Hours").id == QUEUES["After Hours"]


def test_one_resource_named_twice_is_an_error_not_two_writes(tmp_path: Path) -> None:
    root = tmp_path / "state"
    desired = load_desired(
        root,
        f"""\
        trafficDistributionGroups:
          anycompany-overflow:
            telephony: {{us-east-1: 60, us-west-2: 40}}
          {OVERFLOW_GROUP_ARN}:
            telephony: {{us-east-1: 40, us-west-2: 60}}
        queues:
          Sales: {{callerIdName: A}}
          {QUEUES["Sales"]}: {{callerIdName: B}}
        """,
    )

    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))

    file, line = root / "demo.yaml", BODY_FIRST_LINE
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{file}:{line + 3}: trafficDistributionGroups.{OVERFLOW_GROUP_ARN}: "
        "names the same traffic distribution "
        f"group as 'anycompany-overflow' at {file}:{line + 1}; define it once",
        f"{file}:{line + 7}: queues.{QUEUES['Sales']}: names the same queue as 'Sales' at {file}:{line + 6}; "
        "define it once",
    ]


def test_a_bad_reference_shared_by_many_queues_is_reported_for_each(tmp_path: Path) -> None:
    # Flows and numbers are looked up once per distinct reference; every queue still gets its error.
    body = "queues:\n" + "".join(
        f"  {name}:\n    whisperFlow: Main inbound\n    callerIdNumber: '+15550000000'\n"
        for name in ("BasicQueue", "Sales")
    )
    desired = load_desired(tmp_path / "state", body)
    with pytest.raises(LoadError) as caught:
        make_plan(desired, state_of(demo_live()))
    assert sorted((d.path, d.message.split(";")[0]) for d in caught.value.diagnostics) == [
        ("queues.BasicQueue.callerIdNumber", "no phone number named '+15550000000' in demo (us-east-1)"),
        ("queues.BasicQueue.whisperFlow", "flow 'Main inbound' is a CONTACT_FLOW flow"),
        ("queues.Sales.callerIdNumber", "no phone number named '+15550000000' in demo (us-east-1)"),
        ("queues.Sales.whisperFlow", "flow 'Main inbound' is a CONTACT_FLOW flow"),
    ]


def test_a_reference_shared_by_many_queues_resolves_to_the_same_resource() -> None:
    resolver = Resolver(demo_live())
    assert resolver.flow("Sales outbound whisper") is resolver.flow(FLOW_SALES)
    assert resolver.number(NUMBER_TOLL_FREE) is resolver.number(number_arn(NUMBER_TOLL_FREE))
    with pytest.raises(Unresolved, match="no flow named 'Nope'"):
        resolver.flow("Nope")
    with pytest.raises(Unresolved, match="no flow named 'Nope'"):
        resolver.flow("Nope")
