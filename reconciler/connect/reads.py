"""Read one instance's live state with the fewest calls the API allows, into a `LiveInstance`.

Per instance: SearchQueues in pages of 500 (whole Queue objects, caller config included, never one
DescribeQueue per queue); ListContactFlows and ListPhoneNumbersV2 in pages of 1000 (numbers for
the instance and for each of its traffic distribution groups, since numbers claimed to a group are
listed under the group); ListTrafficDistributionGroups in both Regions of the pair (a group made
for the replica lives in the replica's Region); then DescribeTrafficDistributionGroup and
GetTrafficDistribution for the managed groups (and the default group) only, addressed by ARN.
Independent reads run concurrently; the shared rate limiter keeps them within the quotas.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from reconciler.connect.clients import ClientFactory, Target
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import GROUP_ARN_RE
from reconciler.errors import ConnectCallError
from reconciler.planning.live import (
    Distribution,
    LiveFlow,
    LiveGroup,
    LiveInstance,
    LivePhoneNumber,
    LiveQueue,
)

if TYPE_CHECKING:
    pass

QUEUE_PAGE = 500
LIST_PAGE = 1000
GROUP_PAGE = 10
MAX_PAGES = 100_000


def target_of(spec: InstanceSpec, region: str | None = None) -> Target:
    return Target(
        instance=spec.name,
        region=region or spec.region,
        account=spec.account,
        profile=spec.profile,
        role_arn=spec.role_arn,
    )


class _Reader:
    """Calls of one instance in one Region, counted, with botocore errors translated."""

    def __init__(self, factory: ClientFactory, spec: InstanceSpec, region: str) -> None:
        self.client = factory.connect(target_of(spec, region))
        self.spec = spec
        self.region = region
        self.calls = 0

    def pages(self, operation: str, list_key: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of a paginated call, following NextToken to the end."""
        call: Callable[..., Any] = getattr(self.client, _snake(operation))
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            args = {**kwargs, **({"NextToken": token} if token else {})}
            response = self.call(operation, call, **args)
            items.extend(response.get(list_key) or [])
            token = response.get("NextToken")
            if not token:
                return items
            if token in seen:
                raise self._broken(operation, "the service returned the same page token twice")
            seen.add(token)
        raise self._broken(operation, f"more than {MAX_PAGES} pages")

    def call(self, operation: str, call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        try:
            response: dict[str, Any] = call(**kwargs)
        except AWS_ERRORS as exc:
            raise translate(exc, instance=self.spec.name, operation=operation, region=self.region) from None
        return response

    def _broken(self, operation: str, why: str) -> ConnectCallError:
        message = f"{self.spec.name}: {operation} in {self.region} failed: {why}"
        return ConnectCallError(
            message,
            operation=operation,
            region=self.region,
            code="Pagination",
            status=None,
            retryable=False,
        )


def _snake(operation: str) -> str:
    out = [operation[0].lower()]
    for ch in operation[1:]:
        out.append(f"_{ch.lower()}" if ch.isupper() else ch)
    return "".join(out)


def read_instance(
    factory: ClientFactory,
    spec: InstanceSpec,
    managed_groups: Collection[str] | None,
    *,
    region: str,
    pool: ThreadPoolExecutor,
) -> LiveInstance:
    """Read the live state of `spec`.

    Distributions are read for the groups named in `managed_groups` (None: every group, for export),
    plus the default group when any
    group is managed: its sign-in config tells whether telephony is about to go where agents
    cannot sign in.
    """
    reader = _Reader(factory, spec, region)
    iid = spec.instance_id
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
    # Groups are listed per Region: one created for the replica lives in the replica's Region.
    other = spec.replica_region if region == spec.region else spec.region
    replica = _Reader(factory, spec, other)
    replica_groups = pool.submit(
        replica.pages,
        "ListTrafficDistributionGroups",
        "TrafficDistributionGroupSummaryList",
        InstanceId=iid,
        MaxResults=GROUP_PAGE,
    )
    summaries = reader.pages(
        "ListTrafficDistributionGroups",
        "TrafficDistributionGroupSummaryList",
        InstanceId=iid,
        MaxResults=GROUP_PAGE,
    )
    summaries = list({g["Arn"]: g for g in [*summaries, *replica_groups.result()]}.values())
    group_numbers = [
        pool.submit(
            reader.pages,
            "ListPhoneNumbersV2",
            "ListPhoneNumbersSummaryList",
            TargetArn=g["Arn"],
            MaxResults=LIST_PAGE,
        )
        for g in summaries
    ]
    details: dict[str, Future[tuple[dict[str, Any], dict[str, Any]]]] = {
        g["Arn"]: pool.submit(_read_group, reader, g["Arn"])
        for g in summaries
        if _is_managed(g, managed_groups) or (managed_groups and g.get("IsDefault"))
    }
    groups = tuple(_group(g, details[g["Arn"]].result() if g["Arn"] in details else None) for g in summaries)
    numbers = {n.id: n for n in (_number(raw) for raw in numbers_f.result())}
    for future in group_numbers:
        numbers.update((n.id, n) for n in (_number(raw) for raw in future.result()))
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
        calls=reader.calls + replica.calls,
        read_region=region,
    )


