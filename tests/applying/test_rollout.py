"""Progressive shifts on the in-memory port: steps, bake with alarm polls, halts, resumes.

A fake alarm source and a fake clock (sleep advances it) make a rollout with a 60 s bake run in
milliseconds; the alarm source can flip an alarm when the clock passes a given time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reconciler.applying.applier import Applier
from reconciler.applying.journal import ChangeStarted, Journal
from reconciler.applying.journal import read as read_journal
from reconciler.applying.journal_check import read_checked
from reconciler.applying.results import Outcome, Report
from reconciler.applying.rollback import rollback_plan
from reconciler.desired.model import InstanceSpec
from reconciler.planning.plan import Plan
from reconciler.port import AlarmState
from reconciler.render.apply import render_dry_run, render_summary

from ..support.connect import fast_settings, make_plan
from ..support.demo import DEFAULT_GROUP, EAST, WEST, write_desired
from ..support.fake_connect import FakeConnect
from ..support.live import demo_live

ALARM_TIME = "2026-12-01T18:00:00+00:00"


@dataclass
class Clock:
    now: float = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeAlarms:
    """Alarm states by name; `flip` sets a state once the clock passes a time."""

    clock: Clock
    states: dict[str, str] = field(default_factory=dict)
    flips: list[tuple[float, str, str]] = field(default_factory=list)
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
        self.calls.append((region, tuple(names)))
        for at, name, state in list(self.flips):
            if self.clock.now >= at:
                self.states[name] = state
                self.flips.remove((at, name, state))
        return [
            AlarmState(
                name,
                region,
                self.states.get(name, "OK"),
                "Threshold Crossed: 3 datapoints\x1b[31m",
                ALARM_TIME,
            )
            for name in names
        ]


def rollout_state(tmp_path: Path, west: int = 50, **rollout: Any) -> Path:
    block: dict[str, Any] = {"step": 10, "bake": "60s", "haltOn": {"alarms": ["missed-calls", "flow-errors"]}}
    block.update(rollout)
    group = {
        "default": True,
        "telephony": {EAST: 100 - west, WEST: west},
        "agents": {EAST: 100 - west, WEST: west},
        "signIn": {EAST: True, WEST: True},
        "rollout": block,
    }
    return write_desired(tmp_path / "state", groups={"anycompany-default": group})


def apply(fake: FakeConnect, plan: Plan, alarms: FakeAlarms, **settings: Any) -> Report:
    clock = alarms.clock
    journal = settings.pop("journal", None)
    made = fast_settings(sleep=clock.sleep, clock=clock, **settings)
    return Applier(fake, journal, made, alarms=alarms).run(plan)


class Recording(FakeConnect):
    """The in-memory port, keeping each traffic write's body."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bodies: list[tuple[str, Mapping[str, Any]]] = []

    def update_traffic_distribution(
        self, spec: InstanceSpec, group_arn: str, body: Mapping[str, Any], *, region: str
    ) -> None:
        super().update_traffic_distribution(spec, group_arn, body, region=region)
        self.bodies.append((region, body))


@pytest.fixture
def fake() -> Recording:
    return Recording(demo_live())


def west_shares(fake: FakeConnect) -> list[int]:
    assert isinstance(fake, Recording)
    return [b["TelephonyConfig"]["Distributions"][1]["Percentage"] for _, b in fake.bodies]


def live_west(fake: FakeConnect) -> int:
    dist = fake.groups[DEFAULT_GROUP].distribution
    assert dist is not None
    return dist.telephony[WEST]


def test_steps_forward_baking_each_and_reading_alarms_in_one_call_per_poll(
    fake: FakeConnect, tmp_path: Path
) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    (change,) = plan.updates
    assert change.rollout is not None and len(change.rollout.steps) == 6  # sign-in on us-west-2 first
    alarms = FakeAlarms(Clock())

    report = apply(fake, plan, alarms)

    assert [r.outcome for r in report.results] == [Outcome.APPLIED]
    assert west_shares(fake) == [0, 10, 20, 30, 40, 50]
    assert isinstance(fake, Recording)
    for region, body in fake.bodies:  # agents move with telephony; sign-in on the receiving Region at once
        assert body["AgentConfig"] == body["TelephonyConfig"]
        signed = {d["Region"]: d["Enabled"] for d in body["SignInConfig"]["Distributions"]}
        assert signed == {EAST: True, WEST: True}
        assert region == WEST
    # 5 bakes of 60 s polled every 6 s (a tenth of the bake), plus a read before each of 6 steps
    assert len(alarms.calls) == 5 * 10 + 6
    assert all(names == ("missed-calls", "flow-errors") for _, names in alarms.calls)
    assert alarms.clock.now >= 5 * 60
    assert report.ok


