"""The desired-state directory -> a checked `DesiredState`, or every problem found, each at file:line.

Loading never stops at the first problem: a reviewer fixing a pull request wants the whole list.
Steps: find the files, parse each (`yamlsource`), validate each against the models (`model`), then
check what needs several files at once: which instance a file belongs to, instances defined twice,
duplicate groups and queues, and Regions against the instance's Region pair.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from reconciler.desired import files, model, patterns
from reconciler.desired.assemble import Parsed, assemble
from reconciler.desired.diagnostics import Diagnostic, LoadError, translate
from reconciler.desired.model import GroupSpec, InstanceSpec, QueueSpec, StateFile
from reconciler.desired.state import DesiredState
from reconciler.desired.yamlsource import (
    EXCERPT_NAME_CHARS,
    Document,
    SourceError,
    decode,
    excerpt,
    parse,
)
from reconciler.gcpause import paused

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


@paused()
def load(state_dir: str | os.PathLike[str]) -> DesiredState:
    """Load and check every `*.yaml`/`*.yml` under `state_dir`; raise `LoadError` on any problem."""
    root = Path(state_dir)
    label = str(state_dir)
    if not root.exists():
        raise LoadError([Diagnostic(label, 0, "", "state directory does not exist")])
    if not root.is_dir():
        raise LoadError([Diagnostic(label, 0, "", "not a directory (--state-dir takes a directory)")])
    listing = files.read_all(root, label)
    if not listing.files and not listing.problems:
        raise LoadError([Diagnostic(label, 0, "", "no desired-state files (*.yaml, *.yml) found")])
    problems = listing.problems
    parsed: list[Parsed] = []
    # Folders with a file that was not read or did not load: their instance is unknown.
    failed = {Path(path).parent for path in listing.unread}
    digest = hashlib.sha256()
    for item in listing.files:
        digest.update(item.rel.encode() + b"\0" + hashlib.sha256(item.data).digest())
        folder = Path(item.path).parent
        result = _parse_file(item.shown, folder, item.data, problems)
        if result is not None:
            parsed.append(result)
        else:
            failed.add(folder)
    instances = assemble(root, parsed, problems, failed)
    if problems:
        raise LoadError([_bounded(found) for found in problems])
    return DesiredState(
        instances=instances, files=tuple(f.path for f in listing.files), digest=digest.hexdigest()
    )


def digest_of(state_dir: str | os.PathLike[str]) -> str:
    """The digest `load` would compute, without validating (for refusing plans made on other files).
    Reads the files under the same rules as `load`; raises `LoadError` for a file it may not read."""
    listing = files.read_all(Path(state_dir), str(state_dir))
    if listing.problems:
        raise LoadError(listing.problems)
    digest = hashlib.sha256()
    for item in listing.files:
        digest.update(item.rel.encode() + b"\0" + hashlib.sha256(item.data).digest())
    return digest.hexdigest()


def _parse_file(shown: str, folder: Path, data: bytes, problems: list[Diagnostic]) -> Parsed | None:
    try:
        doc = parse(decode(data))
    except SourceError as exc:
        problems.append(Diagnostic(shown, exc.line, "", exc.message, column=exc.column, context=exc.context))
        return None
    value = _text_fields_as_written(doc)
    try:
        state = StateFile.model_validate(value)
    except ValidationError as exc:
        problems.extend(_translate(shown, doc, err) for err in exc.errors())
        salvaged = _salvage(value)
        return None if salvaged is None else Parsed(shown, folder, doc, salvaged)
    return Parsed(shown, folder, doc, state)


def _translate(shown: str, doc: Document, err: Any) -> Diagnostic:
    """`translate`, with the values of the file it quotes (the value given, the model's input for
    a rule's message, an unknown key) cut to excerpts."""
    found = translate(shown, doc, err)
    message = found.message
    given = err.get("input")
    if isinstance(given, dict | list | int) and not isinstance(given, bool):
        for text in (repr(given), str(given)):  # `got {given!r}`, `{given}%`
            if len(text) > EXCERPT_NAME_CHARS:
                message = message.replace(text, text[:EXCERPT_NAME_CHARS] + "...")
    for text in _long_texts([given, *err["loc"]]):
        message = message.replace(repr(text), excerpt(text, EXCERPT_NAME_CHARS))
    return Diagnostic(found.file, found.line, found.path, message)


def _long_texts(values: list[Any]) -> list[str]:
    """The texts longer than an excerpt in `values` and a few levels of mappings and lists in them,
    longest first (so that one containing another is replaced first)."""
    found: set[str] = set()
    stack = [(value, 0) for value in values]
    while stack and len(found) < 100:
        value, depth = stack.pop()
        if isinstance(value, str) and len(value) > EXCERPT_NAME_CHARS:
            found.add(value)
        elif isinstance(value, dict) and depth < 3:
            stack.extend((v, depth + 1) for v in (*value.keys(), *value.values()))
        elif isinstance(value, list) and depth < 3:
            stack.extend((v, depth + 1) for v in value)
    return sorted(found, key=len, reverse=True)


def _bounded(found: Diagnostic) -> Diagnostic:
    """`found` with keys longer than any name, ID or ARN cut in its path, and its path and message
    cut to a few lines, whatever the file holds (a backstop: messages quote excerpts already)."""
    parts = [_cut(p, EXCERPT_NAME_CHARS) for p in found.path.split(".")]
    path = _cut(".".join(parts), _PATH_CHARS)
    message = _cut(found.message, _MESSAGE_CHARS)
    if (path, message) == (found.path, found.message):
        return found
    return Diagnostic(found.file, found.line, path, message)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _salvage(value: dict[str, Any]) -> StateFile | None:
    """The parts of an invalid file that are valid on their own, so that the checks across files
    (Regions, ARNs, duplicates, owners) still run on them and every problem is reported at once.
    None when the file's instance block is invalid: which instance its folder manages is unknown."""
    instance = None
    if "instance" in value:
        try:
            instance = InstanceSpec.model_validate(value["instance"])
        except ValidationError:
            return None
    groups = _valid_entries(value.get("trafficDistributionGroups"), GroupSpec)
    queues = _valid_entries(value.get("queues"), QueueSpec)
    return StateFile.model_construct(instance=instance, traffic_distribution_groups=groups, queues=queues)


def _valid_entries(entries: Any, spec_type: type[_Spec]) -> dict[str, _Spec]:
    valid: dict[str, _Spec] = {}
    for name, entry in entries.items() if isinstance(entries, dict) else ():
        if patterns.invisible_character(name) is not None:
            continue  # the key itself is refused
        with contextlib.suppress(ValidationError):
            valid[name] = spec_type.model_validate(entry)
    return valid


def _text_fields_as_written(doc: Document) -> Any:
    """Give text fields the text the user wrote: `callerIdNumber: +12065550100` is not an int."""
    value = doc.value
    _numbers_as_written(doc, value)
    instance = value.get("instance")
    if isinstance(instance, dict):
        value["instance"] = _as_text(doc, ("instance",), instance, _TEXT_FIELDS["instance"])
    queues = value.get("queues")
    if isinstance(queues, dict):
        for key, spec in queues.items():
            if isinstance(spec, dict):
                queues[key] = _as_text(doc, ("queues", key), spec, _TEXT_FIELDS["queues"])
    return value


def _numbers_as_written(doc: Document, value: dict[str, Any]) -> None:
    """Pass numbers and booleans written in another form than `50` or `true` as `AsWritten`, which
    the model refuses: YAML 1.1 reads `062` as 50 and `yes` as true, other tools and people do not."""
    groups = value.get("trafficDistributionGroups")
    for key, group in groups.items() if isinstance(groups, dict) else ():
        if not isinstance(group, dict):
            continue
        path = ("trafficDistributionGroups", key)
        _check_written(doc, path, group, "order", int)
        _check_written(doc, path, group, "default", bool)
        for name, kind in (("telephony", int), ("agents", int), ("signIn", bool)):
            dist = group.get(name)
            if isinstance(dist, dict):
                for region in list(dist):
                    _check_written(doc, (*path, name), dist, region, kind)
    queues = value.get("queues")
    for key, queue in queues.items() if isinstance(queues, dict) else ():
        if isinstance(queue, dict):
            _check_written(doc, ("queues", key), queue, "order", int)


def _check_written(doc: Document, path: tuple[str, ...], data: dict[str, Any], key: str, kind: type) -> None:
    value = data.get(key)
    if type(value) is not kind:  # bool is an int: compare types exactly
        return
    read_as = cast("int | bool", value)
    text = doc.plain_text.get((*path, key))
    if text is None:  # quoted, with a tag (`!!int "50"`): not the plain form either
        data[key] = model.AsWritten(f"{read_as}", read_as)
    elif not (_DECIMAL.fullmatch(text) if kind is int else text in ("true", "false")):
        data[key] = model.AsWritten(text, read_as)


def _as_text(doc: Document, path: tuple[str, ...], data: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    out = dict(data)
    for name in fields & out.keys():
        raw = doc.plain_text.get((*path, name))
        if out[name] is not None and not isinstance(out[name], str) and raw is not None:
            out[name] = raw
    return out
