"""`reconciler show`: saved plans and failed plans rendered again, with no AWS access at all.

CI saves one plan per instance and renders them together later, in a job that cannot reach
Connect: `show` must render a saved plan exactly as `plan` did, refuse formats it cannot read, fit
several plans into one comment, and list the risk labels for the pull request.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connect_emulator.server import Emulator
from reconciler.render.markdown import MARKER

from ..support.cli import invoke
from ..support.demo import edit_yaml
from .helpers import one_line_error


@pytest.fixture
def saved(demo_emulator: Emulator, state_dir: Path, workdir: Path) -> Path:
    """The demo's plan, saved by `plan --out`; the emulator is stopped once the test starts."""
    result = invoke("plan", "--state-dir", "desired-state", "--out", "demo.plan.json")
    assert result.exit_code == 0, result.output
    demo_emulator.clear_calls()
    return workdir / "demo.plan.json"


@pytest.fixture
def failed(state_dir: Path, workdir: Path) -> Path:
    """What `plan --format json` printed when the desired state was invalid."""
    edit_yaml(state_dir / "anycompany-demo" / "queues.yaml", lambda doc: doc["queues"]["Sales"].update(x=1))
    result = invoke(
        "plan", "--state-dir", "desired-state", "--instance", "anycompany-demo", "--format", "json"
    )
    assert result.exit_code == 1
    path = workdir / "failed.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_prints_a_saved_plan_as_plan_printed_it(
    demo_emulator: Emulator, state_dir: Path, workdir: Path, fmt: str
) -> None:
    planned = invoke("plan", "--state-dir", "desired-state", "--format", fmt, "--out", "p.json", "--no-color")
    assert planned.exit_code == 0, planned.output
    demo_emulator.clear_calls()

    result = invoke("show", "p.json", "--format", fmt, "--no-color")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == planned.stdout
    assert demo_emulator.calls() == []  # nothing read from Connect


def test_show_refuses_an_unknown_format_version_as_apply_does(saved: Path) -> None:
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["format_version"] = 99
    saved.write_text(json.dumps(data), encoding="utf-8")

    result = invoke("show", str(saved))

    assert result.exit_code == 1
    assert one_line_error(result) == (
        f"error: {saved}: plan format version 99 is not supported (this reconciler reads version 3); "
        "make the plan again"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not a saved plan: invalid JSON"),
        ("[1, 2]", "not a saved plan (no format_version)"),
        (
            '{"format_version": 2, "errors": []}',
            "lists no errors: neither a saved plan nor a plan that failed",
        ),
        ('{"format_version": 7, "errors": [{"message": "x"}]}', "plan format version 7 is not supported"),
        ('{"format_version": 2, "errors": [{"text": "x"}]}', "not a valid failed plan: errors.0.message"),
    ],
)
def test_show_refuses_what_is_not_a_plan(workdir: Path, content: str, message: str) -> None:
    path = workdir / "odd.json"
    path.write_text(content, encoding="utf-8")

    result = invoke("show", str(path))

    assert result.exit_code == 1
    assert message in one_line_error(result)


def test_show_of_a_missing_file_is_one_line(workdir: Path) -> None:
    result = invoke("show", "nowhere.plan.json")

    assert result.exit_code == 1
    assert one_line_error(result) == "error: cannot read nowhere.plan.json: No such file or directory"


def test_show_puts_a_plan_and_a_failed_plan_in_one_comment_within_max_chars(
    saved: Path, failed: Path
) -> None:
    result = invoke("show", str(saved), str(failed), "--format", "markdown", "--max-chars", "4000")

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert len(text) <= 4000
    assert text.count(MARKER) == 1 and text.startswith(MARKER)
    assert "- `anycompany-demo`: 3 to change (traffic-shift, agents-shift)\n" in text
    assert "- `anycompany-demo`: **failed** (1 problem)\n" in text
    assert "`desired-state/anycompany-demo/queues.yaml:" in text and "unknown key 'x'" in text
    assert "Shortened to fit its " in text  # the plan says itself what it left out


def test_show_text_and_json_of_several_files(saved: Path, failed: Path) -> None:
    text = invoke("show", str(saved), str(failed))
    assert text.exit_code == 0
    assert "Plan: 3 to change, 6 unchanged, 0 blocked.\n" in text.stdout
    assert "The plan for anycompany-demo failed with 1 problem:\n  error: desired-state/" in text.stdout

    as_json = invoke("show", str(saved), str(failed), "--format", "json")
    assert as_json.exit_code == 0
    first, second = json.loads(as_json.stdout)
    assert first == json.loads(saved.read_text(encoding="utf-8"))
    assert second == json.loads(failed.read_text(encoding="utf-8"))


def test_labels_are_the_risk_labels_of_the_plans(saved: Path, failed: Path) -> None:
    result = invoke("show", str(saved), str(failed), "--labels")

    assert (result.exit_code, result.stdout) == (0, "traffic-shift\nagents-shift\n")


def test_max_chars_is_for_markdown(saved: Path) -> None:
    result = invoke("show", str(saved), "--max-chars", "100")

    assert result.exit_code == 1
    assert one_line_error(result) == "error: --max-chars applies to --format markdown only"
