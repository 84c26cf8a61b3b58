"""rollout: a progressive shift of 5 steps with a 1 s bake, gated by three CloudWatch alarms.

The demo instance in an in-process emulator (client limiter off, quotas off), CloudWatch served
by moto on 127.0.0.1, real boto3 on both sides. The default group moves from 100/0 to 50/50 in
steps of 10 points with `bake: 1s`, halted by two alarms in the receiving Region and one in the
other; none fires. Sign-in is closed in us-west-2 in the demo state, so the rollout opens it in
a first write of its own; the time beyond the floor per step includes that write. The plan is
made, then applied in-process as `reconciler apply` does it (`Applier` with the default
`Settings`: the same waits and read-back as a real run).

Reported per setting of how long the emulator keeps a group UPDATE_IN_PROGRESS after a write
(0 s: the tool's own cost; 2 s: the emulator's default, Connect's real time is undocumented):
the apply's wall time, the bake floor (steps x bake), the time beyond it per step (target under
1 s per step with the group busy 0 s), DescribeAlarms calls per poll (target: one per Region, so
2 here, whatever the number of alarms), and Connect calls per step.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import heading, machine_line, reproduce, table
from connect_emulator.server import Emulator
from reconciler.app.run import Run
from reconciler.applying.applier import Applier
from reconciler.applying.settings import Settings
from reconciler.connect import ClientFactory, Connect, RateLimiter
from reconciler.connect.alarms import CloudWatchAlarms
from reconciler.desired.model import InstanceSpec
from reconciler.port import AlarmState

SOURCE, REPLICA = "us-east-1", "us-west-2"
STEPS, BAKE = 5, 1.0
ALARMS = [
    "missed-calls",
    "flow-errors",
    {"name": "queue-depth", "region": SOURCE},
]


class _Counting(CloudWatchAlarms):
    polls = 0

    def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
        self.polls += 1
        return super().alarm_states(spec, names, region=region)


def run(argv: Sequence[str]) -> dict[str, Any]:
    heading(f"rollout: {STEPS} steps of 10 points, bake {BAKE:g} s, 3 alarms in 2 Regions")
    print(machine_line())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    figures = {busy: one(busy) for busy in (0.0, 2.0)}
    rows = [
        [
            f"group busy {busy:g} s after a write",
            f"{f['wall']:.2f}",
            f"{f['floor']:.1f}",
            f"{f['beyond_per_step']:.2f}",
            f"{f['calls_per_poll']:.2f}",
            f"{f['connect_per_step']:.1f}",
            f["outcome"],
        ]
        for busy, f in figures.items()
    ]
    print(
        table(
            [
                "setting",
                "wall s",
                "bake floor s",
                "beyond floor s/step",
                "DescribeAlarms/poll",
                "Connect calls/step",
                "outcome",
            ],
            rows,
        )
    )
    print(
        "\nTarget: under 1 s per step beyond the bake floor (group busy 0 s); one DescribeAlarms per Region."
    )
    print(reproduce(argv))
    return {str(k): v for k, v in figures.items()}


def one(busy: float) -> dict[str, Any]:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        for region in (SOURCE, REPLICA):
            backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][region]
            for name in ("missed-calls", "flow-errors", "queue-depth"):
                backend.put_metric_alarm(
                    name, "AWS/Connect", "M", "GreaterThanOrEqualToThreshold", 1, 60, 1.0, "Sum", "", [], []
                )
                backend.set_alarm_state(name, "ok", "{}", "OK")
        with Emulator(port=0, update_in_progress_seconds=busy) as emu, tempfile.TemporaryDirectory() as work:
            os.environ["AWS_ENDPOINT_URL_CLOUDWATCH"] = f"http://{host}:{port}"
            try:
                state = _state(Path(work))
                factory = ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0))
                connect = Connect(factory)
                alarms = _Counting(factory)
                plan = Run(port=connect, alarms=alarms).plan(str(state))
                emu.clear_calls()
                started = time.perf_counter()
                report = Applier(connect, None, Settings(), alarms=alarms).run(plan)
                wall = time.perf_counter() - started
            finally:
                del os.environ["AWS_ENDPOINT_URL_CLOUDWATCH"]
            calls = Counter(c["operation"] for c in emu.calls())
    finally:
        server.stop()
    floor = STEPS * BAKE
    return {
        "wall": wall,
        "floor": floor,
        "beyond_per_step": (wall - floor) / STEPS,
        "calls_per_poll": alarms.calls / max(1, alarms.polls) * 2,  # two Regions read per poll
        "connect_per_step": sum(calls.values()) / STEPS,
        "outcome": ", ".join(f"{r.outcome.value}" for r in report.results),
    }


def _state(work: Path) -> Path:
    folder = work / "state"
    folder.mkdir()
    doc = {
        "instance": {
            "name": "anycompany-demo",
            "id": "4a1b2c3d-0000-4000-8000-000000000001",
            "region": SOURCE,
            "replicaRegion": REPLICA,
        },
        "trafficDistributionGroups": {
            "anycompany-default": {
                "default": True,
                "telephony": {SOURCE: 50, REPLICA: 50},
                "agents": {SOURCE: 50, REPLICA: 50},
                "signIn": {SOURCE: True, REPLICA: True},
                "rollout": {"step": 10, "bake": f"{BAKE:g}s", "haltOn": {"alarms": ALARMS}},
            }
        },
    }
    (folder / "instance.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return folder
