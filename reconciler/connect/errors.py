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
    ProfileNotFound,
    ReadTimeoutError,
)

from reconciler.errors import ConnectCallError, redact

RETRYABLE_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServiceException", "ServiceUnavailable"}
)

#: The codes of a call IAM refused (Connect says AccessDeniedException, STS AccessDenied).
ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})

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
        if code in ACCESS_DENIED:
            hint = access_hint(operation)
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
    if isinstance(exc, ProfileNotFound):
        profile = exc.kwargs.get("profile", "")
        text = (
            f"{instance}: the AWS profile {profile!r} is not configured (no such profile in the AWS "
            f"config or credentials files); run `aws configure --profile {profile}` or `aws sso "
            "login`, or set the instance's `profile` to one that exists"
        )
        return ConnectCallError(
            redact(text),
            operation=operation,
            region=region,
            code="ProfileNotFound",
            status=None,
            retryable=False,
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


def access_hint(operation: str) -> str:
    """What a refused call needs: the IAM action, and the command that prints the whole policy."""
    if operation == "AssumeRole":
        return (
            "; the credentials in use need sts:AssumeRole on the instance's roleArn, and the role's "
            "trust policy must allow them"
        )
    mode = "apply" if operation.startswith("Update") else "plan"
    return (
        f"; the role needs the IAM action connect:{operation} "
        f"(`reconciler iam-policy --mode {mode}` prints the whole policy)"
    )
