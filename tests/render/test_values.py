"""Value display rules shared by the text and Markdown renderers."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.planning.plan import Action, Change, FieldChange, Kind
from reconciler.planning.values import QueueValues
from reconciler.render.values import NONE, UNKNOWN, Shown, clean, field_rows, quote, region_order


def _change(kind: Kind, *fields: tuple[str, Any, Any]) -> Change:
    return Change(
        step=1,
        instance="i",
        kind=kind,
        name="n",
        resource_id="r",
        resource_arn="arn",
        action=Action.UPDATE,
        fields=tuple(FieldChange(field=f, before=b, after=a) for f, b, a in fields),
        request=None,
        fingerprint="0" * 16,
        planned_against=QueueValues(),
        expected=QueueValues(),
    )


def test_region_order_home_then_replica_then_alphabetical() -> None:
    keys = ["us-west-2", "eu-west-1", "us-east-1", "ap-south-1"]
    assert region_order(keys, ("us-west-2", "us-east-1")) == [
        "us-west-2",
        "us-east-1",
        "ap-south-1",
        "eu-west-1",
    ]
    assert region_order(keys, ()) == sorted(keys)


def test_traffic_rows_per_region() -> None:
    change = _change(
        Kind.TRAFFIC,
        ("telephony", {"us-west-2": 0, "us-east-1": 100}, {"us-west-2": 20, "us-east-1": 80}),
        ("signIn", {"us-east-1": True, "us-west-2": False}, {"us-east-1": True, "us-west-2": True}),
    )
    rows = field_rows(change, ("us-east-1", "us-west-2"))
    assert [(r.field, r.region, r.before.text, r.after.text, r.changed) for r in rows] == [
        ("telephony", "us-east-1", "100%", "80%", True),
        ("telephony", "us-west-2", "0%", "20%", True),
        ("signIn", "us-east-1", "enabled", "enabled", False),
        ("signIn", "us-west-2", "disabled", "enabled", True),
    ]


def test_unknown_before_and_missing_regions() -> None:
    rows = field_rows(_change(Kind.TRAFFIC, ("agents", None, {"us-east-1": 100})), ("us-east-1",))
    assert (rows[0].before, rows[0].after, rows[0].changed) == (UNKNOWN, Shown("100%"), True)
    rows = field_rows(_change(Kind.TRAFFIC, ("agents", {"a-b-1": 100}, {"c-d-1": 100})))
    assert [(r.region, r.before, r.after) for r in rows] == [
        ("a-b-1", Shown("100%"), NONE),
        ("c-d-1", NONE, Shown("100%")),
    ]


def test_queue_values_none_is_not_set_and_strings_are_literals() -> None:
    rows = field_rows(_change(Kind.QUEUE, ("callerIdName", None, "(none)")))
    assert rows[0].before == NONE == Shown("(none)", literal=False)
    assert rows[0].after == Shown("(none)", literal=True)  # a name that reads "(none)" stays a literal


@pytest.mark.parametrize(
    ("raw", "cleaned", "quoted"),
    [
        ("plain", "plain", '"plain"'),
        ("a\nb", "a\\nb", '"a\\nb"'),
        ("esc\x1b[2J", "esc\\u001b[2J", '"esc\\u001b[2J"'),
        ("bidi\u202e", "bidi\\u202e", '"bidi\\u202e"'),
        ('q"\\', 'q"\\', '"q\\"\\\\"'),
        ("Español ☎", "Español ☎", '"Español ☎"'),
    ],
)
def test_clean_and_quote(raw: str, cleaned: str, quoted: str) -> None:
    assert clean(raw) == cleaned
    assert quote(raw) == quoted
