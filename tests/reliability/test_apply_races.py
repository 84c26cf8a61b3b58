"""Two applies on one instance, started together, never interleave their writes.

They run from two working directories (two clones of the repository), one desired state with
`accountId` and one without it, as separate processes against one emulator whose queue writes are
slow. Both take the instance's lock, named by account, Region and instance ID whatever the YAML
says: one waits (or is refused), and in the emulator's call log every write of one run comes
before every write of the other. The run that waited finds the instance changed under its plan
and writes nothing over the other's values (stale).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connect_emulator.testing import running_emulator

from ..support.connect import writes
from ..support.demo import copy_demo, edit_yaml

QUEUES_FILE = Path("desired-state") / "anycompany-demo" / "queues.yaml"
INSTANCE_FILE = Path("desired-state") / "anycompany-demo" / "instance.yaml"


def clone(root: Path, tag: str, *, account: bool) -> Path:
    copy_demo(root / "desired-state")

    def rename(doc: dict[str, dict[str, dict[str, str]]]) -> None:
        for queue in ("Sales", "Support", "Billing"):
            doc["queues"][queue]["callerIdName"] = f"{queue} {tag}"

    edit_yaml(root / QUEUES_FILE, rename)
    if not account:
        edit_yaml(root / INSTANCE_FILE, lambda doc: doc["instance"].pop("accountId"))
    return root


def run_of(call: dict[str, object]) -> str:
    body = call.get("requestBody")
    name = (
        str(body.get("OutboundCallerConfig", {}).get("OutboundCallerIdName", ""))
        if isinstance(body, dict)
        else ""
    )
    return name.rsplit(" ", 1)[-1]


@pytest.mark.parametrize("first_has_account", [True, False])
def test_two_applies_started_together_never_interleave(tmp_path: Path, first_has_account: bool) -> None:
    clones = [
        clone(tmp_path / "clone-a", "A", account=first_has_account),
        clone(tmp_path / "clone-b", "B", account=not first_has_account),
    ]
    faults = {"rules": [{"operation": "UpdateQueueOutboundCallerConfig", "latencyMs": 400}]}
    with running_emulator(faults=faults) as emu:
        env = {**os.environ, "RECONCILER_RATE_LIMIT": "off", "AWS_ENDPOINT_URL_CONNECT": emu.url}
        command = [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--lock-timeout", "60"]
        runs = [
            subprocess.Popen(
                [*command, "--journal", str(folder / "j.jsonl")],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for folder in clones
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        sent = [
            run_of(call) for call in writes(emu) if call["operation"] == "UpdateQueueOutboundCallerConfig"
        ]
        names = {q["name"]: q.get("callerIdName") for q in emu.state.to_dict()["instances"][0]["queues"]}

    # One run wins the lock and writes; the other plans against the same live state, so once it has
    # the lock it finds its plan stale. It usually waits for the lock; on a loaded machine it may
    # only reach the lock once the winner has released it. Either way the writes never interleave.
    assert sorted(run.returncode for run in runs) == [0, 1], outputs
    loser = next(i for i, run in enumerate(runs) if run.returncode == 1)
    winner = "AB"[1 - loser]
    waited = [i for i, (_, err) in enumerate(outputs) if "waiting up to 60s for the lock" in err]
    assert waited in ([loser], []), outputs  # only the run that did not write ever waited
    # never interleaved: the run that held the lock wrote all three, the other nothing over them
    assert sent == [winner] * 3, sent
    assert "stale" in outputs[loser][0], outputs
    assert {names[q] for q in ("Sales", "Support", "Billing")} == {
        f"{q} {winner}" for q in ("Sales", "Support", "Billing")
    }
