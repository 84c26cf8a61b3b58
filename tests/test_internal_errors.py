"""An unexpected failure is still one line and exit 1; RECONCILER_DEBUG=1 shows the traceback."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connect_emulator.server import Emulator
from reconciler.app import environment
from reconciler.app import run as workflow
from reconciler.applying.journal import read as read_journal
from reconciler.cli import cli
from reconciler.connect import RateLimiter
from reconciler.desired.model import InstanceSpec

from .support.connect import emulator_port
from .support.demo import DEMO_STATE, EAST, INSTANCE_BLOCK, REPO


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("disk on fire")


def test_an_unexpected_error_is_one_line_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflow, "load_desired", _boom)
    result = CliRunner().invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert (
        result.stderr == "internal error: RuntimeError: disk on fire (set RECONCILER_DEBUG=1 for details)\n"
    )


def test_reconciler_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workflow, "load_desired", _boom)
    monkeypatch.setenv("RECONCILER_DEBUG", "1")
    result = CliRunner().invoke(cli, ["plan"])
    assert isinstance(result.exception, RuntimeError)


class _BrokenLimiter(RateLimiter):
    """A rate limiter with a bug: its hook runs inside botocore's send, on every request."""

    def acquire(self, account: str, region: str, operation: str) -> None:
        raise KeyError(operation)


