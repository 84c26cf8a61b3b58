"""The apply lock in a DynamoDB table, for CI runners on many machines.

Conditional writes make it safe: a lock is put only if no item exists for the key or the existing
one has expired, renewed and deleted only by the token that holds it. The table needs a string
partition key `LockID` (the same layout Terraform's S3 backend uses). Lives here because it uses
boto3, which only `reconciler.connect` imports.

An item that does not say plainly who holds it until when (an expiry that is text, negative or
centuries away) is never taken over: the condition only breaks a lock whose expiry is a past
time, and reading one is `LockDamaged`. A table that cannot be reached, or does not exist, is one
clear line; an endpoint URL in it never shows its `user:password@`.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from reconciler.applying.lock import LockDamaged, LockHeld, LockInfo, parse_info
from reconciler.errors import ReconcilerError, redact

_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=2, read_timeout=10)
_ERRORS = (ClientError, BotoCoreError)
_CONDITION_FAILED = "ConditionalCheckFailedException"
_BREAKABLE = (  # only a lock whose expiry is a past time: an odd one is read, and refused
    "attribute_not_exists(LockID) OR "
    "(attribute_type(ExpiresAt, :n) AND ExpiresAt < :now AND ExpiresAt > :zero)"
)


class DynamoBackend:
    def __init__(self, table: str, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        self.table = table
        try:
            session = boto3.session.Session()
            # boto3's own Region (AWS_DEFAULT_REGION, the profile's), else AWS_REGION, as CI sets it.
            region = region or session.region_name or os.environ.get("AWS_REGION")
            if not region:
                raise ReconcilerError(
                    f"--lock dynamodb://{table}: no Region for the lock table; set AWS_REGION "
                    "(or AWS_DEFAULT_REGION, or a region in the AWS profile)"
                )
            self.region = region
            self.client: Any = session.client(
                "dynamodb", region_name=region, endpoint_url=endpoint_url, config=_CONFIG
            )
        except (*_ERRORS, ValueError) as exc:  # a profile that does not exist, an endpoint that is no URL
            raise ReconcilerError(f"--lock dynamodb://{table}: {redact(str(exc))}") from None

    def where(self, key: str) -> str:
        return f"DynamoDB table {self.table}, LockID {key}"

    def acquire(self, info: LockInfo, now: float) -> None:
        for _ in range(3):
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=_item(info),
                    ConditionExpression=_BREAKABLE,
                    ExpressionAttributeValues={
                        ":now": {"N": str(Decimal(str(now)))},
                        ":zero": {"N": "0"},
                        ":n": {"S": "N"},
                    },
                )
                return
            except _ERRORS as exc:
                if _code(exc) != _CONDITION_FAILED:
                    self._fail("take", exc)
            held = self.read(info.key)
            if held is not None and held.expires_at >= now:
                raise LockHeld(held, self.where(info.key))
            # Released or expired since the put was refused: try again.
        raise ReconcilerError(f"could not take the lock {info.key}: it keeps changing hands")

    def seize(self, info: LockInfo) -> LockInfo | None:
        """Break-glass: put `info` over whatever lock is there (no condition); the holder it replaced."""
        try:
            previous = self.read(info.key)
        except LockDamaged:
            previous = None
        try:
            self.client.put_item(TableName=self.table, Item=_item(info))
        except _ERRORS as exc:
            self._fail("take", exc)
        return previous

    def renew(self, info: LockInfo) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_item(info),
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "Token"},
                ExpressionAttributeValues={":token": {"S": info.token}},
            )
        except _ERRORS as exc:
            if _code(exc) == _CONDITION_FAILED:
                return False  # another token holds it now, or nobody does
            self._fail("renew", exc)
        return True

    def release(self, info: LockInfo) -> None:
        self.remove(info.key, info.token)

    def remove(self, key: str, token: str | None) -> bool:
        """Delete the item if `token` holds it (a damaged item without a text token: token None)."""
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "#t = :token",
                "ExpressionAttributeValues": {":token": {"S": token}},
            }
            if token is not None
            else {
                "ConditionExpression": "attribute_exists(LockID) AND NOT attribute_type(#t, :s)",
                "ExpressionAttributeValues": {":s": {"S": "S"}},
            }
        )
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"LockID": {"S": key}},
                ExpressionAttributeNames={"#t": "Token"},
                **condition,
            )
        except _ERRORS as exc:
            if _code(exc) == _CONDITION_FAILED:
                return False
            self._fail("remove", exc)
        return True

    def read(self, key: str) -> LockInfo | None:
        try:
            item = self.client.get_item(TableName=self.table, Key={"LockID": {"S": key}}, ConsistentRead=True)
        except _ERRORS as exc:
            self._fail("read", exc)
        raw = item.get("Item")
        if not raw:
            return None
        fields = {
            "key": _text(raw.get("LockID")),
            "owner": _text(raw.get("Owner")),
            "token": _text(raw.get("Token")),
            "operation": _text(raw.get("Operation")),
            "acquired_at": _number(raw.get("AcquiredAt")),
            "expires_at": _number(raw.get("ExpiresAt")),
        }
        return parse_info({k: v for k, v in fields.items() if v is not None}, key, self.where(key))

    def _fail(self, what: str, exc: ClientError | BotoCoreError) -> NoReturn:
        """One line for a failed call to the table: what failed, and what to do about it."""
        code = _code(exc)
        if code == "ResourceNotFoundException":
            reason = (
                f"the table does not exist in {self.region} (create it with a string partition key LockID)"
            )
        elif isinstance(exc, ClientError):
            message = str(exc.response.get("Error", {}).get("Message") or "").strip()
            reason = f"{code}{': ' + message if message else ''}"
        elif isinstance(exc, EndpointConnectionError) or "connect" in code.lower() or "Timeout" in code:
            reason = f"cannot reach DynamoDB ({exc})"
        else:
            reason = f"{code}: {exc}"
        raise ReconcilerError(
            f"cannot {what} the lock in DynamoDB table {self.table}: {redact(reason)}"
        ) from None


def _code(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "Unknown")
    return type(exc).__name__


def _text(attribute: Any) -> str | None:
    value = attribute.get("S") if isinstance(attribute, dict) else None
    return value if isinstance(value, str) else None


def _number(attribute: Any) -> float | None:
    value = attribute.get("N") if isinstance(attribute, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return float(Decimal(value))  # 1E+400 is inf: parse_info calls it no finite number
    except (InvalidOperation, ValueError):
        return None


def _item(info: LockInfo) -> dict[str, Any]:
    return {
        "LockID": {"S": info.key},
        "Owner": {"S": info.owner},
        "Token": {"S": info.token},
        "Operation": {"S": info.operation},
        "AcquiredAt": {"N": repr(info.acquired_at)},
        "ExpiresAt": {"N": repr(info.expires_at)},
    }
