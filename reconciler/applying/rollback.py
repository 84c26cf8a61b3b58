"""A journal -> the plan that puts back what that apply changed, refusing where live moved on.

Rollback is an apply like any other, so it gets the same guarantees: each restore is planned
against the values the apply wrote (its fingerprint), and a resource whose live value is no longer
what the apply wrote is skipped as stale, never overwritten. Writes that Connect refused with a
4xx changed nothing and are left out; anything else that was started (sent, failed after retries,
or interrupted) is included, since it may have taken effect.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from reconciler.desired.model import InstanceSpec
from reconciler.errors import ReconcilerError
from reconciler.planning.compare import fingerprint
from reconciler.planning.plan import Action, ApiRequest, Change, FieldChange, InstanceSummary, Kind, Plan

_REFUSED = {
    "InvalidRequestException",
    "InvalidParameterException",
    "ResourceNotFoundException",
    "AccessDeniedException",
    "GroupNotActive",
}


def rollback_plan(records: list[dict[str, Any]], origin: str) -> tuple[Plan, dict[str, InstanceSpec]]:
    """Build the restoring plan (last change first) and the instances it needs, from journal records."""
    header = records[0]
    applies = sum(1 for r in records if r["event"] == "apply-started")
    if applies > 1:  # restores of two applies would be planned against each other's values
        raise ReconcilerError(
            f"{origin}: holds the records of {applies} applies (the journal file was reused); "
            "rollback needs the journal of one apply: split the file at each apply-started line"
        )
    try:
        specs = {s.name: s for s in (InstanceSpec.model_validate(i) for i in header.get("instances", []))}
    except ValidationError:
        raise ReconcilerError(f"{origin}: the journal's instance records are damaged") from None

    def ident(record: dict[str, Any]) -> tuple[str, str]:
        return (str(record.get("instance")), str(record.get("resource_id")))  # names need not be unique

    finished = {ident(r): r for r in records if r["event"] == "change-finished"}
    started = [r for r in records if r["event"] == "change-started"]
    changes: list[Change] = []
    for record in reversed(started):
        end = finished.get(ident(record))
        if end is not None and end.get("outcome") == "failed" and end.get("code") in _REFUSED:
            continue  # Connect refused the write: nothing to undo
        if end is not None and end.get("outcome") == "stale":
            continue  # found changed by someone else before it was sent: nothing was written
        if record.get("restore") is None:
            continue
        changes.append(_restoring_change(record, len(changes) + 1))
    instances = tuple(
        InstanceSummary(
            name=s.name,
            id=s.instance_id,
            region=s.region,
            replica_region=s.replica_region,
            account=s.account,
            managed=sum(1 for c in changes if c.instance == s.name),
            unchanged=0,
            read_calls=0,
        )
        for s in specs.values()
    )
    plan = Plan(
        desired_digest=str(header.get("desired_digest", "")), instances=instances, changes=tuple(changes)
    )
    return plan, specs


def _restoring_change(record: dict[str, Any], step: int) -> Change:
    wrote: dict[str, Any] = record["expected"]
    before: dict[str, Any] = record["before"]
    restore = ApiRequest.model_validate(record["restore"])
    restored = {k: v for k, v in before.items() if v is not None}
    # Connect refuses empty values, so a field the apply set where there was none cannot be unset:
    # say so instead of showing a change to "(none)" that the restore request cannot make.
    kept = sorted(k for k, v in wrote.items() if v is not None and before.get(k) is None)
    return Change(
        step=step,
        instance=record["instance"],
        kind=Kind(record["kind"]),
        name=record["name"],
        resource_id=record["resource_id"],
        resource_arn=record["resource_arn"],
        action=Action.UPDATE,
        fields=tuple(
            FieldChange(field=k, before=wrote.get(k), after=before.get(k))
            for k in sorted({*wrote, *before})
            if wrote.get(k) != before.get(k) and k not in kept
        ),
        request=restore,
        fingerprint=fingerprint(wrote),
        planned_against=wrote,
        expected=restored,
        warnings=tuple(
            f"{k} had no value before the apply and Connect cannot clear a field: it keeps {wrote[k]!r}"
            for k in kept
        ),
        source=f"journal step {record.get('step')}",
    )
