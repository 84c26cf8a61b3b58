"""``reconciler emulator``: bad input is a one-line error, exit 1; it serves until SIGTERM/Ctrl-C, exit 0."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connect_emulator.cli import emulator_command
from connect_emulator.testing import raw_request

from .helpers import emulator_process


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(emulator_command, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_missing_state_file(tmp_path: Path) -> None:
    code, output = run("--state", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert output.strip().count("\n") == 0
    assert output.startswith("error: ") and "nope.yaml" in output and "Traceback" not in output


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("defaultAccount: '1'\ninstances:\n  - id: [unclosed\n")
    code, output = run("--state", str(path))
    assert code == 1
    assert re.search(r"broken\.yaml:\d+(:\d+)?: invalid YAML", output), output
    assert output.strip().count("\n") == 0


def test_schema_error_names_file_line_and_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "instances:\n  - id: i1\n    region: us-east-1\n    queues:\n      - {id: q1, name: Q, type: WEIRD}\n"
    )
    code, output = run("--state", str(path))
    assert code == 1
    assert f"{path}:5: instances[0].queues[0].type: must be one of STANDARD, AGENT" in output


def test_bad_faults_spec() -> None:
    code, output = run("--faults", '{"rules": [{"operation": "X", "drop": 2}]}')
    assert code == 1 and "probability" in output and output.strip().count("\n") == 0


def test_bad_quota_scale_is_a_usage_error() -> None:
    code, _ = run("--quota-scale", "0")
    assert code == 2


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_cleanly_on_signal(signum: int) -> None:
    with emulator_process("--quotas", "aws") as (proc, line):
        match = re.match(
            r"Connect emulator listening on (http://127\.0\.0\.1:\d+) \(state: demo, quotas: aws\)", line
        )
        assert match, line
        assert raw_request(match.group(1), "GET", "/_emulator/health").json() == {"ok": True}
        resp = raw_request(match.group(1), "GET", "/instance/4a1b2c3d-0000-4000-8000-000000000001")
        assert resp.status == 200
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out
