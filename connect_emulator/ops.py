"""The emulated operations: name -> handler, and running one under the state lock.

Only the operations the reconciler uses are emulated; every other Connect operation (known to
the router through the model) is answered 404 ``UnknownOperationException`` with a message
saying it is not emulated. Handlers live in ``ops_traffic``, ``ops_queues`` and ``ops_numbers``;
each takes the state and a :class:`~connect_emulator.resources.Call` and returns the output
structure (``None`` for an empty body) or raises :class:`~connect_emulator.errors.ApiError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from connect_emulator import ops_numbers, ops_queues, ops_traffic
from connect_emulator.errors import ApiError
from connect_emulator.resources import Call
from connect_emulator.state import EmulatorState

Handler = Callable[[EmulatorState, Call], "dict[str, Any] | None"]

HANDLERS: Final[dict[str, Handler]] = {
    "ListTrafficDistributionGroups": ops_traffic.list_traffic_distribution_groups,
    "DescribeTrafficDistributionGroup": ops_traffic.describe_traffic_distribution_group,
    "GetTrafficDistribution": ops_traffic.get_traffic_distribution,
    "UpdateTrafficDistribution": ops_traffic.update_traffic_distribution,
    "SearchQueues": ops_queues.search_queues,
    "ListQueues": ops_queues.list_queues,
    "DescribeQueue": ops_queues.describe_queue,
    "UpdateQueueOutboundCallerConfig": ops_queues.update_queue_outbound_caller_config,
    "ListPhoneNumbersV2": ops_numbers.list_phone_numbers_v2,
    "DescribePhoneNumber": ops_numbers.describe_phone_number,
    "ListContactFlows": ops_queues.list_contact_flows,
    "DescribeInstance": ops_queues.describe_instance,
}

#: Operations that change state (their request bodies go into the call log).
WRITES: Final[frozenset[str]] = frozenset({"UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig"})

EMULATED_OPERATIONS: Final[tuple[str, ...]] = tuple(HANDLERS)


def execute(state: EmulatorState, call: Call) -> dict[str, Any] | None:
    """Run one operation atomically against ``state``."""
    handler = HANDLERS.get(call.operation)
    if handler is None:
        raise ApiError("UnknownOperationException", f"{call.operation} is not emulated")
    with state.lock:
        if call.operation in WRITES:
            state.changed()
        return handler(state, call)
