"""failover: plan and apply a failover through git while the instance's Region is down.

An instance with 10 traffic distribution groups and 5,000 queues. The desired state (exported
while both Regions answered, so this machine has seen the instance, as an operator's has) is
changed the way an on-call engineer's pull request changes it: every group's telephony and agents
100% to us-west-2, sign-in enabled there on the default group, and one queue moved onto a number
claimed to a group. Then us-east-1 goes down in the emulator (a seeded mix of 503s, reset
connections and calls held open for 30 s) and one `reconciler apply --auto-approve` plans and
applies, as a CI job on merge would.

Reported per setting (client limiter off with the emulator's quotas off; Connect's default quota
on both sides): wall time; calls to the dead Region and the time lost to it (from the first call
there to the first call to the replica); calls per operation; and, at the default quota, the
quota floor the calls made imply (the busiest operation's (n - burst) / rate) and the ratio to it.
Targets: at most 2 s lost to the dead Region; within 10 s with the limiter off; within 1.2x of the
quota floor at Connect's default quota.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import (
    PYTHON,
    EmulatorProcess,
    build_tree,
    child_env,
    heading,
    machine_line,
    quota_floor_seconds,
    reproduce,
    run_child,
    table,
)
from connect_emulator.generate import generate_fixture
from reconciler.connect.ratelimit import DEFAULT_BURST, DEFAULT_RATE

SOURCE, REPLICA = "us-east-1", "us-west-2"
GROUPS = 10
QUEUES = 5000


def run(argv: Sequence[str], queues: int = QUEUES) -> dict[str, Any]:
    heading(f"failover: {GROUPS} groups and {queues:,} queues moved to {REPLICA} while {SOURCE} is down")
    print(machine_line())
    rows: list[list[Any]] = []
    figures: dict[str, Any] = {}
    settings = (
        ("limiter off, quotas off", "off", "off", None, False),
        ("limiter off, outage holds calls 30 s", "off", "off", "hang", False),
        ("Connect's default quota", "aws", None, None, False),
        ("break-glass `reconciler failover`, limiter off", "off", "off", None, True),
        ("break-glass `reconciler failover`, Connect's default quota", "aws", None, None, True),
    )
    for label, quotas, limit, mix, break_glass in settings:
        figures[label] = one(queues, quotas, limit, mix, break_glass=break_glass)
        f = figures[label]
        floor = f["floor"] if quotas == "aws" else None
        rows.append(
            [
                label,
                f"{f['wall']:.2f}",
                f["dead_calls"],
                f"{f['lost']:.2f}",
                f["calls"],
                f"{floor:.1f}" if floor is not None else "-",
                f"{f['wall'] / floor:.2f}x" if floor else "-",
                f["outcome"],
            ]
        )
    print(
        table(
            [
                "setting",
                "wall s",
                "calls to us-east-1",
                "s lost to it",
                "calls",
                "quota floor s",
                "vs floor",
                "result",
            ],
            rows,
        )
    )
    for label, f in figures.items():
        print(f"  {label}: {f['ops']}")
    print("Targets: <= 2 s lost to the dead Region; < 10 s with the limiter off; <= 1.2x the quota floor.")
    print("Break-glass `reconciler failover` (10 groups, start to verified): within 2 s of the quota floor.")
    print(reproduce(argv))
    return figures


def one(
    queues: int, quotas: str, limit: str | None, mix: str | None, *, break_glass: bool = False
) -> dict[str, Any]:
    """One measured run: a merged pull request applied, or (`break_glass`) `reconciler failover`
    of every group from the command line, the desired state untouched."""
    fixture = generate_fixture(queues=queues, flows=40, numbers=200, groups=GROUPS, seed=7)
    with tempfile.TemporaryDirectory(prefix="connect-bench-failover-") as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "fixture.json"
        path.write_text(json.dumps(fixture), encoding="utf-8")
        cache = tmp / "cache"
        os.environ["XDG_CACHE_HOME"] = str(cache)  # the export below warms the directory the child reads
        extra = ["--outage-mix", mix] if mix else []
        with EmulatorProcess(path, quotas=quotas, log_dir=tmp, extra=extra) as emu:
            tree = build_tree(emu.url, fixture, tmp / "desired", changes=0)
            if not break_glass:
                _fail_over(tree.path, fixture)
            emu.set_region_down(SOURCE, True)
            emu.clear_calls()
            env = {**child_env(emu.url, limit), "XDG_CACHE_HOME": str(cache)}
            env["RECONCILER_LOCK"] = f"file://{tmp / 'locks'}"
            journal = str(tmp / "journal.jsonl")
            if break_glass:
                name = yaml.safe_load((tree.path / "instance.yaml").read_text(encoding="utf-8"))["instance"][
                    "name"
                ]
                args = [PYTHON, "-m", "reconciler", "failover", "--instance", name, "--to", REPLICA]
                args += ["--reason", "benchmark", "--state-dir", str(tree.path), "--auto-approve"]
            else:
                args = [PYTHON, "-m", "reconciler", "apply", "--state-dir", str(tree.path), "--auto-approve"]
            args += ["--journal", journal]
            started = time.time()
            done = run_child(args, env, tmp)
            calls = emu.calls()
    dead = [c for c in calls if c["region"] == SOURCE]
    first_dead = min((c["time"] for c in dead), default=started)
    first_live = min((c["time"] for c in calls if c["region"] == REPLICA), default=first_dead)
    ops = Counter(str(c["operation"]) for c in calls if c["region"] == REPLICA)
    return {
        "wall": done.wall,
        "dead_calls": len(dead),
        "lost": max(0.0, first_live - first_dead),
        "calls": len(calls),
        "ops": ", ".join(f"{op} {n}" for op, n in sorted(ops.items())),
        "floor": quota_floor_seconds(dict(ops), DEFAULT_RATE, DEFAULT_BURST),
        "outcome": "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()[-300:]}",
    }


def _fail_over(state: Path, fixture: dict[str, Any]) -> None:
    """Every group 100% to the replica; sign-in there on the default group; one queue onto a
    number claimed to a group."""
    instance_file = state / "instance.yaml"
    doc = yaml.safe_load(instance_file.read_text(encoding="utf-8"))
    for group in doc.get("trafficDistributionGroups", {}).values():
        split = {SOURCE: 0, REPLICA: 100}
        group["telephony"] = dict(split)
        group["agents"] = dict(split)
        if "signIn" in group:
            group["signIn"] = {**group["signIn"], REPLICA: True}
    instance_file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    inst = fixture["instances"][0]
    number = next(n for n in inst["phoneNumbers"] if n["claimedTo"] != "instance")
    for queues_file in sorted(state.glob("queues*.yaml")):
        qdoc = yaml.safe_load(queues_file.read_text(encoding="utf-8"))
        name = next(iter(qdoc["queues"]))
        qdoc["queues"][name]["callerIdNumber"] = number["number"]
        queues_file.write_text(yaml.safe_dump(qdoc, sort_keys=False), encoding="utf-8")
        return
