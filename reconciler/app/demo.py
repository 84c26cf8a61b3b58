"""`make demo`: the GitOps story against the embedded Connect emulator, chapter by chapter.

1. The day-to-day loop: validate -> plan (saved) -> apply the saved plan -> plan again (empty) ->
   someone changes a queue outside git -> drift catches it.
2. A Region outage: us-east-1 goes down; the desired state is changed to move all telephony and
   agents to us-west-2; plan and apply run from the replica in us-west-2; us-east-1 comes back and
   the next plan is empty.
3. A progressive shift: half the calls go back to us-east-1 in steps of 20 points with a 2 s
   bake, watched by a CloudWatch alarm; the alarm fires during a bake, the rollout halts and goes
   back one step; the alarm clears and a re-run finishes. CloudWatch is moto's server on
   127.0.0.1 (the `demo` extra, which `make demo` installs).
4. A break-glass failover: us-east-1 goes down at 3 a.m.; on-call runs `reconciler failover --to
   us-west-2 --reason "INC-1"` (no pull request), which writes from the replica; drift shows the
   override with who, when and why; `--adopt` writes the live values into the YAML, and the plan
   is empty.

Each step runs the real `reconciler` command in a subprocess, as a user or CI job would, against
an emulator on a free 127.0.0.1 port with dummy credentials, so nothing here can reach AWS. The
emulator behaves like the documented service (a group is busy for 2 s after each update). Exit 0
when every step behaved as expected.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from connect_emulator.server import Emulator

SALES_QUEUE = "0e000000-0000-4000-8000-000000000002"
DEMO_INSTANCE = "4a1b2c3d-0000-4000-8000-000000000001"
SOURCE, REPLICA = "us-east-1", "us-west-2"


class Demo:
    def __init__(self, emu: Emulator, work: Path, state_dir: str) -> None:
        self.emu = emu
        self.work = work
        self.state_dir = state_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RECONCILER_"))}
        self.env.update(
            AWS_ENDPOINT_URL_CONNECT=emu.url,
            AWS_ACCESS_KEY_ID="AKIADEMODEMODEMO0000",
            AWS_SECRET_ACCESS_KEY="demo",
            AWS_REGION=SOURCE,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            # the apply lock and the group directory stay in the scratch folder: a RECONCILER_LOCK
            # of the user's own (dynamodb://TABLE) would otherwise send the demo's apply to AWS
            RECONCILER_LOCK=f"file://{work / 'locks'}",
            XDG_CACHE_HOME=str(work / "cache"),
        )

    def step(self, title: str, args: list[str], expect: int) -> None:
        print(f"\n$ reconciler {' '.join(args)}    # {title}", flush=True)
        done = subprocess.run([sys.executable, "-m", "reconciler", *args], env=self.env, check=False)
        if done.returncode != expect:
            print(f"demo: expected exit {expect}, got {done.returncode}", file=sys.stderr)
            raise SystemExit(1)

    def say(self, text: str) -> None:
        print(f"\n# {text}", flush=True)

    def chapter(self, title: str) -> None:
        print(f"\n{'=' * 78}\n{title}\n{'=' * 78}", flush=True)


def day_to_day(demo: Demo) -> None:
    demo.chapter("1. Day to day: review a plan, apply it, catch drift")
    plan_file, s = str(demo.work / "demo.plan.json"), ["--state-dir", demo.state_dir]
    demo.step("check the YAML, no AWS calls", ["validate", *s], 0)
    demo.step(
        "what would change (exit 2: changes)", ["plan", *s, "--out", plan_file, "--detailed-exitcode"], 2
    )
    demo.step(
        "apply exactly the saved plan",
        ["apply", plan_file, *s, "--auto-approve", "--journal", str(demo.work / "apply.jsonl")],
        0,
    )
    demo.step("plan again: nothing left to do", ["plan", *s, "--detailed-exitcode"], 0)
    demo.say("someone renames the Sales caller ID in the Connect console, outside git")
    demo.emu.set_queue_caller_config(DEMO_INSTANCE, SALES_QUEUE, name="Sales (temp)")
    demo.step("the scheduled drift check catches it (exit 2: drift)", ["drift", *s], 2)
    demo.say("put it back as git has it, so the next chapter starts clean")
    demo.step("apply", [*["apply", *s], "--auto-approve", "--journal", str(demo.work / "fix.jsonl")], 0)


def region_outage(demo: Demo) -> None:
    demo.chapter(f"2. A Region outage: {SOURCE} fails, traffic moves to {REPLICA} through git")
    state = demo.work / "failover-state"
    shutil.copytree(demo.state_dir, state)
    demo.say(f"{SOURCE} stops answering: every call signed for it fails as an outage does")
    demo.emu.set_region_down(SOURCE, True)
    demo.say(f"the on-call engineer's pull request: all telephony and agents to {REPLICA}")
    _edit(state / "anycompany-demo" / "instance.yaml", _all_to(REPLICA))
    s = ["--state-dir", str(state)]
    demo.step(
        f"the plan is read from the replica in {REPLICA} (exit 2: changes)",
        ["plan", *s, "--detailed-exitcode"],
        2,
    )
    demo.step(
        f"apply writes to {REPLICA}, which answers",
        ["apply", *s, "--auto-approve", "--journal", str(demo.work / "failover.jsonl")],
        0,
    )
    demo.say(f"{SOURCE} comes back")
    demo.emu.set_region_down(SOURCE, False)
    demo.step("the next plan is empty: git and Connect agree", ["plan", *s, "--detailed-exitcode"], 0)


def break_glass(demo: Demo) -> None:
    demo.chapter(f"4. Break-glass: {SOURCE} fails at 3 a.m., on-call fails over now, git adopts it")
    state = demo.work / "break-glass-state"
    shutil.copytree(demo.state_dir, state)
    s = ["--state-dir", str(state)]
    demo.say("back to git's distribution first (the previous chapters moved traffic)")
    demo.step(
        "apply git's values", ["apply", *s, "--auto-approve", "--journal", str(demo.work / "back.jsonl")], 0
    )
    demo.say(f"{SOURCE} stops answering; nobody can wait for a review")
    demo.emu.set_region_down(SOURCE, True)
    demo.step(
        f"fail over now, from the replica in {REPLICA}; recorded as an override",
        [
            "failover",
            "--instance",
            "anycompany-demo",
            "--to",
            REPLICA,
            "--reason",
            "INC-1",
            *s,
            "--auto-approve",
            "--journal",
            str(demo.work / "break-glass.jsonl"),
        ],
        0,
    )
    demo.step("drift shows the override: who, when, why (exit 2 keeps the issue open)", ["drift", *s], 2)
    demo.step("plan holds the overridden groups back", ["plan", *s], 0)
    demo.step(
        "adopt: the live values written into the YAML, comments kept (one commit)",
        ["failover", "--instance", "anycompany-demo", "--adopt", *s],
        0,
    )
    demo.step("the plan is empty: git has caught up", ["plan", *s, "--detailed-exitcode"], 0)
    demo.emu.set_region_down(SOURCE, False)


def _all_to(region: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for group in doc["trafficDistributionGroups"].values():
            for field in ("telephony", "agents"):
                if field in group:
                    group[field] = {r: (100 if r == region else 0) for r in group[field]}
            if "signIn" in group:
                group["signIn"] = {**group["signIn"], region: True}

    return change


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


ROLLOUT_ALARM = "connect-missed-calls-use1"


def progressive_shift(demo: Demo) -> None:
    demo.chapter(f"3. A progressive shift: half the calls back to {SOURCE}, step by step, alarm-gated")
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the demo

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        demo.env["AWS_ENDPOINT_URL_CLOUDWATCH"] = f"http://{host}:{port}"
        alarms = cloudwatch_backends[DEFAULT_ACCOUNT_ID][SOURCE]  # moto's account for any key
        alarms.put_metric_alarm(
            ROLLOUT_ALARM,
            "AWS/Connect",
            "MissedCalls",
            "GreaterThanOrEqualToThreshold",
            1,
            60,
            1.0,
            "Sum",
            "missed calls in us-east-1",
            [],
            [],
        )
        alarms.set_alarm_state(ROLLOUT_ALARM, "ok", "{}", "OK")
        state = demo.work / "rollout-state"
        shutil.copytree(demo.work / "failover-state", state)
        demo.say(
            f"{SOURCE} is healthy again; the pull request moves half the calls back, 20 points at a time"
        )
        _edit(state / "anycompany-demo" / "instance.yaml", _rollout_back)
        s, journal = ["--state-dir", str(state)], str(demo.work / "rollout-1.jsonl")
        demo.step("the plan shows every step and the time it takes", ["plan", *s, "--detailed-exitcode"], 2)
        demo.say(f"during the bake of the second step (40/60), {ROLLOUT_ALARM} goes to ALARM")
        watcher = threading.Thread(target=_fire_at, args=(demo.emu, alarms, 40), daemon=True)
        watcher.start()
        demo.step(
            "apply halts (exit 1) and goes back to the last step that baked clean",
            ["apply", *s, "--auto-approve", "--journal", journal],
            1,
        )
        watcher.join(timeout=5)
        demo.say("the alarm clears; the next plan starts from the live 20/80")
        alarms.set_alarm_state(ROLLOUT_ALARM, "recovered", "{}", "OK")
        demo.step(
            "a re-run resumes and finishes",
            ["apply", *s, "--auto-approve", "--journal", str(demo.work / "rollout-2.jsonl")],
            0,
        )
        demo.step("the next plan is empty", ["plan", *s, "--detailed-exitcode"], 0)
    finally:
        demo.env.pop("AWS_ENDPOINT_URL_CLOUDWATCH", None)
        server.stop()


def _rollout_back(doc: dict[str, Any]) -> None:
    group = doc["trafficDistributionGroups"]["anycompany-default"]
    group["telephony"] = group["agents"] = {SOURCE: 50, REPLICA: 50}
    group["rollout"] = {"step": 20, "bake": "2s", "haltOn": {"alarms": [ROLLOUT_ALARM]}, "onHalt": "previous"}


def _fire_at(emu: Emulator, alarms: Any, share: int, timeout: float = 120.0) -> None:
    """Set the alarm to ALARM once the default group has `share`% of calls in the source Region."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        instance = emu.state.to_dict()["instances"][0]
        group = next(g for g in instance["trafficDistributionGroups"] if g.get("isDefault"))
        if group["telephony"].get(SOURCE) == share:
            time.sleep(0.5)  # into the bake
            alarms.set_alarm_state(
                ROLLOUT_ALARM, "Threshold Crossed: 1 datapoint [4.0] >= 1.0", "{}", "ALARM"
            )
            return
        time.sleep(0.05)


CHAPTERS = (day_to_day, region_outage, progressive_shift, break_glass)


def main(state_dir: str = "desired-state") -> int:
    with tempfile.TemporaryDirectory(prefix="reconciler-demo-") as work, Emulator(port=0) as emu:
        print(f"Connect emulator (demo state) listening on {emu.url}")
        demo = Demo(emu, Path(work), state_dir)
        for chapter in CHAPTERS:
            chapter(demo)
        print(f"\nDemo finished: {len(emu.calls())} API calls served by the emulator, all on 127.0.0.1.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
