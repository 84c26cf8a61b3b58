"""A journal checked as a whole before rollback acts on it: one apply, told in order, about itself.

`reconciler rollback JOURNAL` sends the journal's restore requests to live Connect, so a journal
is trusted only as far as it agrees with itself. Typing each line (`journal.read`) is not enough: a
hand-edited restore aimed at another queue, a change moved to another instance, a record copied
twice or an end written in the middle all parse. Here the records must tell one apply in the order
an apply writes them, every resource must belong to an instance its header describes, and every
request and restore must be exactly what apply derives from the journal's own values
(`restore_for`, `queue_request`, `traffic_request`); the only live facts those need (phone-number
ARNs) are taken from the journal itself and accepted only where the header's account and Regions
allow. The first disagreement is refused as `<path>: line N: <what>`, before any call to Connect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reconciler.applying.bookkeeping import restore_for
from reconciler.applying.journal import (
    ApplyFinished,
    ApplyStarted,
    ChangeStarted,
    OverrideRecorded,
    Record,
    read_numbered,
)
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import INSTANCE_ARN_RE, PHONE_ARN_RE, UUID_RE
from reconciler.errors import ReconcilerError
from reconciler.planning.calls import queue_request, traffic_request
from reconciler.planning.live import LiveInstance, LivePhoneNumber, LiveQueue, number_identity
from reconciler.planning.plan import ApiRequest, Kind
from reconciler.planning.values import GroupValues, QueueValues

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_HEAD = r"^arn:aws[a-z-]*:connect:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):"
_QUEUE_ARN = re.compile(_HEAD + r"instance/(" + _UUID + r")/queue/(" + _UUID + r")$")
_GROUP_ARN = re.compile(_HEAD + r"traffic-distribution-group/(" + _UUID + r")$")


class _Refused(Exception):
    def __init__(self, number: int, what: str) -> None:
        super().__init__(what)
        self.number, self.what = number, what


def read_checked(path: str) -> list[Record]:
    """The records of the journal at `path`, refused unless they hold together (`check`)."""
    numbered = read_numbered(path)
    check(numbered, path)
    return [record for _, record in numbered]


def check(numbered: list[tuple[int, Record]], path: str) -> None:
    """Refuse (`ReconcilerError` naming `path` and the line) a journal that does not hold together."""
    applies = sum(1 for _, r in numbered if isinstance(r, ApplyStarted))
    if applies > 1:  # restores of two applies would be planned against each other's values
        raise ReconcilerError(
            f"{path}: holds the records of {applies} applies (the journal file was reused); "
            "rollback needs the journal of one apply: split the file at each apply-started line"
        )
    try:
        _Checker(numbered).run()
    except _Refused as refused:
        what = refused.what if len(refused.what) <= 300 else refused.what[:297] + "..."
        raise ReconcilerError(f"{path}: line {refused.number}: {what}") from None


class _Instance:
    """What the header says of one instance: the identities its resources must carry."""

    def __init__(self, spec: InstanceSpec) -> None:
        self.spec = spec
        self.pair = (spec.region, spec.replica_region)
        arn = INSTANCE_ARN_RE.fullmatch(spec.id)
        self.id = arn.group(3) if arn else spec.id
        self.account = spec.account_id or (arn.group(2) if arn else None)
        self.numbers: dict[str, LivePhoneNumber] = {}
        self.queues: dict[str, LiveQueue] = {}

    def live(self) -> LiveInstance:
        return LiveInstance(
            name=self.spec.name,
            id=self.id,
            region=self.spec.region,
            replica_region=self.spec.replica_region,
            account=self.account,
            queues=tuple(self.queues.values()),
            numbers=tuple(self.numbers.values()),
        )


class _Checker:
    def __init__(self, numbered: list[tuple[int, Record]]) -> None:
        self.numbered = numbered
        self.instances: dict[str, _Instance] = {}
        self.total = 0

    def run(self) -> None:
        number, header = self.numbered[0]
        if not isinstance(header, ApplyStarted):
            raise _Refused(number, "the first record is not apply-started")
        self._header(number, header)
        last: dict[tuple[str, str], str] = {}  # each change's latest event: a rollout repeats them
        first: dict[tuple[str, str], tuple[int, object]] = {}
        steps: dict[int, tuple[str, str]] = {}
        ended = False
        for number, record in self.numbered[1:]:
            if ended:
                raise _Refused(number, f"{record.event} after apply-finished, the end of the apply")
            if isinstance(record, ApplyFinished):
                ended = True
                continue
            if isinstance(record, OverrideRecorded):
                continue  # a failover's override: who and why, nothing that rollback sends
            assert not isinstance(record, ApplyStarted)
            about = (record.step, record.address, record.kind, record.name, record.resource_arn)
            earlier = first.setdefault(record.ident, (number, about))
            if earlier[1] != about:
                raise _Refused(number, f"{record.event} of {record.address} disagrees with line {earlier[0]}")
            if record.step is not None and steps.setdefault(record.step, record.ident) != record.ident:
                raise _Refused(number, f"step {record.step} is given to two changes")
            self._order(number, record, last.get(record.ident))
            last[record.ident] = record.event
            self._identity(number, record)
            if isinstance(record, ChangeStarted):
                self._values(number, record)
        for number, record in self.numbered[1:]:
            if isinstance(record, ChangeStarted):
                self._requests(number, record)

    def _header(self, number: int, header: ApplyStarted) -> None:
        if header.dry_run:
            raise _Refused(number, "a dry run writes no journal: this header says dry_run")
        if header.changes < 0:
            raise _Refused(number, f"changes {header.changes} is negative")
        self.total = header.changes
        for spec in header.instances:
            if spec.name in self.instances:
                raise _Refused(number, f"instance {spec.name} is described twice")
            instance = _Instance(spec)
            if not UUID_RE.fullmatch(instance.id):
                raise _Refused(number, f"instance {spec.name}: id is not an instance ID")
            self.instances[spec.name] = instance

    def _order(self, number: int, record: Record, previous: str | None) -> None:
        """A change's records follow started -> finished -> verified or unverified, again for each
        step of a rollout; a skipped change is never started. Anything else (a record twice, a
        finish before its start) is an edited journal."""
        assert not isinstance(record, ApplyStarted | ApplyFinished | OverrideRecorded)
        allowed = {
            "change-started": (None, "change-finished", "change-verified", "change-unverified"),
            "change-finished": ("change-started",),
            "change-verified": ("change-finished",),
            "change-unverified": ("change-finished",),
            "change-skipped": (None,),
        }[record.event]
        if previous not in allowed:
            raise _Refused(number, f"{record.event} of {record.address} {_misplaced(record.event, previous)}")
        if isinstance(record, ChangeStarted) and record.step is None:
            raise _Refused(number, f"change-started of {record.address} has no step")
        if record.step is not None and not 1 <= record.step <= self.total:
            raise _Refused(number, f"step {record.step} is not within 1..{self.total} (the header's changes)")

    def _identity(self, number: int, record: Record) -> None:
        assert not isinstance(record, ApplyStarted | ApplyFinished | OverrideRecorded)
        instance = self.instances.get(record.instance)
        if instance is None:
            raise _Refused(number, f"instance {record.instance!r} is not described by the header")
        if record.address != f"{record.instance}/{record.kind.value}/{record.name}":
            raise _Refused(number, f"address {record.address!r} is not {record.kind.value} {record.name!r}")
        if record.kind is Kind.QUEUE:
            match = _QUEUE_ARN.fullmatch(record.resource_arn)
            owner = match.group(3) if match else None
            resource = match.group(4) if match else None
        else:
            match = _GROUP_ARN.fullmatch(record.resource_arn)
            owner, resource = instance.id, match.group(3) if match else None
        if match is None:
            raise _Refused(number, f"resource_arn is not the ARN of a {record.kind.value}")
        region, account = match.group(1), match.group(2)
        if region not in instance.pair or owner != instance.id:
            raise _Refused(number, f"resource_arn is not in instance {record.instance}")
        if instance.account is None:
            instance.account = account  # learned from the first ARN; every other must agree
        if account != instance.account:
            raise _Refused(number, f"resource_arn is in account {account}, not {instance.account}")
        if resource != record.resource_id:
            raise _Refused(number, "resource_id is not the ID in resource_arn")

    def _values(self, number: int, record: ChangeStarted) -> None:
        instance = self.instances[record.instance]
        for which, values in (("before", record.before), ("expected", record.expected)):
            if values.kind != record.kind.value:
                raise _Refused(number, f"{which} holds {values.kind} values for a {record.kind.value}")
            problem = _problem(values, instance.pair)
            if problem:
                raise _Refused(number, f"{which}: {problem}")
        if isinstance(record.before, QueueValues):
            self._learn(instance, record)

    def _learn(self, instance: _Instance, record: ChangeStarted) -> None:
        """The numbers and the queue's raw number that apply read live, where the journal shows them
        in its requests, for numbers the change is about, in the instance's account and Regions."""
        assert isinstance(record.before, QueueValues) and isinstance(record.expected, QueueValues)
        wanted = {record.before.caller_id_number, record.expected.caller_id_number} - {None}
        raw_before: str | None = None
        for request in (record.request, record.restore):
            body = request.body.get("OutboundCallerConfig") if request else None
            given = body.get("OutboundCallerIdNumberId") if isinstance(body, dict) else None
            if not isinstance(given, str) or number_identity(given) not in wanted:
                continue
            match = PHONE_ARN_RE.fullmatch(given)
            if match and match.group(1) in instance.pair and match.group(2) == instance.account:
                identity = number_identity(given)
                instance.numbers.setdefault(identity, LivePhoneNumber(identity, given, "", ""))
            restoring = request is record.restore and number_identity(given) == record.before.caller_id_number
            if restoring and match is None and UUID_RE.fullmatch(given):
                raw_before = given  # an unclaimed number, sent as the ID Connect returned
        queue = LiveQueue(record.resource_id, record.resource_arn, record.name, caller_id_number=raw_before)
        instance.queues[record.resource_id] = queue

    def _requests(self, number: int, record: ChangeStarted) -> None:
        live = self.instances[record.instance].live()
        expected: ApiRequest
        if isinstance(record.expected, QueueValues):
            queue = live.queues_by_id.get(record.resource_id)
            raw = queue.caller_id_number if queue else None
            expected = queue_request(live, record.resource_id, record.expected, raw)[0]
        else:
            if record.expected.telephony is None:
                raise _Refused(number, "expected has no telephony")
            expected = traffic_request(
                record.resource_arn, record.expected, (live.region, live.replica_region)
            )
            # a rollout's steps go to the Region receiving the traffic, other writes to the majority's
            if (
                record.rollout_step is not None
                and record.request.region in self.instances[record.instance].pair
            ):
                expected = expected.model_copy(update={"region": record.request.region})
        if record.request != expected:
            raise _Refused(
                number, f"request is not the request for expected ({_differs(record.request, expected)})"
            )
        restore = restore_for(record.before, record.resource_id, record.resource_arn, live)
        if record.restore != restore:
            raise _Refused(
                number,
                f"restore is not the request that puts before back ({_differs(record.restore, restore)})",
            )


