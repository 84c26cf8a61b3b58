"""HTTP-level pieces shared by the API and admin handlers: answers, hang-ups, SigV4 scope parsing.

An answer to one request is either a :class:`Response` or a :class:`Hangup`: no answer at all,
the way a failing network or an unreachable Region behaves (the connection closed or reset,
possibly after holding it open past any client's timeout). :mod:`connect_emulator.httpd` carries
both out on the socket.

The emulator does not verify signatures (any credentials are accepted), but it does need the
credential scope of the ``Authorization`` header: ``Credential=AKID/DATE/REGION/SERVICE/
aws4_request`` gives the access key (-> account) and the Region the client is talking to, which
is how one emulator on one port serves every Region. A request without the header is refused
like API Gateway does (403 ``MissingAuthenticationTokenException``); a header without a usable
credential scope is 403 ``IncompleteSignatureException``. Presigned requests (``X-Amz-Credential``
in the query string) are accepted too.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from connect_emulator.errors import ApiError

_SCOPE_RE = re.compile(r"^([^/\s,]+)/([0-9]{8})/([a-z]{2}(?:-[a-z]+){1,2}-[0-9])/([a-z0-9-]+)/aws4_request$")
_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hangup:
    """Answer nothing: hold the connection ``hold_seconds`` (0: not at all), then end it.

    ``reset``: abort it with a TCP reset (the client sees "connection reset by peer"); otherwise
    close it (the client sees the connection closed without a response).
    """

    hold_seconds: float = 0.0
    reset: bool = False


def json_response(status: int, doc: Any) -> Response:
    return Response(
        status,
        json.dumps(doc).encode(),
        {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())},
    )


def empty_response(status: int = 200) -> Response:
    return Response(status, b"", {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())})


def error_response(error: ApiError) -> Response:
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())}
    headers.update(error.headers())
    return Response(error.status, error.body(), headers)


def credential_scope(headers: Mapping[str, str], query: str) -> tuple[str, str]:
    """``(access key, Region)`` from the SigV4 credential scope; raises a 403 ApiError."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if auth is None:
        presigned = parse_qs(query).get("X-Amz-Credential")
        if not presigned:
            raise ApiError("MissingAuthenticationTokenException", "Missing Authentication Token")
        scope = presigned[0]
    else:
        m = _CREDENTIAL_RE.search(auth)
        if not auth.startswith("AWS4-HMAC-SHA256 ") or m is None:
            raise ApiError(
                "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                "(AWS4-HMAC-SHA256)",
            )
        scope = m.group(1)
    parsed = _SCOPE_RE.match(scope)
    if parsed is None:
        raise ApiError(
            "IncompleteSignatureException",
            f"Credential should be scoped to a valid region and service: {scope!r}",
        )
    return parsed.group(1), parsed.group(3)
