"""Queue, flow and instance operations, including UpdateQueueOutboundCallerConfig's rules.

Reads: SearchQueues returns whole ``Queue`` objects (OutboundCallerConfig included, absent
fields omitted) for STANDARD queues only: the model's ``SearchableQueueType`` has just
``STANDARD``, and agent queues are not searchable. ListQueues returns both types unless
``QueueTypes`` filters. The stored ``OutboundCallerIdNumberId`` is returned as stored (a fixture
may hold an ARN to simulate that form). ARNs use the calling Region.

Both queue listings page with :func:`~connect_emulator.resources.paginate_scan`, so reading
tens of thousands of queues page by page tests each queue once rather than once per page.
SearchQueues' ``ApproximateTotalCount`` is exact: the first page of a listing counts the matches
and later pages reuse that count while the state's version and the number of queues are
unchanged (see :mod:`connect_emulator.state`).

Whether a write made in one Region of the pair shows in the other is the ``queue_replication``
option (:mod:`connect_emulator.replication`): these reads show the calling Region's copy.

With the ``read_lag`` option, the queues these reads return (DescribeQueue's, each one on a
SearchQueues or ListQueues page) are shown as they were before a recent write
(:mod:`connect_emulator.lag`); which queues match and how many is decided on the current
state, which is also what UpdateQueueOutboundCallerConfig checks and changes.

UpdateQueueOutboundCallerConfig: unknown instance, queue, flow or phone number -> 404
ResourceNotFoundException; empty strings -> 400 InvalidParameterException (a field can never be
cleared); the phone-number addressing rules are in :mod:`connect_emulator.resources`; a number
claimed to another instance (or its groups) is 404. The number is stored as its UUID, as AWS
returns it; the flow may be given by ID or flow ARN and is stored as the ID. Whether omitted
fields are kept or cleared is undocumented, so it is the ``omitted_fields`` option. AWS does
not say whether the flow must be an OUTBOUND_WHISPER flow; the emulator does not check the
type. Agent queues are accepted like standard ones.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from connect_emulator.errors import invalid_parameter, not_found
from connect_emulator.objects import Instance, Queue
from connect_emulator.replication import lag_key, read_copy, write_copy
from connect_emulator.resources import (
    Call,
    flow_arn,
    instance_arn,
    paginate,
    paginate_scan,
    parse_arn,
    queue_arn,
    resolve_instance,
    resolve_number,
)
from connect_emulator.state import EmulatorState


def hours_of_operation_id(inst: Instance) -> str:
    """A stable stand-in for the instance's default hours of operation."""
    return _hours_of_operation_id(inst.id)


@functools.lru_cache(maxsize=256)
def _hours_of_operation_id(instance_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"connect-emulator/{instance_id}/hours"))


def queue_object(call: Call, inst: Instance, q: Queue) -> dict[str, Any]:
    """The ``Queue`` structure of DescribeQueue and SearchQueues."""
    return queue_objects(call, inst, [q])[0]


def queue_objects(call: Call, inst: Instance, queues: Iterable[Queue]) -> list[dict[str, Any]]:
    """:func:`queue_object` for each queue, with what is per instance worked out once."""
    arn_prefix = queue_arn(call, inst, "")
    default_hours = hours_of_operation_id(inst)
    out = []
    for q in queues:
        caller: dict[str, Any] = {}
        if q.caller_id_name is not None:
            caller["OutboundCallerIdName"] = q.caller_id_name
        if q.caller_id_number_id is not None:
            caller["OutboundCallerIdNumberId"] = q.caller_id_number_id
        if q.outbound_flow_id is not None:
            caller["OutboundFlowId"] = q.outbound_flow_id
        obj: dict[str, Any] = {}
        if q.name is not None:
            obj["Name"] = q.name
        obj["QueueArn"] = arn_prefix + q.id
        obj["QueueId"] = q.id
        if q.description:
            obj["Description"] = q.description
        obj["OutboundCallerConfig"] = caller
        obj["HoursOfOperationId"] = q.hours_of_operation_id or default_hours
        if q.max_contacts is not None:
            obj["MaxContacts"] = q.max_contacts
        obj["Status"] = q.status
        obj["Tags"] = dict(q.tags)
        obj["LastModifiedTime"] = q.last_modified_time
        obj["LastModifiedRegion"] = q.last_modified_region or inst.region
        out.append(obj)
    return out


def seen(state: EmulatorState, call: Call, inst: Instance, queues: Iterable[Queue]) -> list[Queue]:
    """The queues as this read shows them: the calling Region's copy (see ``replication``),
    each one still lagging behind a write as it was."""
    lag, mode = state.lag, call.options.queue_replication
    out = []
    for q in queues:
        copy = read_copy(inst, q, call.region, mode)
        out.append(lag.view(lag_key(inst, q, copy), copy, call.now))
    return out


