"""botocore failures -> one line a user can act on, naming the instance, the call and the Region.

4xx answers are final (botocore does not retry them and neither do we); throttling and 5xx are
retryable and have already been retried by the time they arrive here. Every message goes through
`redact`: botocore's own ("Could not connect to the endpoint URL: ...") names the endpoint, and an
endpoint URL may carry a `user:password@`.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from reconciler.errors import ConnectCallError, redact

RETRYABLE_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServiceException", "ServiceUnavailable"}
)

#: What a call to AWS may raise that says something about the call. Anything else (a KeyError in a
#: hook, say) is a bug and must not be dressed up as a failed API call.
AWS_ERRORS = (ClientError, BotoCoreError)


def translate(
    exc: ClientError | BotoCoreError, *, instance: str, operation: str, region: str
) -> ConnectCallError:
    """Describe a botocore exception as a `ConnectCallError` (and nothing else)."""
    where = f"{instance}: {operation} in {region}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or "").strip()
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        retryable = code in RETRYABLE_CODES or (isinstance(status, int) and status >= 500)
        hint = (
            " (still throttled after retries)"
            if code in ("ThrottlingException", "TooManyRequestsException")
            else ""
        )
        text = f"{where} failed: {code}{': ' + message if message else ''}{hint}"
        return ConnectCallError(
            redact(text), operation=operation, region=region, code=code, status=status, retryable=retryable
        )
    if isinstance(
        exc, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError | ReadTimeoutError
    ):
        text = f"{where} failed: cannot reach the Connect endpoint ({exc})"
        return ConnectCallError(
            redact(text), operation=operation, region=region, code="Unreachable", status=None, retryable=True
        )
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        text = f"{where} failed: no AWS credentials (set AWS_PROFILE or the instance's profile/roleArn)"
        return ConnectCallError(
            text, operation=operation, region=region, code="NoCredentials", status=None, retryable=False
        )
    text = f"{where} failed: {exc}"
    return ConnectCallError(
        redact(text),
        operation=operation,
        region=region,
        code=type(exc).__name__,
        status=None,
        retryable=False,
    )
