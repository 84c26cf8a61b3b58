"""Property: whatever the live state and the desired state, apply then plan is empty.

One emulator serves the whole module (its state is replaced for every example); the fixture is
small on purpose: three queues, five numbers (two claimed to traffic distribution groups), three
whisper flows and two groups, the default one and another, both homed in us-east-1 (Connect
creates groups in the source Region only). Live numbers are stored as IDs or as ARNs, as Connect
may return either. It runs end to end, real boto3 against the emulator: the property holds only
if what apply sends is what Connect accepts and stores under its own rules, which the in-memory
port does not model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState
from connect_emulator.testing import running_emulator
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.connect import emulator_port, fast_settings, make_plan, run_apply
from ..support.demo import ACCOUNT, EAST, INSTANCE_BLOCK, INSTANCE_ID, WEST

DEFAULT_ID = "7d000000-0000-4000-8000-0000000000d1"
WEST_GROUP_ID = "7d000000-0000-4000-8000-0000000000d2"
FLOWS = {f"f0000000-0000-4000-8000-00000000000{i}": f"Whisper {i}" for i in range(1, 4)}
NUMBERS = {  # id -> (E.164, claimed to, Region of its ARN)
    "90000000-0000-4000-8000-000000000001": ("+12065550100", "instance", EAST),
    "90000000-0000-4000-8000-000000000002": ("+12065550101", "instance", EAST),
    "90000000-0000-4000-8000-000000000003": ("+12065550102", "instance", EAST),
    "90000000-0000-4000-8000-000000000004": ("+18885550199", DEFAULT_ID, EAST),
    "90000000-0000-4000-8000-000000000005": ("+15035550123", WEST_GROUP_ID, EAST),
}
QUEUE_IDS = {f"Queue {i}": f"0e000000-0000-4000-8000-00000000000{i}" for i in range(1, 4)}
NAMES = ["AnyCompany", "AnyCompany Sales", "Support line"]

percent = st.sampled_from(range(0, 101, 10))


def split(east: int) -> dict[str, int]:
    return {EAST: east, WEST: 100 - east}


sign_in = st.fixed_dictionaries({EAST: st.booleans(), WEST: st.booleans()}).filter(lambda d: any(d.values()))
number_ref = st.sampled_from(list(NUMBERS)).flatmap(
    lambda nid: st.sampled_from([nid, f"arn:aws:connect:{NUMBERS[nid][2]}:{ACCOUNT}:phone-number/{nid}"])
)


@st.composite
def live_states(draw: st.DrawFn) -> dict[str, Any]:
    queues = []
    for name, qid in QUEUE_IDS.items():
        queue: dict[str, Any] = {"id": qid, "name": name, "type": "STANDARD"}
        for key, values in (
            ("callerIdName", st.sampled_from(NAMES)),
            ("callerIdNumberId", number_ref),
            ("outboundFlowId", st.sampled_from(list(FLOWS))),
        ):
            value = draw(st.none() | values)
            if value is not None:
                queue[key] = value
        queues.append(queue)
    default: dict[str, Any] = {
        "id": DEFAULT_ID,
        "name": "default-group",
        "region": EAST,
        "isDefault": True,
        "telephony": split(draw(percent)),
        "signIn": draw(sign_in),
    }
    west: dict[str, Any] = {
        "id": WEST_GROUP_ID,
        "name": "west-group",
        "region": EAST,
        "telephony": split(draw(percent)),
    }
    for group in (default, west):
        agents = draw(st.none() | percent)
        if agents is not None:
            group["agents"] = split(agents)
    instance = {
        "id": INSTANCE_ID,
        "account": ACCOUNT,
        "region": EAST,
        "replicaRegion": WEST,
        "alias": "property",
        "flows": [{"id": fid, "name": name, "type": "OUTBOUND_WHISPER"} for fid, name in FLOWS.items()],
        "phoneNumbers": [
            {"id": nid, "number": e164, "countryCode": "US", "type": "DID", "claimedTo": claimed}
            for nid, (e164, claimed, _) in NUMBERS.items()
        ],
        "trafficDistributionGroups": [default, west],
        "queues": queues,
    }
    return {"defaultAccount": ACCOUNT, "instances": [instance]}


@st.composite
def desired_states(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"instance": dict(INSTANCE_BLOCK)}
    queues: dict[str, Any] = {}
    for name in QUEUE_IDS:
        spec: dict[str, Any] = {}
        if draw(st.booleans()):
            spec["callerIdName"] = draw(st.sampled_from([*NAMES, "Renamed"]))
        if draw(st.booleans()):
            nid = draw(st.sampled_from(list(NUMBERS)))
            arn = f"arn:aws:connect:{NUMBERS[nid][2]}:{ACCOUNT}:phone-number/{nid}"
            spec["callerIdNumber"] = draw(st.sampled_from([NUMBERS[nid][0], nid, arn]))
        if draw(st.booleans()):
            fid = draw(st.sampled_from(list(FLOWS)))
            spec["whisperFlow"] = draw(st.sampled_from([fid, FLOWS[fid]]))
        wave: int | None = draw(st.none() | st.integers(-1, 1))
        if spec and wave is not None:
            spec["order"] = wave
        if spec:
            queues[name] = spec
    groups: dict[str, Any] = {}
    if draw(st.booleans()):
        group: dict[str, Any] = {"default": True, "telephony": split(draw(percent))}
        if draw(st.booleans()):
            group["agents"] = split(draw(percent))
        if draw(st.booleans()):
            group["signIn"] = draw(sign_in)
        groups["default-group"] = group
    if draw(st.booleans()):
        west: dict[str, Any] = {"telephony": split(draw(percent))}
        if draw(st.booleans()):
            west["agents"] = split(draw(percent))
        groups["west-group"] = west
    if queues:
        doc["queues"] = queues
    if groups:
        doc["trafficDistributionGroups"] = groups
    return doc


@pytest.fixture(scope="module")
def property_emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture(scope="module")
def property_factory(property_emulator: Emulator) -> Connect:
    return emulator_port(property_emulator)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(live=live_states(), desired=desired_states())
def test_apply_then_plan_is_empty(
    property_emulator: Emulator,
    property_factory: Connect,
    tmp_path_factory: pytest.TempPathFactory,
    live: dict[str, Any],
    desired: dict[str, Any],
) -> None:
    property_emulator.replace_state(EmulatorState.from_dict(live))
    state_dir: Path = tmp_path_factory.mktemp("desired")
    (state_dir / "instance.yaml").write_text(yaml.safe_dump(desired, sort_keys=False), "utf-8")

    plan, report = run_apply(state_dir, property_factory, settings=fast_settings())

    assert report.ok, [(r.change.address, r.outcome.value, r.message) for r in report.results]
    assert all(r.outcome in (Outcome.APPLIED, Outcome.ALREADY) for r in report.results)
    assert len(report.results) == len(plan.changes)
    after = make_plan(state_dir, property_factory)
    assert after.changes == (), [(c.address, [f.model_dump() for f in c.fields]) for c in after.changes]
