"""A plan made from a working tree with uncommitted changes says so: its commit ends in `-dirty`.

A reviewer compares the plan with the commit it names; if the state directory held edits that were
never committed, that commit did not produce the plan. Only changes under the state directory
count (`git status --porcelain` there), as in `git describe --dirty`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from connect_emulator.server import Emulator
from reconciler.app.git import git_commit
from reconciler.render import render

from ..render.plans import META, demo_plan
from ..support.cli import invoke
from ..support.demo import copy_demo


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(workdir: Path) -> Path:
    """A git repository with desired-state/ and a README committed."""
    git(workdir, "init", "-q")
    copy_demo(workdir / "desired-state")
    (workdir / "README.md").write_text("notes\n", encoding="utf-8")
    git(workdir, "add", ".")
    git(workdir, "commit", "-q", "-m", "state")
    return workdir


def test_a_clean_state_directory_gives_the_bare_commit(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("edited outside the state directory\n", encoding="utf-8")
    (repo / "notes.txt").write_text("untracked, outside\n", encoding="utf-8")

    assert git_commit("desired-state") == head


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: (d / "anycompany-demo" / "queues.yaml").write_text("queues: {}\n", encoding="utf-8"),
        lambda d: (d / "anycompany-demo" / "new.yaml").write_text("queues: {}\n", encoding="utf-8"),
        lambda d: (d / "anycompany-demo" / "queues.yaml").unlink(),
    ],
    ids=["edited", "untracked", "deleted"],
)
def test_changes_under_the_state_directory_mark_the_commit_dirty(
    repo: Path, edit: Callable[[Path], object]
) -> None:
    head = git(repo, "rev-parse", "HEAD")
    edit(repo / "desired-state")

    assert git_commit("desired-state") == f"{head}-dirty"


def test_a_staged_change_is_dirty_too(repo: Path) -> None:
    (repo / "desired-state" / "anycompany-demo" / "queues.yaml").write_text("queues: {}\n", encoding="utf-8")
    git(repo, "add", ".")

    assert (git_commit("desired-state") or "").endswith("-dirty")


def test_outside_a_work_tree_there_is_no_commit(workdir: Path) -> None:
    copy_demo(workdir / "desired-state")

    assert git_commit("desired-state") is None


def test_the_plan_and_its_renderings_carry_the_dirty_mark(demo_emulator: Emulator, repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    queues = repo / "desired-state" / "anycompany-demo" / "queues.yaml"
    queues.write_text(queues.read_text(encoding="utf-8") + "# an uncommitted comment\n", encoding="utf-8")

    result = invoke("plan", "--state-dir", "desired-state", "--out", "plan.json", "--no-color")

    assert result.exit_code == 0, result.output
    assert f" at commit {head[:12]}-dirty (desired-state digest" in result.stdout
    shown = invoke("show", "plan.json", "--format", "markdown")
    assert f"at commit `{head[:12]}-dirty`" in shown.stdout
    assert f'"git_commit": "{head}-dirty"' in (repo / "plan.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_renderers_keep_the_mark_when_they_shorten_the_commit(fmt: str) -> None:
    meta = META.model_copy(update={"git_commit": f"{META.git_commit}-dirty"})
    plan = demo_plan().model_copy(update={"meta": meta})

    assert "9e4f2a1c3b5d-dirty" in render(plan, fmt)