def test_an_alarm_during_a_bake_halts_and_goes_back_to_the_last_clean_step(
    fake: FakeConnect, tmp_path: Path
) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    alarms = FakeAlarms(Clock(), flips=[(150.0, "flow-errors", "ALARM")])  # during 70/30's bake

    report = apply(fake, plan, alarms)

    (result,) = report.results
    assert result.outcome is Outcome.HALTED and not report.ok
    assert west_shares(fake) == [0, 10, 20, 30, 20]
    assert live_west(fake) == 20
    assert "step 4/6" in result.message and "flow-errors" in result.message
    assert ALARM_TIME in result.message and "Threshold Crossed" in result.message
    assert "went back to 80/20" in result.message
    summary = render_summary(report)
    assert "Halted" in summary and "\x1b" not in summary  # the alarm's reason is external text


def test_on_halt_stay_leaves_the_distribution_where_it_stopped(fake: FakeConnect, tmp_path: Path) -> None:
    plan = make_plan(rollout_state(tmp_path, onHalt="stay"), fake)
    alarms = FakeAlarms(Clock(), flips=[(150.0, "missed-calls", "ALARM")])

    report = apply(fake, plan, alarms)

    assert report.results[0].outcome is Outcome.HALTED
    assert west_shares(fake) == [0, 10, 20, 30]
    assert "left at 70/30" in report.results[0].message


def test_an_alarm_already_firing_halts_before_anything_is_written(fake: FakeConnect, tmp_path: Path) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    alarms = FakeAlarms(Clock(), states={"missed-calls": "ALARM"})

    report = apply(fake, plan, alarms)

    assert report.results[0].outcome is Outcome.HALTED
    assert "before step 1/6" in report.results[0].message
    assert fake.writes() == []


def test_insufficient_data_does_not_halt_but_is_reported(fake: FakeConnect, tmp_path: Path) -> None:
    plan = make_plan(rollout_state(tmp_path, step=30), fake)
    alarms = FakeAlarms(Clock(), states={"flow-errors": "INSUFFICIENT_DATA"})

    report = apply(fake, plan, alarms)

    assert report.results[0].outcome is Outcome.APPLIED
    assert west_shares(fake) == [0, 30, 50]
    assert "flow-errors" in report.results[0].message and "INSUFFICIENT_DATA" in report.results[0].message


def test_someone_elses_change_mid_rollout_halts_it_and_is_not_overwritten(
    fake: FakeConnect, tmp_path: Path
) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    clock = Clock()

    class Meddling(FakeAlarms):
        def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
            if clock.now >= 100 and live_west(fake) == 20:  # during step 2's bake, someone sets 60/40
                fake.set_distribution(DEFAULT_GROUP, telephony={EAST: 60, WEST: 40})
            return super().alarm_states(spec, names, region=region)

    report = apply(fake, plan, Meddling(clock))

    assert report.results[0].outcome is Outcome.STALE
    assert "step 4/6" in report.results[0].message
    assert west_shares(fake) == [0, 10, 20]
    assert live_west(fake) == 40


def test_a_re_run_after_a_halt_resumes_from_the_live_distribution(fake: FakeConnect, tmp_path: Path) -> None:
    state = rollout_state(tmp_path)
    alarms = FakeAlarms(Clock(), flips=[(150.0, "flow-errors", "ALARM")])
    apply(fake, make_plan(state, fake), alarms)
    assert live_west(fake) == 20
    alarms.states["flow-errors"] = "OK"

    plan = make_plan(state, fake)
    assert plan.updates[0].rollout is not None
    assert [s.values.telephony for s in plan.updates[0].rollout.steps] == [
        {EAST: 70, WEST: 30},
        {EAST: 60, WEST: 40},
        {EAST: 50, WEST: 50},
    ]
    report = apply(fake, plan, alarms)

    assert report.ok and live_west(fake) == 50


