"""Traffic distribution group operations and the UpdateTrafficDistribution rules.

UpdateTrafficDistribution is refused with ``InvalidRequestException`` (400) unless:

* ``TelephonyConfig`` is given;
* every given config names exactly the instance's Region and its replica Region, each once;
* telephony and agent percentages are multiples of 10 and sum to 100;
* a ``SignInConfig`` enables at least one Region, and is sent only for the default group
  (AWS documents InvalidRequestException for a sign-in config on a non-default group);
* the group is ``ACTIVE``.

Get and Update answer only while the group is ACTIVE (admin guide, "Set up traffic distribution
groups"). The error for another status is undocumented (UpdateTrafficDistribution also models
ResourceConflictException, documented only as "a resource already has that name"); the emulator
answers InvalidRequestException 400 for every other status, UPDATE_IN_PROGRESS included, so a
client must read the Status (Describe/List show it) rather than rely on the code.

A successful update stores the given configs (an omitted AgentConfig/SignInConfig is kept), sets
``LastFailoverTime`` to now when the telephony distribution changed, and makes the group report
UPDATE_IN_PROGRESS for ``update_in_progress_seconds`` (default 2 s; AWS documents the status
but not how long it lasts; 0 turns the window off). Meanwhile Get and Update are refused as
above, and DescribeTrafficDistributionGroup and ListTrafficDistributionGroups show the status.
With the ``read_lag`` option, GetTrafficDistribution keeps showing the distribution (and
LastFailoverTime) from before a recent update for a while (:mod:`connect_emulator.lag`); the
group's status and the rules above always use the current state.

ListTrafficDistributionGroups lists the groups of the caller's account (with InstanceId, of that
instance only) homed in the calling Region. Groups are homed in the source Region only, and AWS
does not say whether a call made in the replica Region lists them too, so that is the
``replica_lists_groups`` option (``Emulator(replica_lists_groups=...)``, ``reconciler emulator
--replica-lists-groups``). Off (the default, the stricter reading): the replica Region lists no
groups at all, so a reconciler that discovers groups must list in the source Region, or describe
known groups by ARN from the replica. On: the replica Region lists the same groups, with the same
ARNs (naming the source Region) and statuses.

ListTrafficDistributionGroups with an unknown InstanceId (or the ARN of another Region) answers
``InvalidRequestException`` 400: the model lists no ResourceNotFoundException for it, only
AccessDenied, InternalService, InvalidRequest and Throttling, and of those only InvalidRequest
("the request is not valid") fits a request naming an instance the caller cannot see.
"""

from __future__ import annotations

from typing import Any

from connect_emulator.errors import ApiError, invalid_request
from connect_emulator.lag import group_key
from connect_emulator.objects import Instance, TrafficGroup
from connect_emulator.resources import (
    Call,
    group_arn,
    instance_arn,
    paginate,
    resolve_group,
    resolve_instance,
)
from connect_emulator.state import EmulatorState


def _listed(inst: Instance, g: TrafficGroup, call: Call) -> bool:
    """Whether a listing made in the calling Region shows the group (see the module docstring)."""
    if g.region == call.region:
        return True
    return call.options.replica_lists_groups and call.region == inst.replica_region


def list_traffic_distribution_groups(state: EmulatorState, call: Call) -> dict[str, Any]:
    ident = call.params.get("InstanceId")
    if ident is not None:
        try:
            inst = resolve_instance(state, call, ident)
        except ApiError as exc:  # the operation models no ResourceNotFoundException
            raise invalid_request(exc.message) from None
        pairs = [(inst, g) for g in inst.groups if _listed(inst, g, call)]
        key = inst.id
    else:
        pairs = [
            (inst, g)
            for inst in state.instances_in(call.account, call.region)
            for g in inst.groups
            if _listed(inst, g, call)
        ]
        key = "*"
    page, token = paginate(call, pairs, key, default_size=10)
    out: dict[str, Any] = {
        "TrafficDistributionGroupSummaryList": [
            {
                "Id": g.id,
                "Arn": group_arn(inst, g),
                "Name": g.name,
                "InstanceArn": instance_arn(g.region, inst.account, inst.id),
                "Status": g.status_at(call.now),
                "IsDefault": g.is_default,
            }
            for inst, g in page
        ]
    }
    if token:
        out["NextToken"] = token
    return out


