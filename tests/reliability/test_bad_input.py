"""Bad input never writes: thousands of broken desired-state trees through `apply --auto-approve`.

Hypothesis builds whole trees (several files, nested folders) from a valid example, then breaks
them: bad YAML, wrong types, wrong sums, unknown keys, huge files, odd encodings and bytes. For
every tree `apply --auto-approve` must exit 1, print only located errors (file:line) and a final
count, never a traceback, and the emulator's log must show no write at all.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect_emulator.server import Emulator
from connect_emulator.testing import running_emulator
from reconciler.cli import cli

from ..support.demo import DEMO_STATE

EXAMPLES = 300  # a few thousand with --run-slow
LOCATED = re.compile(r"^error: [^:\n]+(:\d+(:\d+)?)?: .+$")
SUMMARY = re.compile(r"^\d+ problems? found; nothing was changed$")

INSTANCE_TEXT = (DEMO_STATE / "anycompany-demo" / "instance.yaml").read_text(encoding="utf-8")
QUEUES_TEXT = (DEMO_STATE / "anycompany-demo" / "queues.yaml").read_text(encoding="utf-8")

# Edits that each break exactly one rule of the format, applied to the valid example's text.
BREAKS = [
    ("us-west-2: 20", "us-west-2: 30"),  # sum 110
    ("us-east-1: 80", "us-east-1: 75"),  # not a multiple of 10
    ("us-east-1: 80", "us-east-1: '80'"),  # a string
    ("us-east-1: 80", "us-east-1: 80.5"),  # a float
    ("telephony:", "telephonee:"),  # unknown key
    ("replicaRegion: us-west-2", "replicaRegion: us-east-1"),  # same Region twice
    ("default: true", "default: yes please"),  # not a bool
    ("callerIdName: AnyCompany Sales Team", "callerIdName:"),  # cannot be cleared
    ('callerIdNumber: "+12065550101"', 'callerIdNumber: "12065550101"'),  # not E.164
    ("whisperFlow: Sales outbound whisper", "whisperFlow: ''"),  # empty
    ("\nqueues:\n", "\nqueues: [1, 2]\n"),  # wrong type
    ("  Sales:", "  Sales:\n    callerIdName: A\n  Sales:"),  # duplicate key
    ("us-west-2: true", "us-west-1: true"),  # a Region outside the pair
    ("\ninstance:\n", "\ninstance: {\n"),  # malformed YAML
    ("  name: anycompany-demo", "  name: anycompany demo!"),  # bad name
]

ODD_BYTES = [
    b"\x00\x01\x02",
    b"\xff\xfe\x00a\x00",
    "caf\u00e9: [".encode("latin-1"),
    b"\xef\xbb\xbf---\n- 1\n",
]


@st.composite
def broken_trees(draw: st.DrawFn) -> dict[str, bytes]:
    instance, queues = INSTANCE_TEXT, QUEUES_TEXT
    edits = draw(st.lists(st.sampled_from(BREAKS), min_size=1, max_size=3))
    for old, new in edits:
        if old in instance:
            instance = instance.replace(old, new, 1)
        else:
            queues = queues.replace(old, new, 1)
    tree = {"demo/instance.yaml": instance.encode(), "demo/queues.yaml": queues.encode()}
    extra = draw(st.sampled_from(["none", "bytes", "text", "huge", "nested"]))
    if extra == "bytes":
        tree["demo/odd.yaml"] = draw(st.sampled_from(ODD_BYTES) | st.binary(min_size=1, max_size=64))
    elif extra == "text":
        tree["demo/more/extra.yml"] = draw(st.text(min_size=1, max_size=200)).encode("utf-8", "surrogatepass")
    elif extra == "huge":
        tree["demo/huge.yaml"] = b"queues:\n" + b"  q: {callerIdName: x}\n" * 2000 + b"  q: {}\n"
    elif extra == "nested":
        tree["demo/sub/deeper/q.yaml"] = b"queues:\n  Billing: {callerIdName: [nested, list]}\n"
    return tree


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as emu:
        yield emu


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=broken_trees())
def test_broken_trees_never_write_and_always_locate_the_problem(
    tree: dict[str, bytes], emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check_tree(tree, emulator, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=broken_trees())
def test_thousands_of_broken_trees(
    tree: dict[str, bytes], emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check_tree(tree, emulator, tmp_path_factory)


def _check_tree(tree: dict[str, bytes], emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("tree")
    for name, data in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    emulator.clear_calls()
    result = CliRunner().invoke(
        cli,
        [
            "apply",
            "--state-dir",
            str(root),
            "--auto-approve",
            "--endpoint-url",
            emulator.url,
            "--journal",
            str(root / "j"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and SUMMARY.match(lines[-1]), lines
    for line in lines[:-1]:
        if line.startswith("  "):  # under a YAML syntax error: the offending line and a caret
            continue
        assert LOCATED.match(line), line
        assert str(root) in line
    assert emulator.calls() == []  # the desired state is checked before any AWS call
    assert not (root / "j").exists()
    shutil.rmtree(root)


def _validate(root: Path, instance: str, queues: str) -> int:
    (root / "demo").mkdir(exist_ok=True)
    (root / "demo" / "instance.yaml").write_text(instance, encoding="utf-8")
    (root / "demo" / "queues.yaml").write_text(queues, encoding="utf-8")
    return CliRunner().invoke(cli, ["validate", "--state-dir", str(root)]).exit_code


def test_the_example_is_valid_and_every_break_alone_breaks_it(tmp_path: Path) -> None:
    """Otherwise the property above would be tested on trees that are not broken at all."""
    assert _validate(tmp_path, INSTANCE_TEXT, QUEUES_TEXT) == 0
    for old, new in BREAKS:
        in_instance = old in INSTANCE_TEXT
        instance = INSTANCE_TEXT.replace(old, new, 1) if in_instance else INSTANCE_TEXT
        queues = QUEUES_TEXT if in_instance else QUEUES_TEXT.replace(old, new, 1)
        assert _validate(tmp_path, instance, queues) == 1, (old, new)
