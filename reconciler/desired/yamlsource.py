"""YAML text -> plain Python value plus a map from key path to line, with one clear error per bad file.

PyYAML's `safe_load` forgets where values came from, silently keeps the last of two duplicate keys
and turns `No:` or `+12065550100` into a bool or an int. Reviewers need `file:line` in every message
and must not lose a queue to a duplicate key, so this module walks PyYAML's node graph itself:
mapping keys stay the text the user wrote, duplicates are errors, merge keys (`<<`) work, and the
raw text of each plain scalar is kept so string fields can take unquoted numbers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

MAX_FILE_BYTES = 5 * 1024 * 1024
# libyaml's parser builds the same node graph ten times faster; the pure-Python one is the fallback.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000
# What a message may quote of a file: enough to find the spot, too little to leak a secrets file
# linked or renamed into the state directory into CI logs.
EXCERPT_CHARS = 60
# Keys and field values are names, IDs and ARNs, which reviewers need whole: up to the longest ARN.
EXCERPT_NAME_CHARS = 160
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"

Path = tuple[str | int, ...]


# First characters of the plain scalars PyYAML's implicit resolvers may read as something other
# than text (digits, signs, `~`, `null`, `yes`/`No`, `.inf`...); a safe loader has no wildcard one.
_IMPLICIT_FIRST = frozenset(c for c in yaml.SafeLoader.yaml_implicit_resolvers if c)
_FAST_RESOLVE = (
    None not in yaml.SafeLoader.yaml_implicit_resolvers and not yaml.SafeLoader.yaml_path_resolvers
)


class _Loader(_BASE):  # type: ignore[misc,valid-type]
    """Tags a scalar as text without PyYAML's resolver when no implicit resolver could claim it.

    Queue files hold hundreds of thousands of scalars (`callerIdName`, queue names...) and the
    resolver ran its regular expressions on each: a third of the time libyaml's parse took.
    Quoted scalars are text either way; plain ones that start with one of those characters still
    go through the resolver.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if (
            _FAST_RESOLVE
            and kind is yaml.ScalarNode
            and (not implicit[0] or (value and value[0] not in _IMPLICIT_FIRST))
        ):
            return _STR_TAG
        return super().resolve(kind, value, implicit)


