"""The Connect port's sibling for CloudWatch: the alarm states that gate a progressive shift.

A rollout reads its alarms before each step and many times during each bake, so the reads are
batched: one DescribeAlarms call per Region per poll, naming up to 100 alarms (the API's limit),
never one call per alarm. Same credentials and client settings as the Connect calls (the instance's
profile and role); failures become `ConnectCallError`s like every other call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reconciler.connect.clients import ClientFactory, target_of
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.desired.model import InstanceSpec
from reconciler.port import AlarmState

MAX_NAMES = 100  # DescribeAlarms: AlarmNames holds at most 100 names


class CloudWatchAlarms:
    """`AlarmPort` over boto3's CloudWatch client."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self.calls = 0  # DescribeAlarms calls made (benchmarks)

    def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
        client = self.factory.cloudwatch(target_of(spec, region))
        wanted = list(dict.fromkeys(names))
        found: dict[str, AlarmState] = {}
        for start in range(0, len(wanted), MAX_NAMES):
            batch = wanted[start : start + MAX_NAMES]
            token: str | None = None
            while True:
                args: dict[str, Any] = {"AlarmNames": batch, "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
                if token:
                    args["NextToken"] = token
                try:
                    self.calls += 1
                    answer = client.describe_alarms(**args)
                except AWS_ERRORS as exc:
                    raise translate(
                        exc, instance=spec.name, operation="DescribeAlarms", region=region
                    ) from None
                for alarm in [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]:
                    found[alarm["AlarmName"]] = AlarmState(
                        name=alarm["AlarmName"],
                        region=region,
                        state=str(alarm.get("StateValue", "")),
                        reason=str(alarm.get("StateReason", "")),
                        since=_iso(alarm.get("StateUpdatedTimestamp")),
                    )
                token = answer.get("NextToken")
                if not token:
                    break
        return [found.get(n, AlarmState(name=n, region=region, state="MISSING")) for n in wanted]


def _iso(value: Any) -> str:
    """StateUpdatedTimestamp as ISO 8601 UTC: the clients keep timestamps as sent, which is epoch
    seconds in CloudWatch's CBOR and JSON protocols and ISO 8601 text in its query protocol."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC).isoformat(timespec="seconds")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
