"""Plans built by hand for the renderer tests: the renderers see exactly what the planner hands over.

Each builder returns a fresh `Plan`; `CASES` names the ones with golden files. Values follow the
conventions of `reconciler.planning.plan` (traffic fields as dicts Region -> percent / bool, queue fields as
display strings or None) and the IDs of the demo fixture, so the output reads like a real plan.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote as urlquote

from reconciler.desired.model import InstanceSpec
from reconciler.planning.plan import (
    Action,
    ApiRequest,
    Change,
    FieldChange,
    InstanceSummary,
    Kind,
    Plan,
    PlanMeta,
    Risk,
)
from reconciler.planning.values import GroupValues, QueueValues

from ..support.demo import ACCOUNT, INSTANCE_ID

EU_ID = "5b2c3d4e-0000-4000-8000-000000000002"
DIGEST = "3f1c9a0d2b7e4c5f8a6b1d0e9c8f7a6b5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a"  # sha256 of the YAML files

DEMO = InstanceSummary(
    name="anycompany-demo",
    id=INSTANCE_ID,
    region="us-east-1",
    replica_region="us-west-2",
    account=ACCOUNT,
    managed=10,
    unchanged=5,
    read_calls=9,
    spec=InstanceSpec(
        name="anycompany-demo",
        id=INSTANCE_ID,
        region="us-east-1",
        replica_region="us-west-2",
        account_id=ACCOUNT,
    ),
    read_region="us-east-1",
)
EU = InstanceSummary(
    name="anycompany-eu",
    id=EU_ID,
    region="eu-central-1",
    replica_region="eu-west-2",
    account=ACCOUNT,
    managed=4,
    unchanged=3,
    read_calls=6,
    spec=InstanceSpec(
        name="anycompany-eu", id=EU_ID, region="eu-central-1", replica_region="eu-west-2", account_id=ACCOUNT
    ),
    read_region="eu-central-1",
)
META = PlanMeta(
    created_at="2024-06-03T09:30:00+00:00",
    tool_version="0.1.0",
    state_dir="desired-state",
    git_commit="9e4f2a1c3b5d7e9f0a1b2c3d4e5f6a7b8c9d0e1f",
)


# Display names of the demo fixture's numbers and flows (the planner shows E.164 and flow names).
NUMBERS = {
    "90000000-0000-4000-8000-000000000001": "+12065550100",
    "90000000-0000-4000-8000-000000000002": "+12065550101",
    "90000000-0000-4000-8000-000000000003": "+12065550102",
    "90000000-0000-4000-8000-000000000004": "+18885550199",
    "90000000-0000-4000-8000-000000000005": "+15035550123",
}
FLOWS = {
    "f0000000-0000-4000-8000-000000000001": "Default outbound",
    "f0000000-0000-4000-8000-000000000002": "Sales outbound whisper",
    "f0000000-0000-4000-8000-000000000003": "Support outbound whisper",
    # Flow names only the hostile-names plan uses.
    "f0000000-0000-4000-8000-0000000000f1": "<b>Default</b> & co",
    "f0000000-0000-4000-8000-0000000000f2": "</details> [link](http://x) @octocat #1",
}


def fingerprint(values: dict[str, Any]) -> str:
    """As the planner makes it: 16 hex digits of the SHA-256 of the canonical JSON."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def group_arn(region: str, group: str) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:traffic-distribution-group/{group}"


def number_arn(region: str, number: str) -> str:
    return f"arn:aws:connect:{region}:{ACCOUNT}:phone-number/{number}"


def _distributions(values: dict[str, Any], key: str) -> dict[str, Any]:
    return {"Distributions": [{"Region": r, key: v} for r, v in values.items()]}


