"""Someone else's write between plan and apply is never overwritten: 100% of 60 random trials.

Each trial plans against a generated instance, then "someone else" changes a random subset of the
planned queues and groups through the emulator's admin API, then apply runs. Every resource the
other person touched must keep their value (or count as already applied, when they happened to
set exactly the planned value), and every untouched change must be applied.
"""

from __future__ import annotations

import random
from pathlib import Path

from connect_emulator.testing import running_emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome
from reconciler.planning.plan import Kind
from tests.support.connect import make_plan

from ..support.connect import emulator_port
from .helpers import desired_tree, fast_settings, fixture

TRIALS = 60


def test_changes_made_between_plan_and_apply_are_never_overwritten(tmp_path: Path) -> None:
    base = fixture(40, seed=9)
    with running_emulator(base) as emu:
        state = desired_tree(emu, tmp_path / "state", rename=25, shift_groups=True)
        port = emulator_port(emu)
        instance_id = base["instances"][0]["id"]
        overwritten = 0
        for trial in range(TRIALS):
            rng = random.Random(trial)
            emu.replace_state(base)
            made = make_plan(state, port)
            touched = rng.sample(list(made.updates), rng.randint(1, len(made.updates)))
            theirs: dict[str, object] = {}
            for change in touched:
                if change.kind is Kind.QUEUE:
                    value = f"Changed by someone else {trial}"
                    if rng.random() < 0.1:  # sometimes they set exactly what git wants
                        value = next(f.after for f in change.fields if f.field == "callerIdName")
                    emu.set_queue_caller_config(instance_id, change.resource_id, name=value)
                    theirs[change.address] = value
                else:
                    split = {"us-east-1": 0, "us-west-2": 100}
                    emu.set_traffic_distribution(change.resource_id, telephony=split)
                    theirs[change.address] = split
            report = Applier(port, None, fast_settings()).run(made)
            live = emu.state.to_dict()["instances"][0]
            queues = {q["id"]: q for q in live["queues"]}
            groups = {g["id"]: g for g in live["trafficDistributionGroups"]}
            for result in report.results:
                change = result.change
                now = (
                    queues[change.resource_id].get("callerIdName")
                    if change.kind is Kind.QUEUE
                    else groups[change.resource_id]["telephony"]
                )
                if change.address in theirs:
                    assert result.outcome in (Outcome.STALE, Outcome.ALREADY), (trial, change.address)
                    overwritten += now != theirs[change.address]
                else:
                    assert result.outcome is Outcome.APPLIED, (trial, change.address, result.message)
        assert overwritten == 0
