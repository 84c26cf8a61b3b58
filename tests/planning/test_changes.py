"""Each kind of change as a plan value: the fields with before/after, the exact request, the
fingerprint of the live values it was planned against, and the no-op case."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pytest

from reconciler.planning.live import Distribution, LiveInstance
from reconciler.planning.plan import Action, ApiRequest, Change, FieldChange, Kind, Plan, Risk
from reconciler.planning.planner import make_plan
from reconciler.planning.values import GroupValues, QueueValues

from ..support.demo import (
    DEFAULT_GROUP,
    DEFAULT_GROUP_ARN,
    EAST,
    FLOW_DEFAULT,
    FLOW_SALES,
    INSTANCE_ID,
    NUMBER_2,
    NUMBER_TOLL_FREE,
    OVERFLOW_GROUP_ARN,
    QUEUES,
    WEST,
    number_arn,
    queue_arn,
)
from ..support.live import state_of, with_group, with_queue
from .helpers import BODY_FIRST_LINE, demo_live, load_desired

QUEUE_PATH = f"/queues/{INSTANCE_ID}/{{}}/outbound-caller-config"


def _plan(tmp_path: Path, body: str, live: LiveInstance | None = None) -> Plan:
    return make_plan(load_desired(tmp_path / "state", body), state_of(live or demo_live()))


def _only(made: Plan) -> Change:
    (change,) = made.changes
    return change


def _dist(values: dict[str, int]) -> dict[str, list[dict[str, object]]]:
    return {"Distributions": [{"Region": r, "Percentage": values[r]} for r in (EAST, WEST)]}


def _flags(values: dict[str, bool]) -> dict[str, list[dict[str, object]]]:
    return {"Distributions": [{"Region": r, "Enabled": values[r]} for r in (EAST, WEST)]}


def _fingerprint(values: Mapping[str, object]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- traffic distributions -----------------------------------------------------------------------


def test_a_telephony_change_is_the_whole_plan_value(tmp_path: Path) -> None:
    made = _plan(
        tmp_path,
        """\
        trafficDistributionGroups:
          anycompany-default:
            telephony: {us-east-1: 80, us-west-2: 20}
        """,
    )

    planned_against = GroupValues(
        telephony={EAST: 100, WEST: 0}, agents={EAST: 100, WEST: 0}, sign_in={EAST: True, WEST: False}
    )
    assert _only(made) == Change(
        step=1,
        instance="demo",
        kind=Kind.TRAFFIC,
        name="anycompany-default",
        resource_id=DEFAULT_GROUP,
        resource_arn=DEFAULT_GROUP_ARN,
        action=Action.UPDATE,
        fields=(FieldChange(field="telephony", before={EAST: 100, WEST: 0}, after={EAST: 80, WEST: 20}),),
        request=ApiRequest(
            operation="UpdateTrafficDistribution",
            region=EAST,
            method="PUT",
            path="/traffic-distribution/" + quote(DEFAULT_GROUP_ARN, safe=""),
            body={
                # all three configs: desired telephony, live agents and sign-in
                "TelephonyConfig": _dist({EAST: 80, WEST: 20}),
                "AgentConfig": _dist({EAST: 100, WEST: 0}),
                "SignInConfig": _flags({EAST: True, WEST: False}),
            },
        ),
        fingerprint=_fingerprint(planned_against.as_dict()),
        planned_against=planned_against,
        expected=GroupValues(
            telephony={EAST: 80, WEST: 20}, agents={EAST: 100, WEST: 0}, sign_in={EAST: True, WEST: False}
        ),
        risks=(Risk.TRAFFIC_SHIFT,),
        warnings=(
            "telephony sends 20% of calls to us-west-2, where agents cannot sign in "
            "(sign-in is disabled there on the default group)",
            "agents stay at us-east-1 100%, us-west-2 0% while telephony moves; "
            "AWS advises moving agents with telephony",
        ),
        source=f"{tmp_path / 'state' / 'demo.yaml'}:{BODY_FIRST_LINE + 1}",
        key="anycompany-default",
    )


def test_the_path_is_the_url_encoded_group_arn() -> None:
    assert quote(DEFAULT_GROUP_ARN, safe="") == (
        "arn%3Aaws%3Aconnect%3Aus-east-1%3A111122223333%3Atraffic-distribution-group%2F7d000000-0000-4000-8000-000000000001"
    )


def test_an_agents_change_alone(tmp_path: Path) -> None:
    change = _only(
        _plan(
            tmp_path,
            """\
            trafficDistributionGroups:
              anycompany-overflow:
                telephony: {us-east-1: 50, us-west-2: 50}
                agents: {us-east-1: 70, us-west-2: 30}
            """,
        )
    )
    assert change.fields == (
        FieldChange(field="agents", before={EAST: 50, WEST: 50}, after={EAST: 70, WEST: 30}),
    )
    assert change.request is not None
    assert change.request.body == {
        "TelephonyConfig": _dist({EAST: 50, WEST: 50}),
        "AgentConfig": _dist({EAST: 70, WEST: 30}),
    }
    assert change.request.path == "/traffic-distribution/" + quote(OVERFLOW_GROUP_ARN, safe="")
    assert change.planned_against == GroupValues(telephony={EAST: 50, WEST: 50}, agents={EAST: 50, WEST: 50})


def test_a_sign_in_change_alone(tmp_path: Path) -> None:
    change = _only(
        _plan(
            tmp_path,
            """\
            trafficDistributionGroups:
              anycompany-default:
                default: true
                telephony: {us-east-1: 100, us-west-2: 0}
                signIn: {us-east-1: true, us-west-2: true}
            """,
        )
    )
    assert change.fields == (
        FieldChange(field="signIn", before={EAST: True, WEST: False}, after={EAST: True, WEST: True}),
    )
    assert change.request is not None
    assert change.request.body["SignInConfig"] == _flags({EAST: True, WEST: True})
    assert change.risks == ()


def test_all_three_traffic_fields_at_once_keep_their_order(tmp_path: Path) -> None:
    change = _only(
        _plan(
            tmp_path,
            """\
            trafficDistributionGroups:
              anycompany-default:
                default: true
                signIn: {us-east-1: true, us-west-2: true}
                agents: {us-east-1: 80, us-west-2: 20}
                telephony: {us-east-1: 80, us-west-2: 20}
            """,
        )
    )
    assert [f.field for f in change.fields] == ["telephony", "agents", "signIn"]


def test_a_non_default_group_never_sends_sign_in(tmp_path: Path) -> None:
    # Even if a read returned a sign-in config for it, only the default group may carry one.
    live = with_group(
        demo_live(),
        "anycompany-overflow",
        distribution=Distribution({EAST: 50, WEST: 50}, {EAST: 50, WEST: 50}, {EAST: True, WEST: True}),
    )
    change = _only(
        _plan(
            tmp_path,
            "trafficDistributionGroups:\n  anycompany-overflow:\n"
            "    telephony: {us-east-1: 60, us-west-2: 40}\n",
            live,
        )
    )
    assert change.request is not None
    assert set(change.request.body) == {"TelephonyConfig", "AgentConfig"}
    assert change.planned_against.get("signIn") is None
    assert "signIn" not in change.expected.sent()


# --- queues --------------------------------------------------------------------------------------


def test_a_caller_id_name_change_sends_all_three_fields(tmp_path: Path) -> None:
    change = _only(_plan(tmp_path, "queues:\n  Sales:\n    callerIdName: AnyCompany Sales Team\n"))

    assert change.kind is Kind.QUEUE
    assert (change.name, change.resource_id, change.resource_arn) == (
        "Sales",
        QUEUES["Sales"],
        queue_arn(QUEUES["Sales"]),
    )
    assert change.fields == (
        FieldChange(field="callerIdName", before="AnyCompany Sales", after="AnyCompany Sales Team"),
    )
    assert change.request == ApiRequest(
        operation="UpdateQueueOutboundCallerConfig",
        region=EAST,
        method="POST",
        path=QUEUE_PATH.format(QUEUES["Sales"]),
        body={
            "OutboundCallerConfig": {
                "OutboundCallerIdName": "AnyCompany Sales Team",  # desired
                "OutboundCallerIdNumberId": number_arn(NUMBER_2),  # live, as its ARN
                "OutboundFlowId": FLOW_SALES,  # live
            }
        },
    )
    planned_against = {
        "callerIdName": "AnyCompany Sales",
        "callerIdNumber": NUMBER_2,
        "whisperFlow": FLOW_SALES,
    }
    assert change.planned_against.as_dict() == planned_against
    assert change.fingerprint == _fingerprint(planned_against)
    assert change.expected.as_dict() == {
        "callerIdName": "AnyCompany Sales Team",
        "callerIdNumber": NUMBER_2,
        "whisperFlow": FLOW_SALES,
    }
    assert (change.risks, change.warnings) == ((), ())


def test_a_caller_id_number_change_shows_numbers_and_sends_the_arn(tmp_path: Path) -> None:
    change = _only(_plan(tmp_path, 'queues:\n  Sales:\n    callerIdNumber: "+18885550199"\n'))
    assert change.fields == (
        FieldChange(field="callerIdNumber", before="+12065550101", after="+18885550199"),
    )
    assert change.request is not None
    assert change.request.body["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == number_arn(
        NUMBER_TOLL_FREE
    )
    assert change.expected.get("callerIdNumber") == NUMBER_TOLL_FREE


def test_a_whisper_flow_change_shows_flow_names_and_sends_the_id(tmp_path: Path) -> None:
    change = _only(_plan(tmp_path, "queues:\n  Sales:\n    whisperFlow: Default outbound\n"))
    assert change.fields == (
        FieldChange(field="whisperFlow", before="Sales outbound whisper", after="Default outbound"),
    )
    assert change.request is not None
    assert change.request.body["OutboundCallerConfig"]["OutboundFlowId"] == FLOW_DEFAULT


def test_fields_missing_live_and_desired_are_not_sent(tmp_path: Path) -> None:
    made = _plan(
        tmp_path,
        """\
        queues:
          Callbacks: {callerIdName: Callbacks}
          Returns: {whisperFlow: Default outbound}
        """,
    )
    bodies = {c.name: c.request.body["OutboundCallerConfig"] for c in made.changes if c.request}
    assert bodies == {
        "Callbacks": {"OutboundCallerIdName": "Callbacks"},
        "Returns": {
            "OutboundCallerIdName": "AnyCompany Returns",
            "OutboundCallerIdNumberId": number_arn("90000000-0000-4000-8000-000000000001"),
            "OutboundFlowId": FLOW_DEFAULT,
        },
    }
    callbacks = next(c for c in made.changes if c.name == "Callbacks")
    assert callbacks.fields == (FieldChange(field="callerIdName", before=None, after="Callbacks"),)
    assert callbacks.planned_against == QueueValues()
    assert callbacks.expected.sent() == ("callerIdName",)
    assert [c.resource_id for c in made.changes] == [QUEUES["Callbacks"], QUEUES["Returns"]]


def test_a_live_number_not_claimed_here_is_sent_as_read_with_a_warning(tmp_path: Path) -> None:
    stray = "90000000-0000-4000-8000-0000000000ee"
    live = with_queue(demo_live(), "Sales", caller_id_number=stray)
    change = _only(_plan(tmp_path, "queues:\n  Sales:\n    callerIdName: New\n", live))
    assert change.request is not None
    assert change.request.body["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == stray
    assert change.warnings == (
        f"caller ID number {stray} is not claimed to this instance or its groups; "
        "it is sent as Connect returned it",
    )


def test_a_fingerprint_covers_unmanaged_values_that_are_sent(tmp_path: Path) -> None:
    body = "queues:\n  Sales:\n    callerIdName: New\n"
    first = _only(_plan(tmp_path, body))
    other_flow = _only(_plan(tmp_path, body, with_queue(demo_live(), "Sales", whisper_flow_id=FLOW_DEFAULT)))
    assert first.fields == other_flow.fields
    assert first.fingerprint != other_flow.fingerprint
    assert first.fingerprint == _fingerprint(first.planned_against.only(first.expected.sent()))


# --- nothing to do -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "queues:\n  Sales:\n    callerIdName: AnyCompany Sales\n    callerIdNumber: '+12065550101'\n"
        "    whisperFlow: Sales outbound whisper\n",
        "trafficDistributionGroups:\n  anycompany-overflow:\n    telephony: {us-east-1: 50, us-west-2: 50}\n"
        "    agents: {us-east-1: 50, us-west-2: 50}\n",
        "trafficDistributionGroups:\n  anycompany-default:\n    default: true\n"
        "    telephony: {us-east-1: 100, us-west-2: 0}\n"
        "    signIn: {us-east-1: true, us-west-2: false}\n",
    ],
    ids=["queue", "group", "default-group"],
)
def test_no_op(tmp_path: Path, body: str) -> None:
    made = _plan(tmp_path, body)
    assert made.changes == ()
    assert not made.has_changes
    assert (made.instances[0].managed, made.instances[0].unchanged, made.unchanged) == (1, 1, 1)
