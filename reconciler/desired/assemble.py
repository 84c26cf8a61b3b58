"""Rules across files: which instance each file belongs to, duplicates, Regions and ARN scopes.

The loader parses and validates each file on its own; this module puts the files together into
instances. A file with an `instance:` block owns its folder and the folders below it (the nearest
owner wins); a definition may appear once per instance across all of its files; a group's Regions
must be the instance's pair; an ARN must be in the instance's account and Regions. Every problem
is reported with its file and line, all at once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reconciler.desired import patterns
from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.model import GroupSpec, InstanceSpec, QueueSpec, StateFile
from reconciler.desired.state import DesiredGroup, DesiredInstance, DesiredQueue, Source
from reconciler.desired.yamlsource import (
    EXCERPT_NAME_CHARS,
    Document,
    excerpt,
)

_Spec = TypeVar("_Spec", GroupSpec, QueueSpec)

# Messages quote keys and values as excerpts (`yamlsource.excerpt`), whole up to the length of the
# longest name, ID or ARN. A key path or a message that grows past a few lines anyway is cut.
_PATH_CHARS = 300
# How numbers are written: plain decimal digits (`-10` too, which the range check then refuses).
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_MESSAGE_CHARS = 500

# Fields that hold text even when the YAML scalar looks like a number or a bool (`+12065550100`).
_TEXT_FIELDS = {
    "instance": {"name", "id", "region", "replicaRegion", "accountId", "profile", "roleArn"},
    "queues": {"callerIdName", "callerIdNumber", "whisperFlow"},
}


@dataclass
class Parsed:
    file: str
    folder: Path
    doc: Document
    state: StateFile


def assemble(
    root: Path, parsed: list[Parsed], problems: list[Diagnostic], failed: set[Path]
) -> tuple[DesiredInstance, ...]:
    owners: dict[str, Parsed] = {}
    by_folder: dict[Path, list[Parsed]] = {}
    for item in parsed:
        spec = item.state.instance
        if spec is None:
            continue
        for other in owners.values():
            other_spec = other.state.instance
            assert other_spec is not None
            first = f"{other.file}:{other.doc.line_of(('instance',))}"
            if other_spec.name == spec.name:
                problems.append(
                    Diagnostic(
                        item.file,
                        item.doc.line_of(("instance", "name")),
                        "instance.name",
                        f"instance {spec.name!r} is already defined at {first}",
                    )
                )
            elif other_spec.instance_id == spec.instance_id:
                problems.append(
                    Diagnostic(
                        item.file,
                        item.doc.line_of(("instance", "id")),
                        "instance.id",
                        f"instance {spec.instance_id} is already defined at {first} (as {other_spec.name!r})",
                    )
                )
        owners.setdefault(spec.name, item)
        by_folder.setdefault(item.folder, []).append(item)
    members: dict[str, list[Parsed]] = {name: [] for name in owners}
    for item in parsed:
        owner = (
            item if item.state.instance is not None else _owner_of(item, root, by_folder, problems, failed)
        )
        if owner is not None and owner.state.instance is not None:
            members.setdefault(owner.state.instance.name, []).append(item)
    result = []
    for name, owner in owners.items():
        spec = owner.state.instance
        assert spec is not None
        groups, queues = _collect(spec, members.get(name, []), problems)
        source = Source(owner.file, owner.doc.line_of(("instance",)))
        result.append(DesiredInstance(spec=spec, source=source, groups=groups, queues=queues))
    return tuple(sorted(result, key=lambda i: i.name))


def _owner_of(
    item: Parsed,
    root: Path,
    by_folder: dict[Path, list[Parsed]],
    problems: list[Diagnostic],
    failed: set[Path],
) -> Parsed | None:
    """The instance a file without `instance:` belongs to: its folder's, else the nearest parent's."""
    folder = item.folder
    while True:
        owners = by_folder.get(folder, [])
        if len(owners) == 1:
            return owners[0]
        if len(owners) > 1:
            names = ", ".join(sorted(o.state.instance.name for o in owners if o.state.instance))
            if folder == item.folder:
                where = "its folder"
            elif folder == root:
                where = "the state directory"
            else:
                where = f"its parent folder {folder.relative_to(root).as_posix()}/"
            problems.append(
                Diagnostic(
                    item.file,
                    1,
                    "",
                    f"belongs to no single instance: {where} defines {len(owners)} instances ({names}); "
                    "give each instance a folder of its own",
                )
            )
            return None
        if folder in failed:
            return None  # the file that may define this instance already has its own errors
        if folder in (root, folder.parent):
            break
        folder = folder.parent
    problems.append(
        Diagnostic(
            item.file,
            1,
            "",
            "no instance: add an 'instance:' block here or in a file of this folder or a parent folder",
        )
    )
    return None


def _collect(
    spec: InstanceSpec, items: list[Parsed], problems: list[Diagnostic]
) -> tuple[tuple[DesiredGroup, ...], tuple[DesiredQueue, ...]]:
    groups: dict[str, DesiredGroup] = {}
    queues: dict[str, DesiredQueue] = {}
    default_at: Source | None = None
    for item in items:
        for key, group in item.state.traffic_distribution_groups.items():
            src = Source(item.file, item.doc.line_of(("trafficDistributionGroups", key)))
            path = f"trafficDistributionGroups.{key}"
            if key in groups:
                problems.append(
                    Diagnostic(
                        item.file,
                        src.line,
                        path,
                        f"group {_key(key)} is already defined at {groups[key].source}",
                    )
                )
                continue
            groups[key] = DesiredGroup(
                key, group, src, _field_lines(item.doc, ("trafficDistributionGroups", key))
            )
            _check_group_regions(spec, item, key, group, problems)
            _check_alarm_regions(spec, item, key, group, problems)
            problems.extend(_arn_scope(spec, item, ("trafficDistributionGroups", key), key))
            if group.default:
                if default_at is not None:
                    problems.append(
                        Diagnostic(
                            item.file,
                            item.doc.line_of(("trafficDistributionGroups", key, "default")),
                            f"{path}.default",
                            f"only one group can be the default; {default_at} is already marked default",
                        )
                    )
                default_at = default_at or src
        for key, queue in item.state.queues.items():
            src = Source(item.file, item.doc.line_of(("queues", key)))
            if key in queues:
                problems.append(
                    Diagnostic(
                        item.file,
                        src.line,
                        f"queues.{key}",
                        f"queue {_key(key)} is already defined at {queues[key].source}",
                    )
                )
                continue
            queues[key] = DesiredQueue(key, queue, src, _field_lines(item.doc, ("queues", key)))
            if queue.caller_id_number is not None:
                problems.extend(
                    _arn_scope(spec, item, ("queues", key, "callerIdNumber"), queue.caller_id_number)
                )
    return tuple(groups.values()), tuple(queues.values())


def _field_lines(doc: Document, path: tuple[str, str]) -> tuple[tuple[str, int], ...]:
    """The line of each field set in the mapping at `path` (a merged-in field: its anchor's line)."""
    section, key = path
    fields = (doc.value.get(section) or {}).get(key)
    if not isinstance(fields, dict):
        return ()
    return tuple((name, doc.line_of((*path, name))) for name in fields)


def _check_group_regions(
    spec: InstanceSpec, item: Parsed, key: str, group: GroupSpec, problems: list[Diagnostic]
) -> None:
    pair = spec.regions
    configs: dict[str, dict[str, Any] | None] = {
        "telephony": group.telephony,
        "agents": group.agents,
        "signIn": group.sign_in,
    }
    for name, dist in configs.items():
        if dist is None:
            continue
        base = ("trafficDistributionGroups", key, name)
        for region in dist:
            if region not in pair:
                close = difflib.get_close_matches(region, pair, n=1, cutoff=0.8)  # typos, not other Regions
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    Diagnostic(
                        item.file,
                        item.doc.line_of((*base, region)),
                        ".".join(base),
                        f"{region} is not this instance's Region ({pair[0]}) "
                        f"or replica Region ({pair[1]}){hint}",
                    )
                )
        missing = [r for r in pair if r not in dist]
        if missing:
            problems.append(
                Diagnostic(
                    item.file,
                    item.doc.line_of(base),
                    ".".join(base),
                    f"missing Region {', '.join(missing)}: give both {pair[0]} and {pair[1]}",
                )
            )


