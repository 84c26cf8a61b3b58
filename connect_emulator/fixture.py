"""Loading fixtures: YAML or JSON text -> a checked :class:`Fixture`, one clear error naming file and line.

A fixture is YAML (or JSON) in the format of ``fixtures/demo.yaml``. YAML is parsed with a
loader that remembers the line of every key (libyaml-backed when available: generated fixtures
have thousands of queues), so that the checks of :mod:`connect_emulator.fixture_check` can say
``demo.yaml:42: instances[0].queues[3].type: ...``; syntax errors and duplicate keys name their
line too.

These are functions, not methods of the state: loading knows nothing of locks or serving, and
:class:`~connect_emulator.state.EmulatorState` builds itself from the :class:`Fixture` they
return (``EmulatorState.demo()``, ``from_file``, ``from_dict``), so the import graph runs one
way: objects <- fixture_check <- fixture <- state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from connect_emulator.fixture_check import Fixture, FixtureError, LineMap, check_fixture

__all__ = [
    "DEMO_FIXTURE",
    "Fixture",
    "FixtureError",
    "fixture_from_data",
    "load_fixture_file",
    "load_fixture_text",
]

#: The bundled demo live state (what ``reconciler emulator`` serves without ``--state``).
DEMO_FIXTURE = Path(__file__).parent / "fixtures" / "demo.yaml"


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader whose mappings are :class:`LineMap` objects."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | float | bool):
            raise FixtureError(f"line {line}: mapping keys must be scalars")
        key = str(key)
        if key in out:
            raise FixtureError(f"line {line}: duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_fixture_file(path: str | Path) -> Fixture:
    """Read and check a fixture file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture: {exc.strerror or exc}") from None
    return load_fixture_text(text, str(path))


def load_fixture_text(text: str, source: str) -> Fixture:
    """Parse YAML (or JSON, a subset of it) and check it; errors name ``source`` and the line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except FixtureError as exc:
        raise FixtureError(f"{source}:{str(exc).removeprefix('line ')}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise FixtureError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"{source}: invalid YAML: {exc}") from None
    return check_fixture(data, source)


def fixture_from_data(data: Any, source: str = "dict") -> Fixture:
    """Check a fixture-format mapping, or JSON text of one (e.g. a ``PUT /_emulator/state`` body)."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise FixtureError(f"{source}: invalid JSON: {exc}") from None
    return check_fixture(data, source)
