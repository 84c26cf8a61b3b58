"""Constants of the demo fixture and small helpers shared by the applier tests.

Everything here drives the real reconciler code and real boto3 clients against the emulator on
127.0.0.1; nothing is mocked. Applier-level tests use a client factory without the client-side
rate limiter (the emulator's quotas are off unless a test turns them on) and `Settings` with short
verify/poll delays, so the suite stays fast.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from connect_emulator.ops import WRITES
from connect_emulator.server import Emulator
from reconciler.app import run as workflow
from reconciler.applying.applier import Outcome, Report, Settings
from reconciler.applying.journal import Journal
from reconciler.cli import cli
from reconciler.connect import ClientFactory, RateLimiter
from reconciler.planning.plan import Plan

REPO = Path(__file__).resolve().parents[2]
DEMO_STATE = REPO / "desired-state"
DEMO_FIXTURE = REPO / "connect_emulator" / "fixtures" / "demo.yaml"

ACCOUNT = "111122223333"
EAST = "us-east-1"
WEST = "us-west-2"
INSTANCE = "anycompany-demo"
INSTANCE_ID = "4a1b2c3d-0000-4000-8000-000000000001"
DEFAULT_GROUP = "7d000000-0000-4000-8000-000000000001"  # homed in us-east-1, IsDefault
OVERFLOW_GROUP = "7d000000-0000-4000-8000-000000000002"  # homed in us-east-1 too (groups live there)
DEFAULT_GROUP_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/{DEFAULT_GROUP}"
OVERFLOW_GROUP_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/{OVERFLOW_GROUP}"
QUEUES = {
    "BasicQueue": "0e000000-0000-4000-8000-000000000001",
    "Sales": "0e000000-0000-4000-8000-000000000002",
    "Support": "0e000000-0000-4000-8000-000000000003",
    "Billing": "0e000000-0000-4000-8000-000000000004",
    "Returns": "0e000000-0000-4000-8000-000000000005",
    "VIP": "0e000000-0000-4000-8000-000000000006",
    "Spanish": "0e000000-0000-4000-8000-000000000007",
    "Callbacks": "0e000000-0000-4000-8000-000000000008",
    "Escalations": "0e000000-0000-4000-8000-000000000009",
    "Retention": "0e000000-0000-4000-8000-00000000000a",
    "Tech Support": "0e000000-0000-4000-8000-00000000000b",
    "After Hours": "0e000000-0000-4000-8000-00000000000c",
}
FLOW_DEFAULT = "f0000000-0000-4000-8000-000000000001"
FLOW_SALES = "f0000000-0000-4000-8000-000000000002"
FLOW_SUPPORT = "f0000000-0000-4000-8000-000000000003"
NUMBER_1 = "90000000-0000-4000-8000-000000000001"  # +12065550100, instance
NUMBER_2 = "90000000-0000-4000-8000-000000000002"  # +12065550101, instance
NUMBER_3 = "90000000-0000-4000-8000-000000000003"  # +12065550102, instance
NUMBER_TOLL_FREE = "90000000-0000-4000-8000-000000000004"  # +18885550199, default group (east)
NUMBER_WEST = "90000000-0000-4000-8000-000000000005"  # +15035550123, overflow group (east)

INSTANCE_BLOCK = {
    "name": INSTANCE,
    "id": INSTANCE_ID,
    "region": EAST,
    "replicaRegion": WEST,
    "accountId": ACCOUNT,
}


def number_arn(number_id: str, region: str = EAST) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:phone-number/{number_id}"


# --- emulator ------------------------------------------------------------------------------------


def demo_fixture() -> dict[str, Any]:
    """The demo live state in the fixture format, as a fresh mapping a test may edit."""
    data: dict[str, Any] = yaml.safe_load(DEMO_FIXTURE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def writes(emu: Emulator) -> list[dict[str, Any]]:
    """The write calls (UpdateTrafficDistribution, UpdateQueueOutboundCallerConfig) in log order."""
    return [c for c in emu.calls() if c["operation"] in WRITES]


def live_queue(emu: Emulator, name: str) -> dict[str, Any]:
    """A queue of the demo instance as the emulator holds it (fixture format)."""
    instance = emu.state.to_dict()["instances"][0]
    queue: dict[str, Any] = next(q for q in instance["queues"] if q["name"] == name)
    return queue


def live_group(emu: Emulator, group_id: str) -> dict[str, Any]:
    instance = emu.state.to_dict()["instances"][0]
    group: dict[str, Any] = next(g for g in instance["trafficDistributionGroups"] if g["id"] == group_id)
    return group


# --- desired state -------------------------------------------------------------------------------


def copy_demo(dest: Path) -> Path:
    """A copy of the repository's desired-state/ tree, for a test to edit."""
    shutil.copytree(DEMO_STATE, dest)
    return dest


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Load a desired-state file, let `change` edit the mapping in place, write it back."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_desired(
    dest: Path, *, groups: dict[str, Any] | None = None, queues: dict[str, Any] | None = None
) -> Path:
    """A one-file desired state for the demo instance with exactly these groups and queues."""
    dest.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"instance": dict(INSTANCE_BLOCK)}
    if groups:
        doc["trafficDistributionGroups"] = groups
    if queues:
        doc["queues"] = queues
    (dest / "instance.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")
    return dest


# --- running the applier -------------------------------------------------------------------------


def fast_factory(emu: Emulator) -> ClientFactory:
    """Clients for `emu`, without the client-side rate limiter (the emulator's quotas decide)."""
    return ClientFactory(endpoint_url=emu.url, limiter=RateLimiter(rate=0))


def fast_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "verify_delay": 0.01,
        "verify_attempts": 4,
        "poll_interval": 0.02,
        "wait_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def attempts(factory: ClientFactory) -> int:
    """How many times botocore sends a retryable request before giving up.

    botocore's `max_attempts` counts retries (the first request comes on top); `total_max_attempts`
    counts every request.
    """
    retries: dict[str, Any] = dict(getattr(factory.config, "retries", None) or {})
    total = retries.get("total_max_attempts") or retries.get("max_attempts", 4) + 1
    return int(total)


def make_plan(state_dir: Path, factory: ClientFactory) -> Plan:
    return workflow.plan(str(state_dir), factory=factory)


def run_apply(
    state_dir: Path,
    factory: ClientFactory,
    plan: Plan | None = None,
    *,
    settings: Settings | None = None,
    journal: Journal | None = None,
) -> tuple[Plan, Report]:
    """Plan (unless given) and apply `state_dir` through the same calls the CLI makes."""
    made = plan if plan is not None else make_plan(state_dir, factory)
    desired = workflow.load_desired(str(state_dir))
    report = workflow.applier(factory, desired, made, journal, settings or fast_settings()).run(made)
    return made, report


def outcomes(report: Report) -> dict[str, Outcome]:
    """Change name -> outcome."""
    return {r.change.name: r.outcome for r in report.results}


def invoke(*args: str, input: str | None = None, runner: CliRunner | None = None) -> Result:
    """Run the `reconciler` CLI in-process; it must never end in an escaped exception."""
    result = (runner or CliRunner()).invoke(cli, list(args), prog_name="reconciler", input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def apply_saved(planfile: Path, state_dir: Path, journal: Path, *flags: str) -> Result:
    """`reconciler apply PLANFILE --state-dir DIR --auto-approve --journal FILE FLAGS...`."""
    return invoke(
        "apply",
        str(planfile),
        "--state-dir",
        str(state_dir),
        "--auto-approve",
        *flags,
        "--journal",
        str(journal),
    )
