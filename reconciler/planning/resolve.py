"""Names in the desired state -> the live resources they mean (queues, flows, numbers, groups).

Users write names (`Sales`, `Default outbound`, `+12065550100`); Connect wants IDs and ARNs. Each
lookup accepts a name, an ID or an ARN. A name that matches nothing is an error listing the closest
names; a name that matches several resources is an error too, never a guess.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from reconciler.desired.patterns import E164_RE, FLOW_ARN_RE, GROUP_ARN_RE, QUEUE_ARN_RE, UUID_RE
from reconciler.planning.live import (
    LiveFlow,
    LiveGroup,
    LiveInstance,
    LivePhoneNumber,
    LiveQueue,
    number_identity,
)

T = TypeVar("T")


class Unresolved(Exception):
    """A reference that names nothing, or more than one thing; the message says which."""


@dataclass
class _Index(Generic[T]):
    what: str
    by_name: dict[str, list[T]]
    by_id: dict[str, T]

    def find(self, ref: str, instance: LiveInstance, id_of_arn: str | None) -> T:
        key = (id_of_arn or ref).lower()
        if key in self.by_id:
            return self.by_id[key]
        if id_of_arn is not None or UUID_RE.match(ref):
            raise Unresolved(f"no {self.what} with ID {id_of_arn or ref} in {_where(instance)}")
        matches = self.by_name.get(ref, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise Unresolved(
                f"{len(matches)} {self.what}s are named {ref!r} in {_where(instance)}; use the ID"
            )
        close = difflib.get_close_matches(ref, list(self.by_name), n=3, cutoff=0.6)
        hint = f"; closest: {', '.join(repr(c) for c in close)}" if close else ""
        raise Unresolved(f"no {self.what} named {ref!r} in {_where(instance)}{hint}")


def _where(instance: LiveInstance) -> str:
    return f"{instance.name} ({instance.region})"


def _index(
    what: str, items: Iterable[T], name: Callable[[T], str], ids: Callable[[T], list[str]]
) -> _Index[T]:
    by_name: dict[str, list[T]] = defaultdict(list)
    by_id: dict[str, T] = {}
    for item in items:
        by_name[name(item)].append(item)
        for key in ids(item):
            by_id[key.lower()] = item
    return _Index(what, dict(by_name), by_id)


class Resolver:
    """Lookups over one `LiveInstance`, indexed once.

    Flows and phone numbers are looked up once per distinct reference: thousands of queues share
    a handful of whisper flows and caller ID numbers.
    """

    def __init__(self, live: LiveInstance) -> None:
        self.live = live
        self._flows_seen: dict[str, LiveFlow | str] = {}
        self._numbers_seen: dict[str, LivePhoneNumber | str] = {}
        self.queues = _index("queue", live.queues, lambda q: q.name, lambda q: [q.id, q.arn])
        self.flows = _index("flow", live.flows, lambda f: f.name, lambda f: [f.id, f.arn])
        self.groups = _index(
            "traffic distribution group", live.groups, lambda g: g.name, lambda g: [g.id, g.arn]
        )
        self.numbers = _index(
            "phone number", live.numbers, lambda n: n.number, lambda n: [number_identity(n.id)]
        )

    def queue(self, ref: str) -> LiveQueue:
        match = QUEUE_ARN_RE.match(ref)
        return self.queues.find(ref, self.live, match.group(3) if match else None)

    def flow(self, ref: str) -> LiveFlow:
        return _remembered(self._flows_seen, ref, self._flow)

    def number(self, ref: str) -> LivePhoneNumber:
        return _remembered(self._numbers_seen, ref, self._number)

    def _flow(self, ref: str) -> LiveFlow:
        match = FLOW_ARN_RE.match(ref)
        flow = self.flows.find(ref, self.live, match.group(3) if match else None)
        if flow.type != "OUTBOUND_WHISPER":
            raise Unresolved(f"flow {flow.name!r} is a {flow.type} flow; an outbound whisper flow is needed")
        return flow

    def group(self, ref: str) -> LiveGroup:
        match = GROUP_ARN_RE.match(ref)
        return self.groups.find(ref, self.live, match.group(3) if match else None)

    def _number(self, ref: str) -> LivePhoneNumber:
        if E164_RE.match(ref):
            return self.numbers.find(ref, self.live, None)
        identity = number_identity(ref)
        found = self.numbers.by_id.get(identity)
        if found is None:
            raise Unresolved(
                f"no phone number with ID {identity} is claimed to {_where(self.live)} "
                "or to its traffic distribution groups"
            )
        return found


def _remembered(seen: dict[str, T | str], ref: str, lookup: Callable[[str], T]) -> T:
    """`lookup(ref)`, or what it returned or raised (kept as the message) the first time."""
    found = seen.get(ref)
    if found is None:
        try:
            found = lookup(ref)
        except Unresolved as exc:
            found = str(exc)
        seen[ref] = found
    if isinstance(found, str):
        raise Unresolved(found)
    return found
