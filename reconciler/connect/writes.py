"""The two writes. Bodies come from the plan as the reviewer saw them; this module only adds the
path parameters (group ARN, instance and queue IDs) that botocore puts in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.connect.calls import Caller, Reader
from reconciler.desired.model import InstanceSpec


def update_traffic_distribution(
    caller: Caller, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], region: str
) -> None:
    Reader(caller, spec, region).call("UpdateTrafficDistribution", Id=group_arn, **body)


def update_queue_outbound_caller_config(
    caller: Caller, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], region: str
) -> None:
    Reader(caller, spec, region).call(
        "UpdateQueueOutboundCallerConfig", InstanceId=spec.instance_id, QueueId=queue_id, **body
    )
