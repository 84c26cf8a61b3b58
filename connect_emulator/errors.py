"""Service errors as the emulator raises and serialises them.

Amazon Connect speaks rest-json: an error is an HTTP status, the header ``x-amzn-ErrorType: <Code>``
and a JSON body carrying the message. botocore takes ``Error.Code`` from that header and
``Error.Message`` from ``message``/``Message`` in the body, and fills the modeled ``Message``
member from the body as well. Everything that can go wrong inside an operation raises
:class:`ApiError`; the server turns it into exactly that wire format, so the client sees the same
``ClientError`` it would see from AWS.
"""

from __future__ import annotations

import json
from typing import Final

#: HTTP status of every error code the emulator can return (the ``error.httpStatusCode`` of the
#: Connect model, plus the front-door codes that are not in the model).
STATUS_BY_CODE: Final[dict[str, int]] = {
    "InvalidRequestException": 400,
    "InvalidParameterException": 400,
    "SerializationException": 400,
    "AccessDeniedException": 403,
    "MissingAuthenticationTokenException": 403,
    "IncompleteSignatureException": 403,
    "ResourceNotFoundException": 404,
    "UnknownOperationException": 404,
    "ResourceConflictException": 409,
    "DuplicateResourceException": 409,
    "LimitExceededException": 429,
    "ThrottlingException": 429,
    "InternalServiceException": 500,
    "ServiceUnavailableException": 503,
}

#: The code used when a fault spec gives only a status.
CODE_BY_STATUS: Final[dict[int, str]] = {
    400: "InvalidRequestException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ResourceConflictException",
    429: "ThrottlingException",
    500: "InternalServiceException",
    503: "ServiceUnavailableException",
}


class ApiError(Exception):
    """An error response: code (the exception shape name), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_BY_CODE.get(code, 400)

    def body(self) -> bytes:
        """The JSON body: ``{"Message": ...}`` like Connect (an empty object for unknown routes)."""
        if self.code == "UnknownOperationException":
            return b"{}"
        return json.dumps({"Message": self.message}).encode()

    def headers(self) -> dict[str, str]:
        return {"x-amzn-ErrorType": self.code}


def not_found(what: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"{what} not found")


def invalid_request(message: str) -> ApiError:
    return ApiError("InvalidRequestException", message)


def invalid_parameter(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)
