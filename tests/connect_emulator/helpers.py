"""Client helpers shared by the emulator tests (the demo's IDs are in tests/support/demo.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from connect_emulator.server import Emulator
from connect_emulator.testing import client_kwargs

from ..support.demo import EAST


def make_client(emu: Emulator, region: str = EAST, *, max_attempts: int = 1, **kwargs: Any) -> Any:
    """A real boto3 Connect client for ``emu`` (retries off unless ``max_attempts`` > 1).

    Note botocore's ``retries.max_attempts`` counts *retries* (``max_attempts=1`` still retries
    once); ``total_max_attempts`` counts the first attempt too, so 1 means no retry at all.
    """
    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=10,
    )
    return boto3.client(**client_kwargs(emu, region, **kwargs), config=config)


def error_of(error: pytest.ExceptionInfo[ClientError] | ClientError) -> tuple[str, int]:
    """``(Error.Code, HTTPStatusCode)`` of a ClientError (or of pytest.raises' ExceptionInfo)."""
    exc = error.value if isinstance(error, pytest.ExceptionInfo) else error
    response: Any = exc.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@contextlib.contextmanager
def emulator_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m connect_emulator --port 0 ARGS` and the first line it prints; killed on the
    way out if the test did not stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "connect_emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
