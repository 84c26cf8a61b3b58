"""What a reviewer should be told about a traffic change: risk labels and warnings (pure).

Labels: `traffic-shift` (telephony moves), `failover` (a Region goes to 0% or 100%),
`sign-in-disabled`, `agents-shift`. Warnings: telephony sent where agents cannot sign in (the
default group's sign-in config after the plan), agents left behind when telephony moves (AWS
advises moving them together), a live distribution that could not be read.
"""

from __future__ import annotations

from typing import Any

from reconciler.desired.state import DesiredGroup
from reconciler.planning.live import LiveGroup, LiveInstance
from reconciler.planning.plan import Risk


def sign_in_after(
    resolved: list[tuple[DesiredGroup, LiveGroup]], live: LiveInstance
) -> dict[str, bool] | None:
    """Where agents may sign in once the plan is applied (the default group's sign-in config);
    a blocked default group keeps its live sign-in config."""
    for group, live_group in resolved:
        if live_group.is_default and group.spec.sign_in is not None and live_group.status == "ACTIVE":
            return dict(group.spec.sign_in)
    default = next((g for g in live.groups if g.is_default), None)
    if default is None or default.distribution is None:
        return None
    return default.distribution.sign_in


def group_risks(
    before: dict[str, Any],
    *,
    after: dict[str, Any],
    fields: list[str],
    agents_unmanaged: bool,
    sign_in_after: dict[str, bool] | None,
    live_group: LiveGroup,
) -> tuple[tuple[Risk, ...], tuple[str, ...]]:
    risks: list[Risk] = []
    warnings: list[str] = []
    tel_before, tel_after = before.get("telephony") or {}, after["telephony"] or {}
    if "telephony" in fields:
        risks.append(Risk.TRAFFIC_SHIFT)
        if any(tel_after[r] in (0, 100) and tel_before.get(r) != tel_after[r] for r in tel_after):
            risks.append(Risk.FAILOVER)
    if "agents" in fields:
        risks.append(Risk.AGENTS_SHIFT)
    if "signIn" in fields:
        was = before.get("signIn") or {}
        if any(was.get(r, True) and not on for r, on in after["signIn"].items()):
            risks.append(Risk.SIGN_IN_DISABLED)
    for region, pct in sorted(tel_after.items()):
        if pct > 0 and sign_in_after is not None and sign_in_after.get(region) is False:
            warnings.append(
                f"telephony sends {pct}% of calls to {region}, where agents cannot sign in "
                "(sign-in is disabled there on the default group)"
            )
    agents = after.get("agents")
    if "telephony" in fields and agents_unmanaged and agents is not None and agents != tel_after:
        shown = ", ".join(f"{r} {p}%" for r, p in sorted(agents.items()))
        warnings.append(
            f"agents stay at {shown} while telephony moves; AWS advises moving agents with telephony"
        )
    if live_group.distribution is None:
        warnings.append("the live distribution could not be read")
    return tuple(risks), tuple(warnings)
