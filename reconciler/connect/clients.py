"""Connect clients per (credentials, Region, endpoint): timeouts that fail fast, credentials that last.

Credentials come from boto3's own chain (environment, profiles, SSO, instance roles), optionally
narrowed by the instance's `profile` and `roleArn`. A role is assumed through botocore's
refreshable credentials, renewed before they expire, because an apply at the write quota can
outlast an assumed role's hour.

The endpoint of a call is, in this order: `--endpoint-url REGION=URL` for its Region, a plain
`--endpoint-url URL`, the instance block's `endpoints:` entry for its Region, then boto3's own
settings (`AWS_ENDPOINT_URL_CONNECT`, `AWS_ENDPOINT_URL`, profiles). A per-Region URL is never used
for the other Region, so a replica call cannot reach the failed Region's VPC endpoint.

Two kinds of client, because the day a Region fails is the day this tool matters most:
- the first call to a Region in a run is a *probe*: one attempt, a short connect and read timeout.
  A Region that does not answer it costs at most a second and a half, not minutes of retries;
- once a Region has answered, calls use standard retries (throttling and 5xx, with backoff) and
  longer timeouts, but a Region that stops answering gets only two attempts per call.

Every client shares one `RateLimiter`. Responses keep their timestamps as sent: nothing the
reconciler reads uses one, and parsing every queue's `LastModifiedTime` was 40% of a page's cost.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from reconciler import __version__
from reconciler.connect.errors import AWS_ERRORS, translate
from reconciler.connect.ratelimit import RateLimiter
from reconciler.desired.model import InstanceSpec

if TYPE_CHECKING:
    from mypy_boto3_connect import ConnectClient

MAX_ATTEMPTS = 5  # HTTP attempts per call, the first one included (throttling, 5xx)
UNREACHABLE_ATTEMPTS = 2  # ... but only this many when the Region does not answer at all
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 10.0
PROBE_CONNECT_TIMEOUT = 1.0
PROBE_READ_TIMEOUT = 1.5

_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError, ReadTimeoutError)


@dataclass(frozen=True)
class Target:
    """Where one call goes: the instance (for messages), Region, credentials and endpoint."""

    instance: str
    region: str
    account: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    endpoint: str | None = None  # the instance block's URL for this Region, if any

    @property
    def limiter_account(self) -> str:
        return self.account or self.role_arn or f"profile:{self.profile or 'default'}"


def target_of(spec: InstanceSpec, region: str) -> Target:
    return Target(
        instance=spec.name,
        region=region,
        account=spec.account,
        profile=spec.profile,
        role_arn=spec.role_arn,
        endpoint=(spec.endpoints or {}).get(region),
    )


class ClientFactory:
    """Builds and caches Connect clients; thread-safe, because boto3 sessions are not."""

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        region_endpoints: Mapping[str, str] | None = None,
        limiter: RateLimiter | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        read_timeout: float = READ_TIMEOUT,
        role_duration: int | None = None,
        clock: Callable[[], Any] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region_endpoints = dict(region_endpoints or {})
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.role_duration = role_duration  # seconds an assumed role's credentials last (tests)
        self.clock = clock  # what refreshable credentials read the time from (tests)
        common: dict[str, Any] = {
            "max_pool_connections": 20,
            "user_agent_extra": f"connect-reconciler/{__version__}",
        }
        # botocore's `max_attempts` counts retries only; `total_max_attempts` counts every attempt.
        self.config = Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=read_timeout,
            **common,
        )
        self.probe_config = Config(
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=PROBE_CONNECT_TIMEOUT,
            read_timeout=PROBE_READ_TIMEOUT,
            **common,
        )
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str | None, str | None], boto3.Session] = {}
        self._clients: dict[tuple[Any, ...], ConnectClient] = {}

    def endpoint_for(self, target: Target) -> str | None:
        return self.region_endpoints.get(target.region) or self.endpoint_url or target.endpoint

    def connect(self, target: Target, *, probe: bool = False) -> ConnectClient:
        """The Connect client for `target` (created once, then reused); `probe`: fail-fast settings."""
        endpoint = self.endpoint_for(target)
        key = (target.profile, target.role_arn, target.region, endpoint, probe)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._session(target)
                try:
                    client = session.client(
                        "connect",
                        region_name=target.region,
                        endpoint_url=endpoint,
                        config=self.probe_config if probe else self.config,
                    )
                except AWS_ERRORS as exc:
                    raise translate(
                        exc, instance=target.instance, operation="client", region=target.region
                    ) from None
                self._attach_limiter(client, target)
                stop: Callable[..., None] = _stop_when_unreachable  # type: ignore[assignment]
                client.meta.events.register_first("needs-retry.connect", stop)
                self._clients[key] = client
            return client

    def cloudwatch(self, target: Target) -> Any:
        """The CloudWatch client for `target`'s credentials and Region (created once, then reused).

        Connect's endpoint overrides do not apply: CloudWatch takes boto3's own settings
        (`AWS_ENDPOINT_URL_CLOUDWATCH`, `AWS_ENDPOINT_URL`, profiles)."""
        key = ("cloudwatch", target.profile, target.role_arn, target.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._session(target)
                try:
                    client = session.client("cloudwatch", region_name=target.region, config=self.config)
                except AWS_ERRORS as exc:
                    raise translate(
                        exc, instance=target.instance, operation="client", region=target.region
                    ) from None
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

    def _assume(self, session: boto3.Session, target: Target) -> boto3.Session:
        """A session whose credentials are the role's, assumed now and again before they expire."""
        assert target.role_arn is not None
        source = session._session  # the botocore session holding the source credentials
        extra: dict[str, Any] = {"RoleSessionName": "connect-reconciler"}
        if self.role_duration:
            extra["DurationSeconds"] = self.role_duration
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=functools.partial(source.create_client, region_name=target.region),
            source_credentials=source.get_credentials(),
            role_arn=target.role_arn,
            extra_args=extra,
            cache=_Uncached(),  # the refreshable credentials decide when to renew, by their clock
        )
        timing: dict[str, Any] = {"time_fetcher": self.clock} if self.clock else {}
        credentials = DeferredRefreshableCredentials(
            refresh_using=fetcher.fetch_credentials, method="assume-role", **timing
        )
        assumed = _botocore_session()
        # botocore has no public setter for refreshable credentials; this is how its own
        # assume-role providers hand them to a session.
        assumed._credentials = credentials  # type: ignore[attr-defined]
        return boto3.Session(botocore_session=assumed)

    def _attach_limiter(self, client: ConnectClient, target: Target) -> None:
        limiter, account, region = self.limiter, target.limiter_account, target.region

        def before_send(event_name: str, **_: Any) -> None:
            limiter.acquire(account, region, event_name.rsplit(".", 1)[-1])

        client.meta.events.register("before-send.connect.*", before_send)


class _Uncached(dict[str, Any]):
    """A cache that never hits: each renewal the refreshable credentials ask for is a new AssumeRole."""

    def __contains__(self, key: object) -> bool:
        return False


def _stop_when_unreachable(
    attempts: int, caught_exception: Exception | None = None, **kwargs: Any
) -> bool | None:
    """botocore's retry hook: a Region that does not answer gets UNREACHABLE_ATTEMPTS per call.

    No connection, a timeout, or a gateway's 502/503/504 is how an outage looks; registered first,
    False here ends the retries (None lets standard mode decide). Throttling and a 500 keep their
    full budget: a Region that throttles or fails one request is alive.
    """
    response = kwargs.get("response")
    status = response[0].status_code if response else None
    down = isinstance(caught_exception, _UNREACHABLE) or status in (502, 503, 504)
    return False if down and attempts >= UNREACHABLE_ATTEMPTS else None


def _botocore_session() -> botocore.session.Session:
    """A botocore session whose response parsers leave timestamps as the service sent them."""
    session = botocore.session.get_session()
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_as_sent)
    return session


def _as_sent(value: Any) -> Any:
    return value
