"""The committed schema/desired-state.json, which editors point at, must match the models."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reconciler.cli import cli

from .support.demo import REPO as ROOT


def test_committed_schema_matches_the_models() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    committed = json.loads((ROOT / "schema" / "desired-state.json").read_text(encoding="utf-8"))
    assert committed == json.loads(result.output), "regenerate: reconciler schema > schema/desired-state.json"