def describe_traffic_distribution_group(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst, g = resolve_group(state, call, call.params["TrafficDistributionGroupId"])
    group: dict[str, Any] = {
        "Id": g.id,
        "Arn": group_arn(inst, g),
        "Name": g.name,
        "InstanceArn": instance_arn(g.region, inst.account, inst.id),
        "Status": g.status_at(call.now),
        "Tags": dict(g.tags),
        "IsDefault": g.is_default,
    }
    if g.description:
        group["Description"] = g.description
    return {"TrafficDistributionGroup": group}


def _distributions(inst: Instance, values: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [{"Region": r, field: values[r]} for r in inst.regions if r in values]


def _require_active(g: TrafficGroup, now: float) -> None:
    status = g.status_at(now)
    if status != "ACTIVE":
        raise invalid_request(f"Traffic distribution group {g.id} is {status}, not ACTIVE")


def get_traffic_distribution(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst, g = resolve_group(state, call, call.params["Id"])
    _require_active(g, call.now)
    g = state.lag.view(group_key(g.id), g, call.now)
    out: dict[str, Any] = {
        "TelephonyConfig": {"Distributions": _distributions(inst, g.telephony, "Percentage")},
        "Id": g.id,
        "Arn": group_arn(inst, g),
    }
    if g.agents is not None:
        out["AgentConfig"] = {"Distributions": _distributions(inst, g.agents, "Percentage")}
    if g.is_default and g.sign_in is not None:
        out["SignInConfig"] = {"Distributions": _distributions(inst, g.sign_in, "Enabled")}
    if g.last_failover_time is not None:
        out["LastFailoverTime"] = g.last_failover_time
    return out


def _regions_of(inst: Instance, config: dict[str, Any], name: str) -> list[dict[str, Any]]:
    dists = config.get("Distributions") or []
    regions = [d.get("Region") for d in dists]
    if len(regions) != len(set(regions)) or set(regions) != set(inst.regions):
        raise invalid_request(
            f"{name} must list exactly the Regions {' and '.join(inst.regions)}, each once "
            f"(got {', '.join(str(r) for r in regions) or 'none'})"
        )
    return list(dists)


def _percentages(inst: Instance, config: dict[str, Any], name: str) -> dict[str, int]:
    dists = _regions_of(inst, config, name)
    values = {d["Region"]: int(d["Percentage"]) for d in dists}
    if any(v % 10 for v in values.values()):
        raise invalid_request(f"{name} percentages must be multiples of 10")
    if sum(values.values()) != 100:
        raise invalid_request(f"{name} percentages must add up to 100 (got {sum(values.values())})")
    return values


def update_traffic_distribution(state: EmulatorState, call: Call) -> None:
    inst, g = resolve_group(state, call, call.params["Id"])
    telephony_cfg = call.params.get("TelephonyConfig")
    if telephony_cfg is None:
        raise invalid_request("TelephonyConfig is required")
    sign_in_cfg = call.params.get("SignInConfig")
    if sign_in_cfg is not None and not g.is_default:
        raise invalid_request("SignInConfig can only be updated on the default traffic distribution group")
    telephony = _percentages(inst, telephony_cfg, "TelephonyConfig")
    agent_cfg = call.params.get("AgentConfig")
    agents = _percentages(inst, agent_cfg, "AgentConfig") if agent_cfg is not None else None
    sign_in = None
    if sign_in_cfg is not None:
        sign_in = {d["Region"]: bool(d["Enabled"]) for d in _regions_of(inst, sign_in_cfg, "SignInConfig")}
        if not any(sign_in.values()):
            raise invalid_request("SignInConfig must enable at least one Region")
    _require_active(g, call.now)
    state.lag.before_write(group_key(g.id), g, call.options.read_lag, call.now)
    apply_distribution(g, call.now, telephony, agents, sign_in)
    if call.options.update_in_progress_seconds > 0:
        g.busy_until = call.now + call.options.update_in_progress_seconds


def apply_distribution(
    g: TrafficGroup,
    now: float,
    telephony: dict[str, int] | None,
    agents: dict[str, int] | None,
    sign_in: dict[str, bool] | None,
) -> None:
    """Store a distribution (shared with the admin API, which bypasses the rules)."""
    if telephony is not None:
        if telephony != g.telephony:
            g.last_failover_time = now
        g.telephony = dict(telephony)
    if agents is not None:
        g.agents = dict(agents)
    if sign_in is not None:
        g.sign_in = dict(sign_in)
