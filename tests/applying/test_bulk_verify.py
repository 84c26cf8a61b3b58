"""Many queue changes are verified with SearchQueues listings, not one DescribeQueue per change.

Which read-back a batch gets is the applier's decision, checked on the in-memory port at the
threshold itself; the listing's pages, read back through real boto3, are checked end to end in
test_eventual.py.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.applying.results import Outcome
from reconciler.applying.verify import BULK_READ_BACK

from ..support.connect import make_plan, run_apply
from ..support.demo import QUEUES, write_desired
from ..support.fake_connect import FakeConnect


def renamed(tmp_path: Path, count: int) -> Path:
    """A desired state renaming the first `count` demo queues (all in one batch)."""
    assert count <= len(QUEUES)
    names = list(QUEUES)[:count]
    return write_desired(tmp_path / "state", queues={n: {"callerIdName": f"{n} (renamed)"} for n in names})


def test_a_large_batch_is_read_back_in_one_listing(fake: FakeConnect, tmp_path: Path) -> None:
    state = renamed(tmp_path, BULK_READ_BACK + 1)
    plan = make_plan(state, fake)
    fake.calls.clear()

    _, report = run_apply(state, fake, plan)

    assert report.count(Outcome.APPLIED) == BULK_READ_BACK + 1
    operations = [c.operation for c in fake.calls]
    assert operations.count("UpdateQueueOutboundCallerConfig") == BULK_READ_BACK + 1
    # one DescribeQueue each right before its write, none to read it back
    assert operations.count("DescribeQueue") == BULK_READ_BACK + 1
    assert max(i for i, op in enumerate(operations) if op == "DescribeQueue") < max(
        i for i, op in enumerate(operations) if op == "UpdateQueueOutboundCallerConfig"
    )
    # one read of the instance for the refresh, one listing for the read-back, after the writes
    assert operations.count("ReadInstance") == 1
    assert operations.count("SearchQueues") == 1
    assert operations.index("SearchQueues") > max(
        i for i, op in enumerate(operations) if op == "UpdateQueueOutboundCallerConfig"
    )


def test_a_batch_up_to_the_threshold_is_read_back_queue_by_queue(fake: FakeConnect, tmp_path: Path) -> None:
    state = renamed(tmp_path, BULK_READ_BACK)
    plan = make_plan(state, fake)
    fake.calls.clear()

    _, report = run_apply(state, fake, plan)

    assert report.count(Outcome.APPLIED) == BULK_READ_BACK
    operations = [c.operation for c in fake.calls]
    assert "SearchQueues" not in operations
    # each queue read once right before its write and once to read it back
    assert sorted(c.target for c in fake.ops("DescribeQueue")) == sorted(
        [c.resource_id for c in plan.changes] * 2
    )
