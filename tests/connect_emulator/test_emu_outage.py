"""Region outages: 503s, reset connections and hangs for calls signed for a down Region."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from connect_emulator.outage import OutageError, Outages, OutageSpec
from connect_emulator.server import Emulator
from connect_emulator.testing import auth_header, client_kwargs, raw_request, running_emulator

from ..support.demo import EAST, INSTANCE_ID, QUEUES, WEST
from .helpers import emulator_process, error_of, make_client


def admin(emu: Emulator, method: str, path: str, body: Any = None) -> Any:
    return raw_request(emu, method, "/_emulator/" + path, body, region=None)


def impatient(emu: Emulator, region: str = WEST, timeout: float = 0.5) -> Any:
    """A client that gives up on an answer after ``timeout`` seconds and never retries."""
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=timeout)
    return boto3.client(**client_kwargs(emu, region), config=config)


@pytest.fixture
def down_west() -> Iterator[Emulator]:
    with running_emulator(down_regions=[WEST], outage_hang_seconds=0.05) as emu:
        yield emu


def outcome(call: Any) -> str:
    try:
        call()
    except ClientError as exc:
        return error_of(exc)[0]
    except ConnectionClosedError:
        return "closed"
    except ReadTimeoutError:
        return "timeout"
    return "ok"


def describe(client: Any) -> Any:
    return lambda: client.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["BasicQueue"])


# -- each mode ----------------------------------------------------------------------------------


def test_unavailable_is_a_503_and_the_other_region_answers() -> None:
    with running_emulator(down_regions=[WEST], outage_mix="unavailable") as emu:
        with pytest.raises(ClientError) as exc:
            describe(make_client(emu, WEST))()
        assert error_of(exc) == ("ServiceUnavailableException", 503)
        assert describe(make_client(emu, EAST))()["Queue"]["QueueId"] == QUEUES["BasicQueue"]


def test_reset_drops_the_connection_without_a_response() -> None:
    with running_emulator(down_regions=[WEST], outage_mix="reset") as emu:
        with pytest.raises(ConnectionClosedError):
            describe(make_client(emu, WEST))()
        assert emu.calls()[-1]["status"] is None


def test_hang_outlasts_the_client_timeout() -> None:
    with running_emulator(down_regions=[WEST], outage_mix="hang") as emu:
        assert emu.outage.hang_seconds == 30.0  # the default
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError):
            describe(impatient(emu, timeout=0.3))()
        assert time.monotonic() - started < 5
        started = time.monotonic()
    assert time.monotonic() - started < 2  # stop() did not wait for the held connection


def test_a_short_hang_closes_the_connection_unanswered() -> None:
    with running_emulator(down_regions=[WEST], outage_mix="hang", outage_hang_seconds=0.2) as emu:
        started = time.monotonic()
        assert outcome(describe(impatient(emu, timeout=5))) == "closed"
        assert 0.2 <= time.monotonic() - started < 4


# -- the mix --------------------------------------------------------------------------------------


def modes_of(seed: int, mix: Any = None, n: int = 30) -> list[str]:
    with running_emulator(
        down_regions=[WEST], outage_mix=mix, outage_seed=seed, outage_hang_seconds=0.01
    ) as emu:
        client = make_client(emu, WEST)
        for _ in range(n):
            outcome(describe(client))
        return [c["outage"] for c in emu.calls()]


def test_the_mix_is_seeded_and_reproducible() -> None:
    first = modes_of(seed=7)
    assert first == modes_of(seed=7)
    assert first != modes_of(seed=8)
    assert set(first) == {"unavailable", "reset", "hang"}


def test_the_mix_follows_its_weights() -> None:
    assert set(modes_of(seed=1, mix={"unavailable": 1, "reset": 0})) == {"unavailable"}
    assert set(modes_of(seed=1, mix="reset=1,hang=1")) == {"reset", "hang"}


def test_each_outage_starts_the_sequence_afresh(down_west: Emulator) -> None:
    client = make_client(down_west, WEST)

    def run() -> list[str]:
        down_west.clear_calls()
        for _ in range(12):
            outcome(describe(client))
        return [c["outage"] for c in down_west.calls()]

    first = run()
    down_west.set_region_down(WEST, False)
    assert describe(client)()["Queue"]["QueueId"] == QUEUES["BasicQueue"]
    down_west.set_region_down(WEST, True)
    assert run() == first


def test_the_draws_depend_only_on_seed_and_region() -> None:
    spec = OutageSpec(seed=3)
    a, b = Outages(spec, [EAST, WEST]), Outages(spec, [WEST])
    seq = [a.decide(WEST) for _ in range(40)]
    for mode in seq:
        b.decide(None)  # a call that is not signed
        assert b.decide(WEST) == mode
    assert b.decide(EAST) is None


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        ({"meteor": 1}, "unknown outage mode 'meteor'"),
        ({"hang": -1}, "must be a finite number >= 0"),
        ({"hang": 0}, "needs a mode with a weight above 0"),
        ("hang=lots", "is not MODE=WEIGHT"),
        ("flood", "is not MODE=WEIGHT"),
    ],
)
def test_bad_mixes_are_one_line_errors(mix: Any, message: str) -> None:
    with pytest.raises(OutageError, match=message):
        OutageSpec(OutageSpec.parse_mix(mix))


# -- the call log, quotas, faults, admin ----------------------------------------------------------


def test_the_call_log_names_region_operation_and_mode(down_west: Emulator) -> None:
    outcome(describe(make_client(down_west, WEST)))
    raw = socket.create_connection(("127.0.0.1", down_west.port), timeout=5)
    with raw:
        raw.sendall(
            f"GET /no/such/route HTTP/1.1\r\nHost: x\r\nAuthorization: {auth_header(WEST)}\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )
        raw.recv(4096)
    outcome(describe(make_client(down_west, EAST)))
    known, unknown, up = down_west.calls()
    assert (known["region"], known["operation"]) == (WEST, "DescribeQueue")
    assert known["outage"] in {"unavailable", "reset", "hang"}
    assert (unknown["region"], unknown["operation"]) == (WEST, None)
    assert unknown["outage"] in {"unavailable", "reset", "hang"}
    assert (up["region"], up["outage"], up["status"]) == (EAST, None, 200)


def test_a_down_region_reaches_neither_quotas_nor_faults() -> None:
    faults = {"scripted": [{"operation": "DescribeQueue", "nth": 1, "status": 500}]}
    with running_emulator(
        down_regions=[WEST], outage_mix="unavailable", quotas="aws", quota_scale=0.001, faults=faults
    ) as emu:
        client = make_client(emu, WEST)
        for _ in range(8):
            assert outcome(describe(client)) == "ServiceUnavailableException"
        emu.set_region_down(WEST, False)
        assert outcome(describe(client)) == "InternalServiceException"  # still the 1st call
        for _ in range(4):  # the burst of 5 is untouched by the eight calls above
            assert outcome(describe(client)) == "ok"


def test_admin_regions_routes(emu: Emulator, east: Any) -> None:
    assert admin(emu, "GET", "regions").json() == {
        "down": [],
        "outage": {"mix": {"unavailable": 1.0, "reset": 1.0, "hang": 1.0}, "seed": 0, "hangSeconds": 30.0},
    }
    assert admin(emu, "PUT", f"regions/{EAST}", {"down": True}).status == 204
    assert admin(emu, "GET", "regions").json()["down"] == [EAST]
    assert emu.down_regions == [EAST]
    assert admin(emu, "GET", "health").json() == {"ok": True}  # admin is never affected
    with pytest.raises((ClientError, ConnectionClosedError, ReadTimeoutError)):
        impatient(emu, EAST, timeout=0.5).describe_instance(InstanceId=INSTANCE_ID)
    assert admin(emu, "PUT", f"regions/{EAST}", {"down": False}).status == 204
    assert east.describe_instance(InstanceId=INSTANCE_ID)["Instance"]["Id"] == INSTANCE_ID
    assert admin(emu, "PUT", "regions/Mars", {"down": True}).status == 400
    assert admin(emu, "PUT", f"regions/{EAST}", {"down": "yes"}).status == 400
    assert admin(emu, "PUT", f"regions/{EAST}", {"down": True, "why": "x"}).status == 400


def test_stop_never_waits_for_held_connections() -> None:
    emu = Emulator(down_regions=[WEST], outage_mix="hang", port=0).start()
    finished: list[float] = []

    def hold() -> None:
        with contextlib.suppress(OSError):  # the connection is closed unanswered
            raw_request(emu, "GET", f"/instance/{INSTANCE_ID}", region=WEST, timeout=60)
        finished.append(time.monotonic())

    before = set(threading.enumerate())
    clients = [threading.Thread(target=hold, daemon=True) for _ in range(3)]
    for thread in clients:
        thread.start()
    deadline = time.monotonic() + 5
    while len(emu.calls()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(emu.calls()) == 3
    handlers = [t for t in set(threading.enumerate()) - before if t not in clients]
    assert handlers and all(t.daemon for t in handlers)  # never keeps the process alive
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 2
    for thread in clients:
        thread.join(timeout=5)
    assert len(finished) == 3 and max(finished) - started < 3  # the held connections were ended
    for thread in handlers:
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_set_region_down_refuses_a_bad_region(emu: Emulator) -> None:
    with pytest.raises(OutageError, match="not a Region"):
        emu.set_region_down("moon-base-1x")


# -- the command line -----------------------------------------------------------------------------


def test_cli_down_region() -> None:
    with emulator_process("--down-region", WEST, "--outage-mix", "unavailable", "--outage-seed", "4") as (
        proc,
        line,
    ):
        assert "down: us-west-2" in line, line
        url = line.split("listening on ", 1)[1].split(" ", 1)[0]
        resp = raw_request(url, "GET", f"/instance/{INSTANCE_ID}", region=WEST)
        assert (resp.status, resp.error_type) == (503, "ServiceUnavailableException")
        assert raw_request(url, "GET", f"/instance/{INSTANCE_ID}", region=EAST).status == 200
        outage = raw_request(url, "GET", "/_emulator/regions").json()
        assert outage == {
            "down": [WEST],
            "outage": {"mix": {"unavailable": 1.0}, "seed": 4, "hangSeconds": 30.0},
        }
        proc.terminate()
        proc.communicate(timeout=10)


def test_cli_bad_outage_settings_are_one_line_errors() -> None:
    from click.testing import CliRunner

    from connect_emulator.cli import emulator_command

    for args in (["--outage-mix", "flood"], ["--down-region", "Mars"]):
        result = CliRunner().invoke(emulator_command, args)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("error: ") and result.output.strip().count("\n") == 0
