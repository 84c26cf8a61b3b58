"""Adopting a break-glass failover into git: the live values written into the YAML, in place.

After a failover, git is behind Connect on purpose. `reconciler failover --adopt` reads the
overridden groups live (wherever the instance answers) and writes their values into the files that
define them, so adopting is one reviewed commit. The files are people's: their comments, key
order, quoting and layout must survive. ruamel.yaml parses each file with the position of every
value, and only the characters of the values that change are replaced in the original text, so
the file stays byte-identical apart from the changed numbers (and flags). Only fields the file
already manages are written (telephony always): adopting must not start managing agents or
sign-in that git left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler.app.files import write_atomically
from reconciler.desired.state import DesiredGroup
from reconciler.errors import ReconcilerError
from reconciler.planning.values import GroupValues

GROUPS = "trafficDistributionGroups"
FIELDS = (("telephony", "telephony"), ("agents", "agents"), ("signIn", "signIn"))
_TOKEN = re.compile(r"[^\s,}\]#]+")


@dataclass(frozen=True)
class Adopted:
    file: str
    group: str
    fields: tuple[str, ...]  # the fields whose values changed (empty: git already had them)


def adopt_groups(groups: list[tuple[DesiredGroup, GroupValues]]) -> list[Adopted]:
    """Write each group's live values into its file; what changed where."""
    by_file: dict[str, list[tuple[DesiredGroup, GroupValues]]] = {}
    for group, values in groups:
        by_file.setdefault(group.source.file, []).append((group, values))
    done: list[Adopted] = []
    for file, items in by_file.items():
        text = _read(file)
        edits: list[tuple[int, int, str]] = []  # (line, column, new token)
        for group, values in items:
            changed, found = _edits(file, text, group.key, values)
            edits.extend(found)
            done.append(Adopted(file, group.key, changed))
        if edits:
            write_atomically(file, _apply(text, edits, file))
    return done


def _read(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"cannot read {file}: {exc}") from None


def _edits(
    file: str, text: str, key: str, values: GroupValues
) -> tuple[tuple[str, ...], list[tuple[int, int, str]]]:
    try:
        document: Any = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ReconcilerError(f"{file}: cannot be read for adopting: {exc}") from None
    try:
        block = document[GROUPS][key]
    except (KeyError, TypeError):
        raise ReconcilerError(f"{file}: {GROUPS}.{key} is not where the desired state found it") from None
    live = values.as_dict()
    changed: list[str] = []
    edits: list[tuple[int, int, str]] = []
    for name, live_name in FIELDS:
        wanted = live.get(live_name)
        if name not in block or wanted is None:
            continue
        mapping = block[name]
        field_changed = False
        for region in list(mapping):
            new = wanted.get(str(region))
            if new is None or mapping[region] == new:
                continue
            line, column = mapping.lc.value(region)
            edits.append((line, column, _token(new)))
            field_changed = True
        if field_changed:
            changed.append(name)
    return tuple(changed), edits


def _token(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _apply(text: str, edits: list[tuple[int, int, str]], file: str) -> str:
    lines = text.splitlines(keepends=True)
    for line, column, token in sorted(edits, reverse=True):
        current = lines[line]
        match = _TOKEN.match(current, column)
        if match is None:
            raise ReconcilerError(f"{file}:{line + 1}: cannot find the value to replace")
        lines[line] = current[: match.start()] + token + current[match.end() :]
    return "".join(lines)
