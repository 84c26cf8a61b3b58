"""YAML merge keys (`<<`) count against the node limit, and cost time in proportion to what they build.

Each `<<: [*a, *a, ...]` copies the mappings it names, so a few hundred bytes of nested merges expand
to millions of mappings: a 534-byte file took 10 seconds to validate, ten times longer per level.
Merged mappings now count as nodes wherever they are merged, so such a file is refused at
`MAX_NODES`, as an alias bomb is.
"""

from __future__ import annotations

import time

import pytest

from reconciler.desired import yamlsource

from .helpers import INSTANCE, Tree, load_ok

F = "state/a.yaml"
TOO_MANY = f"document expands to more than {yamlsource.MAX_NODES:,} nodes"


def merge_bomb(depth: int, width: int = 10, leaf: str = "{}") -> str:
    """Each level merges the previous one `width` times: `width ** depth` mappings in all."""
    lines = [f"a0: &a0 {leaf}"]
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} {{<<: [{', '.join([f'*a{level - 1}'] * width)}]}}")
    return "\n".join(lines) + "\n"


def test_merged_mappings_count_as_nodes() -> None:
    # Merging an empty mapping builds no value, but each merge still costs a visit: it counts.
    assert yamlsource.parse(merge_bomb(1)).nodes > 10
    assert yamlsource.parse(merge_bomb(4)).nodes > 10**4
    assert yamlsource.parse(merge_bomb(4, leaf="{x: 1}")).nodes > 10**4


@pytest.mark.parametrize("leaf", ["{}", "{x: 1}", "{x: 1, y: [1, 2]}"])
def test_nested_merge_bombs_are_refused(leaf: str) -> None:
    text = merge_bomb(8, leaf=leaf)
    started = time.perf_counter()
    with pytest.raises(yamlsource.SourceError) as info:
        yamlsource.parse(text)
    elapsed = time.perf_counter() - started
    assert info.value.message == TOO_MANY
    print(f"{len(text)} bytes refused in {elapsed:.3f} s")  # measured (-s shows it), not asserted


def test_the_534_byte_file_is_refused(check: Tree) -> None:
    text = merge_bomb(8)
    assert len(text) <= 534
    found = check({"a.yaml": text})
    assert len(found) == 1
    assert found[0].startswith(f"{F}:") and found[0].endswith(TOO_MANY)


def test_keys_a_mapping_overrides_are_counted_too() -> None:
    # The merged mapping's keys are all overridden, so none of its values is built: the merges
    # still cost a visit and a look at each key.
    lines = ["a0: &a0 {x: 1, y: 2}"]
    lines += [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 10)}], x: 0, y: 0}}" for i in range(1, 9)]
    with pytest.raises(yamlsource.SourceError, match=TOO_MANY):
        yamlsource.parse("\n".join(lines) + "\n")


def test_merges_in_many_mappings_take_time_in_proportion(check: Tree) -> None:
    # Thousands of queues that merge shared defaults and override one key: each override once
    # rescanned everything recorded so far, so the time grew with the square of the queues.
    count = 8000
    plain = "queues:\n" + "".join(
        f"  Q{i}:\n    callerIdName: n{i}\n    whisperFlow: w\n" for i in range(count)
    )
    merged = "queues:\n  Q: &d {callerIdName: x, whisperFlow: w}\n"
    merged += "".join(f"  Q{i}:\n    <<: *d\n    callerIdName: n{i}\n" for i in range(count))
    started = time.perf_counter()
    yamlsource.parse(plain)
    plain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    doc = yamlsource.parse(merged)
    merged_seconds = time.perf_counter() - started
    assert merged_seconds < 10 * plain_seconds + 1, (plain_seconds, merged_seconds)
    assert doc.value["queues"]["Q7"] == {"callerIdName": "n7", "whisperFlow": "w"}
    assert doc.line_of(("queues", "Q7", "callerIdName")) == 26
    assert doc.line_of(("queues", "Q7", "whisperFlow")) == 2  # merged: the anchor's line


def test_merge_order_and_precedence(check: Tree) -> None:
    # The mapping's own keys win over merged ones, and earlier merged mappings over later ones,
    # at any depth of merges within merges.
    doc = yamlsource.parse(
        "base: &base {a: base, b: base, c: base}\n"
        "mid: &mid {<<: *base, b: mid}\n"
        "other: &other {a: other, d: other}\n"
        "top: {<<: [*mid, *other], c: top}\n"
    )
    assert doc.value["top"] == {"a": "base", "b": "mid", "c": "top", "d": "other"}
    assert doc.value["mid"] == {"a": "base", "b": "mid", "c": "base"}
    assert [doc.line_of(("top", k)) for k in "abcd"] == [1, 2, 4, 3]
    assert check({"a.yaml": INSTANCE + "queues:\n  S: &s {callerIdName: a}\n  T: {<<: *s}\n"}) == []
    assert [q.spec.caller_id_name for q in load_ok("state").instances[0].queues] == ["a", "a"]
