"""Read the live state of several instances through the port, side by side.

Plans, drift reports and apply's refresh all start here. Instances are independent, so they are
read concurrently (each instance's own reads run concurrently inside the port, within the shared
rate limiter).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from reconciler.desired.model import InstanceSpec
from reconciler.gcpause import paused
from reconciler.planning.live import LiveState
from reconciler.port import ConnectPort

INSTANCE_WORKERS = 4


@paused()
def read_state(port: ConnectPort, items: Sequence[tuple[InstanceSpec, Collection[str] | None]]) -> LiveState:
    """Each instance read in its own Region, with distributions for the groups named with it."""
    if len(items) == 1:
        spec, groups = items[0]
        return LiveState(instances=(port.read_instance(spec, groups, region=spec.region),))
    with ThreadPoolExecutor(INSTANCE_WORKERS, thread_name_prefix="instance") as pool:
        futures = [
            pool.submit(port.read_instance, spec, groups, region=spec.region) for spec, groups in items
        ]
        return LiveState(instances=tuple(f.result() for f in futures))
