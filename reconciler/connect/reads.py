"""Read one instance's live state with the fewest calls the API allows, into a `LiveInstance`;
and the single reads apply uses to wait, re-check and verify.

Per instance, in the Region asked for: the groups first (a small listing, and the first call to a
Region probes it: see `calls`), then side by side SearchQueues in pages of 500 (whole Queue
objects, caller config included, never one DescribeQueue per queue), ListContactFlows and
ListPhoneNumbersV2 in pages of 1000 (numbers of the instance and of each of its groups, since
numbers claimed to a group are listed under the group), and the status (and, while ACTIVE, the
distribution) of the managed groups and the default group, addressed by ARN. The shared rate
limiter keeps the concurrent reads within Connect's quotas.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from reconciler.connect import groups as group_reads
from reconciler.connect.calls import Caller, Reader
from reconciler.connect.directory import GroupDirectory
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError
from reconciler.planning.live import Distribution, LiveFlow, LiveInstance, LivePhoneNumber, LiveQueue

QUEUE_PAGE = 500
LIST_PAGE = 1000


def read_instance(
    caller: Caller,
    spec: InstanceSpec,
    managed_groups: Collection[str] | None,
    *,
    region: str,
    pool: ThreadPoolExecutor,
    directory: GroupDirectory,
) -> LiveInstance:
    """The live state of `spec`, read in `region`.

    Distributions are read for the groups named in `managed_groups` (None: every group, for
    export), plus the default group when any group is managed: its sign-in config tells whether
    telephony is about to go where agents cannot sign in.
    """
    reader = Reader(caller, spec, region)
    iid = spec.instance_id
    summaries = group_reads.find_groups(reader, spec, managed_groups, directory)
    queues_f = pool.submit(
        reader.pages,
        "SearchQueues",
        "Queues",
        InstanceId=iid,
        MaxResults=QUEUE_PAGE,
        SearchCriteria={"QueueTypeCondition": "STANDARD"},
    )
    flows_f = pool.submit(
        reader.pages, "ListContactFlows", "ContactFlowSummaryList", InstanceId=iid, MaxResults=LIST_PAGE
    )
    numbers_f = pool.submit(
        reader.pages,
        "ListPhoneNumbersV2",
        "ListPhoneNumbersSummaryList",
        InstanceId=iid,
        MaxResults=LIST_PAGE,
    )
    group_numbers = [pool.submit(_group_numbers, reader, g) for g in summaries]
    details: dict[str, Future[tuple[dict[str, Any], dict[str, Any] | None]]] = {
        g["Arn"]: pool.submit(group_reads.read_group, reader, g)
        for g in summaries
        if group_reads.is_managed(g, managed_groups) or (managed_groups and g.get("IsDefault"))
    }
    groups = tuple(
        group_reads.live_group(g, details[g["Arn"]].result() if g["Arn"] in details else None)
        for g in summaries
    )
    listed = numbers_f.result() + [raw for future in group_numbers for raw in future.result()]
    if region == spec.region:
        directory.remember_numbers(iid, listed)
    else:  # numbers claimed to the instance are listed in its own Region only: as last seen there
        seen = {raw["PhoneNumberId"] for raw in listed}
        listed += [raw for raw in directory.numbers(iid) if raw.get("PhoneNumberId") not in seen]
    numbers = {n.id: n for n in (_number(raw) for raw in listed)}
    queues = tuple(queue_from(q) for q in queues_f.result())
    flows = tuple(
        LiveFlow(f["Id"], f["Arn"], f.get("Name", ""), f.get("ContactFlowType", "")) for f in flows_f.result()
    )
    account = spec.account or _account_of([q.arn for q in queues[:1]] + [g.arn for g in groups[:1]])
    return LiveInstance(
        name=spec.name,
        id=iid,
        region=spec.region,
        replica_region=spec.replica_region,
        account=account,
        queues=queues,
        flows=flows,
        numbers=tuple(numbers.values()),
        groups=groups,
        calls=reader.calls,
        read_region=region,
    )


def read_groups(
    caller: Caller,
    spec: InstanceSpec,
    managed_groups: Collection[str],
    *,
    region: str,
    pool: ThreadPoolExecutor,
    directory: GroupDirectory,
) -> LiveInstance:
    """Only the groups of `spec` (distributions of `managed_groups` and the default group), read in
    `region`: what a break-glass failover needs, without the queue, flow and number pages, which
    cost quota (SearchQueues at 2/s) and time when every second counts."""
    reader = Reader(caller, spec, region)
    summaries = group_reads.find_groups(reader, spec, managed_groups, directory)
    details = {
        g["Arn"]: pool.submit(group_reads.read_group, reader, g)
        for g in summaries
        if group_reads.is_managed(g, managed_groups) or g.get("IsDefault")
    }
    groups = tuple(
        group_reads.live_group(g, details[g["Arn"]].result() if g["Arn"] in details else None)
        for g in summaries
    )
    return LiveInstance(
        name=spec.name,
        id=spec.instance_id,
        region=spec.region,
        replica_region=spec.replica_region,
        account=spec.account or _account_of([g.arn for g in groups[:1]]),
        groups=groups,
        calls=reader.calls,
        read_region=region,
    )


def _group_numbers(reader: Reader, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Numbers claimed to a group. Whether Connect lists them while the group is not ACTIVE is
    undocumented: a refusal then leaves them out (a queue using one reports it unresolved)."""
    try:
        return reader.pages(
            "ListPhoneNumbersV2",
            "ListPhoneNumbersSummaryList",
            TargetArn=summary["Arn"],
            MaxResults=LIST_PAGE,
        )
    except ConnectCallError as exc:
        if exc.unreachable or summary.get("Status") == group_reads.ACTIVE:
            raise
        return []


