"""`make demo`: the whole GitOps story against the embedded Connect emulator, in under a minute.

validate -> plan (saved) -> apply the saved plan -> plan again (empty) -> someone changes a queue
outside git -> drift catches it. Each step runs the real `reconciler` command in a subprocess, as
a user or CI job would, against an emulator on a free 127.0.0.1 port with dummy credentials, so
nothing here can reach AWS. Exit 0 when every step behaved as expected.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from connect_emulator.server import Emulator

SALES_QUEUE = "0e000000-0000-4000-8000-000000000002"
DEMO_INSTANCE = "4a1b2c3d-0000-4000-8000-000000000001"


def _step(title: str, args: list[str], env: dict[str, str], expect: int) -> None:
    print(f"\n$ reconciler {' '.join(args)}    # {title}", flush=True)
    done = subprocess.run([sys.executable, "-m", "reconciler", *args], env=env, check=False)
    if done.returncode != expect:
        print(f"demo: expected exit {expect}, got {done.returncode}", file=sys.stderr)
        raise SystemExit(1)


def main(state_dir: str = "desired-state") -> int:
    with tempfile.TemporaryDirectory(prefix="reconciler-demo-") as work, Emulator(port=0) as emu:
        print(f"Connect emulator (demo state) listening on {emu.url}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL_CONNECT=emu.url,
            AWS_ACCESS_KEY_ID="AKIADEMODEMODEMO0000",
            AWS_SECRET_ACCESS_KEY="demo",
            AWS_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            # the apply lock too stays in the scratch folder: a RECONCILER_LOCK of the user's own
            # (dynamodb://TABLE) would otherwise send the demo's apply to real AWS
            RECONCILER_LOCK=f"file://{Path(work, 'locks')}",
        )
        plan_file = str(Path(work, "demo.plan.json"))
        journal = str(Path(work, "apply.jsonl"))
        s = ["--state-dir", state_dir]
        _step("check the YAML, no AWS calls", ["validate", *s], env, 0)
        _step(
            "what would change (exit 2: changes)",
            ["plan", *s, "--out", plan_file, "--detailed-exitcode"],
            env,
            2,
        )
        _step(
            "apply exactly the saved plan",
            ["apply", plan_file, *s, "--auto-approve", "--journal", journal],
            env,
            0,
        )
        _step("plan again: nothing left to do", ["plan", *s, "--detailed-exitcode"], env, 0)
        print("\n# someone renames the Sales caller ID in the Connect console, outside git", flush=True)
        emu.set_queue_caller_config(DEMO_INSTANCE, SALES_QUEUE, name="Sales (temp)")
        _step("the scheduled drift check catches it (exit 2: drift)", ["drift", *s], env, 2)
        print(f"\nDemo finished: {len(emu.calls())} API calls served by the emulator, all on 127.0.0.1.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
