"""Caller ID names, keys and IDs hold no control or invisible characters.

A caller ID name is shown on the phone of every customer called; a right-to-left override or a
zero-width space in it changes what they read, or hides what a reviewer sees in the pull request.
YAML accepts such characters as they are, or as escapes in double-quoted text (`"\\u202e"`, `"\\0"`).
"""

from __future__ import annotations

import pytest

from .helpers import INSTANCE, UUID1, Tree, load_ok

F = "state/a.yaml"
REMOVE = "a control or invisible character: remove it"


def queue(name: str = "Sales", caller_id_name: str = "AnyCompany") -> str:
    return f"queues:\n  {name}:\n    callerIdName: {caller_id_name}\n"


@pytest.mark.parametrize(
    ("escape", "shown"),
    [
        ("\\0", "U+0000 (NULL)"),
        ("\\t", "U+0009 (TAB)"),
        ("\\n", "U+000A (LINE FEED)"),
        ("\\r", "U+000D (CARRIAGE RETURN)"),
        ("\\e", "U+001B (ESCAPE)"),
        ("\\x7f", "U+007F (DELETE)"),
        ("\\x85", "U+0085 (CONTROL CHARACTER)"),
        ("\\u202a", "U+202A (LEFT-TO-RIGHT EMBEDDING)"),
        ("\\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\\u2069", "U+2069 (POP DIRECTIONAL ISOLATE)"),
        ("\\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("\\u200c", "U+200C (ZERO WIDTH NON-JOINER)"),
        ("\\u200d", "U+200D (ZERO WIDTH JOINER)"),
        ("\\u2060", "U+2060 (WORD JOINER)"),
        ("\\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
        ("\\u00ad", "U+00AD (SOFT HYPHEN)"),
        ("\\u2028", "U+2028 (LINE SEPARATOR)"),
        ("\\u2029", "U+2029 (PARAGRAPH SEPARATOR)"),
    ],
)
def test_caller_id_name_with_a_control_or_invisible_character(check: Tree, escape: str, shown: str) -> None:
    assert check({"a.yaml": INSTANCE + queue(caller_id_name=f'"AnyCompany{escape} Sales"')}) == [
        f"{F}:9: queues.Sales.callerIdName: contains {shown}, {REMOVE}"
    ]


def test_invisible_characters_written_as_they_are(check: Tree) -> None:
    # No escape needed: YAML takes a bidi override or a zero-width space as it is.
    content = (
        INSTANCE
        + queue(caller_id_name="Any\u202eynapmoC")
        + "  Support:\n    callerIdName: Any\u200bCompany\n"
    )
    assert check({"a.yaml": content}) == [
        f"{F}:9: queues.Sales.callerIdName: contains U+202E (RIGHT-TO-LEFT OVERRIDE), {REMOVE}",
        f"{F}:11: queues.Support.callerIdName: contains U+200B (ZERO WIDTH SPACE), {REMOVE}",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "AnyCompany Sales",
        "Société Générale",
        "東京サポート",
        "Café – Support",
        "📞 AnyCompany",
        "Any\u00a0Company",
        "a  b",
    ],
)
def test_visible_names_are_accepted(check: Tree, name: str) -> None:
    assert check({"a.yaml": INSTANCE + queue(caller_id_name=f'"{name}"')}) == []
    assert load_ok("state").instances[0].queues[0].spec.caller_id_name == name


def test_queue_and_group_keys_with_control_characters(check: Tree) -> None:
    group = 'trafficDistributionGroups:\n  "main\\u202e":\n    telephony: {us-east-1: 50, us-west-2: 50}\n'
    content = (
        INSTANCE + queue(name='"Sales\\nTeam"') + queue(name='"Sup\\u200bport"').removeprefix("queues:\n")
    )
    assert check({"a.yaml": content + group}) == [
        f"{F}:8: queues.Sales\\nTeam: key 'Sales\\nTeam' contains U+000A (LINE FEED), {REMOVE}",
        f"{F}:10: queues.Sup\\u200bport: key 'Sup\\u200bport' contains U+200B (ZERO WIDTH SPACE), {REMOVE}",
        f"{F}:13: trafficDistributionGroups.main\\u202e: key 'main\\u202e' contains "
        f"U+202E (RIGHT-TO-LEFT OVERRIDE), {REMOVE}",
    ]


def test_a_refused_key_is_not_checked_across_files(check: Tree) -> None:
    # The key is refused; it is not also reported as defined twice.
    content = INSTANCE + queue(name='"Sales\\t"')
    assert check({"a.yaml": content, "b.yaml": queue(name='"Sales\\t"')}) == [
        f"{F}:8: queues.Sales\\t: key 'Sales\\t' contains U+0009 (TAB), {REMOVE}",
        f"state/b.yaml:2: queues.Sales\\t: key 'Sales\\t' contains U+0009 (TAB), {REMOVE}",
    ]


def test_instance_name_and_id_hold_no_control_characters(check: Tree) -> None:
    name = "'demo\\u202e': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    assert check({"a.yaml": INSTANCE.replace("name: demo", 'name: "demo\\u202e"')}) == [
        f"{F}:2: instance.name: {name}"
    ]
    assert check({"a.yaml": INSTANCE.replace("name: demo", 'name: "demo\\n"')}) == [
        f"{F}:2: instance.name: {name.replace('u202e', 'n')}"
    ]
    # A trailing newline once passed the ID check: `$` matches before it.
    assert check({"a.yaml": INSTANCE.replace(UUID1, f'"{UUID1}\\n"')}) == [
        f"{F}:3: instance.id: '{UUID1}\\n' is neither an instance ID (UUID) nor an instance ARN"
    ]


def test_caller_id_number_holds_no_trailing_newline(check: Tree) -> None:
    content = INSTANCE + 'queues:\n  Sales:\n    callerIdNumber: "+12065550100\\n"\n'
    assert check({"a.yaml": content}) == [
        f"{F}:9: queues.Sales.callerIdNumber: '+12065550100\\n' is not an E.164 number (+12065550100), "
        "a phone-number ID or ARN"
    ]
