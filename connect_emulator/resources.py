"""Addressing: ARNs, resolving IDs/ARNs as seen from one Region, and NextToken pagination.

This is where the emulator is deliberately strict about the multi-Region rules that the
reconciler must get right (see DESIGN.md, "Amazon Connect facts"):

* an instance is reachable from its Region and its replica Region, by ID or by the ARN *of the
  calling Region* (``arn:aws:connect:{calling Region}:{account}:instance/{id}``);
* a traffic distribution group resolves by bare ID only in its home Region, which is always
  the instance's (source) Region: Connect creates groups nowhere else. From the replica Region
  only its full ARN (which names the home Region) works, else 404;
* a phone number's ARN names Region R (the instance's Region for instance numbers, the group's
  home Region for group numbers). A bare UUID resolves only when the calling Region is R; the
  ARN ``arn:aws:connect:R:{account}:phone-number/{id}`` resolves from either Region of the pair;
  the old ``.../instance/{iid}/phone-number/{id}`` form is refused with InvalidParameterException.

Anything that does not resolve is ``ResourceNotFoundException`` (404), including resources of
another account. NextTokens are opaque base64 JSON bound to the operation, the calling Region and
the listing's filters; a token that does not decode, or belongs to another listing, is the
operation's 400 error. Short listings (flows, numbers, groups) are filtered whole and sliced at
the token's offset (:func:`paginate`). Queue listings can hold tens of thousands of items, so
:func:`paginate_scan` instead tests items one by one from the position the token records and
stops once the page is full and the next match is found: a page costs its own size, not the
size of the listing, and paging through everything tests each item once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.model import OperationModel

from connect_emulator.errors import ApiError, invalid_parameter, not_found
from connect_emulator.lag import ReadLag
from connect_emulator.model import token_error_code
from connect_emulator.objects import Instance, PhoneNumber, TrafficGroup
from connect_emulator.state import EmulatorState

T = TypeVar("T")

ARN_RE = re.compile(r"^arn:aws[a-z-]*:connect:([a-z0-9-]+):([0-9]+):(.+)$")


@dataclass(frozen=True)
class Options:
    """Behaviour switches that AWS does not document (so tests can run under each).

    Each is also an ``Emulator`` keyword of the same name and a ``reconciler emulator`` flag.
    """

    #: ``keep``: UpdateQueueOutboundCallerConfig leaves omitted fields alone; ``clear``: removes them.
    omitted_fields: str = "keep"
    #: After a successful UpdateTrafficDistribution the group reports UPDATE_IN_PROGRESS this long
    #: (undocumented; 0: never). Get/UpdateTrafficDistribution are refused meanwhile.
    update_in_progress_seconds: float = 2.0
    #: How long reads of a written resource keep showing its old values (see ``lag``; off: none).
    read_lag: ReadLag = field(default_factory=ReadLag)
    #: ``shared``: one queue-config store for both Regions; ``none``: not replicated, each Region
    #: reads its own writes only (see :mod:`connect_emulator.replication`).
    queue_replication: str = "shared"
    #: Whether ListTrafficDistributionGroups called in the replica Region lists the groups homed
    #: in the source Region (undocumented; see ``ops_traffic``).
    replica_lists_groups: bool = False
    #: Whether ListPhoneNumbersV2 by a group ARN works while the group is not ACTIVE
    #: (undocumented; see ``ops_numbers``).
    list_numbers_of_inactive_groups: bool = True


@dataclass
class Call:
    """One API request as the operation handlers see it."""

    operation: str
    region: str
    account: str
    params: dict[str, Any]
    now: float
    op_model: OperationModel
    options: Options = field(default_factory=Options)


# -- ARNs --------------------------------------------------------------------------------------


def instance_arn(region: str, account: str, instance_id: str) -> str:
    return f"arn:aws:connect:{region}:{account}:instance/{instance_id}"


def queue_arn(call: Call, inst: Instance, queue_id: str) -> str:
    return f"{instance_arn(call.region, inst.account, inst.id)}/queue/{queue_id}"


def flow_arn(call: Call, inst: Instance, flow_id: str) -> str:
    return f"{instance_arn(call.region, inst.account, inst.id)}/contact-flow/{flow_id}"


def group_arn(inst: Instance, group: TrafficGroup) -> str:
    return f"arn:aws:connect:{group.region}:{inst.account}:traffic-distribution-group/{group.id}"


def number_arn(inst: Instance, number: PhoneNumber) -> str:
    return f"arn:aws:connect:{inst.number_region(number)}:{inst.account}:phone-number/{number.id}"


def number_target_arn(inst: Instance, number: PhoneNumber) -> str:
    """What a number is claimed to: the instance (in Region R) or its traffic distribution group."""
    if number.claimed_to == "instance":
        return instance_arn(inst.number_region(number), inst.account, inst.id)
    group = inst.group(number.claimed_to)
    return group_arn(inst, group) if group else instance_arn(inst.region, inst.account, inst.id)


def parse_arn(value: str) -> tuple[str, str, str] | None:
    """``(region, account, resource)`` of a Connect ARN, else ``None``."""
    m = ARN_RE.match(value)
    return (m.group(1), m.group(2), m.group(3)) if m else None


# -- resolution --------------------------------------------------------------------------------


def resolve_instance(state: EmulatorState, call: Call, ident: str) -> Instance:
    arn = parse_arn(ident)
    if arn is not None:
        region, account, resource = arn
        if region != call.region or account != call.account or not resource.startswith("instance/"):
            raise not_found(f"Instance {ident}")
        ident = resource.removeprefix("instance/")
    for inst in state.instances_in(call.account, call.region):
        if inst.id == ident:
            return inst
    raise not_found(f"Instance {ident}")


def resolve_group(state: EmulatorState, call: Call, ident: str) -> tuple[Instance, TrafficGroup]:
    arn = parse_arn(ident)
    group_id = ident
    if arn is not None:
        _, account, resource = arn
        if account != call.account or not resource.startswith("traffic-distribution-group/"):
            raise not_found(f"Traffic distribution group {ident}")
        group_id = resource.removeprefix("traffic-distribution-group/")
    found = state.find_group(group_id)
    if found is None:
        raise not_found(f"Traffic distribution group {ident}")
    inst, group = found
    visible = inst.account == call.account and call.region in inst.regions
    if arn is not None:
        visible = visible and arn[0] == group.region
    else:
        visible = visible and group.region == call.region
    if not visible:
        raise not_found(f"Traffic distribution group {ident}")
    return inst, group


def resolve_number(
    state: EmulatorState, call: Call, ident: str, scope: Instance | None = None
) -> tuple[Instance, PhoneNumber]:
    """Resolve a phone number ID or ARN; ``scope`` limits it to one instance (and its groups)."""
    arn = parse_arn(ident)
    number_id = ident
    if arn is not None:
        _, account, resource = arn
        if "instance/" in resource:
            raise invalid_parameter(
                f"Invalid phone number ARN {ident}: use arn:aws:connect:REGION:ACCOUNT:phone-number/ID"
            )
        if not resource.startswith("phone-number/"):
            raise invalid_parameter(f"{ident} is not a phone number ARN")
        if account != call.account:
            raise not_found(f"Phone number {ident}")
        number_id = resource.removeprefix("phone-number/")
    candidates = [scope] if scope is not None else state.instances_in(call.account, call.region)
    for inst in candidates:
        number = inst.number(number_id)
        if number is None:
            continue
        home = inst.number_region(number)
        if arn is not None and arn[0] == home and call.region in inst.regions:
            return inst, number
        if arn is None and call.region == home:
            return inst, number
    raise not_found(f"Phone number {ident}")


# -- pagination --------------------------------------------------------------------------------


def paginate(call: Call, items: Sequence[T], key: str, default_size: int) -> tuple[list[T], str | None]:
    """One page of ``items`` for the request's MaxResults/NextToken, and the next token."""
    size = call.params.get("MaxResults") or default_size
    fingerprint = _fingerprint(call, key)
    offset = 0
    token = call.params.get("NextToken")
    if token is not None:
        offset = _decode_token(call, token, fingerprint)
    page = list(items[offset : offset + size])
    end = offset + len(page)
    if end >= len(items):
        return page, None
    return page, _encode_token({"v": 1, "k": fingerprint, "o": end})


