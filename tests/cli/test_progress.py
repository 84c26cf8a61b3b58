"""The apply progress component: plain lines in CI, a live status line on a terminal; one colour rule."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from reconciler.applying.results import Outcome, Result
from reconciler.cli.base import decide_color
from reconciler.cli.progress import Progress

from ..render.plans import demo_plan
from ..support.cli import invoke
from ..support.demo import copy_demo


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _results() -> list[Result]:
    group, _, sales, support = demo_plan().updates
    return [
        Result(group, Outcome.APPLIED, region="us-east-1", seconds=1.0),
        Result(sales, Outcome.FAILED, "AccessDeniedException"),
        Result(support, Outcome.APPLIED, region="us-east-1", seconds=0.5),
    ]


def test_a_ci_log_gets_one_plain_line_per_change_and_nothing_rewritten() -> None:
    log = io.StringIO()
    progress = Progress(log)
    for done, result in enumerate(_results(), 1):
        progress(result, done, 3)
    progress.close()
    assert log.getvalue() == (
        '[1/3] applied traffic-distribution "anycompany-default" (us-east-1) 1.0 s\n'
        '[2/3] failed queue "Sales": AccessDeniedException\n'
        '[3/3] applied queue "Support" (us-east-1) 0.5 s\n'
    )


def test_a_terminal_gets_the_lines_and_a_status_line_rewritten_under_them() -> None:
    screen = _Terminal()
    ticks = itertools.count(0.0, 1.0)
    progress = Progress(screen, color=False, clock=lambda: next(ticks))
    for done, result in enumerate(_results(), 1):
        progress(result, done, 3)
    progress.say("Interrupted")
    progress.close()
    out = screen.getvalue()
    assert '\r\x1b[2K[1/3] applied traffic-distribution "anycompany-default" (us-east-1) 1.0 s\n' in out
    assert "[1/3] 1 applied · 1.0 writes/s · about 2 s left" in out
    assert "\r\x1b[2K[2/3] failed queue" in out  # the status line is cleared before the next line
    assert "[3/3] 2 applied, 1 failed · 1.0 writes/s" in out
    assert out.endswith("\r\x1b[2KInterrupted\n")


def test_a_terminal_status_line_is_dim_when_coloured() -> None:
    screen = _Terminal()
    progress = Progress(screen)
    progress(_results()[1], 1, 3)
    assert "\x1b[31m" in screen.getvalue() and "\x1b[2m[1/3] 1 failed" in screen.getvalue()


@pytest.mark.parametrize(
    ("flag", "environ", "isatty", "expected"),
    [
        (None, {}, True, True),
        (None, {}, False, False),
        (True, {}, False, True),  # --color forces colour in a pipe
        (True, {"NO_COLOR": "1", "TERM": "dumb"}, False, True),  # the flag wins over the environment
        (False, {}, True, False),
        (None, {"NO_COLOR": "1"}, True, False),
        (None, {"NO_COLOR": ""}, True, True),  # an empty NO_COLOR does not count
        (None, {"TERM": "dumb"}, True, False),
        (None, {"TERM": "xterm-256color"}, True, True),
    ],
)
def test_one_colour_rule(flag: bool | None, environ: dict[str, str], isatty: bool, expected: bool) -> None:
    assert decide_color(flag, environ, isatty) is expected


def test_color_forces_colour_in_a_pipe_for_drift_and_apply_lines(
    demo_emulator: object, tmp_path: Path
) -> None:
    state = copy_demo(tmp_path / "state")
    plain = invoke("drift", "--state-dir", str(state))
    assert plain.exit_code == 2 and "\x1b[" not in plain.output
    coloured = invoke("drift", "--state-dir", str(state), "--color")
    assert coloured.exit_code == 2 and "\x1b[31m" in coloured.stdout
    applied = invoke(
        "apply", "--state-dir", str(state), "--auto-approve", "--color", "--journal", str(tmp_path / "j")
    )
    assert applied.exit_code == 0, applied.output
    assert "\x1b[32mapplied\x1b[0m queue" in applied.stderr
