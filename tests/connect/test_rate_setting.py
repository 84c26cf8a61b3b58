"""RECONCILER_RATE_LIMIT: raised quotas go faster, `off` for emulators, bad values are one line."""

from __future__ import annotations

import pytest

from reconciler.app.environment import rate_limiter
from reconciler.errors import ReconcilerError


def test_unset_means_connects_documented_quota() -> None:
    limiter = rate_limiter(None)
    assert (limiter.rate, limiter.burst) == (2.0, 4)


@pytest.mark.parametrize(("setting", "rate", "burst"), [("10", 10.0, 20), ("10/5", 10.0, 5), ("0.5", 0.5, 1)])
def test_rate_and_burst(setting: str, rate: float, burst: int) -> None:
    limiter = rate_limiter(setting)
    assert (limiter.rate, limiter.burst) == (rate, burst)


@pytest.mark.parametrize("setting", ["off", "OFF", "0"])
def test_off_disables_limiting(setting: str) -> None:
    assert not rate_limiter(setting).enabled


@pytest.mark.parametrize("setting", ["fast", "2/x", "-1", "3/0"])
def test_bad_values_are_refused_clearly(setting: str) -> None:
    with pytest.raises(ReconcilerError, match="RECONCILER_RATE_LIMIT="):
        rate_limiter(setting)
