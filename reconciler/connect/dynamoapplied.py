"""The last commit applied to each instance, in the lock's DynamoDB table (beside the lock item).

The item's `LockID` is the lock key with `/applied` after it, so the record lives in the table CI
already shares for the lock, and a role that may read the lock may read it. The record itself is
the same typed JSON the file store keeps (`reconciler.applying.applied`), in the attribute
`Record`, put whole (a reader sees the old record or the new one). Lives here because it uses boto3.
"""

from __future__ import annotations

from typing import Any

from reconciler.applying.applied import AppliedDamaged, AppliedRecord, parse_record
from reconciler.connect.dynamolock import _ERRORS, DynamoBackend

SUFFIX = "/applied"


class DynamoAppliedStore:
    def __init__(self, locks: DynamoBackend) -> None:
        self.locks = locks

    def where(self, key: str) -> str:
        return f"DynamoDB table {self.locks.table}, LockID {key}{SUFFIX}"

    def read(self, key: str) -> AppliedRecord | None:
        try:
            item = self.locks.client.get_item(
                TableName=self.locks.table, Key={"LockID": {"S": key + SUFFIX}}, ConsistentRead=True
            )
        except _ERRORS as exc:
            self.locks._fail("read the applied-commit record beside", exc)
        raw: Any = item.get("Item")
        if not raw:
            return None
        text = raw.get("Record", {}).get("S") if isinstance(raw.get("Record"), dict) else None
        if not isinstance(text, str):
            raise AppliedDamaged(self.where(key), "Record is missing or not text")
        return parse_record(text, key, self.where(key))

    def write(self, record: AppliedRecord) -> None:
        try:
            self.locks.client.put_item(
                TableName=self.locks.table,
                Item={"LockID": {"S": record.key + SUFFIX}, "Record": {"S": record.model_dump_json()}},
            )
        except _ERRORS as exc:
            self.locks._fail("write the applied-commit record beside", exc)
