"""The error model: what a failure is decides how it is reported and whether anything is retried.

Three families, and nothing else, reach the user as a message:
- `ConnectCallError`: a call to Amazon Connect failed. Only `reconciler.connect` makes one (from a
  botocore exception), and it says whether trying again may help (`retryable`).
- `Verdict`: the domain says no, whatever the network did: an instance the desired state does not
  know, a group that is not ACTIVE, a change someone else made since the plan. Each has its type.
- `ReconcilerError`: any other expected failure with a message written for the user (a bad file,
  a name that matches nothing, a plan that does not match its desired state).

Any other exception is a bug. The CLI prints it as one "internal error" line (with the traceback
when RECONCILER_DEBUG=1), never as a failed API call.
"""

from __future__ import annotations

import re

# `user:password@` in a URL (a password may hold `@`; it ends at the last one before the host).
_CREDENTIALS = re.compile(r"(://)[^/\s\"'()<>]*@")


def redact(text: str) -> str:
    """`text` with any `user:password@` of a URL in it replaced, for messages and logs.

    Endpoint URLs reach messages from the command line, the environment (AWS_ENDPOINT_URL...) and
    botocore's own errors ("Could not connect to the endpoint URL: ..."); every path that prints
    one goes through here.
    """
    return _CREDENTIALS.sub(r"\1***@", text)


class ReconcilerError(Exception):
    """An expected failure whose message is fit to show the user as is."""


class ConnectCallError(ReconcilerError):
    """A Connect API call that failed, with what is needed to decide whether to try again."""

    def __init__(
        self, message: str, *, operation: str, region: str, code: str, status: int | None, retryable: bool
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.region = region
        self.code = code
        self.status = status
        self.retryable = retryable

    @property
    def unreachable(self) -> bool:
        """The Region did not answer usefully (no connection, timeouts, 5xx): it may be down."""
        return self.code in ("Unreachable", "RegionDown") or (self.status is not None and self.status >= 500)


class Verdict(ReconcilerError):
    """A decision of the domain, not a failure of a call."""


class UnknownInstance(Verdict):
    """A plan or journal names an instance the run has no connection details for."""


class GroupNotActive(Verdict):
    """A traffic distribution group stayed in a status other than ACTIVE for as long as we waited.

    Connect only reads and changes the distribution of an ACTIVE group; the status is read first
    and the reconciler never depends on the error code a call on a busy group gets.
    """

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class Stale(Verdict):
    """Live values moved away from what a change was planned against: it is not written."""
