"""The Connect emulator: an HTTP server real boto3 clients talk to with ``endpoint_url``.

One request goes through a straight line of steps, each of which may answer early::

    admin path? -> SigV4 scope (Region, account) -> route (model) -> Region down? (outage)
      -> quota bucket -> fault (before) -> parse + validate (model)
      -> operation (under the state lock) -> fault (after) -> JSON response

Every API request (not admin ones) is appended to the call log: sequence number, wall time,
operation, Region, account, the access key ID that signed it, method, path, status, error code,
injected fault, outage mode, and the parsed request body for writes. Throttled requests and calls
to a down Region are logged but do not count as calls for scripted faults (they never reached the
service). The HTTP side
(:mod:`connect_emulator.httpd`) speaks HTTP/1.1 keep-alive like AWS endpoints; ``stop()`` also
ends idle keep-alive connections and connections held by an outage, so a stopped emulator
leaves no sockets or waiting threads behind.

Reads are strongly consistent unless the ``read_lag`` option is on: then reads of a resource
trail its writes through the API, as AWS's eventually consistent reads may (see
:mod:`connect_emulator.lag`); the admin API and :attr:`Emulator.state` always show the truth.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from botocore.model import OperationModel

from connect_emulator import admin, ops, replication
from connect_emulator.errors import ApiError
from connect_emulator.faults import Fault, FaultInjector, FaultSpec
from connect_emulator.httpd import HttpServer
from connect_emulator.lag import ReadLag
from connect_emulator.model import Router, parse_request, throttling_error, validate
from connect_emulator.outage import DEFAULT_HANG_SECONDS, Outages, OutageSpec
from connect_emulator.quotas import QuotaLimiter
from connect_emulator.resources import Call, Options
from connect_emulator.state import EmulatorState
from connect_emulator.wire import (
    Hangup,
    Response,
    credential_scope,
    empty_response,
    error_response,
    json_response,
)

OMITTED_FIELDS = ("keep", "clear")
LOG = logging.getLogger(__name__)


def _load_state(state: EmulatorState | str | Path | Mapping[str, Any] | None) -> EmulatorState:
    if state is None:
        return EmulatorState.demo()
    if isinstance(state, EmulatorState):
        return state
    if isinstance(state, str | Path):
        return EmulatorState.from_file(state)
    return EmulatorState.from_dict(dict(state))


class Emulator:
    """A local Amazon Connect endpoint (see the module docstring); usable as a context manager."""

    def __init__(
        self,
        state: EmulatorState | str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        quotas: str = "off",
        quota_scale: float = 1.0,
        faults: FaultSpec | Mapping[str, Any] | str | Path | None = None,
        omitted_fields: str = "keep",
        update_in_progress_seconds: float = 2.0,
        quota_rates: Mapping[str, float] | None = None,
        read_lag: ReadLag | int | Mapping[str, Any] | None = None,
        queue_replication: str = replication.SHARED,
        replica_lists_groups: bool = False,
        list_numbers_of_inactive_groups: bool = True,
        down_regions: Iterable[str] = (),
        outage_mix: str | Mapping[str, float] | None = None,
        outage_seed: int = 0,
        outage_hang_seconds: float = DEFAULT_HANG_SECONDS,
    ) -> None:
        if omitted_fields not in OMITTED_FIELDS:
            raise ValueError(f"omitted_fields must be 'keep' or 'clear', not {omitted_fields!r}")
        if queue_replication not in replication.MODES:
            raise ValueError(f"queue_replication must be 'shared' or 'none', not {queue_replication!r}")
        self._state = _load_state(state)
        self.host = host
        self.requested_port = port
        self.limiter = QuotaLimiter(quotas, quota_scale, rates=quota_rates)
        self.injector = FaultInjector(FaultSpec.parse(faults))
        self.options = Options(
            omitted_fields=omitted_fields,
            update_in_progress_seconds=update_in_progress_seconds,
            read_lag=ReadLag.parse(read_lag),
            queue_replication=queue_replication,
            replica_lists_groups=replica_lists_groups,
            list_numbers_of_inactive_groups=list_numbers_of_inactive_groups,
        )
        spec = OutageSpec(OutageSpec.parse_mix(outage_mix), outage_seed, outage_hang_seconds)
        self.outages = Outages(spec, down_regions)
        self.router = Router()
        self._calls: list[dict[str, Any]] = []
        self._calls_lock = threading.Lock()
        self._seq = itertools.count(1)
        self._server: HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def _bind(self) -> HttpServer:
        if self._server is None:
            self._server = HttpServer((self.host, self.requested_port), self.handle)
        return self._server

    def start(self) -> Emulator:
        """Serve in a daemon thread; returns self (``emu = Emulator().start()``)."""
        if self._thread is None:
            server = self._bind()
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="connect-emu"
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread."""
        self._bind().serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop_serving()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    # -- state, faults, call log --------------------------------------------------------------

    @property
    def state(self) -> EmulatorState:
        return self._state

    def replace_state(self, state: EmulatorState | str | Path | Mapping[str, Any]) -> None:
        self._state.replace_with(_load_state(state))

    @property
    def faults(self) -> FaultSpec:
        return self.injector.spec

    def set_faults(self, spec: FaultSpec | Mapping[str, Any] | str | Path | None) -> None:
        """Install a fault spec (``None`` turns faults off); call counting restarts."""
        self.injector.install(FaultSpec.parse(spec))

    @property
    def read_lag(self) -> ReadLag:
        return self.options.read_lag

    def set_read_lag(self, lag: ReadLag | int | Mapping[str, Any] | None) -> None:
        """Set how far reads trail writes (``None`` or 0: not at all); ends every lag in progress."""
        parsed = ReadLag.parse(lag)
        with self._state.lock:
            self.options = dataclasses.replace(self.options, read_lag=parsed)
            self._state.lag.clear()

    @property
    def down_regions(self) -> list[str]:
        """The Regions in an outage (see :mod:`connect_emulator.outage`)."""
        return self.outages.down

    @property
    def outage(self) -> OutageSpec:
        return self.outages.spec

    def set_region_down(self, region: str, down: bool = True) -> None:
        """Start (``down=True``) or end an outage of ``region``; raises OutageError on a bad name."""
        self.outages.set_down(region, down)

    def reset_quotas(self) -> None:
        self.limiter.reset()

    def calls(self) -> list[dict[str, Any]]:
        with self._calls_lock:
            return [dict(c) for c in self._calls]

    def clear_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def set_queue_caller_config(
        self,
        instance_id: str,
        queue_id: str,
        *,
        name: admin.Field = admin.KEEP,
        number_id: admin.Field = admin.KEEP,
        flow_id: admin.Field = admin.KEEP,
        region: str | None = None,
    ) -> None:
        """Out-of-band change (drift); ``None`` clears a field, omitted keeps it.

        ``region``: the Region whose copy changes when queue config is not replicated
        (``queue_replication="none"``); default: the instance's own Region.
        """
        admin.set_queue_caller_config(
            self._state,
            self.options,
            instance_id,
            queue_id,
            name=name,
            number_id=number_id,
            flow_id=flow_id,
            region=region,
        )

    def set_traffic_distribution(
        self,
        group_id: str,
        *,
        telephony: dict[str, int] | None = None,
        agents: dict[str, int] | None = None,
        sign_in: dict[str, bool] | None = None,
        status: str | None = None,
    ) -> None:
        """Out-of-band change of a group's distribution/status, bypassing the API rules."""
        admin.set_traffic_distribution(
            self._state, group_id, telephony=telephony, agents=agents, sign_in=sign_in, status=status
        )

    def set_group_status(self, group_id: str, status: str) -> None:
        admin.set_traffic_distribution(self._state, group_id, status=status)

    # -- one request --------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> Response | Hangup:
        """Answer one HTTP request (a :class:`Hangup` answers nothing)."""
        path, _, query = raw_path.partition("?")
        if path == "/_emulator" or path.startswith("/_emulator/"):
            return admin.handle_admin(self, method, path, body)
        entry: dict[str, Any] = {
            "seq": 0,
            "time": time.time(),
            "operation": None,
            "region": None,
            "account": None,
            "method": method,
            "path": raw_path,
            "status": None,
            "errorCode": None,
            "fault": None,
            "outage": None,
        }
        try:
            response = self._api(method, path, query, headers, body, entry)
        except ApiError as exc:
            response = error_response(exc)
        except Exception as exc:  # a bug in the emulator: answer like AWS would, and say why
            LOG.exception("emulator error in %s %s", method, raw_path)
            response = error_response(ApiError("InternalServiceException", f"emulator error: {exc!r}"))
        if isinstance(response, Response):
            entry["status"] = response.status
            entry["errorCode"] = response.headers.get("x-amzn-ErrorType")
        with self._calls_lock:
            entry["seq"] = next(self._seq)
            self._calls.append(entry)
        return response

    def _api(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        entry: dict[str, Any],
    ) -> Response | Hangup:
        access_key, region = credential_scope(headers, query)
        account = self._state.account_for(access_key)
        entry.update(region=region, account=account, accessKey=access_key)
        matched = self.router.match(method, path)
        if matched is not None:
            entry["operation"] = matched[0].name
        outage = self.outages.decide(region)
        if outage is not None:  # nothing behind the front door is reached: no quota, no fault
            entry["outage"] = outage
            if outage == "unavailable":
                raise ApiError("ServiceUnavailableException", f"Service unavailable in {region}", 503)
            return Hangup(
                hold_seconds=self.outages.spec.hang_seconds if outage == "hang" else 0.0,
                reset=outage == "reset",
            )
        if matched is None:
            raise ApiError("UnknownOperationException", f"No operation matches {method} {path}")
        op_model, path_params = matched
        operation = op_model.name
        if operation in ops.WRITES:
            entry["requestBody"] = _body_for_log(body)
        if operation not in ops.HANDLERS:
            raise ApiError("UnknownOperationException", f"{operation} is not emulated")
        if not self.limiter.allow(account, region, operation):
            raise throttling_error(op_model)
        fault = self.injector.decide(operation)
        if fault.latency_ms > 0:
            time.sleep(fault.latency_ms / 1000.0)
        if fault.kind != "none" and fault.phase == "before":
            return _apply_fault(fault, entry, op_model)
        params = parse_request(op_model, path_params, query, headers, body)
        validate(op_model, params)
        call = Call(operation, region, account, params, time.time(), op_model, self.options)
        out = ops.execute(self._state, call)
        if fault.kind != "none":
            return _apply_fault(fault, entry, op_model)
        status = int(op_model.http.get("responseCode", 200))
        return json_response(status, out) if out is not None else empty_response(status)


def _apply_fault(fault: Fault, entry: dict[str, Any], op_model: OperationModel) -> Hangup:
    entry["fault"] = fault.reason
    if fault.kind == "drop":
        return Hangup()
    if fault.code == "ThrottlingException":
        raise throttling_error(op_model)
    raise ApiError(fault.code, fault.message, fault.status)


def _body_for_log(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return body.decode("utf-8", "replace")
