"""Live instance -> desired-state YAML, so a team can start from what it runs today (pure).

Written the way people read it: names, not IDs (queues, groups, flows), E.164 numbers, and an ID
only where a name is ambiguous. Queues with no caller config are left out, since a field cannot be
managed as empty, and so are references that no longer resolve (a released number, a flow of
another type). Exporting and then planning shows no changes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import UUID_RE
from reconciler.desired.state import DesiredInstance, DesiredState
from reconciler.planning.live import LiveGroup, LiveInstance, LiveQueue, number_identity

# The modeline the README documents: the committed schema, relative to desired-state/NAME/ (where
# export writes by default). The schema's `$id` URL is an identifier, not a hosted file.
HEADER = "# yaml-language-server: $schema=../../schema/desired-state.json\n"


def export_documents(spec: InstanceSpec, live: LiveInstance) -> dict[str, str]:
    """File name -> YAML text: `instance.yaml` (instance and groups) and `queues.yaml`."""
    instance: dict[str, Any] = {"instance": spec.model_dump(mode="json", by_alias=True, exclude_none=True)}
    groups = _groups(live)
    if groups:
        instance["trafficDistributionGroups"] = groups
    queues = _queues(live)
    files = {
        "instance.yaml": HEADER
        + f"# Exported from {live.id} ({live.region}, replica {live.replica_region}).\n"
        + _dump(instance)
    }
    if queues:
        files["queues.yaml"] = (
            HEADER
            + "# Outbound caller configs; a field left out is not managed.\n"
            + _dump({"queues": queues})
        )
    return files


def already_defined(desired: DesiredState, spec: InstanceSpec) -> str | None:
    """Why exporting `spec` would define an instance a second time, or None when it would not.

    An instance is the same one by its name (plans and --instance know it by that) or by its
    instance ID (an ID or an ARN naming it); two definitions make the desired state invalid.
    """
    for defined in desired.instances:
        if defined.name == spec.name:
            return _clash(defined, f"an instance named {spec.name!r}")
        if defined.spec.instance_id.lower() == spec.instance_id.lower():
            return _clash(defined, f"instance {spec.instance_id} (as {defined.name!r})")
    return None


def _clash(defined: DesiredInstance, what: str) -> str:
    return f"{what} is already defined at {defined.source}"


def _by_name(name: str, count: int) -> bool:
    """Whether `name` reads back as this one object: unique, and not mistaken for an ID or ARN."""
    return count == 1 and bool(name) and not UUID_RE.match(name) and not name.startswith("arn:")


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)


def _groups(live: LiveInstance) -> dict[str, Any]:
    names = Counter(g.name for g in live.groups)
    out: dict[str, Any] = {}
    for group in sorted(live.groups, key=lambda g: (not g.is_default, g.name)):
        body = _group(group)
        if body is not None:
            out[group.name if _by_name(group.name, names[group.name]) else group.arn] = body
    return out


def _group(group: LiveGroup) -> dict[str, Any] | None:
    dist = group.distribution
    if dist is None or not dist.telephony:
        return None
    body: dict[str, Any] = {}
    if group.is_default:
        body["default"] = True
    body["telephony"] = dict(sorted(dist.telephony.items()))
    if dist.agents:
        body["agents"] = dict(sorted(dist.agents.items()))
    if group.is_default and dist.sign_in and any(dist.sign_in.values()):
        body["signIn"] = dict(sorted(dist.sign_in.items()))
    return body


def _queues(live: LiveInstance) -> dict[str, Any]:
    names = Counter(q.name for q in live.queues)
    flow_names = Counter(f.name for f in live.flows)
    numbers = Counter(n.number for n in live.numbers)
    out: dict[str, Any] = {}
    for queue in sorted(live.queues, key=lambda q: q.name):
        body = _queue(queue, live, flow_names, numbers)
        if body:
            out[queue.name if _by_name(queue.name, names[queue.name]) else queue.id] = body
    return out


def _queue(
    queue: LiveQueue, live: LiveInstance, flow_names: Counter[str], numbers: Counter[str]
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if queue.caller_id_name and queue.caller_id_name.strip():  # git refuses a blank name
        body["callerIdName"] = queue.caller_id_name
    if queue.caller_id_number:
        number = live.numbers_by_identity.get(number_identity(queue.caller_id_number))
        if number is not None:  # a number no longer claimed here cannot be planned: leave it unmanaged
            body["callerIdNumber"] = number.number if numbers[number.number] == 1 else number.arn
    if queue.whisper_flow_id:
        flow = live.flows_by_id.get(queue.whisper_flow_id)
        if flow is not None and flow.type == "OUTBOUND_WHISPER":
            body["whisperFlow"] = flow.name if _by_name(flow.name, flow_names[flow.name]) else flow.id
    return body
