"""Finding an instance's traffic distribution groups, and reading a group's distribution safely.

Groups live in the instance's source Region. Read there, one listing gives them all. Read from the
replica's Region (the source is down), they are described by ARN, built from the desired keys (an
ARN as written, an ID with the account) or taken from the directory of the last listing this
machine saw; whatever the replica's own listing shows is used too (AWS does not say whether it
shows the source's groups).

Connect answers GetTrafficDistribution only while a group is ACTIVE, and does not document the
error it gives otherwise: the status is read first, the distribution only of an ACTIVE group, and
a group that turns busy between the two reads is reported by its new status, never by the code.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from reconciler.connect.calls import Reader
from reconciler.connect.directory import GroupDirectory
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import GROUP_ARN_RE, UUID_RE
from reconciler.errors import ConnectCallError
from reconciler.planning.live import Distribution, LiveGroup

GROUP_PAGE = 10
ACTIVE = "ACTIVE"
DESCRIBED = "described"  # marks a summary that is a DescribeTrafficDistributionGroup answer


def find_groups(
    reader: Reader, spec: InstanceSpec, managed: Collection[str] | None, directory: GroupDirectory
) -> list[dict[str, Any]]:
    """Summaries (Id, Arn, Name, Status, IsDefault) of the instance's groups, from `reader`'s Region."""
    listed = reader.pages(
        "ListTrafficDistributionGroups",
        "TrafficDistributionGroupSummaryList",
        InstanceId=spec.instance_id,
        MaxResults=GROUP_PAGE,
    )
    if reader.region == spec.region:
        directory.remember(spec.instance_id, listed)
        return listed
    found = {g["Arn"]: g for g in listed}
    known = directory.groups(spec.instance_id)
    wanted = {arn for arn, seen in known.items() if seen.get("default")}  # for sign-in warnings
    for key in managed if managed is not None else ():
        wanted |= _arns_for(key, spec, known)
    if managed is None:
        wanted |= set(known)
    for arn in sorted(wanted - set(found)):
        try:
            described = reader.call("DescribeTrafficDistributionGroup", TrafficDistributionGroupId=arn)
        except ConnectCallError as exc:
            if exc.unreachable:
                raise
            continue  # gone, or not this account's: the planner reports a key it cannot resolve
        group = described.get("TrafficDistributionGroup") or {}
        if group.get("Arn"):
            found[group["Arn"]] = {**group, DESCRIBED: True}  # read_group need not describe it again
    return list(found.values())


def _arns_for(key: str, spec: InstanceSpec, known: dict[str, dict[str, Any]]) -> set[str]:
    """The ARNs a desired key may name, as seen from the replica's Region."""
    if GROUP_ARN_RE.fullmatch(key):
        return {key}
    if UUID_RE.fullmatch(key):
        found = {arn for arn in known if arn.lower().endswith(key.lower())}
        if spec.account:
            found.add(
                f"arn:aws:connect:{spec.region}:{spec.account}:traffic-distribution-group/{key.lower()}"
            )
        return found
    return {arn for arn, seen in known.items() if seen.get("name") == key}


def is_managed(summary: dict[str, Any], keys: Collection[str] | None) -> bool:
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


def read_group(reader: Reader, summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The group as described now, and its distribution when it is ACTIVE (else None)."""
    arn = summary["Arn"]
    described = summary if summary.get(DESCRIBED) else _describe(reader, arn)
    if described.get("Status") != ACTIVE:
        return described, None
    try:
        return described, reader.call("GetTrafficDistribution", Id=arn)
    except ConnectCallError as exc:
        if exc.unreachable:
            raise
        again = _describe(reader, arn)  # busy since? then its status says so
        if again.get("Status") == ACTIVE:
            raise
        return again, None


def _describe(reader: Reader, arn: str) -> dict[str, Any]:
    described = reader.call("DescribeTrafficDistributionGroup", TrafficDistributionGroupId=arn)
    group: dict[str, Any] = described.get("TrafficDistributionGroup") or {}
    return group


def live_group(
    summary: dict[str, Any], detail: tuple[dict[str, Any], dict[str, Any] | None] | None
) -> LiveGroup:
    described, got = detail if detail else ({}, None)
    return LiveGroup(
        id=summary["Id"],
        arn=summary["Arn"],
        name=summary.get("Name", ""),
        status=described.get("Status") or summary.get("Status", "UNKNOWN"),
        is_default=bool(described.get("IsDefault", summary.get("IsDefault", False))),
        distribution=distribution_of(got) if got is not None else None,
    )


def distribution_of(got: dict[str, Any]) -> Distribution:
    return Distribution(
        telephony=percentages(got.get("TelephonyConfig")) or {},
        agents=percentages(got.get("AgentConfig")),
        sign_in=flags(got.get("SignInConfig")),
    )


def percentages(config: dict[str, Any] | None) -> dict[str, int] | None:
    if not config or "Distributions" not in config:
        return None
    return {d["Region"]: int(d["Percentage"]) for d in config["Distributions"]}


def flags(config: dict[str, Any] | None) -> dict[str, bool] | None:
    if not config or "Distributions" not in config:
        return None
    return {d["Region"]: bool(d["Enabled"]) for d in config["Distributions"]}
