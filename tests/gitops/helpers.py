"""Constants of the demo fixture and small helpers shared by the GitOps tests.

Everything drives the real reconciler code and real boto3 clients against the emulator on
127.0.0.1; nothing is mocked. Commands run in-process through click's CliRunner (the endpoint in
AWS_ENDPOINT_URL_CONNECT, as users set it) or through the `workflow` functions the CLI calls.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from connect_emulator.ops import WRITES
from connect_emulator.server import Emulator
from reconciler.app import run as workflow
from reconciler.applying.applier import Outcome, Settings
from reconciler.cli import cli
from reconciler.connect import ClientFactory, RateLimiter

ROOT = Path(__file__).resolve().parents[2]
DEMO_STATE = ROOT / "desired-state"
WORKFLOWS = ROOT / ".github" / "workflows"
VENV_BIN = ROOT / ".venv" / "bin"

ACCOUNT = "111122223333"
EAST = "us-east-1"
WEST = "us-west-2"
INSTANCE = "anycompany-demo"
INSTANCE_ID = "4a1b2c3d-0000-4000-8000-000000000001"
DEFAULT_GROUP = "7d000000-0000-4000-8000-000000000001"  # anycompany-default, homed in us-east-1
OVERFLOW_GROUP = "7d000000-0000-4000-8000-000000000002"  # anycompany-overflow, homed in us-west-2
SALES = "0e000000-0000-4000-8000-000000000002"
SUPPORT = "0e000000-0000-4000-8000-000000000003"
BILLING = "0e000000-0000-4000-8000-000000000004"
FLOW_SUPPORT = "f0000000-0000-4000-8000-000000000003"  # "Support outbound whisper"
FLOW_INBOUND = "f0000000-0000-4000-8000-000000000004"  # "Main inbound", a CONTACT_FLOW
NUMBER_2 = "90000000-0000-4000-8000-000000000002"  # +12065550101, claimed to the instance
NUMBER_WEST = "90000000-0000-4000-8000-000000000005"  # +15035550123, claimed to the overflow group

INSTANCE_BLOCK = {
    "name": INSTANCE,
    "id": INSTANCE_ID,
    "region": EAST,
    "replicaRegion": WEST,
    "accountId": ACCOUNT,
}


def invoke(*args: str) -> Result:
    """Run the `reconciler` CLI in-process; it must never end in an escaped exception."""
    result = CliRunner().invoke(cli, list(args), prog_name="reconciler")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def one_line_error(result: Result) -> str:
    """The whole of stderr, checked to be exactly one `error: ...` line and no traceback."""
    err = result.stderr
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: "), err
    assert "Traceback" not in result.output
    return err.strip()


def copy_demo(dest: Path) -> Path:
    """A copy of the repository's desired-state/ tree."""
    shutil.copytree(DEMO_STATE, dest)
    return dest


def write_instance(folder: Path, block: dict[str, Any], **sections: Any) -> Path:
    """One `instance.yaml` with the instance block and any sections (queues, groups)."""
    folder.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"instance": dict(block)}
    doc.update({k: v for k, v in sections.items() if v})
    path = folder / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def fast_factory(emu: Emulator) -> ClientFactory:
    """Clients for `emu` without the client-side rate limiter (the emulator's quotas are off)."""
    return workflow.make_factory(emu.url, RateLimiter(rate=0))


def apply_state(emu: Emulator, state_dir: Path) -> int:
    """Plan and apply `state_dir` with the calls the CLI makes; returns the number applied."""
    factory = fast_factory(emu)
    made = workflow.plan(str(state_dir), factory=factory)
    desired = workflow.load_desired(str(state_dir))
    settings = Settings(verify_delay=0.01, verify_attempts=4, poll_interval=0.02, wait_timeout=5.0)
    report = workflow.applier(factory, desired, made, None, settings).run(made)
    assert report.ok, report
    return sum(1 for r in report.results if r.outcome is Outcome.APPLIED)


def operations(emu: Emulator) -> list[str]:
    """The operation of every API call in the emulator's log, in order."""
    return [str(c["operation"]) for c in emu.calls()]


def write_calls(emu: Emulator) -> list[dict[str, Any]]:
    """Calls that change state: the emulator's writes, and anything named Update*/Create*/...."""
    mutating = ("Update", "Create", "Delete", "Put", "Associate", "Disassociate", "Claim", "Release")
    return [c for c in emu.calls() if c["operation"] in WRITES or str(c["operation"]).startswith(mutating)]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
