"""Two resources with the same name, addressed by ID, are applied and reported separately."""

from __future__ import annotations

from pathlib import Path

import yaml

from connect_emulator.state import EmulatorState
from connect_emulator.testing import running_emulator
from reconciler.app import run as workflow
from reconciler.applying.applier import Outcome

from ..reliability.helpers import fast_factory, fast_settings

SALES = "0e000000-0000-4000-8000-000000000002"
RETURNS = "0e000000-0000-4000-8000-000000000005"


def test_two_queues_named_alike_are_both_applied_and_both_reported(tmp_path: Path) -> None:
    state = EmulatorState.demo().to_dict()
    for queue in state["instances"][0]["queues"]:
        if queue["id"] == RETURNS:
            queue["name"] = "Sales"  # two queues called Sales
    with running_emulator(state) as emu:
        root = tmp_path / "state" / "demo"
        root.mkdir(parents=True)
        instance = {
            "name": "demo",
            "id": "4a1b2c3d-0000-4000-8000-000000000001",
            "region": "us-east-1",
            "replicaRegion": "us-west-2",
        }
        queues = {SALES: {"callerIdName": "Sales A"}, RETURNS: {"callerIdName": "Sales B"}}
        (root / "demo.yaml").write_text(
            yaml.safe_dump({"instance": instance, "queues": queues}), encoding="utf-8"
        )
        factory = fast_factory(emu)
        made = workflow.plan(str(tmp_path / "state"), factory=factory)
        assert [c.name for c in made.updates] == ["Sales", "Sales"]
        desired = workflow.load_desired(str(tmp_path / "state"))
        report = workflow.applier(factory, desired, made, None, fast_settings()).run(made)
        assert [(r.change.resource_id, r.outcome) for r in report.results] == sorted(
            [(SALES, Outcome.APPLIED), (RETURNS, Outcome.APPLIED)]
        )
        live = {q["id"]: q.get("callerIdName") for q in emu.state.to_dict()["instances"][0]["queues"]}
        assert (live[SALES], live[RETURNS]) == ("Sales A", "Sales B")