def traffic_change(
    *,
    instance: InstanceSummary,
    name: str,
    group_id: str,
    home: str,
    live: dict[str, Any],
    desired: dict[str, Any],
    step: int | None = None,
    risks: tuple[Risk, ...] = (),
    warnings: tuple[str, ...] = (),
    status: str = "ACTIVE",
    source: str = "",
    order: int = 0,
) -> Change:
    """An UpdateTrafficDistribution change, built the way the planner builds one.

    `live` holds the normalised live values (telephony / agents / signIn, None when unread or not
    applicable); `desired` the managed ones. Only changed fields are listed, but the request sends
    every known field (desired over live), to the group's ARN, in the Region that gets most calls.
    """
    after = {**live, **desired}
    fields = [k for k in desired if live.get(k) != desired[k]]
    sent = {k: v for k, v in after.items() if v is not None}
    body: dict[str, Any] = {"TelephonyConfig": _distributions(sent["telephony"], "Percentage")}
    if "agents" in sent:
        body["AgentConfig"] = _distributions(sent["agents"], "Percentage")
    if "signIn" in sent:
        body["SignInConfig"] = _distributions(sent["signIn"], "Enabled")
    telephony = sent["telephony"]
    region = instance.replica_region
    if telephony.get(instance.replica_region, 0) <= telephony.get(instance.region, 0):
        region = instance.region
    arn = group_arn(home, group_id)
    planned_against = {k: live.get(k) for k in sent}
    blocked = status != "ACTIVE"
    before_values = GroupValues.model_validate({k: live.get(k) for k in GroupValues.FIELDS if k in sent})
    return Change(
        step=None if blocked else step,
        instance=instance.name,
        kind=Kind.TRAFFIC,
        name=name,
        resource_id=group_id,
        resource_arn=arn,
        action=Action.BLOCKED if blocked else Action.UPDATE,
        fields=tuple(FieldChange(field=f, before=live.get(f), after=after[f]) for f in fields),
        request=ApiRequest(
            operation="UpdateTrafficDistribution",
            region=region,
            method="PUT",
            path=f"/traffic-distribution/{urlquote(arn, safe='')}",
            body=body,
        ),
        fingerprint=fingerprint(planned_against),
        planned_against=before_values,
        expected=GroupValues.model_validate(sent),
        risks=risks,
        warnings=warnings,
        reason=f"group is {status}; Connect only changes ACTIVE groups" if blocked else None,
        source=source,
        order=order,
    )