def test_a_bug_in_the_request_hook_is_an_internal_error_not_a_failed_call(
    demo_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: translate() turned any exception into a ConnectCallError, and a KeyError in the
    # limiter read as "SearchQueues in us-east-1 failed: KeyError". It is a bug: say so.
    port = emulator_port(demo_emulator, limiter=_BrokenLimiter())
    with pytest.raises(KeyError):
        port.search_queues(InstanceSpec.model_validate(INSTANCE_BLOCK), region=EAST)

    monkeypatch.setattr(environment, "rate_limiter", lambda setting: _BrokenLimiter())
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: KeyError: ")
    assert "failed" not in result.stderr


# --- failures of the machine, not of the code: one clear line each ---------------------------


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECONCILER_RATE_LIMIT": "off", **kwargs.pop("env", {})}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False, **kwargs)


def _user_namespaces() -> bool:
    """Whether this machine lets an unprivileged process run as a uid of its choice (unshare -U)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "--user", "--map-user=54321", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _user_namespaces(), reason="needs user namespaces (unshare --user)")
def test_a_uid_without_a_passwd_entry_applies_and_owns_its_lock_as_uid_n(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    """CI containers often run as a uid /etc/passwd does not name: getpass.getuser() fails there."""
    assert subprocess.run(["getent", "passwd", "54321"], capture_output=True, check=False).returncode != 0
    as_nobody = ["unshare", "--user", "--map-user=54321", "--map-group=54321"]
    env = dict.fromkeys(("USER", "LOGNAME", "LNAME", "USERNAME"), "")
    env = {k: v for k, v in os.environ.items() if k not in env}
    owner = subprocess.run(
        [
            *as_nobody,
            sys.executable,
            "-c",
            "from reconciler.applying.lock import new_info; print(new_info('k', 'apply', 1).owner)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert owner.returncode == 0, owner.stderr
    assert owner.stdout.startswith("uid 54321@")
    state = tmp_path / "state"
    shutil.copytree(DEMO_STATE, state)
    applied = subprocess.run(
        [
            *as_nobody,
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            "--state-dir",
            str(state),
            "--auto-approve",
            "--journal",
            str(tmp_path / "j.jsonl"),
        ],
        capture_output=True,
        text=True,
        env={**env, "RECONCILER_RATE_LIMIT": "off"},
        check=False,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stderr
    assert "Traceback" not in applied.stderr


def test_a_user_name_that_cannot_be_found_falls_back_to_the_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, where user namespaces are not allowed: the passwd lookup itself fails."""
    import pwd

    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    from reconciler.applying.lock import new_info

    assert new_info("k", "apply", 1).owner.startswith(f"uid {os.getuid()}@")


def test_a_journal_that_cannot_be_written_stops_the_apply_in_one_line(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    """A full disk, for real: the apply runs with a file size limit (RLIMIT_FSIZE), so the journal's
    writes fail with EFBIG part-way, as they would with ENOSPC."""
    journal = tmp_path / "j.jsonl"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    result = _run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            "--state-dir",
            str(DEMO_STATE),
            "--auto-approve",
            "--journal",
            str(journal),
        ],
        preexec_fn=small_files,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: cannot write the journal {journal}: File too large")
    assert "internal error" not in result.stderr
    # Every write that reached Connect was journalled as started first.
    started = {r.resource_id for r in read_journal(str(journal)) if r.event == "change-started"}
    sent = [c for c in demo_emulator.calls() if c["operation"].startswith("Update")]
    assert 0 < len(sent) <= len(started)


def test_a_journal_path_that_is_a_device_is_one_clear_line(demo_emulator: Emulator, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["apply", "--state-dir", str(DEMO_STATE), "--auto-approve", "--journal", "/dev/full"]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot write the journal /dev/full: it exists and is not a regular file; "
        "give each apply a new --journal path\n"
    )


@pytest.mark.parametrize("setting", ["inf", "nan", "-inf", "inf/5", "nan/5", "1e400", "5/inf", "0.5/nan"])
def test_a_rate_limit_that_is_no_number_is_one_clear_line(
    setting: str, demo_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_RATE_LIMIT", setting)
    result = CliRunner().invoke(cli, ["plan", "--state-dir", str(DEMO_STATE)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: RECONCILER_RATE_LIMIT={setting!r}: ")
    assert demo_emulator.calls() == []


_INTERRUPT_AT_IMPORT = '''
import os, signal, sys

class _Interrupt:
    """Ctrl-C, for real (SIGINT to this process), while the module named below is being imported."""

    def find_spec(self, name, path=None, target=None):
        if name == os.environ.get("INTERRUPT_AT_IMPORT"):
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, _Interrupt())
'''


@pytest.mark.parametrize("module", ["click", "pydantic", "yaml", "reconciler.cli.base"])
@pytest.mark.parametrize("entry", ["console-script", "python -m"])
def test_ctrl_c_while_starting_up_is_one_line(entry: str, module: str, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(_INTERRUPT_AT_IMPORT, encoding="utf-8")
    script = Path(sys.executable).parent / "reconciler"
    if entry == "console-script" and not script.exists():
        pytest.skip("the console script is not installed beside this Python")
    command = [str(script)] if entry == "console-script" else [sys.executable, "-m", "reconciler"]
    result = _run(
        [*command, "validate", "--state-dir", str(DEMO_STATE)],
        env={"PYTHONPATH": str(tmp_path), "INTERRUPT_AT_IMPORT": module},
    )
    assert result.stderr == "interrupted\n"
    assert result.returncode == 1


@pytest.mark.parametrize("how", ["--endpoint-url", "AWS_ENDPOINT_URL_CONNECT"])
def test_an_endpoint_password_is_never_shown(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    url = f"http://deploy:pa%40ss@w0rd@127.0.0.1:{closed}"
    args = ["plan", "--state-dir", str(DEMO_STATE)]
    if how == "--endpoint-url":
        args += ["--endpoint-url", url]
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", url)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Could not connect to the endpoint URL" in result.stderr
    assert "http://***@127.0.0.1" in result.stderr
    for secret in ("deploy", "pa%40ss", "w0rd"):
        assert secret not in result.stderr


def test_an_internal_error_never_shows_an_endpoint_password(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(*_: object, **__: object) -> None:
        raise RuntimeError("could not use https://admin:hunter2@vpce-1.connect.example/")

    monkeypatch.setattr(workflow, "load_desired", leaky)
    result = CliRunner().invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert "hunter2" not in result.stderr
    assert "https://***@vpce-1.connect.example/" in result.stderr


def test_translate_redacts_every_message() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    from reconciler.connect.errors import translate

    unreachable = EndpointConnectionError(endpoint_url="https://u:p4ss@connect.example/queues")
    refused = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "denied for https://u:p4ss@x.example/"}},
        "SearchQueues",
    )
    for exc in (unreachable, refused):
        message = str(translate(exc, instance="i", operation="SearchQueues", region=EAST))
        assert "p4ss" not in message
        assert "***@" in message
