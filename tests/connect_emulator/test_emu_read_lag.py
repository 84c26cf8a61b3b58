"""The read-lag option: reads that trail writes by a number of reads (or a time), as AWS's may.

Everything goes through real boto3 against the emulator except the last tests, which drive the
lag bookkeeping with an explicit clock to show when a time-based lag ends without sleeping.
"""

from __future__ import annotations

import re
import signal
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from connect_emulator.cli import emulator_command
from connect_emulator.lag import LagTracker, ReadLag, ReadLagError, queue_key
from connect_emulator.server import Emulator
from connect_emulator.state import EmulatorState, Queue
from connect_emulator.testing import raw_request

from ..support.demo import DEFAULT_GROUP, DEFAULT_GROUP_ARN, EAST, INSTANCE_ID, NUMBER_1, NUMBER_2, QUEUES
from .helpers import emulator_process, make_client

OLD_SALES = "AnyCompany Sales"
OLD_BASIC = "AnyCompany"


def admin(emu: Emulator, method: str, path: str, body: Any = None) -> Any:
    return raw_request(emu, method, "/_emulator/" + path, body, region=None)


def rename(client: Any, queue_id: str, name: str) -> None:
    client.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID, QueueId=queue_id, OutboundCallerConfig={"OutboundCallerIdName": name}
    )


def described_name(client: Any, queue_id: str) -> str | None:
    queue = client.describe_queue(InstanceId=INSTANCE_ID, QueueId=queue_id)["Queue"]
    name: str | None = queue["OutboundCallerConfig"].get("OutboundCallerIdName")
    return name


def searched(client: Any, page_size: int) -> tuple[dict[str, str | None], int]:
    """Every STANDARD queue's caller ID name read through SearchQueues pages, and the page count."""
    names: dict[str, str | None] = {}
    kwargs: dict[str, Any] = {"InstanceId": INSTANCE_ID, "MaxResults": page_size}
    pages = 0
    while True:
        out = client.search_queues(**kwargs)
        pages += 1
        assert out["ApproximateTotalCount"] == 12  # matching uses the current state
        for q in out["Queues"]:
            names[q["QueueId"]] = q["OutboundCallerConfig"].get("OutboundCallerIdName")
        if "NextToken" not in out:
            return names, pages
        kwargs["NextToken"] = out["NextToken"]


def true_name(emu: Emulator, queue_id: str) -> str | None:
    queue = emu.state.instances[0].queue(queue_id)
    assert queue is not None
    return queue.caller_id_name


def telephony(client: Any, group: str) -> dict[str, int]:
    out = client.get_traffic_distribution(Id=group)
    return {d["Region"]: d["Percentage"] for d in out["TelephonyConfig"]["Distributions"]}


def pct(east: int, west: int) -> dict[str, Any]:
    return {
        "Distributions": [{"Region": EAST, "Percentage": east}, {"Region": "us-west-2", "Percentage": west}]
    }


# -- default off ---------------------------------------------------------------------------------


def test_reads_show_a_write_at_once_by_default(emu: Emulator, east: Any) -> None:
    assert emu.read_lag == ReadLag() and not emu.read_lag.on
    rename(east, QUEUES["Sales"], "Sales desk")
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))

    assert described_name(east, QUEUES["Sales"]) == "Sales desk"
    assert searched(east, 100)[0][QUEUES["Sales"]] == "Sales desk"
    assert telephony(east, DEFAULT_GROUP) == {EAST: 50, "us-west-2": 50}
    assert len(emu.state.lag) == 0


# -- queues --------------------------------------------------------------------------------------


