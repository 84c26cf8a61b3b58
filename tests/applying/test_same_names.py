"""Two resources with the same name, addressed by ID, are applied and reported separately.

The applier keys its results by resource ID, never by name: checked on the in-memory port.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome

from ..support.connect import fast_settings, make_plan
from ..support.demo import QUEUES, write_desired
from ..support.fake_connect import FakeConnect
from ..support.live import demo_live

SALES = QUEUES["Sales"]
RETURNS = QUEUES["Returns"]


def test_two_queues_named_alike_are_both_applied_and_both_reported(tmp_path: Path) -> None:
    live = demo_live()
    queues = tuple(replace(q, name="Sales") if q.id == RETURNS else q for q in live.queues)
    fake = FakeConnect(replace(live, queues=queues))  # two queues called Sales
    state = write_desired(
        tmp_path / "state",
        queues={SALES: {"callerIdName": "Sales A"}, RETURNS: {"callerIdName": "Sales B"}},
    )
    made = make_plan(state, fake)
    assert [c.name for c in made.updates] == ["Sales", "Sales"]

    report = Applier(fake, None, fast_settings()).run(made)

    assert [(r.change.resource_id, r.outcome) for r in report.results] == sorted(
        [(SALES, Outcome.APPLIED), (RETURNS, Outcome.APPLIED)]
    )
    assert sorted(c.target for c in fake.writes()) == sorted([SALES, RETURNS])
    assert (fake.queues[SALES].caller_id_name, fake.queues[RETURNS].caller_id_name) == ("Sales A", "Sales B")