def _shown(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if field == "callerIdNumber":
        return NUMBERS.get(value, value)
    if field == "whisperFlow":
        return FLOWS.get(value, value)
    return value


def queue_change(
    *,
    step: int,
    instance: InstanceSummary,
    name: str,
    queue_id: str,
    live: dict[str, str | None],
    desired: dict[str, str],
    source: str,
    number_region: str = "us-east-1",
    warnings: tuple[str, ...] = (),
    order: int = 0,
) -> Change:
    """An UpdateQueueOutboundCallerConfig change, built the way the planner builds one.

    `live` and `desired` hold normalised values (callerIdName, callerIdNumber as the number's UUID,
    whisperFlow as the flow ID); fields show E.164 numbers and flow names, the request sends every
    known field with the number as its ARN.
    """
    before = {"callerIdName": None, "callerIdNumber": None, "whisperFlow": None, **live}
    after = {**before, **desired}
    fields = [k for k in desired if before[k] != desired[k]]
    sent = {k: v for k, v in after.items() if v is not None}
    config: dict[str, Any] = {}
    if "callerIdName" in sent:
        config["OutboundCallerIdName"] = sent["callerIdName"]
    if "callerIdNumber" in sent:
        config["OutboundCallerIdNumberId"] = number_arn(number_region, sent["callerIdNumber"])
    if "whisperFlow" in sent:
        config["OutboundFlowId"] = sent["whisperFlow"]
    planned_against = {k: before[k] for k in sent}
    return Change(
        step=step,
        instance=instance.name,
        kind=Kind.QUEUE,
        name=name,
        resource_id=queue_id,
        resource_arn=f"arn:aws:connect:{instance.region}:{ACCOUNT}:instance/{instance.id}/queue/{queue_id}",
        action=Action.UPDATE,
        fields=tuple(
            FieldChange(field=f, before=_shown(f, before[f]), after=_shown(f, after[f])) for f in fields
        ),
        request=ApiRequest(
            operation="UpdateQueueOutboundCallerConfig",
            region=instance.region,
            method="POST",
            path=f"/queues/{instance.id}/{queue_id}/outbound-caller-config",
            body={"OutboundCallerConfig": config},
        ),
        fingerprint=fingerprint(planned_against),
        planned_against=QueueValues.model_validate(before),
        expected=QueueValues.model_validate(sent),
        warnings=warnings,
        source=source,
        order=order,
    )


EAST, WEST = "us-east-1", "us-west-2"
INSTANCE_YAML = "desired-state/anycompany-demo/instance.yaml"
QUEUES_YAML = "desired-state/anycompany-demo/queues.yaml"


F1, F2, F3 = (f"f0000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
HOSTILE_FLOWS = ("f0000000-0000-4000-8000-0000000000f1", "f0000000-0000-4000-8000-0000000000f2")
N1, N2, N3, N4, N5 = (f"90000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3, 4, 5))


def _split(east: int, region: str = EAST, other: str = WEST) -> dict[str, int]:
    return {region: east, other: 100 - east}


def demo_plan() -> Plan:
    """The demo: a traffic shift with agents and sign-in, a failover, two queues, a blocked group.

    In the planner's order: by kind (traffic first), then name; blocked changes keep their place
    but get no step.
    """
    campaigns = traffic_change(
        instance=DEMO,
        name="anycompany-campaigns",
        group_id="7d000000-0000-4000-8000-000000000003",
        home=EAST,
        live={"telephony": None, "agents": None, "signIn": None},
        desired={"telephony": _split(70)},
        warnings=("the live distribution could not be read",),
        status="UPDATE_IN_PROGRESS",
        source=f"{INSTANCE_YAML}:33",
    )
    default = traffic_change(
        step=1,
        instance=DEMO,
        name="anycompany-default",
        group_id="7d000000-0000-4000-8000-000000000001",
        home=EAST,
        live={"telephony": _split(100), "agents": _split(100), "signIn": {EAST: True, WEST: False}},
        desired={"telephony": _split(80), "agents": _split(80), "signIn": {EAST: True, WEST: True}},
        risks=(Risk.TRAFFIC_SHIFT, Risk.AGENTS_SHIFT),
        source=f"{INSTANCE_YAML}:14",
    )
    overflow = traffic_change(
        step=2,
        instance=DEMO,
        name="anycompany-overflow",
        group_id="7d000000-0000-4000-8000-000000000002",
        home=WEST,
        live={"telephony": _split(50), "agents": _split(50), "signIn": None},
        desired={"telephony": _split(0)},
        risks=(Risk.TRAFFIC_SHIFT, Risk.FAILOVER),
        warnings=(
            "agents stay at us-east-1 50%, us-west-2 50% while telephony moves; "
            "AWS advises moving agents with telephony",
        ),
        source=f"{INSTANCE_YAML}:26",
    )
    sales = queue_change(
        step=3,
        instance=DEMO,
        name="Sales",
        queue_id="0e000000-0000-4000-8000-000000000002",
        live={"callerIdName": "AnyCompany Sales", "callerIdNumber": N2, "whisperFlow": F2},
        desired={"callerIdName": "AnyCompany Sales Team", "callerIdNumber": N2, "whisperFlow": F2},
        source=f"{QUEUES_YAML}:8",
    )
    support = queue_change(
        step=4,
        instance=DEMO,
        name="Support",
        queue_id="0e000000-0000-4000-8000-000000000003",
        live={"callerIdName": "AnyCompany Support", "callerIdNumber": N3, "whisperFlow": F3},
        desired={"callerIdName": "AnyCompany Support", "callerIdNumber": N4, "whisperFlow": F3},
        source=f"{QUEUES_YAML}:13",
    )
    return Plan(
        desired_digest=DIGEST,
        instances=(DEMO,),
        changes=(campaigns, default, overflow, sales, support),
        meta=META,
    )


def no_changes_plan() -> Plan:
    summary = DEMO.model_copy(update={"managed": 9, "unchanged": 9})
    return Plan(desired_digest=DIGEST, instances=(summary,), changes=(), meta=META)


def two_instances_plan() -> Plan:
    """A queue change in the demo instance and a full failover, sign-in included, in Europe."""
    demo = DEMO.model_copy(update={"managed": 9, "unchanged": 8})
    queue = queue_change(
        step=1,
        instance=demo,
        name="After Hours",
        queue_id="0e000000-0000-4000-8000-00000000000c",
        live={"callerIdNumber": N5},
        desired={"callerIdName": "AnyCompany After Hours", "whisperFlow": F3},
        number_region=WEST,
        source=f"{QUEUES_YAML}:34",
    )
    central, london = "eu-central-1", "eu-west-2"
    failover = traffic_change(
        step=2,
        instance=EU,
        name="anycompany-eu-default",
        group_id="7d000000-0000-4000-8000-0000000000e1",
        home=central,
        live={
            "telephony": _split(100, central, london),
            "agents": _split(100, central, london),
            "signIn": {central: True, london: True},
        },
        desired={
            "telephony": _split(0, central, london),
            "agents": _split(0, central, london),
            "signIn": {central: False, london: True},
        },
        risks=(Risk.TRAFFIC_SHIFT, Risk.FAILOVER, Risk.AGENTS_SHIFT, Risk.SIGN_IN_DISABLED),
        source="desired-state/anycompany-eu/instance.yaml:12",
        order=1,
    )
    return Plan(desired_digest=DIGEST, instances=(demo, EU), changes=(queue, failover), meta=META)


def hostile_names_plan() -> Plan:
    """Names a reviewer must see verbatim and a renderer must not interpret: Markdown, HTML, escapes."""
    hostile = DEMO.model_copy(update={"managed": 5, "unchanged": 1})

    def named(step: int, name: str, before: str | None, after: str, **extra: Any) -> Change:
        return queue_change(
            step=step,
            instance=hostile,
            name=name,
            queue_id=f"0e000000-0000-4000-8000-0000000000f{step}",
            live={"callerIdName": before, "callerIdNumber": N1},
            desired={"callerIdName": after},
            source=f"{QUEUES_YAML}:{36 + 4 * step}",
            **extra,
        )

    pipes = named(1, "Sales | EMEA", "Sales | EMEA", "Sales || EMEA *now*")
    script = queue_change(
        step=2,
        instance=hostile,
        name="<script>alert('x')</script>",
        queue_id="0e000000-0000-4000-8000-0000000000f2",
        live={"callerIdName": "AnyCompany", "callerIdNumber": N1, "whisperFlow": HOSTILE_FLOWS[0]},
        desired={"whisperFlow": HOSTILE_FLOWS[1]},
        source=f"{QUEUES_YAML}:44",
        warnings=("flow name <b>bold</b> | pipes `ticks` and _underscores_",),
    )
    ticks = named(3, "Tier `2` ``support``", "`start", 'quote " and \\ backslash | \\|pipe')
    control = named(4, "Ops\x1b[31m red\nsecond line\u202e", "Ops\ttab", "Ops\x1b[2J")
    return Plan(
        desired_digest=DIGEST,
        instances=(hostile,),
        changes=(pipes, script, ticks, control),
        meta=None,
    )


def blocked_only_plan() -> Plan:
    """Nothing apply can do: the only change waits for its group to become ACTIVE again."""
    summary = DEMO.model_copy(update={"managed": 3, "unchanged": 2})
    return Plan(desired_digest=DIGEST, instances=(summary,), changes=demo_plan().blocked, meta=None)


@functools.cache  # a Plan is frozen, so tests can share one; building 3,000 changes takes a while
def huge_plan(count: int = 3000) -> Plan:
    """`count` queue caller ID name changes: far more than one GitHub comment can hold."""
    summary = DEMO.model_copy(update={"managed": count + 2000, "unchanged": 2000, "read_calls": 14})
    changes = tuple(
        queue_change(
            step=n,
            instance=summary,
            name=f"Queue {n:04d}",
            queue_id=f"0e000000-0000-4000-8000-{n:012x}",
            live={"callerIdName": f"AnyCompany {n:04d}", "callerIdNumber": N1, "whisperFlow": F1},
            desired={"callerIdName": f"AnyCompany Queue {n:04d}"},
            source=f"desired-state/anycompany-demo/queues-bulk.yaml:{3 * n}",
        )
        for n in range(1, count + 1)
    )
    return Plan(desired_digest=DIGEST, instances=(summary,), changes=changes, meta=META)


CASES: dict[str, Callable[[], Plan]] = {
    "demo": demo_plan,
    "no_changes": no_changes_plan,
    "two_instances": two_instances_plan,
    "hostile_names": hostile_names_plan,
    "blocked_only": blocked_only_plan,
    "huge": huge_plan,
}
