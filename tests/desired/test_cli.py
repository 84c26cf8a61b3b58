"""`reconciler validate` and `reconciler schema` through click: exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler import __version__
from reconciler.cli import cli

from ..support.demo import REPO
from .helpers import INSTANCE, QUEUE, UUID2, write_tree

SUMMARY_ONE = "1 problem found; nothing was changed\n"


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), prog_name="reconciler")
    # Whatever happened, it was not an escaped exception (that would be a traceback for a user).
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_validate_the_example_with_the_default_state_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke("validate")
    assert result.exit_code == 0
    assert (
        result.stdout == "desired-state: valid: 2 files, 1 instance: anycompany-demo (2 groups, 7 queues)\n"
    )
    assert result.stderr == ""


def test_validate_several_instances(workdir: Path) -> None:
    other = INSTANCE.replace("name: demo", "name: eu").replace("4a1b2c3d-0000-4000-8000-000000000001", UUID2)
    write_tree(workdir / "state", {"us/i.yaml": INSTANCE + QUEUE, "eu/i.yaml": other, "eu/q.yml": QUEUE})
    result = invoke("validate", "--state-dir", "state")
    assert result.exit_code == 0
    assert (
        result.stdout
        == "state: valid: 3 files, 2 instances: demo (0 groups, 1 queues), eu (0 groups, 1 queues)\n"
    )


def test_validate_invalid_state(workdir: Path) -> None:
    write_tree(
        workdir / "state",
        {
            "a.yaml": INSTANCE + "queues:\n  Sales: {callerIdName: ''}\n",
            "b.yaml": "- x\n",
        },
    )
    result = invoke("validate", "--state-dir", "state")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: state/a.yaml:8: queues.Sales.callerIdName: must be 1-255 characters, got 0\n"
        "error: state/b.yaml:1: expected a mapping at the top level, got a list\n"
        "2 problems found; nothing was changed\n"
    )


@pytest.mark.parametrize(
    ("state_dir", "message"),
    [
        ("missing", "missing: state directory does not exist"),
        ("file.yaml", "file.yaml: not a directory (--state-dir takes a directory)"),
        ("docs", "docs: no desired-state files (*.yaml, *.yml) found"),
    ],
)
def test_validate_bad_state_dir(workdir: Path, state_dir: str, message: str) -> None:
    write_tree(workdir, {"file.yaml": INSTANCE, "docs/README.md": "# docs\n"})
    result = invoke("validate", "--state-dir", state_dir)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {message}\n{SUMMARY_ONE}"


def test_validate_default_state_dir_missing(workdir: Path) -> None:
    result = invoke("validate")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: desired-state: state directory does not exist\n{SUMMARY_ONE}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02", "state/a.yaml:1: binary file (contains NUL bytes), expected UTF-8 YAML text"),
        (b"queues:\n  Caf\xe9: {}\n", "state/a.yaml:2: not UTF-8 text: save the file as UTF-8"),
        (b"a: [\n", "state/a.yaml:2:1: invalid YAML: expected the node content, but found '<stream end>'"),
        (
            b"# nothing\n",
            "state/a.yaml:1: empty file: expected a mapping with instance, trafficDistributionGroups, queues",
        ),
        (
            b"queues:\n  Sales: {callerIdName: !!bool maybe}\n",
            "state/a.yaml:2: invalid YAML value 'maybe': cannot be read as !!bool",
        ),
    ],
)
def test_validate_bad_files_give_one_line_each(workdir: Path, content: bytes, message: str) -> None:
    write_tree(workdir / "state", {"a.yaml": content})
    result = invoke("validate", "--state-dir", "state")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {message}\n{SUMMARY_ONE}"


def test_schema_command() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert result.stdout.endswith("}\n")


def test_help() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: reconciler [OPTIONS] COMMAND [ARGS]...")
    assert "validate" in result.stdout
    assert "schema" in result.stdout
    assert invoke("-h").stdout == result.stdout


def test_validate_help() -> None:
    result = invoke("validate", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: reconciler validate [OPTIONS]")
    assert "--state-dir" in result.stdout
    assert "[default: desired-state]" in result.stdout
    assert "Makes no AWS calls." in " ".join(result.stdout.split())
    assert "Exit 0 valid, 1 invalid." in " ".join(result.stdout.split())


def test_schema_help() -> None:
    result = invoke("schema", "--help")
    assert result.exit_code == 0
    assert "JSON Schema" in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"reconciler, version {__version__}\n")


def test_unknown_option_is_a_usage_error() -> None:
    result = invoke("validate", "--state")
    assert result.exit_code == 1  # usage errors are errors: 2 means changes or drift
    assert "Error: No such option '--state'. Did you mean '--state-dir'?" in result.stderr


def test_python_dash_m_reconciler_validate(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("RECONCILER_DEBUG", None)
    write_tree(tmp_path / "state", {"a.yaml": INSTANCE + "queues: [\n"})
    bad = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--state-dir", "state"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr == (
        "error: state/a.yaml:8:1: invalid YAML: expected the node content, but found '<stream end>'\n"
        + SUMMARY_ONE
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (  # tab indentation: the tab is spelled out, the caret under it
            b"instance:\n  name: x\n\tid: y\n",
            "state/a.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token\n"
            "  \\tid: y\n"
            "  ^\n",
        ),
        (  # an unclosed bracket: where the parser gave up
            b"instance: [a, b\nqueues: {}\n",
            "state/a.yaml:2:7: invalid YAML: expected ',' or ']', but got ':'\n  queues: {}\n        ^\n",
        ),
        (  # a key indented too far
            b"instance:\n  name: x\n   id: y\n",
            "state/a.yaml:3:6: invalid YAML: mapping values are not allowed here\n     id: y\n       ^\n",
        ),
        (  # a control character on the line is escaped; a long line is cut around the column
            "instance:\n  name: x\n   id: \u202e".encode() + b"z" * 200 + b"\n",
            "state/a.yaml:3:6: invalid YAML: mapping values are not allowed here\n"
            "     id: \\u202e" + "z" * 57 + "...\n"
            "       ^\n",
        ),
    ],
)
def test_yaml_syntax_errors_show_line_column_and_a_caret(
    workdir: Path, content: bytes, expected: str
) -> None:
    write_tree(workdir / "state", {"a.yaml": content})
    result = invoke("validate", "--state-dir", "state")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {expected}{SUMMARY_ONE}"
