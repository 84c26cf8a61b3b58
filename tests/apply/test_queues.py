"""Queue writes: every field sent (desired over live), numbers as ARNs, nothing lost under `clear`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.applying.applier import Outcome
from reconciler.connect import ClientFactory

from .helpers import (
    FLOW_DEFAULT,
    FLOW_SUPPORT,
    NUMBER_1,
    NUMBER_TOLL_FREE,
    NUMBER_WEST,
    QUEUES,
    copy_demo,
    demo_fixture,
    edit_yaml,
    fast_factory,
    live_queue,
    make_plan,
    number_arn,
    outcomes,
    run_apply,
    write_desired,
    writes,
)


def body_for(emu: Emulator, queue: str) -> dict[str, Any]:
    (call,) = [c for c in writes(emu) if f"/{QUEUES[queue]}/" in c["path"]]
    assert call["status"] == 200
    config: dict[str, Any] = call["requestBody"]["OutboundCallerConfig"]
    return config


def test_all_three_fields_are_sent_with_desired_values_over_live_ones(
    emu: Emulator, factory: ClientFactory, tmp_path: Path
) -> None:
    state = write_desired(tmp_path / "state", queues={"Billing": {"callerIdName": "Billing desk"}})

    _, report = run_apply(state, factory)

    assert outcomes(report) == {"Billing": Outcome.APPLIED}
    assert body_for(emu, "Billing") == {
        "OutboundCallerIdName": "Billing desk",
        "OutboundCallerIdNumberId": number_arn(NUMBER_1),
        "OutboundFlowId": FLOW_DEFAULT,
    }


def test_a_number_claimed_to_a_group_created_in_the_replica_region_is_sent_as_its_arn(
    emu: Emulator, factory: ClientFactory, tmp_path: Path
) -> None:
    state = write_desired(tmp_path / "state", queues={"Retention": {"callerIdNumber": "+15035550123"}})

    _, report = run_apply(state, factory)

    assert outcomes(report) == {"Retention": Outcome.APPLIED}
    sent = body_for(emu, "Retention")["OutboundCallerIdNumberId"]
    assert sent == number_arn(NUMBER_WEST)  # the group's ARN form works from either Region
    queue = live_queue(emu, "Retention")
    assert (queue["callerIdName"], queue["callerIdNumberId"]) == ("AnyCompany", NUMBER_WEST)


@pytest.mark.parametrize("mode", ["keep", "clear"])
def test_nothing_is_lost_whether_omitted_fields_are_kept_or_cleared(
    start_emulator: Callable[..., Emulator], tmp_path: Path, mode: str
) -> None:
    emu = start_emulator(demo_fixture(), omitted_fields=mode)
    factory = fast_factory(emu)
    state = copy_demo(tmp_path / "state")

    def manage_one_field_each(doc: dict[str, Any]) -> None:
        doc["queues"]["Returns"] = {"callerIdName": "Returns desk"}  # live: no whisper flow
        doc["queues"]["Escalations"] = {"whisperFlow": "Support outbound whisper"}
        doc["queues"]["After Hours"] = {"callerIdName": "After hours"}  # live number: a west ARN
        doc["queues"]["Spanish"] = {"callerIdNumber": "+18885550199"}

    edit_yaml(state / "anycompany-demo" / "queues.yaml", manage_one_field_each)
    before = {q["name"]: q for q in demo_fixture()["instances"][0]["queues"]}

    _, report = run_apply(state, factory)

    assert report.ok
    assert report.count(Outcome.APPLIED) == 7
    expected = {
        "Sales": {"callerIdName": "AnyCompany Sales Team"},
        "Support": {"callerIdNumberId": NUMBER_TOLL_FREE},
        "Returns": {"callerIdName": "Returns desk"},
        "Escalations": {"outboundFlowId": FLOW_SUPPORT},
        "After Hours": {"callerIdName": "After hours", "callerIdNumberId": NUMBER_WEST},
        "Spanish": {"callerIdNumberId": NUMBER_TOLL_FREE},
    }
    fields = ("callerIdName", "callerIdNumberId", "outboundFlowId")
    for name, changed in expected.items():
        queue = live_queue(emu, name)
        want = {f: changed.get(f, before[name].get(f)) for f in fields}
        assert {f: queue.get(f) for f in fields} == want, name
    assert "OutboundFlowId" not in body_for(emu, "Returns")  # never sent empty: it had none
    assert make_plan(state, factory).changes == ()
