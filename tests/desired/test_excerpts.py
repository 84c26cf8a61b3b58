"""Messages quote at most a short, escaped excerpt of what a file holds.

A file that is not desired state at all (a secrets file, a log, a binary renamed `.yaml`) must not be
echoed into CI logs by its error, and a message must stay one readable line whatever it quotes.
"""

from __future__ import annotations

import pytest

from reconciler.desired.yamlsource import EXCERPT_CHARS, EXCERPT_NAME_CHARS, excerpt

from .helpers import INSTANCE, Tree

F = "state/a.yaml"
LONG = "S3cr3t" * 200  # 1,200 characters no message may repeat
HEAD = LONG[:EXCERPT_CHARS]  # what a message may quote of a file's content
NAME = LONG[:EXCERPT_NAME_CHARS]  # of a key or a field's value (names, IDs and ARNs: shown whole)
KEY = LONG[:600]  # YAML allows implicit keys of up to 1,024 characters


def only(found: list[str], limit: int = EXCERPT_CHARS) -> str:
    assert len(found) == 1, found
    assert LONG[: limit + 1] not in found[0]
    return found[0]


def test_excerpt() -> None:
    assert excerpt("prod") == "'prod'"
    assert excerpt("a\x00b\tc\u202ed\n") == "'a\\x00b\\tc\\u202ed\\n'"
    assert excerpt(LONG) == f"'{HEAD}'..."
    assert excerpt("x" * EXCERPT_CHARS) == "'" + "x" * EXCERPT_CHARS + "'"


def test_a_file_that_is_not_yaml_is_not_echoed(check: Tree) -> None:
    found = only(check({"a.yaml": f"AWS_SECRET_ACCESS_KEY={LONG}\n"}))
    assert found == (
        f"{F}:1: expected a mapping at the top level, got the scalar "
        f"'AWS_SECRET_ACCESS_KEY={LONG[: EXCERPT_CHARS - 22]}'..."
    )


def test_a_multi_line_text_file_is_one_short_line(check: Tree) -> None:
    text = "Release notes\n\n" + "\n".join(f"- item {i}: {LONG[:50]}" for i in range(100))
    found = only(check({"a.yaml": text}))
    assert found == f"{F}:3:9: invalid YAML: mapping values are not allowed here"


def test_escape_sequences_in_a_quoted_scalar_are_shown_escaped(check: Tree) -> None:
    found = only(check({"a.yaml": '"\\e[31m\\u202e' + LONG + '"\n'}))
    assert found == (
        f"{F}:1: expected a mapping at the top level, got the scalar "
        f"'\\x1b[31m\\u202e{LONG[: EXCERPT_CHARS - 6]}'..."
    )


def test_yaml_errors_quote_an_excerpt(check: Tree) -> None:
    assert only(check({"a.yaml": f"queues: *{LONG}\n"})) == (
        f"{F}:1:9: invalid YAML: found undefined alias '{HEAD}'..."
    )


def test_duplicate_keys_quote_an_excerpt(check: Tree) -> None:
    found = only(check({"a.yaml": f"{KEY}: 1\n{KEY}: 2\n"}), EXCERPT_NAME_CHARS)
    assert found == f"{F}:2: duplicate key '{NAME}'... (first at line 1)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (  # PyYAML reads floats in lower case
            f"!!float {LONG}",
            f"invalid YAML value '{HEAD}'...: could not convert string to float: '{HEAD.lower()}'...",
        ),
        (
            f"!{LONG} x",
            f"invalid YAML value 'x': could not determine a constructor for the tag '!{HEAD[:-1]}'...",
        ),
    ],
)
def test_unreadable_values_quote_an_excerpt(check: Tree, value: str, expected: str) -> None:
    content = INSTANCE + f"queues:\n  Sales:\n    callerIdName: {value}\n"
    assert only(check({"a.yaml": content})) == f"{F}:9: {expected}"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "callerIdNumber",
            LONG,
            f"'{NAME}'... is not an E.164 number (+12065550100), a phone-number ID or ARN",
        ),
        ("order", LONG, f"must be a whole number, got '{NAME}'..."),
        ("callerIdName", f"[{', '.join(['x' * 20] * 100)}]", "must be text, got ['"),
        ("callerIdName", f"{{a: {LONG}}}", "must be text, got {'a': '"),
        ("order", "[1, 2]", "must be a whole number, got [1, 2]"),
    ],
)
def test_invalid_values_quote_an_excerpt(check: Tree, field: str, value: str, expected: str) -> None:
    content = INSTANCE + f"queues:\n  Sales:\n    {field}: {value}\n"
    found = only(check({"a.yaml": content}), EXCERPT_NAME_CHARS)
    assert found.startswith(f"{F}:9: queues.Sales.{field}: {expected}")
    assert len(found) < 300


def test_instance_fields_quote_an_excerpt(check: Tree) -> None:
    content = INSTANCE.replace("id: 4a1b2c3d-0000-4000-8000-000000000001", f"id: {LONG}")
    found = only(check({"a.yaml": content}), EXCERPT_NAME_CHARS)
    assert found == f"{F}:3: instance.id: '{NAME}'... is neither an instance ID (UUID) nor an instance ARN"


def test_a_huge_number_is_not_echoed(check: Tree) -> None:
    digits = "1" * 4000
    group = f"trafficDistributionGroups:\n  main:\n    telephony: {{us-east-1: {digits}, us-west-2: 0}}\n"
    found = check({"a.yaml": INSTANCE + group})
    assert found and all(len(line) < 300 for line in found), found


def test_long_keys_are_shortened(check: Tree) -> None:
    found = only(check({"a.yaml": INSTANCE + f"queues:\n  Sales:\n    {KEY}: x\n"}), EXCERPT_NAME_CHARS)
    assert found.startswith(f"{F}:9: queues.Sales.{NAME}...: unknown key '{NAME}'... (allowed: ")
    both = check({"a.yaml": INSTANCE + f"queues:\n  {KEY}: {{}}\n", "b.yaml": f"queues:\n  {KEY}: {{}}\n"})
    assert both and all(LONG[: EXCERPT_NAME_CHARS + 1] not in line for line in both), both