def _misplaced(event: str, previous: str | None) -> str:
    if event == "change-skipped":
        return "after its " + str(previous) + ", a change that was started"
    if event == "change-started":
        return f"after its {previous}: a change is started once per step"
    needed = "change-started" if event == "change-finished" else "change-finished"
    return f"before its {needed}" if previous != event else "twice in a row"


def _differs(given: ApiRequest | None, derived: ApiRequest | None) -> str:
    if given is None or derived is None:
        return "missing" if given is None else "there is nothing to restore"
    fields = [
        f
        for f in ("operation", "region", "method", "path", "body")
        if getattr(given, f) != getattr(derived, f)
    ]
    return f"{', '.join(fields)} differ" if len(fields) > 1 else f"{''.join(fields)} differs"


def _problem(values: QueueValues | GroupValues, pair: tuple[str, str]) -> str | None:
    if isinstance(values, QueueValues):
        for name, value in values.as_dict().items():
            if value is not None and not value.strip():
                return f"{name} is empty"
        return None
    for name, value in values.as_dict().items():
        if value is None:
            continue
        stray = sorted(set(value) - set(pair))
        if stray:
            return f"{name} names {_regions(stray)}, not a Region of the instance"
        if name == "signIn":
            continue
        if any(not 0 <= p <= 100 for p in value.values()) or sum(value.values()) != 100:
            return f"{name} percentages are not 0..100 summing to 100"
    return None


def _regions(regions: Iterable[str]) -> str:
    shown = ", ".join(regions)
    return shown if len(shown) <= 60 else shown[:57] + "..."
