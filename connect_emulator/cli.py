"""``reconciler emulator``: run the Connect emulator in the foreground.

The command is a plain click command object (:data:`emulator_command`) that the main CLI group
registers; ``python -m connect_emulator`` runs it standalone. It prints one line with the
endpoint and flushes, so a script (``make demo``) can read the URL from the first line of
output, then serves until Ctrl-C or SIGTERM and exits 0. A bad ``--state``, ``--faults`` or
outage setting is one line on stderr (``file:line`` for YAML problems) and exit 1, never a
traceback.

Where AWS documents nothing the emulator picks a behaviour behind a switch, and each switch is a
flag here whose help says so ("Undocumented by AWS") and shows the default:
``--omitted-fields``, ``--update-in-progress-seconds``, ``--queue-replication``,
``--replica-lists-groups``, ``--list-numbers-of-inactive-groups`` (the ``Options`` of
:mod:`connect_emulator.resources`; the module of each operation says what each setting does).
``--down-region`` and the ``--outage-*`` flags play a Region outage (:mod:`connect_emulator.outage`).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from connect_emulator.faults import FaultSpec, FaultSpecError
from connect_emulator.fixture import FixtureError
from connect_emulator.lag import ReadLag
from connect_emulator.outage import OutageError
from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _describe_lag(lag: ReadLag) -> str:
    parts = [f"{lag.reads} read{'s' if lag.reads != 1 else ''}"] if lag.reads else []
    if lag.ms:
        parts.append(f"{lag.ms:g} ms")
    return " and ".join(parts)


@click.command("emulator")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fixture file (YAML/JSON) with the live state to serve. Default: the bundled demo state.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port; 0 picks a free port.")
@click.option(
    "--quotas",
    type=click.Choice(["aws", "off"]),
    default="off",
    show_default=True,
    help="aws: throttle like Amazon Connect (2 req/s, burst 5, per account/Region/operation).",
)
@click.option(
    "--quota-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply the quota refill rates (the burst stays 5).",
)
@click.option("--faults", default=None, help="Fault spec: a YAML/JSON file or inline JSON ({...}).")
@click.option(
    "--omitted-fields",
    type=click.Choice(["keep", "clear"]),
    default="keep",
    show_default=True,
    help="Undocumented by AWS: what UpdateQueueOutboundCallerConfig does with fields the request omits.",
)
@click.option(
    "--update-in-progress-seconds",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Undocumented by AWS: after UpdateTrafficDistribution the group is UPDATE_IN_PROGRESS "
    "this long, and Get/UpdateTrafficDistribution are refused meanwhile (0: never).",
)
@click.option(
    "--read-lag",
    "read_lag_reads",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Eventual consistency: after a write, the next N reads of that queue or group "
    "(DescribeQueue, SearchQueues, ListQueues, GetTrafficDistribution) still show its old values.",
)
@click.option(
    "--read-lag-ms",
    type=click.FloatRange(min=0, max=float("inf"), max_open=True),
    default=0.0,
    show_default=True,
    help="Eventual consistency: after a write, reads of that queue or group show its old values "
    "for this many milliseconds (with --read-lag too: until both have passed).",
)
@click.option(
    "--queue-replication",
    type=click.Choice(["shared", "none"]),
    default="shared",
    show_default=True,
    help="Undocumented by AWS: shared: queue config written in either Region is read in both; "
    "none: not replicated, each Region reads only its own writes.",
)
@click.option(
    "--replica-lists-groups/--no-replica-lists-groups",
    default=False,
    show_default=True,
    help="Undocumented by AWS: whether ListTrafficDistributionGroups called in the replica Region "
    "lists the groups (all homed in the source Region).",
)
@click.option(
    "--list-numbers-of-inactive-groups/--no-list-numbers-of-inactive-groups",
    default=True,
    show_default=True,
    help="Undocumented by AWS: whether ListPhoneNumbersV2 by a group ARN works while the group is "
    "not ACTIVE (off: InvalidParameterException).",
)
@click.option(
    "--down-region",
    "down_regions",
    multiple=True,
    metavar="REGION",
    help="Start with REGION in an outage (repeatable): every API call signed for it fails like an "
    "outage does (503, a reset connection, or no answer at all); admin calls still work.",
)
@click.option(
    "--outage-mix",
    default=None,
    metavar="MIX",
    help="How calls to a down Region fail: one mode (unavailable, reset or hang) or weights such "
    "as unavailable=2,reset=1,hang=1. Default: the three alike.",
)
@click.option(
    "--outage-seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the outage mix: the same seed fails the same calls the same way.",
)
@click.option(
    "--outage-hang-seconds",
    type=click.FloatRange(min=0, max=float("inf"), max_open=True),
    default=30.0,
    show_default=True,
    help="How long a hanging call to a down Region holds the connection before closing it unanswered.",
)
def emulator_command(
    state_file: Path | None,
    host: str,
    port: int,
    quotas: str,
    quota_scale: float,
    faults: str | None,
    omitted_fields: str,
    update_in_progress_seconds: float,
    read_lag_reads: int,
    read_lag_ms: float,
    queue_replication: str,
    replica_lists_groups: bool,
    list_numbers_of_inactive_groups: bool,
    down_regions: tuple[str, ...],
    outage_mix: str | None,
    outage_seed: int,
    outage_hang_seconds: float,
) -> None:
    """Run the local Amazon Connect emulator until Ctrl-C."""
    try:
        state = EmulatorState.demo() if state_file is None else EmulatorState.from_file(state_file)
        spec = FaultSpec.parse(faults)
    except (FixtureError, FaultSpecError) as exc:
        _fail(str(exc))
        return
    label = "demo" if state_file is None else str(state_file)
    try:
        emu = Emulator(
            state,
            host=host,
            port=port,
            quotas=quotas,
            quota_scale=quota_scale,
            faults=spec,
            omitted_fields=omitted_fields,
            update_in_progress_seconds=update_in_progress_seconds,
            read_lag=ReadLag(read_lag_reads, read_lag_ms),
            queue_replication=queue_replication,
            replica_lists_groups=replica_lists_groups,
            list_numbers_of_inactive_groups=list_numbers_of_inactive_groups,
            down_regions=down_regions,
            outage_mix=outage_mix,
            outage_seed=outage_seed,
            outage_hang_seconds=outage_hang_seconds,
        )
    except OutageError as exc:
        _fail(str(exc))
        return
    try:
        emu.start()
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        extras = (
            [f"quotas: {quotas}" + (f" x{quota_scale:g}" if quota_scale != 1.0 else "")]
            if quotas != "off"
            else []
        )
        if spec.rules or spec.scripted:
            extras.append("faults: on")
        if emu.read_lag.on:
            extras.append(f"read lag: {_describe_lag(emu.read_lag)}")
        if emu.down_regions:
            extras.append(f"down: {', '.join(emu.down_regions)}")
        suffix = "".join(f", {e}" for e in extras)
        click.echo(f"Connect emulator listening on {emu.url} (state: {label}{suffix})")
        sys.stdout.flush()
        while not stop.wait(0.25):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    click.echo("Connect emulator stopped")
