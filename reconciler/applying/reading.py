"""Read the live state of several instances through the port: side by side, from either Region.

Plans, drift reports and apply's refresh all start here. Traffic distribution exists for the day
a Region fails, so an instance is read in its own Region and, when that Region does not answer
(no connection, timeouts, 5xx), in its replica's, which serves the same instance: same instance
ID, same resource IDs. The snapshot says which Region it was read in (`read_region`), and every
output says so at the top. Both Regions silent is one clear error, before anything is written.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError, ReconcilerError
from reconciler.gcpause import paused
from reconciler.planning.live import LiveGroup, LiveInstance, LiveState
from reconciler.planning.resolve import Resolver, Unresolved
from reconciler.port import ConnectPort

INSTANCE_WORKERS = 4


class RegionsDown(ReconcilerError):
    """Neither Region of an instance answered: nothing can be read there, so nothing is written."""


@paused()
def read_state(port: ConnectPort, items: Sequence[tuple[InstanceSpec, Collection[str] | None]]) -> LiveState:
    """Each instance read in its own Region or its replica's, with distributions for the groups
    named with it."""
    if len(items) == 1:
        return LiveState(instances=(read_anywhere(port, *items[0]),))
    with ThreadPoolExecutor(INSTANCE_WORKERS, thread_name_prefix="instance") as pool:
        futures = [pool.submit(read_anywhere, port, spec, groups) for spec, groups in items]
        return LiveState(instances=tuple(f.result() for f in futures))


def read_anywhere(port: ConnectPort, spec: InstanceSpec, groups: Collection[str] | None) -> LiveInstance:
    """`spec` read in its Region, else in its replica's; raises RegionsDown when neither answers."""
    failures: list[ConnectCallError] = []
    for region in spec.regions:
        try:
            return port.read_instance(spec, groups, region=region)
        except ConnectCallError as exc:
            if not exc.unreachable:
                raise
            failures.append(exc)
    reasons = "; ".join(str(f).removeprefix(f"{spec.name}: ") for f in failures)
    raise RegionsDown(
        f"{spec.name}: neither {spec.region} nor {spec.replica_region} answers, so nothing was read "
        f"and nothing was written ({reasons})"
    )


TRANSIENT = ("UPDATE_IN_PROGRESS", "CREATION_IN_PROGRESS")


def wait_for_groups(
    port: ConnectPort,
    live: LiveInstance,
    spec: InstanceSpec,
    keys: Collection[str],
    *,
    timeout: float,
    poll: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> LiveInstance:
    """`live` once its managed groups that were busy (UPDATE_IN_PROGRESS after someone's update,
    CREATION_IN_PROGRESS) are ACTIVE again, with their distributions; those still busy after
    `timeout` seconds stay as they are, and the plan shows them blocked."""
    resolver = Resolver(live)
    wanted: set[str] = set()
    for key in keys:
        with contextlib.suppress(Unresolved):
            wanted.add(resolver.group(key).id)
    busy = {g.id: g for g in live.groups if g.id in wanted and g.status in TRANSIENT}
    if not busy or timeout <= 0:
        return live
    region = live.read_region or spec.region
    deadline = clock() + timeout
    settled: dict[str, LiveGroup] = {}
    while busy:
        for group_id, group in list(busy.items()):
            status = port.group_status(spec, group.arn, region=region)
            if status == "ACTIVE":
                distribution = port.traffic_distribution(spec, group.arn, region=region)
                settled[group_id] = replace(group, status=status, distribution=distribution)
                del busy[group_id]
            elif status not in TRANSIENT:
                settled[group_id] = replace(group, status=status)
                del busy[group_id]
        left = deadline - clock()
        if not busy or left <= 0:
            break
        sleep(min(poll, left))
    if not settled:
        return live
    return replace(live, groups=tuple(settled.get(g.id, g) for g in live.groups))