def _check_alarm_regions(
    spec: InstanceSpec, item: Parsed, key: str, group: GroupSpec, problems: list[Diagnostic]
) -> None:
    """An alarm is read in a Region of the pair: the one receiving traffic, or the one it names."""
    alarms = group.rollout.halt_on.alarms if group.rollout and group.rollout.halt_on else []
    for index, alarm in enumerate(alarms):
        if alarm.region is not None and alarm.region not in spec.regions:
            path = ("trafficDistributionGroups", key, "rollout", "haltOn", "alarms", str(index))
            problems.append(
                Diagnostic(
                    item.file,
                    item.doc.line_of(path),
                    ".".join((*path, "region")),
                    f"{alarm.region} is not this instance's Region ({spec.region}) "
                    f"or replica Region ({spec.replica_region})",
                )
            )


def _arn_scope(spec: InstanceSpec, item: Parsed, path: tuple[str, ...], text: str) -> list[Diagnostic]:
    """A group or phone-number ARN must be in the instance's account and Region pair."""
    match = patterns.GROUP_ARN_RE.fullmatch(text) or patterns.PHONE_ARN_RE.fullmatch(text)
    if not match:
        return []
    region, account = match.group(1), match.group(2)
    line = item.doc.line_of(path)
    found = []
    if region not in spec.regions:
        found.append(
            Diagnostic(
                item.file,
                line,
                ".".join(path),
                f"the ARN is in {region}, not in {spec.region} or {spec.replica_region}",
            )
        )
    if spec.account is not None and account != spec.account:
        found.append(
            Diagnostic(
                item.file, line, ".".join(path), f"the ARN is in account {account}, not {spec.account}"
            )
        )
    return found


def _key(key: str) -> str:
    """A group or queue key quoted in a message."""
    return excerpt(key, EXCERPT_NAME_CHARS)
