"""The apply lock in a DynamoDB table, for CI runners on many machines.

Conditional writes make it safe: a lock is put only if no item exists for the key or the existing
one has expired, renewed and deleted only by the token that holds it. The table needs a string
partition key `LockID` (the same layout Terraform's S3 backend uses). Lives here because it uses
boto3, which only `reconciler.connect` imports.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.applying.lock import LockHeld, LockInfo
from reconciler.errors import ReconcilerError


class DynamoBackend:
    def __init__(self, table: str, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        self.table = table
        session = boto3.session.Session()
        # boto3's own Region (AWS_DEFAULT_REGION, the profile's), else AWS_REGION, as CI sets it.
        region = region or session.region_name or os.environ.get("AWS_REGION")
        if not region:
            raise ReconcilerError(
                f"--lock dynamodb://{table}: no Region for the lock table; set AWS_REGION "
                "(or AWS_DEFAULT_REGION, or a region in the AWS profile)"
            )
        self.client: Any = session.client(
            "dynamodb",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(retries={"mode": "standard", "max_attempts": 5}),
        )

    def acquire(self, info: LockInfo, now: float) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_item(info),
                ConditionExpression="attribute_not_exists(LockID) OR ExpiresAt < :now",
                ExpressionAttributeValues={":now": {"N": str(Decimal(str(now)))}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise self._error("take", exc) from None
            held = self._get(info.key)
            if held is None:
                raise ReconcilerError(f"lock {info.key} changed hands while being taken; try again") from None
            raise LockHeld(held, self.where(info.key)) from None

    def renew(self, info: LockInfo) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_item(info),
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "Token"},
                ExpressionAttributeValues={":token": {"S": info.token}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False  # another token holds it now, or nobody does
            raise self._error("renew", exc) from None
        return True

    def release(self, info: LockInfo) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"LockID": {"S": info.key}},
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "Token"},
                ExpressionAttributeValues={":token": {"S": info.token}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise self._error("release", exc) from None

    def read(self, key: str) -> LockInfo | None:
        return self._get(key)

    def where(self, key: str) -> str:
        return f"DynamoDB table {self.table}, LockID {key}"

    def remove(self, key: str, token: str | None) -> bool:
        condition: dict[str, Any] = {
            "ConditionExpression": "#t = :token",
            "ExpressionAttributeNames": {"#t": "Token"},
            "ExpressionAttributeValues": {":token": {"S": token or ""}},
        }
        try:
            self.client.delete_item(TableName=self.table, Key={"LockID": {"S": key}}, **condition)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise self._error("remove", exc) from None
        return True

    def _get(self, key: str) -> LockInfo | None:
        try:
            item = self.client.get_item(TableName=self.table, Key={"LockID": {"S": key}}, ConsistentRead=True)
        except ClientError as exc:
            raise self._error("read", exc) from None
        raw = item.get("Item")
        if not raw:
            return None
        return LockInfo(
            key=raw["LockID"]["S"],
            owner=raw.get("Owner", {}).get("S", "unknown"),
            token=raw.get("Token", {}).get("S", ""),
            operation=raw.get("Operation", {}).get("S", "unknown"),
            acquired_at=float(raw.get("AcquiredAt", {}).get("N", "0")),
            expires_at=float(raw.get("ExpiresAt", {}).get("N", "0")),
        )

    def _error(self, what: str, exc: ClientError) -> ReconcilerError:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        return ReconcilerError(f"cannot {what} the lock in DynamoDB table {self.table}: {code}")


def _item(info: LockInfo) -> dict[str, Any]:
    return {
        "LockID": {"S": info.key},
        "Owner": {"S": info.owner},
        "Token": {"S": info.token},
        "Operation": {"S": info.operation},
        "AcquiredAt": {"N": repr(info.acquired_at)},
        "ExpiresAt": {"N": repr(info.expires_at)},
    }
