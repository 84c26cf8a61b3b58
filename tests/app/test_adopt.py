"""Adopting a failover into git keeps people's files: comments, order, quoting and layout survive,
and only the changed numbers (and flags) differ, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.app.adopt import adopt_groups
from reconciler.desired import loader
from reconciler.errors import ReconcilerError
from reconciler.planning.values import GroupValues

COMMENTED = """\
# yaml-language-server: $schema=../schema.json
instance:
  name: demo   # the demo instance
  id: 4a1b2c3d-0000-4000-8000-000000000001
  region: us-east-1
  replicaRegion: us-west-2
  accountId: "111122223333"

trafficDistributionGroups:
  # The default group, with sign-in.
  main-default:
    default: true
    telephony:   # calls
      us-east-1: 80    # most calls stay east
      us-west-2: 20
    agents: {us-east-1: 80, us-west-2: 20}  # flow style stays flow style
    signIn:
      us-east-1: true
      us-west-2: false

  'quoted-overflow':
    order: 2
    telephony:
      us-west-2: 50
      us-east-1: 50
"""


def test_adopt_changes_only_the_numbers_and_keeps_everything_else(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / "instance.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    desired = loader.load(str(folder)).instances[0]
    west = {"us-east-1": 0, "us-west-2": 100}
    values = {
        "main-default": GroupValues(
            telephony=west, agents=west, sign_in={"us-east-1": True, "us-west-2": True}
        ),
        "quoted-overflow": GroupValues(telephony=west, agents=west),  # agents unmanaged: left alone
    }

    done = adopt_groups([(g, values[g.key]) for g in desired.groups])

    expected = (
        COMMENTED.replace("us-east-1: 80    #", "us-east-1: 0    #")
        .replace("us-west-2: 20\n", "us-west-2: 100\n")
        .replace("{us-east-1: 80, us-west-2: 20}", "{us-east-1: 0, us-west-2: 100}")
        .replace("us-west-2: false", "us-west-2: true")
        .replace("us-west-2: 50\n      us-east-1: 50", "us-west-2: 100\n      us-east-1: 0")
    )
    assert path.read_text(encoding="utf-8") == expected
    assert {(a.group, a.fields) for a in done} == {
        ("main-default", ("telephony", "agents", "signIn")),
        ("quoted-overflow", ("telephony",)),
    }
    again = adopt_groups([(g, values[g.key]) for g in loader.load(str(folder)).instances[0].groups])
    assert all(a.fields == () for a in again)  # a second adopt is a no-op
    assert path.read_text(encoding="utf-8") == expected


def test_a_group_no_longer_where_it_was_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / "instance.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    group = loader.load(str(folder)).instances[0].groups[0]
    path.write_text(COMMENTED.replace("main-default", "renamed"), encoding="utf-8")
    with pytest.raises(ReconcilerError, match="main-default is not where"):
        adopt_groups([(group, GroupValues(telephony={"us-east-1": 0, "us-west-2": 100}))])
