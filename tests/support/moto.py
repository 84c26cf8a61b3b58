"""moto's AWS services as a real server on 127.0.0.1, for the parts of AWS the emulator does not
serve: DynamoDB (the lock table) and STS (the account of the caller). Real boto3 talks to it over
HTTP, as it would to AWS; nothing is mocked in-process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

MOTO_ACCOUNT = "123456789012"  # the account moto's STS answers GetCallerIdentity with


@contextmanager
def moto_server() -> Iterator[str]:
    """A running moto server; yields its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
