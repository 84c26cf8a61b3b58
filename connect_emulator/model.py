"""The Connect service model as the emulator's router and request validator.

botocore ships the same model the real service is generated from, so the emulator does not
restate any route or constraint by hand: routes come from each operation's ``http`` trait
(method + ``requestUri`` template), parameters from the members' ``location`` (uri, querystring,
header, body), and validation from the shape traits (required, type, min/max length or range,
enum, pattern). botocore checks only a few of these client-side (required, types, minimums), so
without this a client bug such as ``MaxResults=2000`` would pass silently against the emulator
and fail against AWS.

The model also lists each operation's errors, and the emulator answers an operation with no
other code (a test checks every served operation's error paths against it). Validation
failures, a body that is not a JSON object included, raise the operation's own 400 error:
``InvalidParameterException`` when the operation models it, else ``InvalidRequestException``;
the message mimics AWS ("1 validation error detected: Value '2000' at 'maxResults' failed to
satisfy constraint: ..."). Throttling is ``ThrottlingException`` where modelled, else 503
(:func:`throttling_error`). Requests that never reach an operation are the front door's: no or
a malformed signature (403) and a path that no operation matches, answered like AWS with 404
``UnknownOperationException`` and an empty body.

Model patterns are not implicitly anchored (Smithy semantics, so ``re.search``); a few are
written with doubled backslashes in the model (``\\\\+[1-9]...``) and are normalised; patterns
Python's ``re`` cannot compile (``\\p{L}``) are skipped.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.loaders
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from connect_emulator.errors import ApiError


@functools.cache
def service_model() -> ServiceModel:
    """The Connect model bundled with botocore (loaded once per process)."""
    raw = botocore.loaders.create_loader().load_service_model("connect", "service-2")
    return ServiceModel(raw, service_name="connect")


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    segments: tuple[str, ...]  # literal segment, or "{Name}" / "{Name+}"

    @property
    def literal_count(self) -> int:
        return sum(not s.startswith("{") for s in self.segments)


class Router:
    """Maps ``(method, raw path)`` to an operation and its decoded path parameters."""

    def __init__(self, model: ServiceModel | None = None) -> None:
        self.model = model or service_model()
        self.routes: list[Route] = []
        for name in self.model.operation_names:
            http = self.model.operation_model(name).http
            path = http["requestUri"].split("?", 1)[0]
            segments = tuple(s for s in path.split("/") if s)
            self.routes.append(Route(name, http["method"].upper(), segments))
        self.routes.sort(key=lambda r: -r.literal_count)

    def match(self, method: str, raw_path: str) -> tuple[OperationModel, dict[str, str]] | None:
        parts = [p for p in raw_path.split("?", 1)[0].split("/") if p]
        for route in self.routes:
            if route.method != method:
                continue
            params = _match_segments(route.segments, parts)
            if params is not None:
                return self.model.operation_model(route.operation), params
        return None


def _match_segments(template: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for i, seg in enumerate(template):
        if seg.startswith("{") and seg.endswith("+}"):
            rest = parts[i:]
            if not rest:
                return None
            params[seg[1:-2]] = unquote("/".join(rest))
            return params
        if i >= len(parts):
            return None
        if seg.startswith("{"):
            params[seg[1:-1]] = unquote(parts[i])
        elif seg != parts[i]:
            return None
    return params if len(parts) == len(template) else None


def validation_error_code(op: OperationModel) -> str:
    """The 400 error an operation uses for invalid input."""
    names = {s.name for s in op.error_shapes}
    for code in ("InvalidParameterException", "InvalidRequestException"):
        if code in names:
            return code
    return "InvalidParameterException"


def modelled_errors(op: OperationModel) -> frozenset[str]:
    """The error codes (exception shape names) the model lists for the operation."""
    return frozenset(s.name for s in op.error_shapes)


def throttling_error(op: OperationModel) -> ApiError:
    """A throttled call: 429 ThrottlingException where the operation models it, else 503.

    DescribeInstance models no ThrottlingException; its throttled calls get 503
    ServiceUnavailableException, which (unlike an unmodelled code) botocore retries alike.
    """
    if "ThrottlingException" in modelled_errors(op):
        return ApiError("ThrottlingException", "Rate exceeded")
    return ApiError("ServiceUnavailableException", "Rate exceeded", 503)


def token_error_code(op: OperationModel) -> str:
    """The 400 error an operation uses for an unusable NextToken."""
    names = {s.name for s in op.error_shapes}
    for code in ("InvalidRequestException", "InvalidParameterException"):
        if code in names:
            return code
    return "InvalidRequestException"


# -- request parsing ---------------------------------------------------------------------------


def parse_request(
    op: OperationModel, path_params: dict[str, str], query: str, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """Collect the input members from URI, querystring, headers and JSON body (by member name)."""
    shape = op.input_shape
    if shape is None:
        return {}
    code = validation_error_code(op)
    qs = parse_qs(query, keep_blank_values=True)
    lowered = {k.lower(): v for k, v in headers.items()}
    params: dict[str, Any] = {}
    has_body_members = False
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in path_params:
                params[name] = _from_text(member, path_params[wire], wire, code)
        elif location == "querystring":
            if isinstance(member, MapShape):
                params[name] = {k: v[0] for k, v in qs.items()}
            elif wire in qs:
                values = qs[wire]
                if isinstance(member, ListShape):
                    params[name] = [_from_text(member.member, v, wire, code) for v in values]
                else:
                    params[name] = _from_text(member, values[0], wire, code)
        elif location == "header":
            if wire.lower() in lowered:
                params[name] = _from_text(member, lowered[wire.lower()], wire, code)
        else:
            has_body_members = True
    if has_body_members and body.strip():
        try:
            doc = json.loads(body)
        except ValueError:
            raise ApiError(code, "Request body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise ApiError(code, "Request body must be a JSON object")
        for name, member in shape.members.items():
            if member.serialization.get("location") is None and doc.get(name) is not None:
                params[name] = doc[name]
    return params


def _from_text(shape: Shape, text: str, wire: str, code: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise _one_error(code, text, wire, "Member must be a number") from None
    if shape.type_name == "boolean":
        if text not in ("true", "false"):
            raise _one_error(code, text, wire, "Member must be a boolean")
        return text == "true"
    return text


def _one_error(code: str, value: Any, where: str, constraint: str) -> ApiError:
    return ApiError(
        code,
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: "
        f"{constraint}",
    )


# -- validation --------------------------------------------------------------------------------


def validate(op: OperationModel, params: dict[str, Any]) -> None:
    """Check ``params`` against the operation's input shape; raise the op's 400 error."""
    shape = op.input_shape
    if shape is None:
        return
    errors: list[str] = []
    _check(shape, params, "", errors)
    if errors:
        n = len(errors)
        head = f"{n} validation error{'s' if n > 1 else ''} detected: "
        raise ApiError(validation_error_code(op), head + "; ".join(errors))


def _where(shape: StructureShape, name: str, prefix: str) -> str:
    member = shape.members[name]
    wire = member.serialization.get("name") or (name[:1].lower() + name[1:])
    return f"{prefix}.{wire}" if prefix else wire


def _fail(errors: list[str], value: Any, where: str, constraint: str) -> None:
    shown = value if isinstance(value, str | int | float) else json.dumps(value)[:80]
    errors.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: {constraint}")


def _check(shape: Shape, value: Any, where: str, errors: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            _fail(errors, value, where, "Member must be a structure")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(
                    f"Value null at '{_where(shape, name, where)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check(member, value[name], _where(shape, name, where), errors)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            _fail(errors, value, where, "Member must be a list")
            return
        _check_size(len(value), meta, value, where, errors)
        for i, item in enumerate(value):
            _check(shape.member, item, f"{where}.{i + 1}.member", errors)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            _fail(errors, value, where, "Member must be a map")
            return
        _check_size(len(value), meta, value, where, errors)
        for k, v in value.items():
            _check(shape.key, k, f"{where}.key", errors)
            _check(shape.value, v, f"{where}.{k}", errors)
    elif kind == "string":
        if not isinstance(value, str):
            _fail(errors, value, where, "Member must be a string")
            return
        _check_size(len(value), meta, value, where, errors)
        enum = meta.get("enum")
        if enum and value not in enum:
            _fail(errors, value, where, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _compile(pattern)
            if compiled is not None and not compiled.search(value):
                _fail(errors, value, where, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            _fail(errors, value, where, "Member must be a number")
            return
        if "min" in meta and value < meta["min"]:
            _fail(errors, value, where, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            _fail(errors, value, where, f"Member must have value less than or equal to {meta['max']}")
    elif kind in ("double", "float"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            _fail(errors, value, where, "Member must be a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            _fail(errors, value, where, "Member must be a boolean")
    elif kind == "timestamp" and (not isinstance(value, int | float | str) or isinstance(value, bool)):
        _fail(errors, value, where, "Member must be a timestamp")


def _check_size(size: int, meta: dict[str, Any], value: Any, where: str, errors: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        _fail(errors, value, where, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        _fail(errors, value, where, f"Member must have length less than or equal to {meta['max']}")


@functools.cache
def _compile(pattern: str) -> re.Pattern[str] | None:
    normalised = pattern.replace("\\\\", "\\")
    try:
        return re.compile(normalised)
    except re.error:
        return None


# -- output shapes (used by the shape-agreement tests) -----------------------------------------


def output_shape(operation: str) -> StructureShape | None:
    return service_model().operation_model(operation).output_shape
