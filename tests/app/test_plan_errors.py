"""A plan (or drift check, or validation) that fails says why where CI readers look.

The pull-request comment is built from what `plan --format markdown|json` prints, so a failed plan
prints its errors there too (and exits 1); GitHub shows `::error file=...,line=...::` annotations
on the diff, so with `--annotations` (or in GitHub Actions) each problem is one, and a name from
YAML or Connect can never end that line and start a command of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connect_emulator.server import Emulator
from reconciler.render.markdown import MARKER

from ..support.cli import invoke
from ..support.demo import edit_yaml
from .helpers import free_port

INSTANCE_YAML = "desired-state/anycompany-demo/instance.yaml"
QUEUES_YAML = "desired-state/anycompany-demo/queues.yaml"
SUM_MESSAGE = "trafficDistributionGroups.anycompany-default.telephony: percentages sum to 90, must be 100"


@pytest.fixture
def invalid(state_dir: Path) -> Path:
    """The demo with the default group's telephony summing to 90 (instance.yaml line 16)."""

    def ninety(doc: dict[str, Any]) -> None:
        doc["trafficDistributionGroups"]["anycompany-default"]["telephony"] = {
            "us-east-1": 70,
            "us-west-2": 20,
        }

    edit_yaml(state_dir / "anycompany-demo" / "instance.yaml", ninety)
    return state_dir


def line_of(path: str, text: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def commands(stderr: str) -> list[str]:
    """Lines GitHub's runner would read as workflow commands (it trims leading spaces first)."""
    return [line for line in stderr.splitlines() if line.lstrip().startswith("::")]


# --- plan: markdown and JSON carry the errors -----------------------------------------------------


def test_a_failed_plan_in_markdown_is_an_error_section_on_stdout(invalid: Path) -> None:
    result = invoke("plan", "--state-dir", "desired-state", "--format", "markdown")

    assert result.exit_code == 1
    line = line_of(INSTANCE_YAML, "telephony:")
    assert result.stdout == (
        f"{MARKER}\n"
        "## Amazon Connect plan\n"
        "\n"
        "> [!CAUTION]\n"
        "> **The plan failed** with 1 problem: nothing can be applied until it is fixed.\n"
        "\n"
        f"- `{INSTANCE_YAML}:{line}`: trafficDistributionGroups.anycompany-default.telephony: "
        "percentages sum to 90, must be 100\n"
    )
    # stderr is as it always was, and holds no annotation unless asked
    assert result.stderr == (
        f"error: {INSTANCE_YAML}:{line}: {SUM_MESSAGE}\n1 problem found; nothing was changed\n"
    )


def test_a_failed_plan_in_json_lists_its_errors_with_file_and_line(invalid: Path) -> None:
    result = invoke(
        "plan", "--state-dir", "desired-state", "--instance", "anycompany-demo", "--format", "json"
    )

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "format_version": 3,
        "instance": "anycompany-demo",
        "errors": [
            {"file": INSTANCE_YAML, "line": line_of(INSTANCE_YAML, "telephony:"), "message": SUM_MESSAGE}
        ],
    }


def test_a_failed_plan_saves_nothing(invalid: Path, workdir: Path) -> None:
    result = invoke("plan", "--state-dir", "desired-state", "--format", "json", "--out", "plan.json")

    assert result.exit_code == 1
    assert not (workdir / "plan.json").exists()  # a failure is never a plan apply could run