def paginate_scan(
    call: Call,
    items: Sequence[T],
    wanted: Callable[[T], bool],
    key: str,
    default_size: int,
    *,
    item_id: Callable[[T], str],
    locate: Callable[[str], int | None],
) -> tuple[list[T], str | None]:
    """One page of the ``wanted`` items, found by scanning ``items`` from where the token points.

    The next token records the position of the next wanted item and that item's ID (``item_id``),
    so the last page is known to be last and carries no token, as with :func:`paginate`. Changes
    between pages that leave the sequence's order alone (the usual writes) neither skip nor
    repeat an item. When items were inserted or removed before the position, the recorded item
    is found again through ``locate`` (ID -> position) and the scan resumes there; if it is gone,
    the scan resumes at the recorded position.
    """
    size = call.params.get("MaxResults") or default_size
    fingerprint = _fingerprint(call, key)
    n = len(items)
    i = 0
    token = call.params.get("NextToken")
    if token is not None:
        i, resume_id = _decode_scan_token(call, token, fingerprint)
        if i >= n or item_id(items[i]) != resume_id:
            moved = locate(resume_id)
            if moved is not None:
                i = moved
    page: list[T] = []
    while i < n and len(page) < size:
        item = items[i]
        i += 1
        if wanted(item):
            page.append(item)
    while i < n:
        if wanted(items[i]):
            return page, _encode_token({"v": 2, "k": fingerprint, "o": i, "i": item_id(items[i])})
        i += 1
    return page, None


def _fingerprint(call: Call, key: str) -> str:
    return hashlib.sha256(f"{call.operation}|{call.region}|{key}".encode()).hexdigest()[:16]


def _encode_token(doc: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _token_doc(call: Call, token: str, fingerprint: str, version: int) -> dict[str, Any]:
    """The decoded token, checked to belong to this listing; else the operation's 400 error."""
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad_token(call) from None
    if not isinstance(doc, dict) or doc.get("k") != fingerprint or doc.get("v") != version:
        raise _bad_token(call)
    offset = doc.get("o")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise _bad_token(call)
    return doc


def _bad_token(call: Call) -> ApiError:
    return ApiError(token_error_code(call.op_model), "The NextToken is not valid for this request")


def _decode_token(call: Call, token: str, fingerprint: str) -> int:
    """The offset in a :func:`paginate` token."""
    offset: int = _token_doc(call, token, fingerprint, 1)["o"]
    return offset


def _decode_scan_token(call: Call, token: str, fingerprint: str) -> tuple[int, str]:
    """The position and item ID in a :func:`paginate_scan` token."""
    doc = _token_doc(call, token, fingerprint, 2)
    if not isinstance(doc.get("i"), str):
        raise _bad_token(call)
    return doc["o"], doc["i"]
