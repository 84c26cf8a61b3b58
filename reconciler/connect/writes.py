"""The two writes. Bodies come from the plan as the reviewer saw them; this module only adds the
path parameters (group ARN, instance and queue IDs) that botocore puts in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.connect.clients import ClientFactory
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.connect.reads import target_of
from reconciler.desired.model import InstanceSpec


def update_traffic_distribution(
    factory: ClientFactory, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], region: str
) -> None:
    client = factory.connect(target_of(spec, region))
    try:
        client.update_traffic_distribution(Id=group_arn, **body)
    except AWS_ERRORS as exc:
        raise translate(
            exc, instance=spec.name, operation="UpdateTrafficDistribution", region=region
        ) from None


def update_queue_outbound_caller_config(
    factory: ClientFactory, spec: InstanceSpec, queue_id: str, body: Mapping[str, Any], region: str
) -> None:
    client = factory.connect(target_of(spec, region))
    try:
        client.update_queue_outbound_caller_config(InstanceId=spec.instance_id, QueueId=queue_id, **body)
    except AWS_ERRORS as exc:
        raise translate(
            exc, instance=spec.name, operation="UpdateQueueOutboundCallerConfig", region=region
        ) from None
