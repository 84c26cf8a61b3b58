"""Errors a user can act on: a refused call names its IAM action, a missing profile says so.

Through real boto3: the emulator refuses the call as IAM does (a scripted AccessDeniedException),
and the profile is looked up in the empty AWS config files the suite gives every test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connect_emulator.server import Emulator

from ..support.cli import invoke
from ..support.demo import copy_demo, edit_yaml

DENIED = "AccessDeniedException"


def test_access_denied_names_the_iam_action_and_the_policy_command(
    demo_emulator: Emulator, tmp_path: Path
) -> None:
    emu, state_dir = demo_emulator, copy_demo(tmp_path / "state")
    emu.set_faults(
        {
            "scripted": [
                {
                    "operation": "UpdateTrafficDistribution",
                    "nth": 1,
                    "status": 403,
                    "code": "AccessDeniedException",
                }
            ]
        }
    )
    result = invoke("apply", "--state-dir", str(state_dir), "--auto-approve", "--no-color")
    assert result.exit_code == 1
    assert (
        "AccessDeniedException: Injected fault; the role needs the IAM action "
        "connect:UpdateTrafficDistribution (`reconciler iam-policy --mode apply` prints the whole policy)"
    ) in result.stderr


def test_a_refused_read_points_at_the_plan_policy(demo_emulator: Emulator, tmp_path: Path) -> None:
    emu, state_dir = demo_emulator, copy_demo(tmp_path / "state")
    emu.set_faults({"scripted": [{"operation": "SearchQueues", "nth": 1, "status": 403, "code": DENIED}]})
    result = invoke("plan", "--state-dir", str(state_dir))
    assert result.exit_code == 1
    assert (
        "the role needs the IAM action connect:SearchQueues (`reconciler iam-policy --mode plan`"
        in result.stderr
    )


def test_a_missing_profile_says_it_is_not_configured(demo_emulator: Emulator, tmp_path: Path) -> None:
    state = copy_demo(tmp_path / "state")

    def use_profile(doc: dict[str, Any]) -> None:
        doc["instance"]["profile"] = "nowhere"

    edit_yaml(state / "anycompany-demo" / "instance.yaml", use_profile)
    result = invoke("plan", "--state-dir", str(state))
    assert result.exit_code == 1
    assert "the AWS profile 'nowhere' is not configured" in result.stderr
    assert "AssumeRole" not in result.stderr
