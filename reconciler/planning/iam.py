"""Least-privilege IAM policies for the plan role (read only) and the apply role (pure).

Actions come from `reconciler.planning.operations`, the list the code itself is checked against;
resources are scoped to the instances in the desired state, in both Regions of each pair, and to
the groups, queues, flows and phone numbers under them. Without an account ID in the desired
state the account part of each ARN is `*`. An apply role whose desired state has rollouts that
name alarms may also read those alarms (`cloudwatch:DescribeAlarms`, scoped to them; a composite
alarm needs the action on `*`, which is left to the user).
"""

from __future__ import annotations

from typing import Any

from reconciler.desired.model import InstanceSpec
from reconciler.desired.state import DesiredState
from reconciler.planning.operations import READ, WRITE


def _arns(spec: InstanceSpec, kinds: tuple[str, ...]) -> list[str]:
    account = spec.account or "*"
    arns: list[str] = []
    for region in spec.regions:
        base = f"arn:aws:connect:{region}:{account}"
        instance = f"{base}:instance/{spec.instance_id}"
        paths = {
            "instance": [instance],
            "queue": [f"{instance}/queue/*"],
            "flow": [f"{instance}/contact-flow/*"],
            "group": [f"{base}:traffic-distribution-group/*"],
            "number": [f"{base}:phone-number/*"],
        }
        for kind in kinds:
            arns.extend(paths[kind])
    return arns


def policy(desired: DesiredState, mode: str, lock_table: str | None = None) -> dict[str, Any]:
    """The policy document for `mode` ("plan" or "apply") over every instance in `desired`.

    With `lock_table`, the apply policy may also hold the apply lock in that DynamoDB table and
    write the last applied commits beside it; the plan policy may read those (`GetItem` only).
    """
    if mode not in ("plan", "apply"):
        raise ValueError(f"mode must be plan or apply, not {mode!r}")
    specs = [i.spec for i in desired.instances]

    def resources(*kinds: str) -> list[str]:
        return sorted({arn for spec in specs for arn in _arns(spec, kinds)})

    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadConnectConfiguration",
            "Effect": "Allow",
            "Action": sorted(f"connect:{op}" for op in READ),
            "Resource": resources("instance", "queue", "flow", "group", "number"),
        }
    ]
    if mode == "apply" and (alarms := _alarm_arns(desired)):
        statements.append(
            {
                "Sid": "ReadRolloutAlarms",
                "Effect": "Allow",
                "Action": ["cloudwatch:DescribeAlarms"],
                "Resource": alarms,
            }
        )
    accounts = sorted({spec.account or "*" for spec in specs})
    table_arns = [f"arn:aws:dynamodb:*:{account}:table/{lock_table}" for account in accounts]
    if mode == "plan" and lock_table:
        statements.append(
            {
                "Sid": "ReadAppliedCommits",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem"],
                "Resource": table_arns,
            }
        )
    if mode == "apply":
        statements += [
            {
                "Sid": "UpdateTrafficDistribution",
                "Effect": "Allow",
                "Action": ["connect:UpdateTrafficDistribution"],
                "Resource": resources("group"),
            },
            {
                "Sid": "UpdateQueueOutboundCallerConfig",
                "Effect": "Allow",
                "Action": sorted(f"connect:{op}" for op in WRITE if op != "UpdateTrafficDistribution"),
                "Resource": resources("instance", "queue", "flow", "number"),
            },
        ]
        if lock_table:
            statements.append(
                {
                    "Sid": "ApplyLock",
                    "Effect": "Allow",
                    "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
                    "Resource": table_arns,
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}


def _alarm_arns(desired: DesiredState) -> list[str]:
    """The alarms rollouts read: in the Region they name, else in either Region of the pair (an
    alarm without one is read in the Region receiving traffic, which depends on the live state)."""
    arns: set[str] = set()
    for instance in desired.instances:
        spec = instance.spec
        for group in instance.groups:
            rollout = group.spec.rollout
            for alarm in rollout.halt_on.alarms if rollout and rollout.halt_on else []:
                for region in [alarm.region] if alarm.region else spec.regions:
                    arns.add(f"arn:aws:cloudwatch:{region}:{spec.account or '*'}:alarm:{alarm.name}")
    return sorted(arns)


def targets(desired: DesiredState) -> list[dict[str, Any]]:
    """The instances in the desired state, for a CI matrix (one job per instance)."""
    return [
        {
            "name": i.spec.name,
            "account": i.spec.account,
            "region": i.spec.region,
            "replicaRegion": i.spec.replica_region,
            "source": i.source.file,
        }
        for i in desired.instances
    ]
