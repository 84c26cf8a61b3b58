"""`python -m reconciler.app.github missing-results`: no instance left out of the comment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.app.documents import read_document
from reconciler.app.github import NO_RESULT, fill_missing, main
from reconciler.render.failure import Failure


def test_an_instance_without_a_result_gets_a_failed_plan(tmp_path: Path) -> None:
    (tmp_path / "kept.json").write_text('{"kept": true}', encoding="utf-8")
    (tmp_path / "empty.json").write_text("", encoding="utf-8")  # a job killed while planning

    written = fill_missing(["kept", "empty", "missing"], tmp_path)

    assert written == [tmp_path / "empty.json", tmp_path / "missing.json"]
    assert (tmp_path / "kept.json").read_text(encoding="utf-8") == '{"kept": true}'
    failure = read_document(str(tmp_path / "missing.json"))
    assert isinstance(failure, Failure)
    assert failure.instance == "missing" and [e.message for e in failure.errors] == [NO_RESULT]


def test_the_module_runs_as_the_workflow_calls_it(tmp_path: Path) -> None:
    targets = json.dumps([{"name": "a", "region": "us-east-1"}, {"name": "b", "region": "us-east-1"}])
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-m", "reconciler.app.github", "missing-results", targets, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"no result from the plan of b: wrote {tmp_path / 'b.json'}\n"


def test_bad_arguments_are_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["missing-results", "not json", str(tmp_path)], ["missing-results", '[{"nom": "a"}]', "x"]):
        assert main(args) == 1
        err = capsys.readouterr().err
        assert (
            err.startswith("error: not the output of `reconciler targets --json`: ") and err.count("\n") == 1
        )
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert main(["missing-results", '[{"name": "a"}]', str(blocker / "results")]) == 1
    assert capsys.readouterr().err == f"error: cannot write to {blocker / 'results'}: Not a directory\n"
    blocker.unlink()
    assert main(["something-else"]) == 1
    assert capsys.readouterr().err.startswith("usage: python -m reconciler.app.github missing-results")
    assert list(tmp_path.iterdir()) == []
