"""Queue writes: every field sent (desired over live), numbers as ARNs, nothing lost under `clear`.

These check the request body as botocore sends it and what Connect stores from it (the emulator's
addressing rules, and both readings of fields a request leaves out), so they run end to end, real
boto3 against the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.applying.results import Outcome
from reconciler.connect import Connect

from ..support.connect import emulator_port, live_queue, make_plan, outcomes, run_apply, writes
from ..support.demo import (
    FLOW_DEFAULT,
    FLOW_SUPPORT,
    NUMBER_1,
    NUMBER_OVERFLOW,
    NUMBER_TOLL_FREE,
    QUEUES,
    copy_demo,
    demo_fixture,
    edit_yaml,
    number_arn,
    write_desired,
)


def body_for(emu: Emulator, queue: str) -> dict[str, Any]:
    (call,) = [c for c in writes(emu) if f"/{QUEUES[queue]}/" in c["path"]]
    assert call["status"] == 200
    config: dict[str, Any] = call["requestBody"]["OutboundCallerConfig"]
    return config


def test_all_three_fields_are_sent_with_desired_values_over_live_ones(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    state = write_desired(tmp_path / "state", queues={"Billing": {"callerIdName": "Billing desk"}})

    _, report = run_apply(state, port)

    assert outcomes(report) == {"Billing": Outcome.APPLIED}
    assert body_for(emu, "Billing") == {
        "OutboundCallerIdName": "Billing desk",
        "OutboundCallerIdNumberId": number_arn(NUMBER_1),
        "OutboundFlowId": FLOW_DEFAULT,
    }


def test_a_number_claimed_to_a_group_created_in_the_replica_region_is_sent_as_its_arn(
    emu: Emulator, port: Connect, tmp_path: Path
) -> None:
    state = write_desired(tmp_path / "state", queues={"Retention": {"callerIdNumber": "+15035550123"}})

    _, report = run_apply(state, port)

    assert outcomes(report) == {"Retention": Outcome.APPLIED}
    sent = body_for(emu, "Retention")["OutboundCallerIdNumberId"]
    assert sent == number_arn(NUMBER_OVERFLOW)  # the group's ARN form works from either Region
    queue = live_queue(emu, "Retention")
    assert (queue["callerIdName"], queue["callerIdNumberId"]) == ("AnyCompany", NUMBER_OVERFLOW)


@pytest.mark.parametrize("mode", ["keep", "clear"])
def test_nothing_is_lost_whether_omitted_fields_are_kept_or_cleared(
    start_emulator: Callable[..., Emulator], tmp_path: Path, mode: str
) -> None:
    emu = start_emulator(demo_fixture(), omitted_fields=mode)
    port = emulator_port(emu)
    state = copy_demo(tmp_path / "state")

    def manage_one_field_each(doc: dict[str, Any]) -> None:
        doc["queues"]["Returns"] = {"callerIdName": "Returns desk"}  # live: no whisper flow
        doc["queues"]["Escalations"] = {"whisperFlow": "Support outbound whisper"}
        doc["queues"]["After Hours"] = {"callerIdName": "After hours"}  # live number: a west ARN
        doc["queues"]["Spanish"] = {"callerIdNumber": "+18885550199"}

    edit_yaml(state / "anycompany-demo" / "queues.yaml", manage_one_field_each)
    before = {q["name"]: q for q in demo_fixture()["instances"][0]["queues"]}

    _, report = run_apply(state, port)

    assert report.ok
    assert report.count(Outcome.APPLIED) == 7
    expected = {
        "Sales": {"callerIdName": "AnyCompany Sales Team"},
        "Support": {"callerIdNumberId": NUMBER_TOLL_FREE},
        "Returns": {"callerIdName": "Returns desk"},
        "Escalations": {"outboundFlowId": FLOW_SUPPORT},
        "After Hours": {"callerIdName": "After hours", "callerIdNumberId": NUMBER_OVERFLOW},
        "Spanish": {"callerIdNumberId": NUMBER_TOLL_FREE},
    }
    fields = ("callerIdName", "callerIdNumberId", "outboundFlowId")
    for name, changed in expected.items():
        queue = live_queue(emu, name)
        want = {f: changed.get(f, before[name].get(f)) for f in fields}
        assert {f: queue.get(f) for f in fields} == want, name
    assert "OutboundFlowId" not in body_for(emu, "Returns")  # never sent empty: it had none
    assert make_plan(state, port).changes == ()
