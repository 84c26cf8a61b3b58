"""Shared values of the planner tests: the demo fixture's IDs, hand-built live snapshots, small
desired-state trees, and a plan made through the real read path against an emulator.

The live snapshot `demo_live()` mirrors `connect_emulator/fixtures/demo.yaml` exactly as the
reader returns it (checked by test_read_calls.py), so pure tests and integration tests agree.
"""

from __future__ import annotations

import copy
import textwrap
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from connect_emulator.server import Emulator
from reconciler.app import run as workflow
from reconciler.connect import RateLimiter
from reconciler.desired import loader
from reconciler.desired.model import DesiredState
from reconciler.planning.live import (
    Distribution,
    LiveFlow,
    LiveGroup,
    LiveInstance,
    LivePhoneNumber,
    LiveQueue,
    LiveState,
)
from reconciler.planning.plan import Plan

REPO = Path(__file__).resolve().parents[2]
DEMO_FIXTURE = REPO / "connect_emulator" / "fixtures" / "demo.yaml"

ACCOUNT = "111122223333"
EAST = "us-east-1"
WEST = "us-west-2"
IID = "4a1b2c3d-0000-4000-8000-000000000001"
INSTANCE_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:instance/{IID}"

DEFAULT_GROUP = "7d000000-0000-4000-8000-000000000001"  # homed in us-east-1, IsDefault
OVERFLOW_GROUP = "7d000000-0000-4000-8000-000000000002"  # homed in us-east-1 too (groups live there)
DEFAULT_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/{DEFAULT_GROUP}"
OVERFLOW_ARN = f"arn:aws:connect:{EAST}:{ACCOUNT}:traffic-distribution-group/{OVERFLOW_GROUP}"

FLOW_DEFAULT = "f0000000-0000-4000-8000-000000000001"  # Default outbound (OUTBOUND_WHISPER)
FLOW_SALES = "f0000000-0000-4000-8000-000000000002"  # Sales outbound whisper
FLOW_SUPPORT = "f0000000-0000-4000-8000-000000000003"  # Support outbound whisper
FLOW_INBOUND = "f0000000-0000-4000-8000-000000000004"  # Main inbound (CONTACT_FLOW)
FLOW_AGENT = "f0000000-0000-4000-8000-000000000005"  # Default agent whisper (AGENT_WHISPER)

NUM_1 = "90000000-0000-4000-8000-000000000001"  # +12065550100, instance
NUM_2 = "90000000-0000-4000-8000-000000000002"  # +12065550101, instance
NUM_3 = "90000000-0000-4000-8000-000000000003"  # +12065550102, instance
NUM_TOLL = "90000000-0000-4000-8000-000000000004"  # +18885550199, default group (us-east-1)
NUM_WEST = "90000000-0000-4000-8000-000000000005"  # +15035550123, overflow group (us-east-1)

Q_BASIC = "0e000000-0000-4000-8000-000000000001"
Q_SALES = "0e000000-0000-4000-8000-000000000002"
Q_SUPPORT = "0e000000-0000-4000-8000-000000000003"
Q_BILLING = "0e000000-0000-4000-8000-000000000004"
Q_RETURNS = "0e000000-0000-4000-8000-000000000005"  # no whisper flow
Q_VIP = "0e000000-0000-4000-8000-000000000006"  # number stored as an ARN
Q_SPANISH = "0e000000-0000-4000-8000-000000000007"
Q_CALLBACKS = "0e000000-0000-4000-8000-000000000008"  # no caller config at all
Q_ESCALATIONS = "0e000000-0000-4000-8000-000000000009"
Q_RETENTION = "0e000000-0000-4000-8000-00000000000a"
Q_TECH = "0e000000-0000-4000-8000-00000000000b"
Q_AFTER_HOURS = "0e000000-0000-4000-8000-00000000000c"  # number of the overflow group, as an ARN


def number_arn(number_id: str, region: str = EAST) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:phone-number/{number_id}"


def queue_arn(queue_id: str) -> str:
    return f"{INSTANCE_ARN}/queue/{queue_id}"


def flow_arn(flow_id: str) -> str:
    return f"{INSTANCE_ARN}/contact-flow/{flow_id}"


# --- emulator states ----------------------------------------------------------------------------


def demo_state() -> dict[str, Any]:
    """The demo fixture as a dict, a fresh copy each time (tests change it)."""
    return copy.deepcopy(_DEMO)


_DEMO: dict[str, Any] = yaml.safe_load(DEMO_FIXTURE.read_text(encoding="utf-8"))


def demo_queue(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in state["instances"][0]["queues"] if q["name"] == name)


def demo_group(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in state["instances"][0]["trafficDistributionGroups"] if g["name"] == name)


# --- hand-built live snapshots ------------------------------------------------------------------


def _q(qid: str, name: str, caller: str | None, number: str | None, flow: str | None) -> LiveQueue:
    return LiveQueue(qid, queue_arn(qid), name, caller, number, flow)


