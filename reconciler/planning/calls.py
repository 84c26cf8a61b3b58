"""Normalised values -> the exact API request that sets them (plans, and rollback's restores).

Every request carries every field it can (desired over live), because Connect does not document
whether omitted fields are kept or cleared. Numbers go as the phone-number ARN without `instance/`,
which works from either Region and is required for numbers claimed to a group created in the
other Region. Traffic distributions are addressed by group ARN and sent to the Region that will
handle most of the traffic afterwards (AWS's advice), the instance's own Region on a tie.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from reconciler.planning.live import LiveInstance
from reconciler.planning.plan import ApiRequest
from reconciler.planning.values import GroupValues, QueueValues


def receiving_region(telephony: dict[str, int], pair: tuple[str, str]) -> str:
    """The Region that handles most calls under `telephony` (the instance's own on a tie)."""
    return pair[1] if telephony.get(pair[1], 0) > telephony.get(pair[0], 0) else pair[0]


def traffic_request(group_arn: str, values: GroupValues, pair: tuple[str, str]) -> ApiRequest:
    telephony = values.telephony
    if telephony is None:
        raise ValueError("a traffic distribution request needs telephony")
    region = receiving_region(telephony, pair)
    body: dict[str, Any] = {"TelephonyConfig": _distributions(telephony, pair, "Percentage")}
    if values.agents is not None:
        body["AgentConfig"] = _distributions(values.agents, pair, "Percentage")
    if values.sign_in is not None:
        body["SignInConfig"] = _distributions(values.sign_in, pair, "Enabled")
    return ApiRequest(
        operation="UpdateTrafficDistribution",
        region=region,
        method="PUT",
        path=f"/traffic-distribution/{quote(group_arn, safe='')}",
        body=body,
    )


def _distributions(values: Mapping[str, Any], pair: tuple[str, str], key: str) -> dict[str, Any]:
    regions = [r for r in pair if r in values] + sorted(r for r in values if r not in pair)
    return {"Distributions": [{"Region": r, key: values[r]} for r in regions]}


def queue_request(
    live: LiveInstance, queue_id: str, values: QueueValues, raw_number: str | None = None
) -> tuple[ApiRequest, list[str]]:
    """The caller-config request for `values`; warnings when a number is not claimed here."""
    warnings: list[str] = []
    config: dict[str, str] = {}
    if values.caller_id_name is not None:
        config["OutboundCallerIdName"] = values.caller_id_name
    identity = values.caller_id_number
    if identity is not None:
        number = live.numbers_by_identity.get(identity)
        if number is None:
            warnings.append(
                f"caller ID number {raw_number or identity} is not claimed to this instance or its groups; "
                "it is sent as Connect returned it"
            )
        config["OutboundCallerIdNumberId"] = number.arn if number else (raw_number or identity)
    if values.whisper_flow is not None:
        config["OutboundFlowId"] = values.whisper_flow
    request = ApiRequest(
        operation="UpdateQueueOutboundCallerConfig",
        region=live.region,
        method="POST",
        path=f"/queues/{live.id}/{queue_id}/outbound-caller-config",
        body={"OutboundCallerConfig": config},
    )
    return request, warnings
