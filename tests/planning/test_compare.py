"""`compare.changed_fields`: `==` settles flat fields, deepdiff judges nested ones ignoring order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.planning.compare import changed_fields


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"callerIdName": "A", "whisperFlow": "f"}, {"callerIdName": "A"}, []),
        (
            {"callerIdName": "A", "whisperFlow": "f"},
            {"callerIdName": "B", "whisperFlow": "f"},
            ["callerIdName"],
        ),
        ({"callerIdName": None}, {"callerIdName": "B"}, ["callerIdName"]),
        ({}, {"whisperFlow": "f", "callerIdName": "B"}, ["whisperFlow", "callerIdName"]),
        (
            {"telephony": {"us-east-1": 100, "us-west-2": 0}},
            {"telephony": {"us-west-2": 0, "us-east-1": 100}},
            [],
        ),
        (
            {"telephony": {"us-east-1": 100, "us-west-2": 0}, "signIn": {"us-east-1": True}},
            {"telephony": {"us-east-1": 0, "us-west-2": 100}, "signIn": {"us-east-1": True}},
            ["telephony"],
        ),
        ({"telephony": None}, {"telephony": {"us-east-1": 100}}, ["telephony"]),
        # Lists are compared ignoring order: deepdiff overrules `==` there.
        ({"regions": ["a", "b"], "name": "x"}, {"regions": ["b", "a"], "name": "y"}, ["name"]),
        ({"regions": ["a", "b"]}, {"regions": ["a", "c"]}, ["regions"]),
    ],
)
def test_changed_fields(before: dict[str, Any], after: dict[str, Any], expected: list[str]) -> None:
    assert changed_fields(before, after) == expected


scalars = st.one_of(st.none(), st.text(max_size=3), st.integers(-2, 2))
values = st.one_of(scalars, st.dictionaries(st.sampled_from(["e", "w"]), st.integers(0, 2), max_size=2))
records = st.dictionaries(st.sampled_from(["a", "b", "c"]), values, max_size=3)


@given(records, records)
def test_a_field_is_changed_exactly_when_its_values_differ(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert changed_fields(before, after) == [k for k in after if before.get(k) != after[k]]
