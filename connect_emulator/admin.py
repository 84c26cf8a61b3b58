"""The emulator's own control API under ``/_emulator/`` and the changes it makes.

Tests and demos need to look at and change the emulated account without going through the
Connect API and its rules: read or replace the whole state, make "someone else's change" (drift)
to a queue or a traffic distribution, inspect the call log, switch fault injection, take a
Region down or bring it back. Admin requests need no signature, are not rate-limited, are never
failed by faults or outages, and do not appear in the call log.

=======  ==================================================================  =====================
method   path                                                                body / answer
=======  ==================================================================  =====================
GET      /_emulator/health                                                   ``{"ok": true}``
GET      /_emulator/state                                                    state (fixture format)
PUT      /_emulator/state                                                    fixture JSON
POST     /_emulator/queues/{instanceId}/{queueId}/outbound-caller-config     fields (see below)
POST     /_emulator/traffic-distribution/{groupId}                           fields (see below)
GET      /_emulator/calls                                                    call log
DELETE   /_emulator/calls                                                    clear it
GET      /_emulator/faults                                                   current fault spec
PUT      /_emulator/faults                                                   fault spec (``{}``: off)
DELETE   /_emulator/faults                                                   faults off
GET      /_emulator/read-lag                                                 ``{"reads", "ms"}``
PUT      /_emulator/read-lag                                                 ``{"reads", "ms"}``
DELETE   /_emulator/read-lag                                                 read lag off
POST     /_emulator/quotas/reset                                             refill all buckets
GET      /_emulator/regions                                                  ``{"down", "outage"}``
PUT      /_emulator/regions/{region}                                         ``{"down": bool}``
=======  ==================================================================  =====================

A down Region fails every API call signed for it (:mod:`connect_emulator.outage`); admin calls
are never affected, so a Region can always be brought back with ``{"down": false}``.

Queue fields: ``callerIdName``, ``callerIdNumberId``, ``outboundFlowId`` (a key that is absent is
kept, ``null`` clears; values are stored verbatim, so an ARN or a dangling ID can be planted), and
``region``: whose copy changes when queue config is not replicated (default: the instance's
Region; see :mod:`connect_emulator.replication`).
Traffic fields: ``telephony``/``agents`` (Region -> percent), ``signIn`` (Region -> bool),
``status``. These changes show at once in API reads, ending any read lag of the resource they
change (:mod:`connect_emulator.lag`); setting the read lag ends every lag in progress.
Errors are ``{"message": ...}`` with 400 or 404.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Mapping
from typing import Any, Literal, Protocol
from urllib.parse import unquote

from connect_emulator import replication
from connect_emulator.faults import FaultSpec, FaultSpecError
from connect_emulator.fixture import FixtureError
from connect_emulator.lag import ReadLag, ReadLagError, group_key
from connect_emulator.objects import GROUP_STATUSES, TrafficGroup
from connect_emulator.ops_traffic import apply_distribution
from connect_emulator.outage import OutageError, OutageSpec
from connect_emulator.resources import Options
from connect_emulator.state import EmulatorState
from connect_emulator.wire import Response, empty_response, json_response


class Unset(enum.Enum):
    KEEP = "keep"


KEEP: Literal[Unset.KEEP] = Unset.KEEP
Field = str | None | Literal[Unset.KEEP]


class Controls(Protocol):
    """What the admin API needs of an emulator; :class:`~connect_emulator.server.Emulator` has it.

    The server calls this module for every ``/_emulator/`` request, so this module must not
    import the server: it works on this small interface instead (the import graph stays
    acyclic, and the routes can be tested against anything that has these members).
    """

    @property
    def state(self) -> EmulatorState: ...

    @property
    def options(self) -> Options: ...

    def replace_state(self, state: EmulatorState) -> None: ...

    def calls(self) -> list[dict[str, Any]]: ...

    def clear_calls(self) -> None: ...

    @property
    def faults(self) -> FaultSpec: ...

    def set_faults(self, spec: FaultSpec | None) -> None: ...

    @property
    def read_lag(self) -> ReadLag: ...

    def set_read_lag(self, lag: Mapping[str, Any] | None) -> None: ...

    def reset_quotas(self) -> None: ...

    @property
    def down_regions(self) -> list[str]: ...

    @property
    def outage(self) -> OutageSpec: ...

    def set_region_down(self, region: str, down: bool = True) -> None: ...


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# -- direct changes (also the Emulator's Python helpers) ---------------------------------------


def set_queue_caller_config(
    state: EmulatorState,
    options: Options,
    instance_id: str,
    queue_id: str,
    *,
    name: Field = KEEP,
    number_id: Field = KEEP,
    flow_id: Field = KEEP,
    region: str | None = None,
) -> None:
    """Set a queue's outbound caller config verbatim, bypassing the API rules.

    ``region`` (default: the instance's Region) picks the copy that changes when queue config
    is not replicated, as :mod:`connect_emulator.replication` does for API writes.
    """
    with state.lock:
        inst = next((i for i in state.instances if i.id == instance_id), None)
        queue = inst.queue(queue_id) if inst else None
        if inst is None or queue is None:
            raise AdminError(404, f"no queue {queue_id} in instance {instance_id}")
        if region is not None and region not in inst.regions:
            raise AdminError(400, f"region must be one of {', '.join(inst.regions)}")
        target = replication.write_copy(inst, queue, region, options.queue_replication)
        if name is not KEEP:
            target.caller_id_name = name
        if number_id is not KEEP:
            target.caller_id_number_id = number_id
        if flow_id is not KEEP:
            target.outbound_flow_id = flow_id
        target.last_modified_time = time.time()
        state.lag.forget(replication.lag_key(inst, queue, target))
        state.changed()


def _group(state: EmulatorState, group_id: str) -> TrafficGroup:
    found = state.find_group(group_id.rsplit("/", 1)[-1])
    if found is None:
        raise AdminError(404, f"no traffic distribution group {group_id}")
    return found[1]


def set_traffic_distribution(
    state: EmulatorState,
    group_id: str,
    *,
    telephony: dict[str, int] | None = None,
    agents: dict[str, int] | None = None,
    sign_in: dict[str, bool] | None = None,
    status: str | None = None,
) -> None:
    """Set a group's distribution and/or status verbatim, bypassing the API rules."""
    if status is not None and status not in GROUP_STATUSES:
        raise AdminError(400, f"status must be one of {', '.join(GROUP_STATUSES)}")
    for label, mapping, kind in (
        ("telephony", telephony, int),
        ("agents", agents, int),
        ("signIn", sign_in, bool),
    ):
        if mapping is not None and (
            not isinstance(mapping, dict)
            or not all(
                isinstance(v, kind) and (kind is bool or not isinstance(v, bool)) for v in mapping.values()
            )
        ):
            raise AdminError(400, f"{label} must map Regions to {kind.__name__} values")
    with state.lock:
        group = _group(state, group_id)
        apply_distribution(group, time.time(), telephony, agents, sign_in)
        if status is not None:
            group.status = status
            group.busy_until = 0.0
        state.lag.forget(group_key(group.id))
        state.changed()


# -- HTTP --------------------------------------------------------------------------------------


def handle_admin(emu: Controls, method: str, path: str, body: bytes) -> Response:
    try:
        return _route(emu, method, [unquote(p) for p in path.split("/") if p][1:], body)
    except AdminError as exc:
        return json_response(exc.status, {"message": str(exc)})


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise AdminError(400, f"body is not valid JSON: {exc}") from None


def _object(body: bytes) -> dict[str, Any]:
    doc = _json(body)
    if not isinstance(doc, dict):
        raise AdminError(400, "body must be a JSON object")
    return doc


def _route(emu: Controls, method: str, parts: list[str], body: bytes) -> Response:
    match (method, parts):
        case ("GET", ["health"]):
            return json_response(200, {"ok": True})
        case ("GET", ["state"]):
            return json_response(200, emu.state.to_dict())
        case ("PUT", ["state"]):
            try:
                new = EmulatorState.from_dict(_json(body), source="PUT /_emulator/state")
            except FixtureError as exc:
                raise AdminError(400, str(exc)) from None
            emu.replace_state(new)
            return empty_response(204)
        case ("POST", ["queues", instance_id, queue_id, "outbound-caller-config"]):
            doc = _object(body)
            fields = {
                "name": ("callerIdName", "OutboundCallerIdName"),
                "number_id": ("callerIdNumberId", "OutboundCallerIdNumberId"),
                "flow_id": ("outboundFlowId", "OutboundFlowId"),
                "region": ("region",),
            }
            changes: dict[str, Any] = {}
            for arg, keys in fields.items():
                for key in keys:
                    if key in doc:
                        if doc[key] is not None and not isinstance(doc[key], str):
                            raise AdminError(400, f"{key} must be a string or null")
                        changes[arg] = doc[key]
            unknown = set(doc) - {k for keys in fields.values() for k in keys}
            if unknown:
                raise AdminError(400, f"unknown field {sorted(unknown)[0]!r}")
            set_queue_caller_config(emu.state, emu.options, instance_id, queue_id, **changes)
            return empty_response(204)
        case ("POST", ["traffic-distribution", group_id]):
            doc = _object(body)
            unknown = set(doc) - {"telephony", "agents", "signIn", "status"}
            if unknown:
                raise AdminError(400, f"unknown field {sorted(unknown)[0]!r}")
            set_traffic_distribution(
                emu.state,
                group_id,
                telephony=doc.get("telephony"),
                agents=doc.get("agents"),
                sign_in=doc.get("signIn"),
                status=doc.get("status"),
            )
            return empty_response(204)
        case ("GET", ["calls"]):
            return json_response(200, emu.calls())
        case ("DELETE", ["calls"]):
            emu.clear_calls()
            return empty_response(204)
        case ("GET", ["faults"]):
            return json_response(200, emu.faults.to_dict())
        case ("PUT", ["faults"]):
            try:
                emu.set_faults(FaultSpec.from_dict(_json(body) or {}))
            except FaultSpecError as exc:
                raise AdminError(400, str(exc)) from None
            return empty_response(204)
        case ("DELETE", ["faults"]):
            emu.set_faults(None)
            return empty_response(204)
        case ("GET", ["read-lag"]):
            return json_response(200, emu.read_lag.to_dict())
        case ("PUT", ["read-lag"]):
            try:
                emu.set_read_lag(_object(body))
            except ReadLagError as exc:
                raise AdminError(400, str(exc)) from None
            return empty_response(204)
        case ("DELETE", ["read-lag"]):
            emu.set_read_lag(None)
            return empty_response(204)
        case ("POST", ["quotas", "reset"]):
            emu.reset_quotas()
            return empty_response(204)
        case ("GET", ["regions"]):
            return json_response(200, {"down": emu.down_regions, "outage": emu.outage.to_dict()})
        case ("PUT", ["regions", region]):
            doc = _object(body)
            if set(doc) != {"down"} or not isinstance(doc["down"], bool):
                raise AdminError(400, 'body must be {"down": true} or {"down": false}')
            try:
                emu.set_region_down(region, doc["down"])
            except OutageError as exc:
                raise AdminError(400, str(exc)) from None
            return empty_response(204)
    raise AdminError(404, f"no admin route {method} /_emulator/{'/'.join(parts)}")
