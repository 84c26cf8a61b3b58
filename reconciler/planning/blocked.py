"""What a plan says about what it could not plan, and what it saw.

While the instance's Region is down, the plan is read from the replica, where some things cannot
be found: groups keyed by name that the replica does not list, numbers claimed to the instance
(listed in its own Region only). Such a change is not a mistake in git: it is planned as blocked,
with what would help, and everything else is still planned. `seen` records what the plan saw of
every managed resource, for a later plan to hold back what changed since a review.
"""

from __future__ import annotations

from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.state import DesiredGroup, DesiredInstance, DesiredQueue
from reconciler.planning.compare import group_values, queue_values, seen_fingerprint
from reconciler.planning.live import LiveGroup, LiveInstance, LiveQueue
from reconciler.planning.plan import Action, Change, Kind
from reconciler.planning.values import GroupValues, QueueValues


def unseen_group(instance: DesiredInstance, group: DesiredGroup, live: LiveInstance) -> Change:
    """A group the replica's Region could not find while the source Region is down: blocked.

    Groups live in the source Region; from the replica they are found by ARN (a key that is an
    ARN, or an ID with accountId) or by the names this machine last saw listed. Guessing is not
    an option when the change moves live calls, so the change waits, and says what would help.
    """
    reason = (
        f"cannot find this group from {live.read_region}: groups live in {live.region}, which does not "
        f"answer, and {live.read_region} does not list them; key it by its ARN to manage it during an outage"
    )
    return Change(
        step=None,
        instance=instance.name,
        kind=Kind.TRAFFIC,
        name=group.key,
        resource_id=group.key,
        resource_arn="",
        action=Action.BLOCKED,
        fields=(),
        request=None,
        fingerprint="",
        planned_against=GroupValues(),
        expected=GroupValues(),
        reason=reason,
        source=str(group.source),
        key=group.key,
        order=group.spec.order or 0,
    )


# --- queues -------------------------------------------------------------------------------------


def blocked_queue(
    instance: DesiredInstance, queue: DesiredQueue, live_queue: LiveQueue, reason: str
) -> Change:
    return Change(
        step=None,
        instance=instance.name,
        kind=Kind.QUEUE,
        name=live_queue.name,
        resource_id=live_queue.id,
        resource_arn=live_queue.arn,
        action=Action.BLOCKED,
        fields=(),
        request=None,
        fingerprint="",
        planned_against=queue_values(live_queue),
        expected=QueueValues(),
        reason=reason,
        source=str(queue.source),
        key=queue.key,
        order=queue.spec.order or 0,
    )


def seen(
    groups: list[tuple[DesiredGroup, LiveGroup]],
    queues: list[tuple[DesiredQueue, LiveQueue | Diagnostic]],
    live: LiveInstance,
) -> dict[str, str]:
    """What the plan saw of each managed resource, as fingerprints of its normalised values (the
    same values a change's `planned_against` holds), for `--reviewed` to compare with later."""
    pair = (live.region, live.replica_region)
    seen: dict[str, str] = {}
    for _, group in groups:
        if group.distribution is not None:
            values = group_values(group, pair)
            if not group.is_default:
                values = values.model_copy(update={"sign_in": None})
            seen[group.id] = seen_fingerprint(values)
    for _, queue in queues:
        if isinstance(queue, LiveQueue):
            seen[queue.id] = seen_fingerprint(queue_values(queue))
    return seen
