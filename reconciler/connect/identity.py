"""Which AWS account an instance's credentials belong to (STS GetCallerIdentity).

The apply lock is named by the instance's account. The instance block (`accountId`, or an instance
ARN) or the live read (every queue and group ARN names it) usually says which one it is; when
neither does, the account of the credentials the instance is reached with does, since Connect
answers for an instance only to its own account's credentials (a role assumed into it included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.config import Config

from reconciler.connect.clients import ClientFactory, target_of
from reconciler.connect.errors import AWS_ERRORS
from reconciler.desired.model import InstanceSpec
from reconciler.desired.patterns import ACCOUNT_RE
from reconciler.errors import ReconcilerError, redact

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=10)


def caller_account(spec: InstanceSpec, factory: ClientFactory | None = None) -> str:
    """The account of the credentials `spec` is reached with: its profile, its role, or boto3's own.

    `factory` is the run's (its sessions and assumed roles are reused); the endpoint is boto3's own
    (`AWS_ENDPOINT_URL_STS`, profiles), in the instance's Region.
    """
    target = target_of(spec, spec.region)
    try:
        session = (factory or ClientFactory())._session(target)
        client: STSClient = session.client("sts", region_name=spec.region, config=_CONFIG)
        account = str(client.get_caller_identity().get("Account", ""))
    except AWS_ERRORS as exc:
        raise ReconcilerError(
            f"cannot tell which AWS account {spec.name} is in: STS GetCallerIdentity failed "
            f"({redact(str(exc))}); write accountId in its instance block"
        ) from None
    if not ACCOUNT_RE.fullmatch(account):
        raise ReconcilerError(
            f"cannot tell which AWS account {spec.name} is in: STS answered {account[:40]!r}; "
            "write accountId in its instance block"
        )
    return account


_ONCE = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1, read_timeout=3)


def caller_arn(spec: InstanceSpec, factory: ClientFactory | None = None) -> str | None:
    """Who the credentials `spec` is reached with are (an ARN), for the record of a break-glass
    failover; None when STS does not answer at once (it may be down with the Region)."""
    target = target_of(spec, spec.region)
    try:
        session = (factory or ClientFactory())._session(target)
        client: STSClient = session.client("sts", region_name=spec.region, config=_ONCE)
        arn = str(client.get_caller_identity().get("Arn", ""))
    except (*AWS_ERRORS, ReconcilerError):
        return None
    return arn if arn.isprintable() and len(arn) <= 512 else None
