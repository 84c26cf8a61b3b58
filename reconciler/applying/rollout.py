"""Run a progressive traffic shift: step, verify, bake while watching alarms, halt when one fires.

A rollout change is one resource written several times, so it runs on its own, step after step,
while the applier's other changes keep their batches. Each step is an ordinary write made through
the applier (`write_and_verify`): read again right before it (someone else's change in the middle
of a rollout halts it as stale and is never overwritten), the lock checked, journalled before and
after, sent to the receiving Region once the group is ACTIVE, then read back. After a verified step
the rollout bakes: it waits `bake`, reading the alarms every 30 s or a tenth of the bake, whichever
is shorter (one DescribeAlarms call per Region per poll). The alarms are also read before each
write: any in ALARM halts before writing, and so does an alarm that does not exist or cannot be
read (a misspelt name must not leave a shift unwatched). A first step that only opens sign-in on
the receiving Region sends no call there, so it is not baked.

On a halt, `onHalt: previous` writes back the last step that baked clean (the live distribution
before the rollout, if none did); `stay` leaves the distribution where it is. Either way the change
ends `halted` (exit 1) with where it stopped, the alarm, its reason and when its state changed. An
alarm in INSUFFICIENT_DATA does not halt, but is reported. A re-run plans from the live
distribution, so it resumes where the rollout stopped.

Sleep and clock come from `Settings`, so the logic runs in milliseconds in tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from reconciler.applying.results import Outcome, Result
from reconciler.applying.settings import Settings
from reconciler.desired.model import InstanceSpec
from reconciler.errors import ConnectCallError
from reconciler.planning.calls import traffic_request
from reconciler.planning.compare import planned_fingerprint
from reconciler.planning.live import LiveInstance
from reconciler.planning.plan import ApiRequest, Change, Rollout
from reconciler.planning.values import GroupValues
from reconciler.port import AlarmPort, AlarmState


class Applier(Protocol):
    """What a rollout needs of the applier: its settings, and one write with all its rules."""

    settings: Settings
    specs: dict[str, InstanceSpec]
    stop: threading.Event

    def write_and_verify(
        self, change: Change, live: LiveInstance, rollout_step: int | None = None
    ) -> Result: ...


ALARM, MISSING = "ALARM", "MISSING"


@dataclass
class Watch:
    """The alarms of one rollout, read per Region in one call; what they said, for the report."""

    alarms: AlarmPort | None
    rollout: Rollout
    spec: InstanceSpec
    noted: dict[str, AlarmState] = field(default_factory=dict)  # INSUFFICIENT_DATA / MISSING seen

    def firing(self) -> AlarmState | str | None:
        """The first alarm in ALARM; a message when they cannot be read (that halts too); None."""
        rollout = self.rollout
        if not rollout.alarms:
            return None
        if self.alarms is None:
            return "the rollout names alarms, but no CloudWatch client is configured"
        by_region: dict[str, list[str]] = {}
        for alarm in rollout.alarms:
            by_region.setdefault(alarm.region, []).append(alarm.name)
        for region, names in by_region.items():
            try:
                states = self.alarms.alarm_states(self.spec, names, region=region)
            except ConnectCallError as exc:
                return f"the alarms in {region} could not be read: {exc}"
            for state in states:
                if state.state in (ALARM, MISSING):  # a misspelt alarm must not leave a shift unguarded
                    return state
                if state.state != "OK":
                    self.noted[f"{state.region}/{state.name}"] = state
        return None


def run_rollout(applier: Applier, change: Change, live: LiveInstance, alarms: AlarmPort | None) -> Result:
    """Every step of `change.rollout` in order; the change's result (applied, halted, stale...)."""
    rollout = change.rollout
    assert rollout is not None
    settings = applier.settings
    spec = applier.specs[change.instance]
    watch = Watch(alarms, rollout, spec)
    start = change.planned_against
    assert isinstance(start, GroupValues)
    current, clean = start, start  # live now; the last values that baked clean
    total = len(rollout.steps)
    for number, step in enumerate(rollout.steps, 1):
        where = f"step {number}/{total} ({_shares(step.values, spec.regions)})"
        if applier.stop.is_set():
            return _halt(
                applier,
                change,
                live,
                current,
                clean,
                f"before {where}",
                watch,
                "the apply was interrupted",
                back=False,
            )
        fired = watch.firing()
        if fired is not None:
            return _halt(applier, change, live, current, clean, f"before {where}", watch, fired)
        step_change = _step_change(change, current, step.values, step.request, number)
        written = applier.write_and_verify(step_change, live, rollout_step=number)
        if written.outcome is Outcome.ALREADY:
            current = clean = step.values  # a re-run of a saved plan: this step is live already
            continue
        if written.outcome is not Outcome.APPLIED:
            return Result(change, written.outcome, f"{where}: {written.message}", written.region)
        moved = step.values.telephony != current.telephony
        current = step.values
        if not moved:  # sign-in opened on the receiving Region: no call has moved yet, nothing to bake
            clean = current  # and going back never closes it again (agents there would go offline)
            continue
        fired = _bake(rollout, watch, settings.sleep, settings.clock)
        if fired is not None:
            return _halt(applier, change, live, current, clean, f"baking {where}", watch, fired)
        clean = current
    message = f"{total} step{'s' if total != 1 else ''} applied, each baked {rollout.bake}"
    return Result(change, Outcome.APPLIED, message + _noted(watch), rollout.receiving_region)


