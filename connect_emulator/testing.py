"""Helpers for tests that run against the emulator (used by tests/emulator and other suites).

The reconciler's integration tests talk to the emulator through real boto3 clients; this module
stays free of boto3 (only ``reconciler/connect`` imports it) and of pytest, so it gives what a
conftest needs to build those clients: a started emulator as a context manager, the keyword
arguments for ``boto3.client(**client_kwargs(emu, region))``, and a raw HTTP helper for requests
botocore would refuse to send (values it validates client-side, missing signatures).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from connect_emulator.server import Emulator

DUMMY_ACCESS_KEY = "AKIAEMULATOR00000000"
DUMMY_SECRET_KEY = "emulator-secret"


@contextmanager
def running_emulator(state: Any = None, **kwargs: Any) -> Iterator[Emulator]:
    """Start an emulator on 127.0.0.1 and a free port; stop it on exit. kwargs: see Emulator.

    Unlike ``Emulator``, whose default is 2 s like a real group's busy spell, this defaults to
    ``update_in_progress_seconds=0``: a traffic distribution group is ACTIVE again right after
    an update, so tests that update a group twice run fast. Pass a value to test the window.
    """
    kwargs.setdefault("host", "127.0.0.1")
    kwargs.setdefault("port", 0)
    kwargs.setdefault("update_in_progress_seconds", 0.0)
    emu = Emulator(state, **kwargs).start()
    try:
        yield emu
    finally:
        emu.stop()


def client_kwargs(
    emu: Emulator, region: str = "us-east-1", access_key: str = DUMMY_ACCESS_KEY
) -> dict[str, Any]:
    """Keyword arguments for ``boto3.client(...)`` pointing at ``emu`` with dummy credentials."""
    return {
        "service_name": "connect",
        "endpoint_url": emu.url,
        "region_name": region,
        "aws_access_key_id": access_key,
        "aws_secret_access_key": DUMMY_SECRET_KEY,
    }


def auth_header(region: str = "us-east-1", access_key: str = DUMMY_ACCESS_KEY) -> str:
    """An ``Authorization`` header with a valid-looking SigV4 credential scope (never verified)."""
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20240101/{region}/connect/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error_type(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "x-amzn-errortype"), None)


def raw_request(
    emu: Emulator | str,
    method: str,
    path: str,
    body: Any = None,
    *,
    region: str | None = "us-east-1",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> RawResponse:
    """Send one HTTP request; ``body`` is JSON-encoded unless bytes; ``region=None``: unsigned."""
    base = emu.url if isinstance(emu, Emulator) else emu
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if region is not None:
        request.add_header("Authorization", auth_header(region))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return RawResponse(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return RawResponse(err.code, dict(err.headers.items()), err.read())
