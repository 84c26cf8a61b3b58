"""The README's Commands table is the one generated from the click commands, and the walkthrough runs."""

from __future__ import annotations

from pathlib import Path

from connect_emulator.server import Emulator
from reconciler.cli import doc

from ..support.cli import invoke
from ..support.demo import REPO, copy_demo


def test_the_readme_commands_table_is_generated_from_the_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert doc.rewrite(readme) == readme, "run: python -m reconciler.cli.doc"


def test_every_command_and_flag_is_in_the_table_with_its_exit_codes() -> None:
    table = doc.commands_table()
    assert "(undocumented)" not in table
    for flag in (
        "--detailed-exitcode",
        "--auto-approve",
        "--color/--no-color",
        "--lock-timeout SECONDS",
    ):
        assert flag in table
    assert "| `reconciler unlock INSTANCE [--state-dir PATH] [--lock BACKEND] [--force]` |" in table


def test_the_readme_quickstart_runs_against_the_emulator(demo_emulator: Emulator, tmp_path: Path) -> None:
    state = copy_demo(tmp_path / "desired-state")
    assert invoke("validate", "--state-dir", str(state)).exit_code == 0
    plan = invoke("plan", "--state-dir", str(state), "--out", str(tmp_path / "plan.json"))
    assert plan.exit_code == 0 and "Plan: 3 to change" in plan.stdout
    applied = invoke("apply", str(tmp_path / "plan.json"), "--auto-approve", "--journal", str(tmp_path / "j"))
    assert applied.exit_code == 0, applied.output
    assert invoke("drift", "--state-dir", str(state)).exit_code == 0


def test_plans_and_journals_are_git_ignored() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "plan.json" in ignored and ".reconciler/" in ignored


def test_the_readme_plan_example_is_what_plan_prints(demo_emulator: Emulator, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("### Reading a plan\n\n```\n", 1)[1].split("```", 1)[0]
    shown = [line for line in example.splitlines() if line.strip()]
    plan = invoke("plan", "--state-dir", str(copy_demo(tmp_path / "desired-state")), "--no-color")
    printed = plan.stdout.splitlines()
    for line in shown:  # the example is abridged: each line is printed, a cut one (`...`) as its start
        if line.endswith("..."):
            assert any(p.startswith(line[:-3]) for p in printed), line
        else:
            assert line in printed, line