def queue_from(raw: dict[str, Any]) -> LiveQueue:
    config = raw.get("OutboundCallerConfig") or {}
    return LiveQueue(
        id=raw["QueueId"],
        arn=raw.get("QueueArn", ""),
        name=raw.get("Name") or "",
        caller_id_name=config.get("OutboundCallerIdName") or None,
        caller_id_number=config.get("OutboundCallerIdNumberId") or None,
        whisper_flow_id=config.get("OutboundFlowId") or None,
    )


def _number(raw: dict[str, Any]) -> LivePhoneNumber:
    return LivePhoneNumber(
        id=raw["PhoneNumberId"],
        arn=raw["PhoneNumberArn"],
        number=raw.get("PhoneNumber", ""),
        target_arn=raw.get("TargetArn", ""),
    )


def _account_of(arns: list[str]) -> str | None:
    for arn in arns:
        parts = arn.split(":")
        if len(parts) > 4 and parts[4]:
            return parts[4]
    return None


# --- single reads (apply) ---------------------------------------------------------------------


def read_queues(caller: Caller, spec: InstanceSpec, region: str) -> dict[str, LiveQueue]:
    """Every STANDARD queue of the instance by ID, in pages of 500 (apply's bulk read-back)."""
    pages = Reader(caller, spec, region).pages(
        "SearchQueues",
        "Queues",
        InstanceId=spec.instance_id,
        MaxResults=QUEUE_PAGE,
        SearchCriteria={"QueueTypeCondition": "STANDARD"},
    )
    return {q.id: q for q in (queue_from(raw) for raw in pages)}


def group_status(caller: Caller, spec: InstanceSpec, group_arn: str, region: str) -> str:
    described = Reader(caller, spec, region).call(
        "DescribeTrafficDistributionGroup", TrafficDistributionGroupId=group_arn
    )
    return str((described.get("TrafficDistributionGroup") or {}).get("Status", "UNKNOWN"))


def traffic_distribution(caller: Caller, spec: InstanceSpec, group_arn: str, region: str) -> Distribution:
    got = Reader(caller, spec, region).call("GetTrafficDistribution", Id=group_arn)
    return group_reads.distribution_of(got)


def describe_queue(caller: Caller, spec: InstanceSpec, queue_id: str, region: str) -> LiveQueue:
    described = Reader(caller, spec, region).call(
        "DescribeQueue", InstanceId=spec.instance_id, QueueId=queue_id
    )
    return queue_from(described.get("Queue") or {"QueueId": queue_id})
