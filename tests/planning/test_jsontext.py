"""The strict JSON reader saved plans and journals share: what Python's `json` lets through, refused."""

from __future__ import annotations

import pytest

from reconciler.planning import jsontext


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deep"),
        ('{"a": ' + "9" * 5000 + "}", "a number too long"),
        ('{"a": "x\\ud800"}', "a lone surrogate"),
        ("{not json", "invalid JSON"),
    ],
)
def test_what_python_would_read_is_refused_with_a_short_reason(text: str, reason: str) -> None:
    with pytest.raises(jsontext.BadJson) as refused:
        jsontext.loads(text)
    assert refused.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("text", "torn"), [('{"event": "change-fini', True), ('{"a": 1,', True), ("{]", False)]
)
def test_text_cut_short_is_told_from_text_that_is_wrong(text: str, torn: bool) -> None:
    with pytest.raises(jsontext.BadJson) as refused:
        jsontext.loads(text)
    assert refused.value.torn is torn


def test_strict_json_reads_as_json_does() -> None:
    assert jsontext.loads('{"a": [1, 2.5, "\\u00e9\\ud83d\\ude00", null, true]}') == {
        "a": [1, 2.5, "é😀", None, True]
    }
