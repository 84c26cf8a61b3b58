"""Numbers and booleans are written plainly: `50`, `true`, `false`.

YAML 1.1, which the loader reads, also takes `062` (octal: 50), `0x32`, `1:20` (base 60: 80), `5_0`
and `+50` as numbers, and `yes`, `on`, `No` as booleans; other YAML tools, and reviewers, read the
same text differently. A percentage that is 50 for the reconciler and 62 for the reviewer is how
traffic ends up where nobody meant it to go, so these forms are refused, each at its line.
"""

from __future__ import annotations

import pytest

from .helpers import INSTANCE, Tree, load_ok

F = "state/a.yaml"
NUMBER = "is not a plain decimal number (it reads as {}): write a plain decimal number"
BOOLEAN = "is not true or false (it reads as {}): write true or false"


def group(*lines: str) -> str:
    return "trafficDistributionGroups:\n  main:\n" + "".join(f"    {line}\n" for line in lines)


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("0x32", 50),
        ("062", 50),  # octal
        ("050", 40),
        ("00", 0),
        ("1:20", 80),  # base 60
        ("5_0", 50),
        ("+50", 50),
        ("0b110010", 50),
        ("!!int 062", 50),
    ],
)
def test_percentages_are_plain_decimal_numbers(check: Tree, written: str, read_as: int) -> None:
    content = INSTANCE + group("telephony:", f"  us-east-1: {written}", "  us-west-2: 50")
    assert check({"a.yaml": content}) == [
        f"{F}:10: trafficDistributionGroups.main.telephony.us-east-1: "
        f"'{written.removeprefix('!!int ')}' {NUMBER.format(read_as)}"
    ]


def test_every_percentage_field_is_checked(check: Tree) -> None:
    content = INSTANCE + group(
        "default: true",
        "telephony: {us-east-1: 0x32, us-west-2: 50}",
        "agents: {us-east-1: 100, us-west-2: 00}",
    )
    assert check({"a.yaml": content}) == [
        f"{F}:10: trafficDistributionGroups.main.telephony.us-east-1: '0x32' {NUMBER.format(50)}",
        f"{F}:11: trafficDistributionGroups.main.agents.us-west-2: '00' {NUMBER.format(0)}",
    ]


@pytest.mark.parametrize(("east", "west"), [("0", "100"), ("100", "0"), ("50", "50"), ("!!int 50", "50")])
def test_plain_decimal_percentages_are_accepted(check: Tree, east: str, west: str) -> None:
    assert check({"a.yaml": INSTANCE + group(f"telephony: {{us-east-1: {east}, us-west-2: {west}}}")}) == []


def test_negative_and_quoted_percentages_keep_their_messages(check: Tree) -> None:
    content = INSTANCE + group("telephony: {us-east-1: -10, us-west-2: '50'}")
    assert check({"a.yaml": content}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony.us-east-1: -10% is out of range, must be 0-100",
        f"{F}:9: trafficDistributionGroups.main.telephony.us-west-2: must be a whole number, got '50'",
    ]


def test_order_is_a_plain_decimal_number(check: Tree) -> None:
    telephony = "telephony: {us-east-1: 50, us-west-2: 50}"
    assert check({"a.yaml": INSTANCE + group("order: 010", telephony)}) == [
        f"{F}:9: trafficDistributionGroups.main.order: '010' {NUMBER.format(8)}"
    ]
    queue = "queues:\n  Sales:\n    order: 0x1\n    callerIdName: x\n"
    assert check({"a.yaml": INSTANCE + queue}) == [f"{F}:9: queues.Sales.order: '0x1' {NUMBER.format(1)}"]
    assert check({"a.yaml": INSTANCE + group("order: -1", telephony)}) == []


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("yes", "true"), ("on", "true"), ("Yes", "true"), ("ON", "true"), ("True", "true"), ("off", "false")],
)
def test_sign_in_takes_true_or_false(check: Tree, written: str, read_as: str) -> None:
    content = INSTANCE + group(
        "default: true",
        "telephony: {us-east-1: 50, us-west-2: 50}",
        f"signIn: {{us-east-1: {written}, us-west-2: true}}",
    )
    assert check({"a.yaml": content}) == [
        f"{F}:11: trafficDistributionGroups.main.signIn.us-east-1: '{written}' {BOOLEAN.format(read_as)}"
    ]


def test_sign_in_values_that_are_not_booleans_keep_their_message(check: Tree) -> None:
    # `y` and `n` are text to the loader already: they get the usual message.
    content = INSTANCE + group(
        "default: true",
        "telephony: {us-east-1: 50, us-west-2: 50}",
        "signIn: {us-east-1: y, us-west-2: true}",
    )
    assert check({"a.yaml": content}) == [
        f"{F}:11: trafficDistributionGroups.main.signIn.us-east-1: must be true or false, got 'y'"
    ]


def test_default_takes_true_or_false(check: Tree) -> None:
    content = INSTANCE + group("default: yes", "telephony: {us-east-1: 50, us-west-2: 50}")
    assert check({"a.yaml": content}) == [
        f"{F}:9: trafficDistributionGroups.main.default: 'yes' {BOOLEAN.format('true')}"
    ]


def test_plain_values_load_as_before(check: Tree) -> None:
    content = INSTANCE + group(
        "default: true",
        "order: 2",
        "telephony: {us-east-1: 100, us-west-2: 0}",
        "agents: {us-east-1: 0, us-west-2: 100}",
        "signIn: {us-east-1: false, us-west-2: true}",
    )
    assert check({"a.yaml": content}) == []
    (main,) = load_ok("state").instances[0].groups
    assert main.spec.telephony == {"us-east-1": 100, "us-west-2": 0}
    assert main.spec.agents == {"us-east-1": 0, "us-west-2": 100}
    assert main.spec.sign_in == {"us-east-1": False, "us-west-2": True}
    assert (main.spec.default, main.spec.order) == (True, 2)
