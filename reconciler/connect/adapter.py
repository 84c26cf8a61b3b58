"""`Connect`: the port to Amazon Connect (`reconciler.port.ConnectPort`) implemented with boto3.

It holds what one run shares: the clients (`ClientFactory`: per credentials, Region and endpoint,
one rate limiter), what is known of each Region (`Caller`: answering or down), and the directory
of groups this machine has seen (`GroupDirectory`). Each call goes to the module that makes it:
`reads` for the snapshot and the single reads apply uses, `writes` for the two updates. The reads
of one instance run side by side in a small thread pool of their own, within the shared limiter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.connect import reads, writes
from reconciler.connect.calls import Caller
from reconciler.connect.clients import ClientFactory
from reconciler.connect.directory import GroupDirectory
from reconciler.desired.model import InstanceSpec
from reconciler.planning.live import Distribution, LiveInstance, LiveQueue

READ_WORKERS = 8


class Connect:
    def __init__(self, factory: ClientFactory, directory: GroupDirectory | None = None) -> None:
        self.factory = factory
        self.caller = Caller(factory)
        self.directory = directory or GroupDirectory()

    def regions_down(self) -> set[str]:
        """The Regions that did not answer in this run (and get no more calls in it)."""
        return self.caller.down()

    def read_instance(
        self, spec: InstanceSpec, groups: Collection[str] | None, *, region: str
    ) -> LiveInstance:
        with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="read") as pool:
            return reads.read_instance(
                self.caller, spec, groups, region=region, pool=pool, directory=self.directory
            )

    def read_groups(self, spec: InstanceSpec, groups: Collection[str], *, region: str) -> LiveInstance:
        """Only the instance's groups (`reads.read_groups`): for a break-glass failover."""
        with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="read") as pool:
            return reads.read_groups(
                self.caller, spec, groups, region=region, pool=pool, directory=self.directory
            )

    def search_queues(self, spec: InstanceSpec, *, region: str) -> Mapping[str, LiveQueue]:
        return reads.read_queues(self.caller, spec, region)

    def describe_queue(self, spec: InstanceSpec, queue_id: str, *, region: str) -> LiveQueue:
        return reads.describe_queue(self.caller, spec, queue_id, region)

    def group_status(self, spec: InstanceSpec, group_arn: str, *, region: str) -> str:
        return reads.group_status(self.caller, spec, group_arn, region)

    def traffic_distribution(self, spec: InstanceSpec, group_arn: str, *, region: str) -> Distribution:
        return reads.traffic_distribution(self.caller, spec, group_arn, region)

    def update_traffic_distribution(
        self, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        writes.update_traffic_distribution(self.caller, spec, group_arn, body, region)

    def update_queue_outbound_caller_config(
        self, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        writes.update_queue_outbound_caller_config(self.caller, spec, queue_id, body, region)