def test_the_next_n_reads_of_a_queue_show_its_old_values(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(3)
    before = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["Sales"])["Queue"]
    east.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID,
        QueueId=QUEUES["Sales"],
        OutboundCallerConfig={"OutboundCallerIdName": "Sales desk", "OutboundCallerIdNumberId": NUMBER_1},
    )

    stale = [east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["Sales"])["Queue"] for _ in range(3)]
    fresh = east.describe_queue(InstanceId=INSTANCE_ID, QueueId=QUEUES["Sales"])["Queue"]

    assert all(q == before for q in stale)  # caller config and LastModifiedTime alike
    assert fresh["OutboundCallerConfig"]["OutboundCallerIdName"] == "Sales desk"
    assert fresh["OutboundCallerConfig"]["OutboundCallerIdNumberId"] == NUMBER_1
    assert fresh["LastModifiedTime"] != before["LastModifiedTime"]
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"  # and from then on


def test_reads_of_other_resources_neither_lag_nor_use_up_the_lag(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(2)
    rename(east, QUEUES["Sales"], "Sales desk")

    for _ in range(5):
        assert described_name(east, QUEUES["BasicQueue"]) == OLD_BASIC
        assert telephony(east, DEFAULT_GROUP) == {EAST: 100, "us-west-2": 0}
    emu.set_queue_caller_config(
        INSTANCE_ID, QUEUES["BasicQueue"], name="Drifted"
    )  # admin changes show at once
    assert described_name(east, QUEUES["BasicQueue"]) == "Drifted"

    assert [described_name(east, QUEUES["Sales"]) for _ in range(3)] == [OLD_SALES, OLD_SALES, "Sales desk"]


def test_each_queue_lags_on_its_own(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(1)
    rename(east, QUEUES["Sales"], "Sales desk")
    rename(east, QUEUES["BasicQueue"], "Basic desk")

    assert described_name(east, QUEUES["Sales"]) == OLD_SALES
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"
    assert described_name(east, QUEUES["BasicQueue"]) == OLD_BASIC
    assert described_name(east, QUEUES["BasicQueue"]) == "Basic desk"


def test_search_queue_pages_lag_and_each_listing_is_one_read(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(2)
    rename(east, QUEUES["Sales"], "Sales desk")

    listings = [searched(east, page_size=5) for _ in range(3)]

    assert [pages for _, pages in listings] == [3, 3, 3]  # 12 queues, 5 a page
    assert [names[QUEUES["Sales"]] for names, _ in listings] == [OLD_SALES, OLD_SALES, "Sales desk"]
    assert all(names[QUEUES["BasicQueue"]] == OLD_BASIC for names, _ in listings)


def test_search_and_describe_share_one_count(emu: Emulator, east: Any, west: Any) -> None:
    def listed_time(client: Any) -> Any:
        summaries = client.list_queues(InstanceId=INSTANCE_ID)["QueueSummaryList"]
        return next(s["LastModifiedTime"] for s in summaries if s["Id"] == QUEUES["Sales"])

    emu.set_read_lag(3)
    before = listed_time(east)
    rename(east, QUEUES["Sales"], "Sales desk")

    assert searched(east, 100)[0][QUEUES["Sales"]] == OLD_SALES
    assert described_name(west, QUEUES["Sales"]) == OLD_SALES  # reads from either Region count
    assert listed_time(east) == before  # ListQueues shows the written LastModifiedTime: a read too
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"
    assert listed_time(east) != before


def test_writes_check_and_change_the_current_state(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(2)
    rename(east, QUEUES["Sales"], "Sales desk")
    east.update_queue_outbound_caller_config(
        InstanceId=INSTANCE_ID,
        QueueId=QUEUES["Sales"],
        OutboundCallerConfig={"OutboundCallerIdNumberId": NUMBER_2},
    )

    queue = emu.state.instances[0].queue(QUEUES["Sales"])
    assert queue is not None
    assert (queue.caller_id_name, queue.caller_id_number_id) == ("Sales desk", NUMBER_2)  # kept the name


def test_a_write_during_a_lag_restarts_it_and_reads_never_go_back(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(2)
    rename(east, QUEUES["Sales"], "first")
    assert described_name(east, QUEUES["Sales"]) == OLD_SALES
    rename(east, QUEUES["Sales"], "second")

    seen = [described_name(east, QUEUES["Sales"]) for _ in range(3)]

    assert seen == [OLD_SALES, OLD_SALES, "second"]


def test_a_refused_write_starts_no_lag(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(5)
    with pytest.raises(east.exceptions.InvalidParameterException):
        rename(east, QUEUES["Sales"], " ")
    with pytest.raises(east.exceptions.InvalidRequestException):
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 40))
    assert len(emu.state.lag) == 0


# -- traffic distributions -----------------------------------------------------------------------


def test_the_next_n_reads_of_a_distribution_show_its_old_values(emu: Emulator, east: Any, west: Any) -> None:
    emu.set_read_lag(2)
    before = east.get_traffic_distribution(Id=DEFAULT_GROUP)
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(30, 70), AgentConfig=pct(40, 60))

    stale = [
        east.get_traffic_distribution(Id=DEFAULT_GROUP),
        west.get_traffic_distribution(Id=DEFAULT_GROUP_ARN),
    ]
    fresh = east.get_traffic_distribution(Id=DEFAULT_GROUP)

    for out in stale:
        assert out["TelephonyConfig"] == before["TelephonyConfig"]
        assert out["AgentConfig"] == before["AgentConfig"]
        assert "LastFailoverTime" not in out
    assert telephony(east, DEFAULT_GROUP) == {EAST: 30, "us-west-2": 70}
    assert "LastFailoverTime" in fresh
    assert emu.state.find_group(DEFAULT_GROUP)[1].telephony == {EAST: 30, "us-west-2": 70}  # type: ignore[index]


def test_a_lagging_group_still_validates_against_its_current_status(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(3)
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
    emu.set_group_status(DEFAULT_GROUP, "PENDING_DELETION")
    with pytest.raises(east.exceptions.InvalidRequestException):
        east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(60, 40))
    described = east.describe_traffic_distribution_group(TrafficDistributionGroupId=DEFAULT_GROUP)
    assert described["TrafficDistributionGroup"]["Status"] == "PENDING_DELETION"


# -- the truth, and ending a lag -----------------------------------------------------------------


def test_the_admin_state_shows_the_truth_during_a_lag(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(10)
    rename(east, QUEUES["Sales"], "Sales desk")
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))
    assert described_name(east, QUEUES["Sales"]) == OLD_SALES
    assert telephony(east, DEFAULT_GROUP) == {EAST: 100, "us-west-2": 0}

    dumped = admin(emu, "GET", "state").json()["instances"][0]
    assert next(q for q in dumped["queues"] if q["id"] == QUEUES["Sales"])["callerIdName"] == "Sales desk"
    group = next(g for g in dumped["trafficDistributionGroups"] if g["id"] == DEFAULT_GROUP)
    assert group["telephony"] == {EAST: 50, "us-west-2": 50}
    assert true_name(emu, QUEUES["Sales"]) == "Sales desk"
    assert emu.state.to_dict()["instances"][0] == dumped
    assert described_name(east, QUEUES["Sales"]) == OLD_SALES  # reading the truth used up no read


def test_an_admin_change_ends_the_lag_of_its_resource(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(10)
    rename(east, QUEUES["Sales"], "Sales desk")
    east.update_traffic_distribution(Id=DEFAULT_GROUP, TelephonyConfig=pct(50, 50))

    assert (
        admin(
            emu,
            "POST",
            f"queues/{INSTANCE_ID}/{QUEUES['Sales']}/outbound-caller-config",
            {"callerIdName": "Ops"},
        ).status
        == 204
    )
    emu.set_traffic_distribution(DEFAULT_GROUP, telephony={EAST: 70, "us-west-2": 30})

    assert described_name(east, QUEUES["Sales"]) == "Ops"
    assert telephony(east, DEFAULT_GROUP) == {EAST: 70, "us-west-2": 30}


def test_replacing_the_state_or_the_setting_ends_every_lag(emu: Emulator, east: Any) -> None:
    emu.set_read_lag(10)
    rename(east, QUEUES["Sales"], "Sales desk")
    emu.set_read_lag(10)
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"

    rename(east, QUEUES["Sales"], "Sales desk 2")
    assert admin(emu, "PUT", "state", EmulatorState.demo().to_dict()).status == 204
    assert described_name(east, QUEUES["Sales"]) == OLD_SALES  # the replaced state, not a lagging copy
    assert len(emu.state.lag) == 0


# -- time-based lag ------------------------------------------------------------------------------


def test_a_time_lag_shows_old_values_however_many_reads(emu: Emulator, east: Any) -> None:
    emu.set_read_lag({"ms": 600_000})
    rename(east, QUEUES["Sales"], "Sales desk")
    assert [described_name(east, QUEUES["Sales"]) for _ in range(5)] == [OLD_SALES] * 5
    emu.set_read_lag(None)
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"


def test_a_lag_ends_when_both_its_reads_and_its_time_have_passed() -> None:
    tracker = LagTracker()
    key = queue_key("i", "q")
    queue = Queue("q", "Q", "STANDARD", caller_id_name="old")
    tracker.before_write(key, queue, ReadLag(reads=2, ms=1000), now=100.0)
    queue.caller_id_name = "new"

    def name(now: float) -> str | None:
        return tracker.view(key, queue, now).caller_id_name

    assert [name(100.1), name(100.2), name(100.5)] == ["old", "old", "old"]  # reads used, time not
    assert name(101.0) == "new"
    assert len(tracker) == 0

    tracker.before_write(key, queue, ReadLag(reads=2, ms=1000), now=200.0)
    queue.caller_id_name = "newer"
    assert [name(201.5), name(201.6), name(201.7)] == ["new", "new", "newer"]  # time up, reads not


# -- setting it ----------------------------------------------------------------------------------


def test_the_constructor_takes_the_lag(start_emulator: Any) -> None:
    emu = start_emulator(read_lag={"reads": 1, "ms": 0})
    east = make_client(emu, EAST)
    rename(east, QUEUES["Sales"], "Sales desk")
    assert [described_name(east, QUEUES["Sales"]) for _ in range(2)] == [OLD_SALES, "Sales desk"]


@pytest.mark.parametrize(
    "value", [-1, True, 1.5, {"reads": -1}, {"ms": -5}, {"ms": float("inf")}, {"secs": 1}]
)
def test_bad_settings_are_refused(value: Any) -> None:
    with pytest.raises(ReadLagError):
        Emulator(read_lag=value)


def test_the_lag_via_admin(emu: Emulator, east: Any) -> None:
    assert admin(emu, "GET", "read-lag").json() == {"reads": 0, "ms": 0.0}
    assert admin(emu, "PUT", "read-lag", {"reads": 2}).status == 204
    assert admin(emu, "GET", "read-lag").json() == {"reads": 2, "ms": 0.0}
    assert emu.read_lag == ReadLag(2)
    rename(east, QUEUES["Sales"], "Sales desk")
    assert described_name(east, QUEUES["Sales"]) == OLD_SALES

    for bad in ({"reads": "2"}, {"reads": 1, "delay": 3}, [2]):
        resp = admin(emu, "PUT", "read-lag", bad)
        assert resp.status == 400 and resp.json()["message"], bad
    assert emu.read_lag == ReadLag(2)

    assert admin(emu, "DELETE", "read-lag").status == 204
    assert admin(emu, "GET", "read-lag").json() == {"reads": 0, "ms": 0.0}
    assert described_name(east, QUEUES["Sales"]) == "Sales desk"


def test_a_negative_cli_lag_is_a_usage_error() -> None:
    for args in (["--read-lag", "-1"], ["--read-lag-ms", "-1"]):
        result = CliRunner().invoke(emulator_command, args)
        assert result.exit_code == 2, result.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_cli_serves_with_a_lag() -> None:
    with emulator_process("--read-lag", "2", "--read-lag-ms", "50") as (proc, line):
        match = re.match(
            r"Connect emulator listening on (http://127\.0\.0\.1:\d+) "
            r"\(state: demo, read lag: 2 reads and 50 ms\)",
            line,
        )
        assert match, line
        assert raw_request(match.group(1), "GET", "/_emulator/read-lag").json() == {"reads": 2, "ms": 50.0}
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