class SourceError(Exception):
    """A problem with one file as a whole (unreadable, not YAML, empty...), located by line."""

    def __init__(self, line: int, message: str, column: int = 0, context: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.column = column  # 1-based; 0 when unknown
        self.context = context  # the offending line (escaped, cut short) and a caret under the column


@dataclass
class Document:
    """A parsed file: its value, the line of every key path, and the raw text of plain scalars."""

    value: Any
    lines: dict[Path, int] = field(default_factory=dict)
    plain_text: dict[Path, str] = field(default_factory=dict)
    nodes: int = 0  # what the document expands to, counted against MAX_NODES

    def line_of(self, path: Path) -> int:
        """Line of the deepest known prefix of `path` (1 for the document itself)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return self.lines.get((), 1)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` quoted for a message: its first `limit` characters with control and invisible
    characters escaped (`\\n`, `\\x1b`, `\\u202e`), and `...` after the quote when there is more."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


# A Python string literal, as PyYAML's messages quote what they found (`found undefined alias 'x'`).
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


def shorten_quoted(message: str, limit: int = EXCERPT_CHARS) -> str:
    """`message` (PyYAML's or Python's, which quote with repr) with each quoted text cut to an
    excerpt, and at most a few lines' worth in all."""

    def short(match: re.Match[str]) -> str:
        try:
            text = ast.literal_eval(match.group())
        except (ValueError, SyntaxError):
            return match.group()
        return excerpt(text, limit) if isinstance(text, str) else match.group()

    shortened = _QUOTED.sub(short, message)
    return shortened if len(shortened) <= 4 * limit else shortened[: 4 * limit] + "..."


def decode(data: bytes) -> str:
    """Bytes of a file -> text, refusing binary files and encodings other than UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(1, f"file is {len(data):,} bytes, larger than the {MAX_FILE_BYTES:,}-byte limit")
    if b"\x00" in data:
        raise SourceError(1, "binary file (contains NUL bytes), expected UTF-8 YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(line, "not UTF-8 text: save the file as UTF-8") from None
    return text


CONTEXT_CHARS = 70  # of the offending line shown under a syntax error


def _pointer(text: str, line: int, column: int) -> tuple[str, ...]:
    """The offending line and a caret under `column`: control characters (a tab, an escape) are
    spelled out, and a long line is cut to a window around the column, so the excerpt is short
    (at most CONTEXT_CHARS shown, after escaping), safe on a terminal, and the caret still points
    at the right character."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ()
    spelled = [_spelled(c) for c in lines[line - 1]]
    at = min(max(column - 1, 0), len(spelled))
    first, last, width = at, at, 0  # the window spelled[first:last]
    while last < len(spelled) and width + len(spelled[last]) <= CONTEXT_CHARS // 2:
        width += len(spelled[last])
        last += 1
    while first > 0 and width + len(spelled[first - 1]) <= CONTEXT_CHARS - 10:
        first -= 1
        width += len(spelled[first])
    while last < len(spelled) and width + len(spelled[last]) <= CONTEXT_CHARS:
        width += len(spelled[last])
        last += 1
    lead = "..." if first else ""
    tail = "..." if last < len(spelled) else ""
    before = len(lead) + sum(len(s) for s in spelled[first:at])
    return (f"  {lead}{''.join(spelled[first:last])}{tail}", f"  {' ' * before}^")


def _spelled(char: str) -> str:
    return char if char.isprintable() else repr(char)[1:-1]


def parse(text: str) -> Document:
    """Parse one YAML document into a `Document`; every failure is a `SourceError`."""
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        column = mark.column + 1 if mark is not None else 0
        context = _pointer(text, line, column) if mark is not None else ()
        raise SourceError(line, f"invalid YAML: {shorten_quoted(problem)}", column, context) from None
    except yaml.reader.ReaderError as exc:
        # Its str() spans two lines and counts characters, not lines; say where the character is.
        line = text[: exc.position].count("\n") + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise SourceError(line, f"invalid YAML: character {char} is not allowed in YAML text") from None
    except yaml.YAMLError as exc:
        raise SourceError(1, f"invalid YAML: {shorten_quoted(str(exc))}") from None
    except RecursionError:
        raise SourceError(1, "invalid YAML: nested too deeply") from None
    # A document with nothing in it (`---` alone, or after the last document) is not content.
    nodes = [
        n
        for n in nodes
        if n is not None and not (isinstance(n, yaml.ScalarNode) and n.value == "" and not n.style)
    ]
    if not nodes:
        raise SourceError(
            1, "empty file: expected a mapping with instance, trafficDistributionGroups, queues"
        )
    if len(nodes) > 1:
        raise SourceError(
            _separator_line(text, nodes[1]), "more than one YAML document ('---'): one per file"
        )
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        raise SourceError(root.start_mark.line + 1, f"expected a mapping at the top level, got {_kind(root)}")
    walker = _Walker()
    doc = Document(value=None)
    doc.lines[()] = root.start_mark.line + 1
    try:
        doc.value = walker.build(root, (), doc)
        doc.nodes = walker.count
    except RecursionError:
        raise SourceError(1, "invalid YAML: nested too deeply") from None
    return doc


def _separator_line(text: str, node: yaml.Node) -> int:
    """The line of the `---` that starts the document holding `node` (else the node's own line)."""
    lines = text.splitlines()
    for index in range(min(node.start_mark.line, len(lines) - 1), -1, -1):
        if lines[index].startswith("---"):
            return index + 1
    return node.start_mark.line + 1


def _compose(text: str) -> list[yaml.Node]:
    """Nodes of every document: libyaml when it accepts the text, else the pure-Python parser,
    whose error messages (and acceptance rules) are the ones users see and tests pin down."""
    if _BASE is not yaml.SafeLoader:
        try:
            return list(yaml.compose_all(text, Loader=_Loader))
        except yaml.YAMLError:
            pass
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the scalar {excerpt(node.value)}"


class _Walker:
    """Builds values from nodes, counting nodes so alias bombs (and merge bombs) stop early."""

    def __init__(self) -> None:
        self.count = 0
        self.constructor = SafeConstructor()

    def build(self, node: yaml.Node, path: Path, doc: Document) -> Any:
        self._count(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, doc)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                doc.lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(self.build(item, (*path, index), doc))
            return items
        if isinstance(node, yaml.ScalarNode):
            if not node.style:
                doc.plain_text[path] = node.value
            if node.tag == _STR_TAG:
                return node.value  # what SafeConstructor builds for text, without its dispatch
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:
            # A tagged scalar PyYAML cannot build (`!!set x`, `!!bool maybe`, `!!timestamp abc`): one
            # line, without the multi-line mark str(ConstructorError) adds, nor a KeyError's repr.
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            if isinstance(exc, ConstructorError) and exc.problem:
                detail = shorten_quoted(exc.problem.replace("tag:yaml.org,2002:", "!!"))
            elif isinstance(exc, ValueError):
                detail = shorten_quoted(str(exc))
            else:
                detail = f"cannot be read as {tag[:EXCERPT_CHARS]}" + (
                    "..." if len(tag) > EXCERPT_CHARS else ""
                )
            line = node.start_mark.line + 1
            raise SourceError(line, f"invalid YAML value {excerpt(node.value)}: {detail}") from None

    def _mapping(
        self, node: yaml.MappingNode, path: Path, doc: Document, taken: set[str] | None = None
    ) -> dict[str, Any]:
        """The mapping at `path`, with the mappings it merges (`<<`) under its own keys.

        `taken` is given when `node` is itself merged into a mapping: the keys that mapping, or a
        mapping merged before this one, already defines. They are skipped here, never built nor
        recorded, and this mapping's own keys are added. One set for the whole merge, so each
        merged key costs one look, however deep the merges nest.
        """
        if taken is None and not any(k.tag == _MERGE_TAG for k, _ in node.value):
            return self._own(node, path, doc)  # the common case, kept lean
        own: list[tuple[str, int, yaml.Node]] = []
        merges: list[yaml.Node] = []
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key, line = self._key(key_node, first_line)
            own.append((key, line, value_node))
        if taken is None:
            taken, fresh = set(first_line), own
        else:
            fresh = [item for item in own if item[0] not in taken]
            # Keys the including mapping overrides are never built, but looking at them is work.
            self._count(node, len(own) - len(fresh))
            taken.update(key for key, _, _ in fresh)
        result: dict[str, Any] = {}
        # Merged mappings go first in the result; the keys of this one are set after them.
        for value in merges:
            for source in self._merge_sources(value):
                self._count(source)  # a merged mapping counts each time it is merged
                result.update(self._mapping(source, path, doc, taken))
        for key, line, value_node in fresh:
            doc.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), doc)
        return result

    def _own(self, node: yaml.MappingNode, path: Path, doc: Document) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = self._key(key_node, first_line)
            doc.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), doc)
        return result

    @staticmethod
    def _key(key_node: yaml.Node, first_line: dict[str, int]) -> tuple[str, int]:
        """The text and line of a mapping key, refusing keys that are not text and duplicates."""
        if not isinstance(key_node, yaml.ScalarNode):
            raise SourceError(key_node.start_mark.line + 1, "mapping keys must be plain text")
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in first_line:
            shown = excerpt(key, EXCERPT_NAME_CHARS)
            raise SourceError(line, f"duplicate key {shown} (first at line {first_line[key]})")
        first_line[key] = line
        return key, line

    def _count(self, node: yaml.Node, nodes: int = 1) -> None:
        self.count += nodes
        if self.count > MAX_NODES:
            raise SourceError(node.start_mark.line + 1, f"document expands to more than {MAX_NODES:,} nodes")

    @staticmethod
    def _merge_sources(node: yaml.Node) -> list[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in node.value):
            return list(node.value)
        raise SourceError(node.start_mark.line + 1, "'<<' merge needs a mapping or a list of mappings")
