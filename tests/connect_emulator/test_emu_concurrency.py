"""Concurrent clients: every request is answered, writes are atomic, the call log is complete."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connect_emulator.server import Emulator

from ..support.demo import EAST, INSTANCE_ID, WEST
from .helpers import make_client


def test_parallel_reads_and_writes(emu: Emulator) -> None:
    queues = [q.id for q in emu.state.instances[0].queues if q.type == "STANDARD"]

    def worker(n: int) -> list[str]:
        client: Any = make_client(emu, EAST if n % 2 else WEST)
        names = []
        for i in range(10):
            queue_id = queues[(n + i) % len(queues)]
            name = f"worker-{n}-{i}"
            client.update_queue_outbound_caller_config(
                InstanceId=INSTANCE_ID, QueueId=queue_id, OutboundCallerConfig={"OutboundCallerIdName": name}
            )
            got = client.describe_queue(InstanceId=INSTANCE_ID, QueueId=queue_id)["Queue"]
            names.append(got["OutboundCallerConfig"]["OutboundCallerIdName"])
        return names

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert all(len(r) == 10 for r in results)
    calls = emu.calls()
    assert len(calls) == 160
    assert sorted(c["seq"] for c in calls) == list(range(1, 161))
    assert {c["status"] for c in calls} == {200}
    final = {q.id: q.caller_id_name for q in emu.state.instances[0].queues}
    written: dict[str, set[str]] = {}
    for call in calls:
        if call["operation"] == "UpdateQueueOutboundCallerConfig":
            name = call["requestBody"]["OutboundCallerConfig"]["OutboundCallerIdName"]
            written.setdefault(call["path"].split("/")[3], set()).add(name)
    assert len(written) == len(queues)
    assert all(final[qid] in names for qid, names in written.items())
