"""Problems with a file as a whole, and the YAML features the loader reads its own way.

Each bad file gives exactly one clear `file:line: message`; nothing here may raise anything but
`LoadError` (the CLI tests check that it becomes exit 1 without a traceback).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired import yamlsource
from reconciler.desired.loader import load

from .helpers import INSTANCE, QUEUE, Tree, load_ok

F = "state/a.yaml"
EMPTY = "empty file: expected a mapping with instance, trafficDistributionGroups, queues"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("instance:\n  name: [demo\n  id: x\n", "3:5: invalid YAML: expected ',' or ']', but got ':'"),
        (
            "instance:\n  name: demo\n bad: indent\n",
            "3:2: invalid YAML: expected <block end>, but found '<block mapping start>'",
        ),
        ("instance:\n\tname: demo\n", "2:1: invalid YAML: found character '\\t' that cannot start any token"),
        ("queues: {a: 1\n", "2:1: invalid YAML: expected ',' or '}', but got '<stream end>'"),
        ('queues: "open\n', "2:1: invalid YAML: found unexpected end of stream"),
        ("queues: *nowhere\n", "1:9: invalid YAML: found undefined alias 'nowhere'"),
        ("? [a, b]\n: c\n", "1: mapping keys must be plain text"),
    ],
)
def test_malformed_yaml(check: Tree, content: str, expected: str) -> None:
    assert check({"a.yaml": content}) == [f"{F}:{expected}"]


@pytest.mark.parametrize(
    "content", ["", "\n\n", "# only\n# comments\n", "---\n", "# c\n---\n# c\n", "\ufeff"]
)
def test_empty_or_comments_only_file(check: Tree, content: str) -> None:
    assert check({"a.yaml": content}) == [f"{F}:1: {EMPTY}"]


def test_binary_file(check: Tree) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert check({"a.yaml": png}) == [f"{F}:1: binary file (contains NUL bytes), expected UTF-8 YAML text"]


def test_non_utf8_text(check: Tree) -> None:
    latin1 = (INSTANCE + "queues:\n  Café:\n    callerIdName: Café\n").encode("latin-1")
    assert check({"a.yaml": latin1}) == [f"{F}:8: not UTF-8 text: save the file as UTF-8"]
    utf16 = (INSTANCE + QUEUE).encode("utf-16")
    assert check({"a.yaml": utf16}) == [f"{F}:1: binary file (contains NUL bytes), expected UTF-8 YAML text"]


def test_utf8_with_bom_and_non_ascii_names(check: Tree, workdir: Path) -> None:
    text = INSTANCE + "queues:\n  Café Crème:\n    callerIdName: Société Générale\n"
    assert check({"a.yaml": b"\xef\xbb\xbf" + text.encode()}) == []
    assert load("state").instances[0].queues[0].key == "Café Crème"


def test_control_characters_are_refused_at_their_line(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + "queues:\n  Sales:\n    callerIdName: a\x07b\n"}) == [
        f"{F}:9: invalid YAML: character U+0007 is not allowed in YAML text"
    ]


def test_multiple_documents(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + "---\n" + QUEUE}) == [
        f"{F}:7: more than one YAML document ('---'): one per file"
    ]
    assert check({"a.yaml": INSTANCE + "--- {queues: {}}\n"}) == [
        f"{F}:7: more than one YAML document ('---'): one per file"
    ]
    assert check({"a.yaml": "---\n" + INSTANCE + "...\n"}) == []
    assert check({"a.yaml": "---\n" + INSTANCE + "---\n"}) == []  # an empty last document is nothing


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("- instance: {}\n- queues: {}\n", "1: expected a mapping at the top level, got a list"),
        ("# header\nprod\n", "2: expected a mapping at the top level, got the scalar 'prod'"),
        ("42\n", "1: expected a mapping at the top level, got the scalar '42'"),
    ],
)
def test_top_level_must_be_a_mapping(check: Tree, content: str, expected: str) -> None:
    assert check({"a.yaml": content}) == [f"{F}:{expected}"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (INSTANCE + QUEUE + "  Sales:\n    callerIdName: b\n", "10: duplicate key 'Sales' (first at line 8)"),
        (INSTANCE + "  name: again\n", "7: duplicate key 'name' (first at line 2)"),
        (QUEUE + "queues: {}\n", "4: duplicate key 'queues' (first at line 1)"),
        (
            INSTANCE + "queues:\n  Sales: {callerIdName: a, callerIdName: b}\n",
            "8: duplicate key 'callerIdName' (first at line 8)",
        ),
    ],
)
def test_duplicate_keys_name_both_lines(check: Tree, content: str, expected: str) -> None:
    assert check({"a.yaml": content}) == [f"{F}:{expected}"]


def test_merge_keys_work_and_the_files_own_key_wins(check: Tree, workdir: Path) -> None:
    content = INSTANCE + (
        "queues:\n"
        "  Sales: &defaults\n"
        "    callerIdName: AnyCompany\n"
        "    whisperFlow: Default outbound\n"
        "  Support:\n"
        "    <<: *defaults\n"
        "    callerIdName: AnyCompany Support\n"
        "  Billing:\n"
        "    callerIdNumber: +12065550100\n"
        "    <<: [*defaults]\n"
    )
    assert check({"a.yaml": content}) == []
    specs = {q.key: q.spec for q in load("state").instances[0].queues}
    assert (specs["Support"].caller_id_name, specs["Support"].whisper_flow) == (
        "AnyCompany Support",
        "Default outbound",
    )
    assert (specs["Billing"].caller_id_name, specs["Billing"].caller_id_number) == (
        "AnyCompany",
        "+12065550100",
    )


def test_merged_values_are_checked_at_the_anchor_line(check: Tree) -> None:
    content = INSTANCE + (
        "queues:\n"
        "  Sales: &defaults\n"
        "    callerIdName: AnyCompany\n"
        "    callerIdNumber: '555'\n"
        "  Support:\n"
        "    <<: *defaults\n"
        "    callerIdNumber: '+12065550100'\n"
        "  Billing:\n"
        "    <<: *defaults\n"
    )
    message = "'555' is not an E.164 number (+12065550100), a phone-number ID or ARN"
    assert check({"a.yaml": content}) == [
        f"{F}:10: queues.Billing.callerIdNumber: {message}",
        f"{F}:10: queues.Sales.callerIdNumber: {message}",
    ]


def test_merge_of_something_else_than_a_mapping(check: Tree) -> None:
    content = INSTANCE + "queues:\n  Sales:\n    <<: [a, b]\n    callerIdName: x\n"
    assert check({"a.yaml": content}) == [f"{F}:9: '<<' merge needs a mapping or a list of mappings"]


def test_unquoted_phone_number_and_no_stay_text(check: Tree, workdir: Path) -> None:
    content = INSTANCE + "queues:\n  No:\n    callerIdNumber: +12065550100\n  yes:\n    callerIdName: On\n"
    assert check({"a.yaml": content}) == []
    queues = load("state").instances[0].queues
    assert [(q.key, q.spec.caller_id_number, q.spec.caller_id_name) for q in queues] == [
        ("No", "+12065550100", None),
        ("yes", None, "On"),
    ]


def test_alias_bomb_is_refused_quickly(check: Tree) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.monotonic()
    found = check({"a.yaml": "\n".join(lines) + "\n"})
    assert time.monotonic() - start < 5
    assert found == [f"{F}:1: document expands to more than {yamlsource.MAX_NODES:,} nodes"]


def test_merge_key_bomb_is_refused_quickly(check: Tree) -> None:
    lines = ["queues:", "  q0: &q0 {callerIdName: x}"]
    lines += [f"  q{i}: &q{i}\n    <<: [*q{i - 1}, *q{i - 1}]\n    whisperFlow: w" for i in range(1, 25)]
    start = time.monotonic()
    found = check({"a.yaml": INSTANCE + "\n".join(lines) + "\n"})
    assert time.monotonic() - start < 10  # each merge copies its mapping: slower than plain aliases
    assert len(found) == 1
    assert found[0].endswith(f": document expands to more than {yamlsource.MAX_NODES:,} nodes")


def test_deep_nesting_is_refused(check: Tree) -> None:
    assert check({"a.yaml": "queues: " + "[" * 1000 + "]" * 1000 + "\n"}) == [
        f"{F}:1: invalid YAML: nested too deeply"
    ]


def test_large_file_is_refused(check: Tree) -> None:
    big = INSTANCE + "# " + "x" * yamlsource.MAX_FILE_BYTES + "\n"
    size = len(big.encode())
    assert check({"a.yaml": big}) == [
        f"{F}:1: file is {size:,} bytes, larger than the {yamlsource.MAX_FILE_BYTES:,}-byte limit"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!!timestamp abc", "invalid YAML value 'abc': cannot be read as !!timestamp"),
        ("!!bool maybe", "invalid YAML value 'maybe': cannot be read as !!bool"),
        ("!!float x", "invalid YAML value 'x': could not convert string to float: 'x'"),
        ("!!set x", "invalid YAML value 'x': expected a mapping node, but found scalar"),
        (
            "!!python/object:os.system x",
            "invalid YAML value 'x': could not determine a constructor for "
            "the tag '!!python/object:os.system'",
        ),
        ("!custom x", "invalid YAML value 'x': could not determine a constructor for the tag '!custom'"),
    ],
)
def test_unreadable_tagged_values_are_one_line(check: Tree, value: str, expected: str) -> None:
    assert check({"a.yaml": INSTANCE + f"queues:\n  Sales:\n    callerIdName: {value}\n"}) == [
        f"{F}:9: {expected}"
    ]


def test_keys_with_control_characters_are_shown_escaped(check: Tree) -> None:
    content = INSTANCE + 'queues:\n  "Sales\\nTeam":\n    callerIdNam: x\n'
    assert check({"a.yaml": content}) == [
        f"{F}:8: queues.Sales\\nTeam: key 'Sales\\nTeam' contains U+000A (LINE FEED), "
        "a control or invisible character: remove it",
        f"{F}:9: queues.Sales\\nTeam.callerIdNam: unknown key 'callerIdNam' (did you mean 'callerIdName'?)",
    ]


def test_document_lines_and_plain_text() -> None:
    doc = yamlsource.parse("# c\nqueues:\n  No:\n    callerIdNumber: +12065550100\n    whisperFlow: 'x'\n")
    assert doc.value == {"queues": {"No": {"callerIdNumber": 12065550100, "whisperFlow": "x"}}}
    assert doc.lines[("queues",)] == 2
    assert doc.line_of(("queues", "No", "callerIdNumber")) == 4
    assert doc.line_of(("queues", "No", "callerIdNumber", "deeper", 3)) == 4
    assert doc.line_of(()) == 2
    assert doc.plain_text[("queues", "No", "callerIdNumber")] == "+12065550100"
    assert ("queues", "No", "whisperFlow") not in doc.plain_text  # quoted: already text


def test_unquoted_account_id_with_a_leading_zero_stays_text(check: Tree) -> None:
    # YAML 1.1 reads `011122223333` as an octal int; the loader keeps the text as written.
    instance = INSTANCE.replace('"111122223333"', "011122223333")
    assert yamlsource.parse(instance).value["instance"]["accountId"] == 0o11122223333
    assert check({"a.yaml": instance}) == []
    assert load_ok("state").instances[0].spec.account_id == "011122223333"


# --- the scalar-tag shortcut ----------------------------------------------------------------


@given(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            ["No", "yes", "~", "null", "+12065550100", "0x1F", ".inf", "1_000", "<<", "=", "Sales"]
        ),
    ),
    st.sampled_from([(True, False), (False, True), (False, False)]),
)
def test_scalar_tags_are_pyyamls(value: str, implicit: tuple[bool, bool]) -> None:
    # The loader tags most plain scalars as text without PyYAML's resolver; the tag must not change.
    ours: Callable[..., str] = yamlsource._Loader("").resolve
    theirs: Callable[..., str] = yaml.SafeLoader("").resolve
    assert ours(yaml.ScalarNode, value, implicit) == theirs(yaml.ScalarNode, value, implicit)


@given(st.lists(st.text(alphabet="aN1+-.~ yTf:'\"#[]{}!&*\n", max_size=10), min_size=1, max_size=6))
def test_parsed_values_are_pyyamls(items: list[str]) -> None:
    text = "k:\n" + "".join(f"  - {item}\n" for item in items)
    try:  # libyaml's loader: on `- !` (an empty non-specific tag) it disagrees with the pure-Python one
        expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return  # malformed YAML: its errors are tested above
    try:
        doc = yamlsource.parse(text)
    except yamlsource.SourceError:
        return  # refused (duplicate keys, bad tags...): also tested above
    if _has_keys_other_than_text(expected):
        return  # `- 1:` or `- yes:`: the loader keeps keys as written, as tested above
    assert doc.value == expected


def _has_keys_other_than_text(value: object) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_keys_other_than_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_keys_other_than_text(v) for v in value)
    return False
