"""The demo contact centre, declared once: the IDs of `connect_emulator/fixtures/demo.yaml`.

Every test that talks about the demo instance takes its names and IDs from here, so a change to
the fixture is a change to one file. Helpers to copy and edit the demo's desired state live here
too.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_STATE = REPO / "desired-state"
DEMO_FIXTURE = REPO / "connect_emulator" / "fixtures" / "demo.yaml"
WORKFLOWS = REPO / ".github" / "workflows"

ACCOUNT = "111122223333"
EAST = "us-east-1"  # the instance's Region
WEST = "us-west-2"  # its replica's Region
INSTANCE = "anycompany-demo"  # the instance's name in the desired state
INSTANCE_ID = "4a1b2c3d-0000-4000-8000-000000000001"
INSTANCE_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{INSTANCE_ID}"

DEFAULT_GROUP = "7d000000-0000-4000-8000-000000000001"  # anycompany-default, IsDefault
OVERFLOW_GROUP = "7d000000-0000-4000-8000-000000000002"  # anycompany-overflow
GROUP_HOME = {DEFAULT_GROUP: EAST, OVERFLOW_GROUP: EAST}  # groups live in the source Region
DEFAULT_GROUP_ARN = (
    f"arn:aws:connect:{GROUP_HOME[DEFAULT_GROUP]}:{ACCOUNT}:traffic-distribution-group/{DEFAULT_GROUP}"
)
OVERFLOW_GROUP_ARN = (
    f"arn:aws:connect:{GROUP_HOME[OVERFLOW_GROUP]}:{ACCOUNT}:traffic-distribution-group/{OVERFLOW_GROUP}"
)

FLOW_DEFAULT = "f0000000-0000-4000-8000-000000000001"  # "Default outbound" (OUTBOUND_WHISPER)
FLOW_SALES = "f0000000-0000-4000-8000-000000000002"  # "Sales outbound whisper"
FLOW_SUPPORT = "f0000000-0000-4000-8000-000000000003"  # "Support outbound whisper"
FLOW_INBOUND = "f0000000-0000-4000-8000-000000000004"  # "Main inbound" (CONTACT_FLOW)
FLOW_AGENT = "f0000000-0000-4000-8000-000000000005"  # "Default agent whisper" (AGENT_WHISPER)

NUMBER_1 = "90000000-0000-4000-8000-000000000001"  # +12065550100, claimed to the instance
NUMBER_2 = "90000000-0000-4000-8000-000000000002"  # +12065550101, claimed to the instance
NUMBER_3 = "90000000-0000-4000-8000-000000000003"  # +12065550102, claimed to the instance
NUMBER_TOLL_FREE = "90000000-0000-4000-8000-000000000004"  # +18885550199, the default group
NUMBER_OVERFLOW = "90000000-0000-4000-8000-000000000005"  # +15035550123, the overflow group

QUEUES = {
    "BasicQueue": "0e000000-0000-4000-8000-000000000001",
    "Sales": "0e000000-0000-4000-8000-000000000002",
    "Support": "0e000000-0000-4000-8000-000000000003",
    "Billing": "0e000000-0000-4000-8000-000000000004",
    "Returns": "0e000000-0000-4000-8000-000000000005",  # no whisper flow
    "VIP": "0e000000-0000-4000-8000-000000000006",  # number stored as an ARN
    "Spanish": "0e000000-0000-4000-8000-000000000007",
    "Callbacks": "0e000000-0000-4000-8000-000000000008",  # no caller config at all
    "Escalations": "0e000000-0000-4000-8000-000000000009",
    "Retention": "0e000000-0000-4000-8000-00000000000a",
    "Tech Support": "0e000000-0000-4000-8000-00000000000b",
    "After Hours": "0e000000-0000-4000-8000-00000000000c",  # number of the overflow group, as an ARN
}
AGENT_QUEUE = "0e000000-0000-4000-8000-0000000000a1"

INSTANCE_BLOCK = {
    "name": INSTANCE,
    "id": INSTANCE_ID,
    "region": EAST,
    "replicaRegion": WEST,
    "accountId": ACCOUNT,
}


def number_arn(number_id: str, region: str = EAST) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:phone-number/{number_id}"


def queue_arn(queue_id: str) -> str:
    return f"{INSTANCE_ARN}/queue/{queue_id}"


def demo_fixture() -> dict[str, Any]:
    """The demo live state in the fixture format, as a fresh mapping a test may edit."""
    data: dict[str, Any] = yaml.safe_load(DEMO_FIXTURE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


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
