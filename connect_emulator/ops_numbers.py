"""Phone number operations: ListPhoneNumbersV2 and DescribePhoneNumber.

ListPhoneNumbersV2 (documented behaviour): with ``TargetArn`` = an instance ARN (of the calling
Region) it lists the numbers claimed to that instance in that Region; with a traffic
distribution group ARN, the numbers claimed to that group, callable from either Region of the
group's pair; with ``InstanceId`` (ID or ARN) the instance's numbers; with neither, every number
of the account whose Region R is the calling Region. When both are given TargetArn selects and
InstanceId must name the same instance. Filters: PhoneNumberCountryCodes, PhoneNumberTypes,
PhoneNumberPrefix (with or without ``+``).

Whether ListPhoneNumbersV2 by a group ARN works while the group is not ACTIVE is undocumented:
the ``list_numbers_of_inactive_groups`` option (``Emulator(list_numbers_of_inactive_groups=...)``,
``reconciler emulator --no-list-numbers-of-inactive-groups``). On (the default): the group's
numbers are listed whatever its status. Off: a group that is not ACTIVE (UPDATE_IN_PROGRESS
right after an update, too) is refused with InvalidParameterException 400, the operation's
modelled 400 (it models no InvalidRequestException), so a reconciler reading numbers must cope
with a busy group, e.g. by listing by instance or retrying once the group is ACTIVE.

DescribePhoneNumber follows the same addressing rule as UpdateQueueOutboundCallerConfig: a UUID
resolves only in Region R, the ARN from either Region of the pair (see ``resources``).
"""

from __future__ import annotations

from typing import Any

from connect_emulator.errors import invalid_parameter, not_found
from connect_emulator.objects import Instance, PhoneNumber
from connect_emulator.resources import (
    Call,
    number_arn,
    number_target_arn,
    paginate,
    parse_arn,
    resolve_group,
    resolve_instance,
    resolve_number,
)
from connect_emulator.state import EmulatorState


def _summary(inst: Instance, n: PhoneNumber) -> dict[str, Any]:
    out: dict[str, Any] = {
        "PhoneNumberId": n.id,
        "PhoneNumberArn": number_arn(inst, n),
        "PhoneNumber": n.number,
        "PhoneNumberCountryCode": n.country_code,
        "PhoneNumberType": n.type,
        "TargetArn": number_target_arn(inst, n),
        "InstanceId": inst.id,
    }
    if n.description:
        out["PhoneNumberDescription"] = n.description
    return out


def _targeted(state: EmulatorState, call: Call, target: str) -> list[tuple[Instance, PhoneNumber]]:
    arn = parse_arn(target)
    if arn is None:
        raise invalid_parameter(f"TargetArn {target} is not a valid ARN")
    resource = arn[2]
    if resource.startswith("traffic-distribution-group/"):
        inst, group = resolve_group(state, call, target)
        status = group.status_at(call.now)
        if status != "ACTIVE" and not call.options.list_numbers_of_inactive_groups:
            raise invalid_parameter(f"Traffic distribution group {group.id} is {status}, not ACTIVE")
        return [(inst, n) for n in inst.phone_numbers if n.claimed_to == group.id]
    if resource.startswith("instance/") and "/" not in resource.removeprefix("instance/"):
        inst = resolve_instance(state, call, target)
        return [
            (inst, n)
            for n in inst.phone_numbers
            if n.claimed_to == "instance" and inst.number_region(n) == call.region
        ]
    raise invalid_parameter(f"TargetArn {target} must be an instance or traffic distribution group ARN")


def list_phone_numbers_v2(state: EmulatorState, call: Call) -> dict[str, Any]:
    target = call.params.get("TargetArn")
    instance_ref = call.params.get("InstanceId")
    if target is not None:
        pairs = _targeted(state, call, target)
        if instance_ref is not None:
            inst = resolve_instance(state, call, instance_ref)
            pairs = [(i, n) for i, n in pairs if i is inst]
    elif instance_ref is not None:
        inst = resolve_instance(state, call, instance_ref)
        pairs = [(inst, n) for n in inst.phone_numbers if inst.number_region(n) == call.region]
    else:
        pairs = [
            (inst, n)
            for inst in state.instances_in(call.account, call.region)
            for n in inst.phone_numbers
            if inst.number_region(n) == call.region
        ]
    countries = call.params.get("PhoneNumberCountryCodes")
    types = call.params.get("PhoneNumberTypes")
    prefix = call.params.get("PhoneNumberPrefix")
    if countries:
        pairs = [(i, n) for i, n in pairs if n.country_code in countries]
    if types:
        pairs = [(i, n) for i, n in pairs if n.type in types]
    if prefix:
        wanted = "+" + prefix.lstrip("+")
        pairs = [(i, n) for i, n in pairs if n.number.startswith(wanted)]
    key = f"{target}|{instance_ref}|{countries}|{types}|{prefix}"
    page, token = paginate(call, pairs, key, default_size=100)
    out: dict[str, Any] = {"ListPhoneNumbersSummaryList": [_summary(i, n) for i, n in page]}
    if token:
        out["NextToken"] = token
    return out


def describe_phone_number(state: EmulatorState, call: Call) -> dict[str, Any]:
    ident = call.params["PhoneNumberId"]
    if not ident.strip():
        raise not_found("Phone number")
    inst, n = resolve_number(state, call, ident)
    summary = _summary(inst, n)
    summary["Tags"] = {}
    summary["PhoneNumberStatus"] = {"Status": "CLAIMED"}
    return {"ClaimedPhoneNumberSummary": summary}
