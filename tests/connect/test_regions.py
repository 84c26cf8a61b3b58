"""What a run learns of each Region: a probe first, down for the rest of the run once judged so.

A call to a Region that does not answer must cost one short probe, not minutes of retries, and a
Region judged down gets no more calls in the run. A Region that answers with an error (a 4xx, or a
500) is alive: it is not judged down for it. Real boto3 against the emulator's outages and faults.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connect_emulator.server import Emulator
from reconciler.connect import Connect
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError

from ..support.connect import emulator_port
from ..support.demo import EAST, INSTANCE_BLOCK, QUEUES

SPEC = InstanceSpec.model_validate(INSTANCE_BLOCK)


def failure(port: Connect) -> ConnectCallError:
    with pytest.raises(ConnectCallError) as caught:
        port.describe_queue(SPEC, QUEUES["Sales"], region=EAST)
    return caught.value


@pytest.mark.parametrize("mode", ["unavailable", "reset", "hang"])
def test_a_region_that_does_not_answer_costs_one_probe_then_no_more_calls(
    start_emulator: Callable[..., Emulator], mode: str
) -> None:
    emu = start_emulator(down_regions=[EAST], outage_mix=mode, outage_hang_seconds=20)
    port = emulator_port(emu)

    first = failure(port)
    later = [failure(port) for _ in range(3)]

    assert first.unreachable and first.retryable
    assert [c["outage"] for c in emu.calls()] == [mode]  # one attempt: the probe, never retried
    assert {e.code for e in later} == {"RegionDown"}
    assert all("did not answer earlier in this run" in str(e) for e in later)
    assert port.regions_down() == {EAST}
    assert len(emu.calls()) == 1  # the later calls were never sent


def test_a_new_run_tries_the_region_again(start_emulator: Callable[..., Emulator]) -> None:
    emu = start_emulator(down_regions=[EAST], outage_mix="unavailable")
    failure(emulator_port(emu))
    emu.set_region_down(EAST, False)

    queue = emulator_port(emu).describe_queue(SPEC, QUEUES["Sales"], region=EAST)

    assert queue.name == "Sales"


def test_a_region_that_answers_with_an_error_is_alive(start_emulator: Callable[..., Emulator]) -> None:
    emu = start_emulator()
    emu.set_faults(
        {"scripted": [{"operation": "DescribeQueue", "nth": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "status": 500}]}
    )
    port = emulator_port(emu)

    first, second = failure(port), failure(port)

    assert (first.status, second.status) == (500, 500)  # sent both times: a 500 is not an outage
    assert port.regions_down() == set()


def test_once_a_region_has_answered_two_outage_failures_in_a_row_judge_it_down(
    start_emulator: Callable[..., Emulator],
) -> None:
    emu = start_emulator(outage_mix="unavailable")
    port = emulator_port(emu)
    port.describe_queue(SPEC, QUEUES["Sales"], region=EAST)  # it answers: known up
    emu.set_region_down(EAST, True)

    first = failure(port)
    assert port.regions_down() == set()  # one miss: still worth a try
    second = failure(port)

    assert first.status == second.status == 503 and first.unreachable
    assert port.regions_down() == {EAST}
    assert failure(port).code == "RegionDown"
    outage_calls = [c for c in emu.calls() if c["outage"]]
    assert len(outage_calls) == 2 * 2  # two calls, two attempts each, then nothing
