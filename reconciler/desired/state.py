"""A loaded desired state: each definition with where it came from, ready for planning.

The models in `model.py` check one file's values; these frozen records add what the loader learns
across files (which instance a file belongs to, the line of each definition and field) and the
digest of the files, which a saved plan carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.desired.model import GroupSpec, InstanceSpec, QueueSpec


@dataclass(frozen=True)
class Source:
    """Where a definition came from, for messages and plans: `file:line`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class _Located:
    """A definition that knows the line of each field its file sets, so that a problem with one
    field (a whisper flow that does not resolve, say) points at that field's line."""

    source: Source
    lines: tuple[tuple[str, int], ...]

    def at(self, field_name: str) -> Source:
        """Where `field_name` (as written in YAML) is set; the definition itself if not set there."""
        line = dict(self.lines).get(field_name)
        return self.source if line is None else Source(self.source.file, line)


@dataclass(frozen=True)
class DesiredGroup(_Located):
    key: str
    spec: GroupSpec
    source: Source
    lines: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DesiredQueue(_Located):
    key: str
    spec: QueueSpec
    source: Source
    lines: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DesiredInstance:
    spec: InstanceSpec
    source: Source
    groups: tuple[DesiredGroup, ...]
    queues: tuple[DesiredQueue, ...]

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class DesiredState:
    """Everything under the state directory, checked, with a digest of the files it came from."""

    instances: tuple[DesiredInstance, ...]
    files: tuple[str, ...]
    digest: str

    def instance(self, name: str) -> DesiredInstance | None:
        return next((i for i in self.instances if i.name == name), None)