def test_an_unreachable_connect_is_an_error_without_a_file(state_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    result = invoke("plan", "--state-dir", "desired-state", "--format", "json", "--endpoint-url", url)

    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert error["file"] is None and error["line"] is None
    assert error["message"].startswith("anycompany-demo: ")
    assert "cannot reach the Connect endpoint" in error["message"]
    markdown = invoke("plan", "--state-dir", "desired-state", "--format", "markdown", "--endpoint-url", url)
    assert markdown.exit_code == 1
    assert markdown.stdout.startswith(f"{MARKER}\n## Amazon Connect plan\n")
    assert "- anycompany-demo: " in markdown.stdout and "cannot reach the Connect endpoint" in markdown.stdout


def test_text_format_prints_nothing_on_stdout_when_the_plan_fails(invalid: Path) -> None:
    result = invoke("plan", "--state-dir", "desired-state")

    assert (result.exit_code, result.stdout) == (1, "")


# --- annotations --------------------------------------------------------------------------------


def test_annotations_put_each_problem_on_its_line(invalid: Path) -> None:
    result = invoke("plan", "--state-dir", "desired-state", "--annotations")

    line = line_of(INSTANCE_YAML, "telephony:")
    assert commands(result.stderr) == [f"::error file={INSTANCE_YAML},line={line}::{SUM_MESSAGE}"]
    assert f"error: {INSTANCE_YAML}:{line}: {SUM_MESSAGE}" in result.stderr


def test_github_actions_turns_annotations_on(invalid: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    for command in (["plan"], ["validate"], ["drift"]):
        result = invoke(*command, "--state-dir", "desired-state")
        assert result.exit_code == 1
        assert len(commands(result.stderr)) == 1, command
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert commands(invoke("plan", "--state-dir", "desired-state").stderr) == []


def test_a_name_cannot_end_the_annotation_and_forge_a_command(
    demo_emulator: Emulator, state_dir: Path
) -> None:
    """A queue key with a line feed, and a flow name holding GitHub's own escapes (`%0A` decodes
    to a line feed): each problem stays one command, and the escapes arrive as text."""
    forged = "x%0A::error file=README.md,line=1::forged %25 done"
    path = state_dir / "anycompany-demo" / "queues.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("whisperFlow: Sales outbound whisper", f'whisperFlow: "{forged}"', 1)
    text += '  "VIP\\n::warning::forged\\r::error::again":\n    callerIdName: x\n'
    path.write_text(text, encoding="utf-8")

    result = invoke("plan", "--state-dir", "desired-state", "--annotations")

    assert result.exit_code == 1
    found = commands(result.stderr)
    assert len(found) == 1  # the key with a line feed is refused when loading, before any read
    assert found[0].startswith(f"::error file={QUEUES_YAML},line=")
    assert "\r" not in result.stderr
    assert found[0].endswith("contains U+000A (LINE FEED), a control or invisible character: remove it")
    assert "VIP\\n::warning::forged\\r::error::again" in found[0]  # spelled out, on this one line

    path.write_text(text.rsplit('  "VIP', 1)[0], encoding="utf-8")
    result = invoke("plan", "--state-dir", "desired-state", "--annotations")

    (annotation,) = commands(result.stderr)
    assert annotation.startswith(f"::error file={QUEUES_YAML},line={line_of(str(path), forged)}::")
    # `%` is escaped first, so GitHub decodes `%250A` back to the text `%0A`, not to a line feed
    assert "x%250A::error file=README.md,line=1::forged %2525 done" in annotation


# --- drift and validate -------------------------------------------------------------------------


def test_a_failed_drift_check_reports_in_markdown_json_and_its_out_file(invalid: Path, workdir: Path) -> None:
    result = invoke("drift", "--state-dir", "desired-state", "--format", "markdown", "--out", "drift.md")

    assert result.exit_code == 1
    assert result.stdout.startswith(
        "## Amazon Connect drift\n\n> [!CAUTION]\n> **The drift check failed** with 1 problem"
    )
    named = invoke(
        "drift", "--state-dir", "desired-state", "--format", "markdown", "--instance", "anycompany-demo"
    )
    assert named.stdout.startswith(
        "## Amazon Connect drift: `anycompany-demo`\n\n> [!CAUTION]\n"
        "> **The drift check for `anycompany-demo` failed**"
    )
    assert f"`{INSTANCE_YAML}:" in result.stdout and "percentages sum to 90" in result.stdout
    assert (workdir / "drift.md").read_text(encoding="utf-8") == result.stdout

    as_json = invoke(
        "drift", "--state-dir", "desired-state", "--format", "json", "--instance", "anycompany-demo"
    )
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert (data["format_version"], data["instance"], len(data["errors"])) == (2, "anycompany-demo", 1)


def test_validate_json_lists_problems_and_is_empty_when_valid(state_dir: Path) -> None:
    valid = invoke("validate", "--state-dir", "desired-state", "--format", "json")
    assert (valid.exit_code, json.loads(valid.stdout)) == (
        0,
        {"errors": [], "format_version": 3, "instance": None},
    )

    edit_yaml(state_dir / "anycompany-demo" / "queues.yaml", lambda doc: doc["queues"]["Sales"].update(x=1))
    invalid = invoke("validate", "--state-dir", "desired-state", "--format", "json", "--annotations")

    assert invalid.exit_code == 1
    (error,) = json.loads(invalid.stdout)["errors"]
    assert error["file"] == QUEUES_YAML and error["line"] > 0
    assert error["message"].startswith("queues.Sales.x: unknown key 'x'")
    assert commands(invalid.stderr) == [
        f"::error file={QUEUES_YAML},line={error['line']}::{error['message']}"
    ]


# --- --max-chars --------------------------------------------------------------------------------


def test_plan_markdown_fits_max_chars_with_the_renderers_note(
    demo_emulator: Emulator, state_dir: Path
) -> None:
    whole = invoke("plan", "--state-dir", "desired-state", "--format", "markdown")
    short = invoke("plan", "--state-dir", "desired-state", "--format", "markdown", "--max-chars", "2500")

    assert whole.exit_code == short.exit_code == 0
    assert len(whole.stdout) > 2500 >= len(short.stdout)
    assert short.stdout.startswith(MARKER)
    assert "Shortened to fit the 2,500-character limit of a GitHub comment" in short.stdout


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_max_chars_is_for_markdown_only(command: str, state_dir: Path) -> None:
    result = invoke(command, "--state-dir", "desired-state", "--max-chars", "100")

    assert result.exit_code == 1
    assert result.stderr == "error: --max-chars applies to --format markdown only\n"