# -- SearchQueues ------------------------------------------------------------------------------

_FIELDS = {"name": "name", "description": "description", "resourceid": "id"}


def _criteria_match(criteria: dict[str, Any], q: Queue) -> bool:
    if "OrConditions" in criteria and not any(_criteria_match(c, q) for c in criteria["OrConditions"]):
        return False
    if "AndConditions" in criteria and not all(_criteria_match(c, q) for c in criteria["AndConditions"]):
        return False
    if "QueueTypeCondition" in criteria and q.type != criteria["QueueTypeCondition"]:
        return False
    cond = criteria.get("StringCondition")
    if cond is not None:
        field = str(cond.get("FieldName", "")).lower()
        if field not in _FIELDS:
            raise invalid_parameter(
                f"Unsupported FieldName {cond.get('FieldName')!r}: use name, description or resourceID"
            )
        actual = getattr(q, _FIELDS[field]) or ""
        wanted = str(cond.get("Value", ""))
        kind = cond.get("ComparisonType", "EXACT")
        if kind == "EXACT":
            return bool(actual == wanted)
        if kind == "CONTAINS":
            return wanted.lower() in actual.lower()
        return bool(actual.lower().startswith(wanted.lower()))
    return True


def _tag_match(tag_filter: dict[str, Any], q: Queue) -> bool:
    def has(cond: dict[str, Any]) -> bool:
        return q.tags.get(cond.get("TagKey", "")) == cond.get("TagValue")

    if "TagCondition" in tag_filter and not has(tag_filter["TagCondition"]):
        return False
    if "AndConditions" in tag_filter and not all(has(c) for c in tag_filter["AndConditions"]):
        return False
    return not (
        "OrConditions" in tag_filter
        and not any(all(has(c) for c in group) for group in tag_filter["OrConditions"])
    )


def _queue_id(q: Queue) -> str:
    return q.id


def _is_standard(q: Queue) -> bool:
    return q.type == "STANDARD"


def _search_predicate(criteria: dict[str, Any], tag_filter: dict[str, Any]) -> Callable[[Queue], bool]:
    """The test of whether a queue is in the results (invalid criteria raise when it is applied)."""
    if not tag_filter and criteria in ({}, {"QueueTypeCondition": "STANDARD"}):
        return _is_standard  # every searchable queue, the common case: nothing to interpret
    return lambda q: q.type == "STANDARD" and _criteria_match(criteria, q) and _tag_match(tag_filter, q)


#: Match counts kept per instance (distinct searches in flight at once).
_COUNTS_KEPT = 64


def _match_count(
    state: EmulatorState, inst: Instance, key: str, wanted: Callable[[Queue], bool], fresh: bool
) -> int:
    """How many queues are ``wanted``: counted when ``fresh`` or stale, else the cached count."""
    stamp = (state.version, len(inst.queues))
    counts = inst.search_counts
    cached = counts.get(key)
    if not fresh and cached is not None and cached[0] == stamp:
        return cached[1]
    count = sum(map(wanted, inst.queues))
    counts.pop(key, None)
    while len(counts) >= _COUNTS_KEPT:
        del counts[next(iter(counts))]
    counts[key] = (stamp, count)
    return count


