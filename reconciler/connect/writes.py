"""The two writes, and the single-resource reads that apply uses to wait and to verify.

Bodies come from the plan exactly as the reviewer saw them; this module only adds the path
parameters (group ARN, instance and queue IDs) that botocore puts in the URL.
"""

from __future__ import annotations

from typing import Any

from reconciler.connect.clients import ClientFactory, Target
from reconciler.connect.errors import translate
from reconciler.connect.reads import flags, percentages, queue_from
from reconciler.planning.live import Distribution, LiveQueue


def update_traffic_distribution(
    factory: ClientFactory, target: Target, group_arn: str, body: dict[str, Any]
) -> None:
    client = factory.connect(target)
    try:
        client.update_traffic_distribution(Id=group_arn, **body)
    except Exception as exc:
        raise translate(
            exc, instance=target.instance, operation="UpdateTrafficDistribution", region=target.region
        ) from None


def update_queue_outbound_caller_config(
    factory: ClientFactory, target: Target, instance_id: str, queue_id: str, body: dict[str, Any]
) -> None:
    client = factory.connect(target)
    try:
        client.update_queue_outbound_caller_config(InstanceId=instance_id, QueueId=queue_id, **body)
    except Exception as exc:
        raise translate(
            exc, instance=target.instance, operation="UpdateQueueOutboundCallerConfig", region=target.region
        ) from None


def group_status(factory: ClientFactory, target: Target, group_arn: str) -> str:
    client = factory.connect(target)
    try:
        described = client.describe_traffic_distribution_group(TrafficDistributionGroupId=group_arn)
    except Exception as exc:
        raise translate(
            exc, instance=target.instance, operation="DescribeTrafficDistributionGroup", region=target.region
        ) from None
    return str(described.get("TrafficDistributionGroup", {}).get("Status", "UNKNOWN"))


def traffic_distribution(factory: ClientFactory, target: Target, group_arn: str) -> Distribution:
    client = factory.connect(target)
    try:
        got: dict[str, Any] = dict(client.get_traffic_distribution(Id=group_arn))
    except Exception as exc:
        raise translate(
            exc, instance=target.instance, operation="GetTrafficDistribution", region=target.region
        ) from None
    return Distribution(
        telephony=percentages(got.get("TelephonyConfig")) or {},
        agents=percentages(got.get("AgentConfig")),
        sign_in=flags(got.get("SignInConfig")),
    )


def describe_queue(factory: ClientFactory, target: Target, instance_id: str, queue_id: str) -> LiveQueue:
    client = factory.connect(target)
    try:
        described: dict[str, Any] = dict(client.describe_queue(InstanceId=instance_id, QueueId=queue_id))
    except Exception as exc:
        raise translate(
            exc, instance=target.instance, operation="DescribeQueue", region=target.region
        ) from None
    return queue_from(described.get("Queue") or {"QueueId": queue_id})