def _is_managed(summary: dict[str, Any], keys: Collection[str] | None) -> bool:
    """Whether a desired key names this group, matched the way `resolve.Resolver.group` matches it
    (a name exactly; an ID or ARN by the group ID, in any case), so that every group the planner
    resolves has its distribution read."""
    if keys is None:
        return True
    ids = {str(summary.get("Id", "")).lower(), str(summary.get("Arn", "")).lower()}
    for key in keys:
        arn = GROUP_ARN_RE.match(key)
        if key == summary.get("Name") or (arn.group(3) if arn else key).lower() in ids:
            return True
    return False


def _read_group(reader: _Reader, arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    described = reader.call(
        "DescribeTrafficDistributionGroup",
        reader.client.describe_traffic_distribution_group,
        TrafficDistributionGroupId=arn,
    )
    distribution = reader.call("GetTrafficDistribution", reader.client.get_traffic_distribution, Id=arn)
    return described.get("TrafficDistributionGroup") or {}, distribution


def _group(summary: dict[str, Any], detail: tuple[dict[str, Any], dict[str, Any]] | None) -> LiveGroup:
    described, got = detail if detail else ({}, None)
    distribution = None
    if got is not None:
        distribution = Distribution(
            telephony=percentages(got.get("TelephonyConfig")) or {},
            agents=percentages(got.get("AgentConfig")),
            sign_in=flags(got.get("SignInConfig")),
        )
    return LiveGroup(
        id=summary["Id"],
        arn=summary["Arn"],
        name=summary.get("Name", ""),
        status=described.get("Status") or summary.get("Status", "UNKNOWN"),
        is_default=bool(described.get("IsDefault", summary.get("IsDefault", False))),
        distribution=distribution,
    )


def percentages(config: dict[str, Any] | None) -> dict[str, int] | None:
    if not config or "Distributions" not in config:
        return None
    return {d["Region"]: int(d["Percentage"]) for d in config["Distributions"]}


def flags(config: dict[str, Any] | None) -> dict[str, bool] | None:
    if not config or "Distributions" not in config:
        return None
    return {d["Region"]: bool(d["Enabled"]) for d in config["Distributions"]}


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


def read_queues(factory: ClientFactory, spec: InstanceSpec, region: str) -> dict[str, LiveQueue]:
    """Every STANDARD queue of the instance by ID, in pages of 500 (apply's bulk read-back)."""
    pages = _Reader(factory, spec, region).pages(
        "SearchQueues",
        "Queues",
        InstanceId=spec.instance_id,
        MaxResults=QUEUE_PAGE,
        SearchCriteria={"QueueTypeCondition": "STANDARD"},
    )
    return {q.id: q for q in (queue_from(raw) for raw in pages)}


def group_status(factory: ClientFactory, spec: InstanceSpec, group_arn: str, region: str) -> str:
    reader = _Reader(factory, spec, region)
    described = reader.call(
        "DescribeTrafficDistributionGroup",
        reader.client.describe_traffic_distribution_group,
        TrafficDistributionGroupId=group_arn,
    )
    return str((described.get("TrafficDistributionGroup") or {}).get("Status", "UNKNOWN"))


def traffic_distribution(
    factory: ClientFactory, spec: InstanceSpec, group_arn: str, region: str
) -> Distribution:
    reader = _Reader(factory, spec, region)
    got = reader.call("GetTrafficDistribution", reader.client.get_traffic_distribution, Id=group_arn)
    return Distribution(
        telephony=percentages(got.get("TelephonyConfig")) or {},
        agents=percentages(got.get("AgentConfig")),
        sign_in=flags(got.get("SignInConfig")),
    )


def describe_queue(factory: ClientFactory, spec: InstanceSpec, queue_id: str, region: str) -> LiveQueue:
    reader = _Reader(factory, spec, region)
    described = reader.call(
        "DescribeQueue", reader.client.describe_queue, InstanceId=spec.instance_id, QueueId=queue_id
    )
    return queue_from(described.get("Queue") or {"QueueId": queue_id})