def search_queues(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst = resolve_instance(state, call, call.params["InstanceId"])
    criteria = call.params.get("SearchCriteria") or {}
    tag_filter = (call.params.get("SearchFilter") or {}).get("TagFilter") or {}
    wanted = _search_predicate(criteria, tag_filter)
    key = f"{inst.id}|{criteria!r}|{tag_filter!r}"
    # Counting first also means invalid criteria are refused whatever the page and token.
    total = _match_count(state, inst, key, wanted, fresh="NextToken" not in call.params)
    page, token = paginate_scan(
        call, inst.queues, wanted, key, 100, item_id=_queue_id, locate=inst.queue_position
    )
    queues = queue_objects(call, inst, seen(state, call, inst, page))
    out: dict[str, Any] = {"Queues": queues, "ApproximateTotalCount": total}
    if token:
        out["NextToken"] = token
    return out


# -- ListQueues / DescribeQueue ----------------------------------------------------------------


def list_queues(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst = resolve_instance(state, call, call.params["InstanceId"])
    types = call.params.get("QueueTypes") or ["STANDARD", "AGENT"]
    page, token = paginate_scan(
        call,
        inst.queues,
        lambda q: q.type in types,
        f"{inst.id}|{sorted(types)}",
        100,
        item_id=_queue_id,
        locate=inst.queue_position,
    )
    summaries = []
    for q in seen(state, call, inst, page):
        summary: dict[str, Any] = {"Id": q.id, "Arn": queue_arn(call, inst, q.id)}
        if q.name is not None:
            summary["Name"] = q.name
        summary["QueueType"] = q.type
        summary["LastModifiedTime"] = q.last_modified_time
        summary["LastModifiedRegion"] = q.last_modified_region or inst.region
        summaries.append(summary)
    out: dict[str, Any] = {"QueueSummaryList": summaries}
    if token:
        out["NextToken"] = token
    return out


def describe_queue(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst = resolve_instance(state, call, call.params["InstanceId"])
    q = inst.queue(call.params["QueueId"])
    if q is None:
        raise not_found(f"Queue {call.params['QueueId']}")
    return {"Queue": queue_object(call, inst, seen(state, call, inst, [q])[0])}


# -- UpdateQueueOutboundCallerConfig -----------------------------------------------------------


def _flow_id(call: Call, inst: Instance, ident: str) -> str:
    arn = parse_arn(ident)
    if arn is not None:
        prefix = f"instance/{inst.id}/contact-flow/"
        if arn[1] != inst.account or not arn[2].startswith(prefix):
            raise not_found(f"Contact flow {ident}")
        ident = arn[2].removeprefix(prefix)
    if inst.flow(ident) is None:
        raise not_found(f"Contact flow {ident}")
    return ident


def update_queue_outbound_caller_config(state: EmulatorState, call: Call) -> None:
    cfg: dict[str, Any] = call.params["OutboundCallerConfig"]
    name = cfg.get("OutboundCallerIdName")
    number_ref = cfg.get("OutboundCallerIdNumberId")
    flow_ref = cfg.get("OutboundFlowId")
    for field, value in (
        ("OutboundCallerIdName", name),
        ("OutboundCallerIdNumberId", number_ref),
        ("OutboundFlowId", flow_ref),
    ):
        if value is not None and not str(value).strip():
            raise invalid_parameter(f"{field} must not be empty")
    inst = resolve_instance(state, call, call.params["InstanceId"])
    q = inst.queue(call.params["QueueId"])
    if q is None:
        raise not_found(f"Queue {call.params['QueueId']}")
    number_id = None
    if number_ref is not None:
        _, number = resolve_number(state, call, number_ref, scope=inst)
        number_id = number.id
    flow_id = _flow_id(call, inst, flow_ref) if flow_ref is not None else None
    target = write_copy(inst, q, call.region, call.options.queue_replication)
    state.lag.before_write(lag_key(inst, q, target), target, call.options.read_lag, call.now)
    clear = call.options.omitted_fields == "clear"
    if name is not None or clear:
        target.caller_id_name = name
    if number_id is not None or clear:
        target.caller_id_number_id = number_id
    if flow_id is not None or clear:
        target.outbound_flow_id = flow_id
    target.last_modified_time = call.now
    target.last_modified_region = call.region


# -- ListContactFlows / DescribeInstance -------------------------------------------------------


def list_contact_flows(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst = resolve_instance(state, call, call.params["InstanceId"])
    types = call.params.get("ContactFlowTypes")
    flows = [f for f in inst.flows if not types or f.type in types]
    page, token = paginate(call, flows, f"{inst.id}|{sorted(types or [])}", default_size=100)
    out: dict[str, Any] = {
        "ContactFlowSummaryList": [
            {
                "Id": f.id,
                "Arn": flow_arn(call, inst, f.id),
                "Name": f.name,
                "ContactFlowType": f.type,
                "ContactFlowState": f.state,
                "ContactFlowStatus": f.status,
            }
            for f in page
        ]
    }
    if token:
        out["NextToken"] = token
    return out


def describe_instance(state: EmulatorState, call: Call) -> dict[str, Any]:
    inst = resolve_instance(state, call, call.params["InstanceId"])
    instance: dict[str, Any] = {
        "Id": inst.id,
        "Arn": instance_arn(call.region, inst.account, inst.id),
        "IdentityManagementType": inst.identity_management_type,
        "InstanceAlias": inst.alias,
        "CreatedTime": inst.created_time,
        "ServiceRole": (
            f"arn:aws:iam::{inst.account}:role/aws-service-role/connect.amazonaws.com/"
            f"AWSServiceRoleForAmazonConnect_{inst.id.replace('-', '')[:20]}"
        ),
        "InstanceStatus": inst.status,
        "InboundCallsEnabled": inst.inbound_calls_enabled,
        "OutboundCallsEnabled": inst.outbound_calls_enabled,
        "InstanceAccessUrl": f"https://{inst.alias}.my.connect.aws",
        "Tags": dict(inst.tags),
    }
    out: dict[str, Any] = {"Instance": instance}
    if inst.replica_region is not None:
        other = inst.replica_region if call.region == inst.region else inst.region
        out["ReplicationConfiguration"] = {
            "ReplicationStatusSummaryList": [
                {"Region": other, "ReplicationStatus": "INSTANCE_REPLICATION_COMPLETE"}
            ],
            "SourceRegion": inst.region,
            "GlobalSignInEndpoint": f"{inst.alias}.awsapps.com",
        }
    return out
