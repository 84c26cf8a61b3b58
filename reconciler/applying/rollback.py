"""A journal -> the plan that puts back what that apply changed, refusing where live moved on.

Rollback is an apply like any other, so it gets the same guarantees: each restore is planned
against the values the apply wrote (its fingerprint), and a resource whose live value is no longer
what the apply wrote is skipped as stale, never overwritten. Writes that Connect refused with a
4xx changed nothing and are left out; anything else that was started (sent, failed after retries,
or interrupted) is included, since it may have taken effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.applying.journal import ApplyStarted, ChangeFinished, ChangeStarted, Record
from reconciler.desired.patterns import ACCOUNT_RE
from reconciler.errors import ReconcilerError
from reconciler.planning.compare import planned_fingerprint
from reconciler.planning.plan import Action, Change, FieldChange, InstanceSummary, Plan

_REFUSED = {
    "InvalidRequestException",
    "InvalidParameterException",
    "ResourceNotFoundException",
    "AccessDeniedException",
    "GroupNotActive",
}


def rollback_plan(records: list[Record], origin: str) -> Plan:
    """The restoring plan (last change first) from journal records; it describes its instances."""
    header = records[0]
    if not isinstance(header, ApplyStarted):
        raise ReconcilerError(f"{origin}: not an apply journal (no apply-started record)")
    applies = sum(1 for r in records if isinstance(r, ApplyStarted))
    if applies > 1:  # restores of two applies would be planned against each other's values
        raise ReconcilerError(
            f"{origin}: holds the records of {applies} applies (the journal file was reused); "
            "rollback needs the journal of one apply: split the file at each apply-started line"
        )
    specs = {s.name: s for s in header.instances}
    started, finished = _writes(records)
    unknown = sorted({r.instance for r in started} - specs.keys())
    if unknown:
        raise ReconcilerError(
            f"{origin}: changes for instances its header does not describe: {', '.join(unknown)}"
        )
    changes: list[Change] = []
    for record in reversed(started):
        end = finished.get(record.ident)
        if end is not None and end.outcome == "failed" and end.code in _REFUSED:
            continue  # Connect refused the write: nothing to undo
        if end is not None and end.outcome in ("stale", "already"):
            continue  # found changed by someone else before it was sent: nothing was written
        if record.restore is None:
            continue
        changes.append(_restoring_change(record, len(changes) + 1))
    instances = tuple(
        InstanceSummary(
            name=s.name,
            id=s.instance_id,
            region=s.region,
            replica_region=s.replica_region,
            account=s.account or _account_of(r.resource_arn for r in started if r.instance == s.name),
            managed=sum(1 for c in changes if c.instance == s.name),
            unchanged=0,
            read_calls=0,
            spec=s,
            read_region=s.region,
        )
        for s in specs.values()
    )
    return Plan(desired_digest=header.desired_digest, instances=instances, changes=tuple(changes))


def _writes(records: list[Record]) -> tuple[list[ChangeStarted], dict[tuple[str, str], ChangeFinished]]:
    """One write per resource, and how it ended. A progressive shift writes one resource once per
    step: its steps that were sent count as one write, from the values before the first to those
    the last one set, so that rollback restores what the rollout started from in one request."""
    pairs: list[tuple[ChangeStarted, ChangeFinished | None]] = []
    open_: dict[tuple[str, str], int] = {}
    for record in records:
        if isinstance(record, ChangeStarted):
            open_[record.ident] = len(pairs)
            pairs.append((record, None))
        elif isinstance(record, ChangeFinished) and record.ident in open_:
            index = open_.pop(record.ident)
            pairs[index] = (pairs[index][0], record)
    merged: dict[tuple[str, str], tuple[ChangeStarted, ChangeFinished | None]] = {}
    for start, end in pairs:
        first = merged.get(start.ident)
        if first is None or not _sent(first[1]):
            merged[start.ident] = (start, end)  # the first write that was sent (or the last attempt)
        elif _sent(end):
            merged[start.ident] = (first[0].model_copy(update={"expected": start.expected}), end)
    started = [start for start, _ in merged.values()]
    finished = {ident: end for ident, (_, end) in merged.items() if end is not None}
    return started, finished


def _sent(end: ChangeFinished | None) -> bool:
    """Sent, or maybe sent: a write whose end was never journalled (a crash) may have reached Connect."""
    return end is None or end.outcome == "sent"


def _account_of(arns: Iterable[str]) -> str | None:
    """The account the resources' ARNs name (the instance's: its lock is named by it)."""
    for arn in arns:
        parts = arn.split(":")
        if len(parts) > 4 and ACCOUNT_RE.fullmatch(parts[4]):
            return parts[4]
    return None


def _restoring_change(record: ChangeStarted, step: int) -> Change:
    wrote, before = record.expected, record.before
    assert record.restore is not None
    # Connect refuses empty values, so a field the apply set where there was none cannot be unset:
    # say so instead of showing a change to "(none)" that the restore request cannot make.
    wrote_d, before_d = wrote.as_dict(), before.as_dict()
    kept = sorted(k for k, v in wrote_d.items() if v is not None and before_d.get(k) is None)
    restored = type(before).model_validate({k: v for k, v in before_d.items() if v is not None})
    return Change(
        step=step,
        instance=record.instance,
        kind=record.kind,
        name=record.name,
        resource_id=record.resource_id,
        resource_arn=record.resource_arn,
        action=Action.UPDATE,
        fields=tuple(
            FieldChange(field=k, before=wrote_d.get(k), after=before_d.get(k))
            for k in type(wrote).FIELDS
            if wrote_d.get(k) != before_d.get(k) and k not in kept
        ),
        request=record.restore,
        fingerprint=planned_fingerprint(wrote, restored),
        planned_against=wrote,
        expected=restored,
        warnings=tuple(
            f"{k} had no value before the apply and Connect cannot clear a field: it keeps {wrote_d[k]!r}"
            for k in kept
        ),
        source=f"journal step {record.step}",
    )
