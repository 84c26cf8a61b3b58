"""The override store beside the lock: one record per instance, one winner, damaged records named."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reconciler.applying.overrides import FileOverrides
from reconciler.planning.override import Override, OverrideDamaged, OverrideExists

KEY = "connect-reconciler/111122223333/us-east-1/i"


def record(reason: str, token: str) -> Override:
    return Override(
        key=KEY,
        instance="demo",
        instance_id="i",
        to_region="us-west-2",
        groups=(),
        reason=reason,
        user="u",
        at="2026-12-01T03:00:00+00:00",
        written_from="us-west-2",
        token=token,
    )


def test_of_concurrent_failovers_one_wins_and_the_others_are_told_who(tmp_path: Path) -> None:
    store = FileOverrides(tmp_path)
    start = threading.Barrier(8)
    won: list[str] = []
    lost: list[str] = []

    def fail_over(n: int) -> None:
        start.wait()
        try:
            store.create(record(f"INC-{n}", f"t{n}"))
            won.append(f"INC-{n}")
        except OverrideExists as refused:
            lost.append(refused.existing.reason)

    threads = [threading.Thread(target=fail_over, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(lost) == 7
    assert set(lost) == set(won)
    stored = store.read(KEY)
    assert stored is not None and stored.reason == won[0]


def test_only_the_token_that_made_it_removes_it(tmp_path: Path) -> None:
    store = FileOverrides(tmp_path)
    store.create(record("INC-1", "mine"))
    assert not store.remove(KEY, "someone-else")
    assert store.read(KEY) is not None
    assert store.remove(KEY, "mine")
    assert store.read(KEY) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{", "not JSON"), ("[]", "not a JSON object"), ('{"format_version": 9}', "format version 9")],
)
def test_a_damaged_record_is_one_clear_line(tmp_path: Path, content: str, problem: str) -> None:
    store = FileOverrides(tmp_path)
    Path(store.where(KEY)).write_text(content, encoding="utf-8")
    with pytest.raises(OverrideDamaged, match=problem) as damaged:
        store.read(KEY)
    assert "\n" not in str(damaged.value) and "--clear" in str(damaged.value)
    assert store.remove(KEY, None)  # --clear removes it
