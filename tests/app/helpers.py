"""Small helpers shared by the GitOps tests (the demo's IDs are in tests/support/demo.py).

Everything drives the real reconciler code and real boto3 clients against the emulator on
127.0.0.1; nothing is mocked. Commands run in-process through click's CliRunner (the endpoint in
AWS_ENDPOINT_URL_CONNECT, as users set it) or through `Run`, as the CLI calls it.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import yaml
from click.testing import Result

from connect_emulator.ops import WRITES
from connect_emulator.server import Emulator
from reconciler.applying.applier import Applier
from reconciler.applying.results import Outcome

from ..support.connect import emulator_port, fast_settings, make_plan
from ..support.demo import REPO

VENV_BIN = REPO / ".venv" / "bin"


def one_line_error(result: Result) -> str:
    """The whole of stderr, checked to be exactly one `error: ...` line and no traceback."""
    err = result.stderr
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: "), err
    assert "Traceback" not in result.output
    return err.strip()


def write_instance(folder: Path, block: dict[str, Any], **sections: Any) -> Path:
    """One `instance.yaml` with the instance block and any sections (queues, groups)."""
    folder.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"instance": dict(block)}
    doc.update({k: v for k, v in sections.items() if v})
    path = folder / "instance.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def apply_state(emu: Emulator, state_dir: Path) -> int:
    """Plan and apply `state_dir` with the calls the CLI makes; returns the number applied."""
    port = emulator_port(emu)
    made = make_plan(state_dir, port)
    report = Applier(port, None, fast_settings()).run(made)
    assert report.ok, report
    return sum(1 for r in report.results if r.outcome is Outcome.APPLIED)


def operations(emu: Emulator) -> list[str]:
    """The operation of every API call in the emulator's log, in order."""
    return [str(c["operation"]) for c in emu.calls()]


def write_calls(emu: Emulator) -> list[dict[str, Any]]:
    """Calls that change state: the emulator's writes, and anything named Update*/Create*/...."""
    mutating = ("Update", "Create", "Delete", "Put", "Associate", "Disassociate", "Claim", "Release")
    return [c for c in emu.calls() if c["operation"] in WRITES or str(c["operation"]).startswith(mutating)]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