def demo_live(**changes: Any) -> LiveInstance:
    """The demo instance as the reader returns it (fields of LiveInstance can be replaced)."""
    live = LiveInstance(
        name="demo",
        id=IID,
        region=EAST,
        replica_region=WEST,
        account=ACCOUNT,
        queues=(
            _q(Q_BASIC, "BasicQueue", "AnyCompany", NUM_1, FLOW_DEFAULT),
            _q(Q_SALES, "Sales", "AnyCompany Sales", NUM_2, FLOW_SALES),
            _q(Q_SUPPORT, "Support", "AnyCompany Support", NUM_3, FLOW_SUPPORT),
            _q(Q_BILLING, "Billing", "AnyCompany Billing", NUM_1, FLOW_DEFAULT),
            _q(Q_RETURNS, "Returns", "AnyCompany Returns", NUM_1, None),
            _q(Q_VIP, "VIP", "AnyCompany VIP", number_arn(NUM_TOLL), FLOW_SALES),
            _q(Q_SPANISH, "Spanish", "AnyCompany Español", NUM_2, None),
            _q(Q_CALLBACKS, "Callbacks", None, None, None),
            _q(Q_ESCALATIONS, "Escalations", "AnyCompany Support", NUM_3, None),
            _q(Q_RETENTION, "Retention", "AnyCompany", NUM_1, None),
            _q(Q_TECH, "Tech Support", "AnyCompany Tech", NUM_3, FLOW_SUPPORT),
            _q(Q_AFTER_HOURS, "After Hours", "AnyCompany", number_arn(NUM_WEST), None),
        ),
        flows=(
            LiveFlow(FLOW_DEFAULT, flow_arn(FLOW_DEFAULT), "Default outbound", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_SALES, flow_arn(FLOW_SALES), "Sales outbound whisper", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_SUPPORT, flow_arn(FLOW_SUPPORT), "Support outbound whisper", "OUTBOUND_WHISPER"),
            LiveFlow(FLOW_INBOUND, flow_arn(FLOW_INBOUND), "Main inbound", "CONTACT_FLOW"),
            LiveFlow(FLOW_AGENT, flow_arn(FLOW_AGENT), "Default agent whisper", "AGENT_WHISPER"),
        ),
        numbers=(
            LivePhoneNumber(NUM_1, number_arn(NUM_1), "+12065550100", INSTANCE_ARN),
            LivePhoneNumber(NUM_2, number_arn(NUM_2), "+12065550101", INSTANCE_ARN),
            LivePhoneNumber(NUM_3, number_arn(NUM_3), "+12065550102", INSTANCE_ARN),
            LivePhoneNumber(NUM_TOLL, number_arn(NUM_TOLL), "+18885550199", DEFAULT_ARN),
            LivePhoneNumber(NUM_WEST, number_arn(NUM_WEST), "+15035550123", OVERFLOW_ARN),
        ),
        groups=(
            LiveGroup(
                DEFAULT_GROUP,
                DEFAULT_ARN,
                "anycompany-default",
                "ACTIVE",
                True,
                Distribution({EAST: 100, WEST: 0}, {EAST: 100, WEST: 0}, {EAST: True, WEST: False}),
            ),
            LiveGroup(
                OVERFLOW_GROUP,
                OVERFLOW_ARN,
                "anycompany-overflow",
                "ACTIVE",
                False,
                Distribution({EAST: 50, WEST: 50}, {EAST: 50, WEST: 50}, None),
            ),
        ),
        calls=11,
    )
    return replace(live, **changes)


def with_group(live: LiveInstance, name: str, **changes: Any) -> LiveInstance:
    """`live` with the group called `name` changed (LiveGroup fields, or `distribution=`)."""
    groups = tuple(replace(g, **changes) if g.name == name else g for g in live.groups)
    return replace(live, groups=groups)


def with_queue(live: LiveInstance, name: str, **changes: Any) -> LiveInstance:
    queues = tuple(replace(q, **changes) if q.name == name else q for q in live.queues)
    return replace(live, queues=queues)


def state_of(*instances: LiveInstance) -> LiveState:
    return LiveState(instances=instances)


# --- desired-state trees ------------------------------------------------------------------------

INSTANCE_BLOCK = f"""\
instance:
  name: demo
  id: {IID}
  region: us-east-1
  replicaRegion: us-west-2
  accountId: "{ACCOUNT}"
"""
BODY_FIRST_LINE = INSTANCE_BLOCK.count("\n") + 1  # the first line of `body` in write_desired


def write_desired(root: Path, body: str, *, instance: str = INSTANCE_BLOCK, name: str = "demo.yaml") -> Path:
    """A one-file desired-state tree under `root`: the instance block, then `body` (dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(instance + textwrap.dedent(body), encoding="utf-8")
    return root


def load_desired(root: Path, body: str, **kwargs: Any) -> DesiredState:
    return loader.load(write_desired(root, body, **kwargs))


# --- plans through the real read path -----------------------------------------------------------


def plan_against(emu: Emulator, state_dir: Path | str, limiter: RateLimiter | None = None) -> Plan:
    """`workflow.plan` with real boto3 clients talking to `emu` (no client-side rate limit)."""
    factory = workflow.make_factory(emu.url, limiter=limiter if limiter is not None else RateLimiter(rate=0))
    return workflow.plan(str(state_dir), factory=factory)


def operation_counts(emu: Emulator) -> Counter[str]:
    return Counter(str(c["operation"]) for c in emu.calls())