def _bake(
    rollout: Rollout, watch: Watch, sleep: Callable[[float], None], clock: Callable[[], float]
) -> AlarmState | str | None:
    """Wait the bake time, reading the alarms every poll interval; the alarm that fired, if any."""
    deadline = clock() + rollout.bake_seconds
    while (left := deadline - clock()) > 0:
        sleep(min(rollout.poll_seconds, left) if rollout.alarms else left)
        fired = watch.firing()
        if fired is not None:
            return fired
    return None


def _halt(
    applier: Applier,
    change: Change,
    live: LiveInstance,
    current: GroupValues,
    clean: GroupValues,
    where: str,
    watch: Watch,
    fired: AlarmState | str | None = None,
    *,
    back: bool = True,
) -> Result:
    rollout = change.rollout
    assert rollout is not None
    spec = applier.specs[change.instance]
    if isinstance(fired, AlarmState) and fired.state == MISSING:
        why = f"alarm {fired.name} does not exist in {fired.region} (or may not be read)"
    elif isinstance(fired, AlarmState):
        why = (
            f"alarm {fired.name} ({fired.region}) is {fired.state} since {fired.since or 'an unknown time'}: "
            f"{fired.reason or 'no reason given'}"
        )
    else:
        why = fired or "stopped"
    message = f"halted {where}: {why}"
    if back and rollout.on_halt == "previous" and current != clean:
        request = traffic_request(change.resource_arn, clean, spec.regions).model_copy(
            update={"region": rollout.receiving_region}
        )
        undo = applier.write_and_verify(
            _step_change(change, current, clean, request, 0), live, rollout_step=0
        )
        shares = _shares(clean, spec.regions)
        if undo.outcome is Outcome.APPLIED:
            message += f"; went back to {shares}, the last step that baked clean"
        else:
            message += f"; going back to {shares} did not complete ({undo.outcome.value}: {undo.message})"
    elif back and rollout.on_halt == "stay":
        message += f"; left at {_shares(current, spec.regions)} (onHalt: stay)"
    return Result(change, Outcome.HALTED, message + _noted(watch), rollout.receiving_region)


def _noted(watch: Watch) -> str:
    if not watch.noted:
        return ""
    seen = ", ".join(f"{s.name} ({s.region}) was {s.state}" for s in watch.noted.values())
    return f" [not alarming: {seen}]"


def _step_change(
    change: Change, before: GroupValues, after: GroupValues, request: ApiRequest, number: int
) -> Change:
    """One step as an ordinary change: planned against the step before it, setting this one."""
    return change.model_copy(
        update={
            "planned_against": before,
            "expected": after,
            "request": request,
            "fingerprint": planned_fingerprint(before, after),
            "rollout": None,
            "warnings": (f"rollout step {number}" if number else "rollout: back to the last clean step",),
        }
    )


def _shares(values: GroupValues, pair: tuple[str, str]) -> str:
    return "/".join(str((values.telephony or {}).get(r, 0)) for r in pair) + " " + "/".join(pair)
