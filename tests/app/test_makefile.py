"""The Makefile's set-up targets, read with `make -n` in a copy: demo installs the runtime and
its `demo` extra only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..support.demo import REPO


def dry_run(tmp_path: Path, *targets: str) -> list[str]:
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    # under `make test` the outer make's settings are inherited: drop them, so that this make
    # prints only its own commands
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", *targets],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    )
    return done.stdout.splitlines()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_demo_installs_only_the_runtime(tmp_path: Path) -> None:
    lines = dry_run(tmp_path, "demo")
    installs = [line for line in lines if "pip install" in line and "upgrade pip" not in line]
    assert installs == [".venv/bin/python -m pip install --quiet -e '.[demo]'"]
    assert "touch .venv/.installed-runtime" in lines
    assert lines[-1] == ".venv/bin/python -m reconciler.app.demo"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_test_still_installs_everything(tmp_path: Path) -> None:
    lines = dry_run(tmp_path, "test")
    assert ".venv/bin/python -m pip install --quiet -e '.[dev]'" in lines
    assert lines[-1] == ".venv/bin/pytest -n 4"