def test_every_step_is_journalled_and_rollback_undoes_the_rollout(fake: FakeConnect, tmp_path: Path) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    path = tmp_path / "apply.jsonl"
    with Journal(str(path)) as journal:
        apply(fake, plan, FakeAlarms(Clock()), journal=journal)
    records = read_journal(str(path))
    started = [r for r in records if isinstance(r, ChangeStarted)]
    assert len(started) == 6
    assert read_checked(str(path)) == records  # a rollout's journal passes rollback's checks

    undo = rollback_plan(records, str(path))

    (change,) = undo.changes
    assert change.expected.get("telephony") == {EAST: 100, WEST: 0}
    assert change.expected.get("signIn") == {EAST: True, WEST: False}
    report = Applier(fake, None, fast_settings()).run(undo)
    assert report.ok and live_west(fake) == 0


def test_dry_run_lists_every_steps_call(fake: FakeConnect, tmp_path: Path) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)

    report = apply(fake, plan, FakeAlarms(Clock()), dry_run=True)

    text = render_dry_run(plan, report)
    assert [f"1.{n}. UpdateTrafficDistribution in {WEST}" in text for n in range(1, 7)] == [True] * 6
    assert fake.writes() == []


def test_an_alarm_that_does_not_exist_halts_rather_than_leave_the_shift_unguarded(
    fake: FakeConnect, tmp_path: Path
) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    alarms = FakeAlarms(Clock(), states={"flow-errors": "MISSING"})

    report = apply(fake, plan, alarms)

    assert report.results[0].outcome is Outcome.HALTED
    assert "flow-errors does not exist in us-west-2" in report.results[0].message
    assert fake.writes() == []


def test_an_interrupted_rollout_stops_before_its_next_step_and_stays(
    fake: FakeConnect, tmp_path: Path
) -> None:
    plan = make_plan(rollout_state(tmp_path), fake)
    clock = Clock()
    applier: list[Applier] = []

    class Interrupting(FakeAlarms):
        def alarm_states(self, spec: InstanceSpec, names: Sequence[str], *, region: str) -> list[AlarmState]:
            if clock.now >= 70:  # Ctrl-C during step 2's bake
                applier[0].stop.set()
            return super().alarm_states(spec, names, region=region)

    applier.append(
        Applier(fake, None, fast_settings(sleep=clock.sleep, clock=clock), alarms=Interrupting(clock))
    )
    report = applier[0].run(plan)

    assert report.results[0].outcome is Outcome.HALTED
    assert "before step 4/6" in report.results[0].message and "interrupted" in report.results[0].message
    assert west_shares(fake) == [0, 10, 20]


def test_a_failback_after_a_cleared_failover_follows_the_groups_rollout(
    fake: FakeConnect, tmp_path: Path
) -> None:
    from reconciler.app import failover
    from reconciler.app.run import Run

    state = rollout_state(tmp_path)  # git: 50/50, in steps of 10
    fake.set_distribution(DEFAULT_GROUP, telephony={EAST: 50, WEST: 50}, agents={EAST: 50, WEST: 50})
    lock = f"file://{tmp_path / 'locks'}"
    run = Run(port=fake)
    prepared = failover.prepare(run, str(state), "anycompany-demo", WEST, "INC-9", ())
    journal = str(tmp_path / "failover.jsonl")
    failover.execute(run, prepared, settings=fast_settings(), journal_path=journal, lock=lock)
    assert west_shares(fake) == [100]  # break-glass: one write, whatever the group's rollout says
    held = run.plan(str(state), lock=lock)
    assert not held.updates and [c.reason for c in held.blocked] == [
        "overridden by failover: INC-9; adopt or clear"
    ]

    failover.clear(run, str(state), "anycompany-demo", lock)
    failback = run.plan(str(state), lock=lock)
    (change,) = failback.updates
    assert change.rollout is not None
    assert isinstance(fake, Recording)
    fake.bodies.clear()
    report = apply(fake, failback, FakeAlarms(Clock()))

    assert report.ok
    assert west_shares(fake) == [90, 80, 70, 60, 50]  # stepped back, baked, not one jump
