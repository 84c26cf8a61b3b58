"""Shared set-up for the reliability runs: generated live states and desired trees that differ."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from connect_emulator.generate import generate_fixture
from connect_emulator.server import Emulator
from reconciler.app.files import write_export
from reconciler.app.run import Run, instance_spec
from reconciler.applying.settings import Settings

from ..support.connect import emulator_port

WRITES = ("UpdateQueueOutboundCallerConfig", "UpdateTrafficDistribution")


def fixture(queues: int, seed: int = 0) -> dict[str, Any]:
    return generate_fixture(queues=queues, flows=6, numbers=12, groups=3, seed=seed)


def fast_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "verify_delay": 0.01,
        "verify_attempts": 6,
        "poll_interval": 0.02,
        "wait_timeout": 5,
    }
    values.update(overrides)
    return Settings(**values)


def desired_tree(emu: Emulator, root: Path, *, rename: int, shift_groups: bool, seed: int = 0) -> Path:
    """Export the emulator's live instance to `root`, then change `rename` queues (and groups)."""
    inst = emu.state.to_dict()["instances"][0]
    spec = instance_spec(
        {
            "name": "soak",
            "id": inst["id"],
            "region": inst["region"],
            "replicaRegion": inst["replicaRegion"],
            "accountId": inst["account"],
        }
    )
    folder = root / "soak"
    write_export(Run(port=emulator_port(emu)).export(spec), str(folder), force=True)
    queues_file = folder / "queues.yaml"
    doc = yaml.safe_load(queues_file.read_text(encoding="utf-8"))
    names = sorted(doc["queues"])
    for name in random.Random(seed).sample(names, min(rename, len(names))):
        doc["queues"][name]["callerIdName"] = f"Renamed {name}"
    queues_file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    if shift_groups:
        instance_file = folder / "instance.yaml"
        idoc = yaml.safe_load(instance_file.read_text(encoding="utf-8"))
        for body in idoc["trafficDistributionGroups"].values():
            body["telephony"] = {inst["region"]: 70, inst["replicaRegion"]: 30}
            if "signIn" in body:
                body["signIn"] = {inst["region"]: True, inst["replicaRegion"]: True}
        instance_file.write_text(yaml.safe_dump(idoc, sort_keys=False), encoding="utf-8")
    return root
