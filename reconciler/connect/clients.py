"""One boto3 session per credentials source and one Connect client per (account, Region).

Credentials come from boto3's own chain (environment, profiles, SSO, instance roles), optionally
narrowed by the instance's `profile` and `roleArn`. The endpoint comes from boto3's settings too
(`AWS_ENDPOINT_URL_CONNECT`, `AWS_ENDPOINT_URL`, profile `endpoint_url`), unless `--endpoint-url`
overrides it. Retries are set explicitly (standard mode) rather than left to whatever the
machine's config says, and every client shares one `RateLimiter`.

Responses keep their timestamps as sent: nothing the reconciler reads uses one, and turning every
queue's `LastModifiedTime` into a datetime was 40% of botocore's parsing of a SearchQueues page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config

from reconciler import __version__
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.connect.ratelimit import RateLimiter

if TYPE_CHECKING:
    from mypy_boto3_connect import ConnectClient

MAX_ATTEMPTS = 5  # HTTP attempts per call, the first one included


@dataclass(frozen=True)
class Target:
    """Where calls for one instance go: Region and the credentials to use there."""

    instance: str  # the instance's name in the desired state, for messages
    region: str
    account: str | None = None
    profile: str | None = None
    role_arn: str | None = None

    @property
    def limiter_account(self) -> str:
        return self.account or self.role_arn or f"profile:{self.profile or 'default'}"


class ClientFactory:
    """Builds and caches Connect clients; thread-safe, because boto3 sessions are not."""

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        limiter: RateLimiter | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        read_timeout: float = 30.0,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.config = Config(
            # botocore's `max_attempts` counts retries only; `total_max_attempts` counts every attempt.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=5,
            read_timeout=read_timeout,
            max_pool_connections=20,
            user_agent_extra=f"connect-reconciler/{__version__}",
        )
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str | None, str | None], boto3.Session] = {}
        self._clients: dict[tuple[str | None, str | None, str], ConnectClient] = {}

    def connect(self, target: Target) -> ConnectClient:
        """The Connect client for `target` (created once, then reused)."""
        key = (target.profile, target.role_arn, target.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._session(target)
                try:
                    client = session.client(
                        "connect",
                        region_name=target.region,
                        endpoint_url=self.endpoint_url,
                        config=self.config,
                    )
                except AWS_ERRORS as exc:
                    raise translate(
                        exc, instance=target.instance, operation="client", region=target.region
                    ) from None
                self._attach_limiter(client, target)
                self._clients[key] = client
            return client

    def _session(self, target: Target) -> boto3.Session:
        key = (target.profile, target.role_arn)
        session = self._sessions.get(key)
        if session is not None:
            return session
        try:
            session = boto3.Session(botocore_session=_botocore_session(), profile_name=target.profile)
            if target.role_arn:
                session = self._assume(session, target)
        except AWS_ERRORS as exc:
            raise translate(
                exc, instance=target.instance, operation="AssumeRole", region=target.region
            ) from None
        self._sessions[key] = session
        return session

    @staticmethod
    def _assume(session: boto3.Session, target: Target) -> boto3.Session:
        assert target.role_arn is not None
        sts = session.client("sts", region_name=target.region)
        creds = sts.assume_role(RoleArn=target.role_arn, RoleSessionName="connect-reconciler")["Credentials"]
        return boto3.Session(
            botocore_session=_botocore_session(),
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def _attach_limiter(self, client: ConnectClient, target: Target) -> None:
        limiter, account, region = self.limiter, target.limiter_account, target.region

        def before_send(event_name: str, **_: Any) -> None:
            limiter.acquire(account, region, event_name.rsplit(".", 1)[-1])

        client.meta.events.register("before-send.connect.*", before_send)


def _botocore_session() -> botocore.session.Session:
    """A botocore session whose response parsers leave timestamps as the service sent them."""
    session = botocore.session.get_session()
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_as_sent)
    return session


def _as_sent(value: Any) -> Any:
    return value
