"""Queue config across the two Regions of a replicated instance: one store, or one per Region.

The replica Region serves the replicated instance with the same instance ID and the same
resource IDs (ARNs name the Region of the call), and every queue read and
UpdateQueueOutboundCallerConfig work there. Whether outbound caller config written in one Region
shows in the other is not documented (nor how fast), so it is the ``queue_replication`` option
(``Emulator(queue_replication=...)``, ``reconciler emulator --queue-replication``):

``shared`` (the default)
    One store for both Regions: a write made in either Region is read at once from both
    (subject only to the ``read_lag`` option, which treats both Regions alike). For the
    reconciler: it may write in one Region and verify or re-plan from the other.

``none``
    Queue config is not replicated: each Region keeps its own copy from the moment the instance
    was replicated (the fixture's values), and a write is visible only in the Region that made
    it, for good. DescribeQueue, SearchQueues and ListQueues show the calling Region's copy
    (``LastModifiedRegion`` included); which queues exist, their names, tags and IDs stay shared.
    For the reconciler: a write must be verified in the Region it was made in; a plan read in
    the other Region still shows the old values (drift) until that Region is written too; after
    an outage the recovered Region holds whatever it held before.

In ``none`` mode the replica Region's copy is :attr:`Queue.replica
<connect_emulator.objects.Queue.replica>`, made on the first write to the queue in either
Region (so a write in the source Region does not leak into the replica). It shows in the state
dump as the queue's ``replica`` block and can be planted by a fixture; in ``shared`` mode reads
ignore it and writes go to the one store. Admin changes (drift) take a Region and follow the
same rules, and a lag of the read-lag option belongs to one copy (:func:`lag_key`).
"""

from __future__ import annotations

import dataclasses
from typing import Final

from connect_emulator.lag import Key, queue_key
from connect_emulator.objects import Instance, Queue

SHARED: Final = "shared"
NONE: Final = "none"
MODES: Final = (SHARED, NONE)


def _separate(inst: Instance, mode: str) -> bool:
    return mode == NONE and inst.replica_region is not None


def read_copy(inst: Instance, queue: Queue, region: str, mode: str) -> Queue:
    """The copy of ``queue`` that a read made in ``region`` shows."""
    if _separate(inst, mode) and region == inst.replica_region and queue.replica is not None:
        return queue.replica
    return queue


def write_copy(inst: Instance, queue: Queue, region: str | None, mode: str) -> Queue:
    """The copy a write made in ``region`` changes (``None``: the instance's own Region).

    In ``none`` mode the replica Region's copy is split off first, whichever Region writes, so
    that the other Region keeps the values it had.
    """
    if not _separate(inst, mode):
        return queue
    if queue.replica is None:
        queue.replica = dataclasses.replace(queue, tags=dict(queue.tags), replica=None)
    return queue.replica if region == inst.replica_region else queue


def lag_key(inst: Instance, queue: Queue, copy: Queue) -> Key:
    """The read-lag key of one copy of a queue (the replica's copy lags on its own)."""
    if copy is not queue:
        return (*queue_key(inst.id, queue.id), "replica")
    return queue_key(inst.id, queue.id)
