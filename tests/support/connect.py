"""The real port (boto3) pointed at an emulator, and the stages of a run driven through it.

Creating boto3 clients costs a few hundred milliseconds (botocore loads the Connect model), so
tests share ports where they can. Ports here have no client-side rate limit: the emulator's own
quotas, when a test turns them on, decide. Settings shorten apply's waits so the suite stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connect_emulator.ops import WRITES
from connect_emulator.server import Emulator
from reconciler.app.run import Run
from reconciler.applying.applier import Applier
from reconciler.applying.journal import Journal
from reconciler.applying.results import Outcome, Report
from reconciler.applying.settings import Settings
from reconciler.connect import ClientFactory, Connect, RateLimiter
from reconciler.planning.plan import Plan
from reconciler.port import ConnectPort


def emulator_port(emu: Emulator, limiter: RateLimiter | None = None, **factory: Any) -> Connect:
    """The boto3 port for `emu`, without the client-side rate limiter unless one is given."""
    return Connect(
        ClientFactory(
            endpoint_url=emu.url, limiter=limiter if limiter is not None else RateLimiter(rate=0), **factory
        )
    )


def fast_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "verify_delay": 0.01,
        "verify_attempts": 4,
        "poll_interval": 0.02,
        "wait_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def make_plan(state_dir: Path, port: ConnectPort, **options: Any) -> Plan:
    """`Run.plan` over `port`, as the CLI makes a plan."""
    return Run(port=port).plan(str(state_dir), **options)


def run_apply(
    state_dir: Path,
    port: ConnectPort,
    plan: Plan | None = None,
    *,
    settings: Settings | None = None,
    journal: Journal | None = None,
) -> tuple[Plan, Report]:
    """Plan (unless given) and apply `state_dir` through `port`, without the lock."""
    made = plan if plan is not None else make_plan(state_dir, port)
    report = Applier(port, journal, settings or fast_settings()).run(made)
    return made, report


def outcomes(report: Report) -> dict[str, Outcome]:
    """Change name -> outcome."""
    return {r.change.name: r.outcome for r in report.results}


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


def attempts(port: Connect) -> int:
    """How many times botocore sends a retryable request before giving up."""
    retries: dict[str, Any] = dict(getattr(port.factory.config, "retries", None) or {})
    total = retries.get("total_max_attempts") or retries.get("max_attempts", 4) + 1
    return int(total)
