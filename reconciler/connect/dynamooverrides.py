"""Break-glass override records in the DynamoDB lock table, beside each instance's lock item.

Runners on many machines share the DynamoDB lock table, so the override every one of them must
see lives there too: an item keyed `<lock key>#override`, its record as JSON text in `Record`. It
is created with a conditional put (`attribute_not_exists`), so of two failovers started at once one
wins and the other is told who did; it is removed only by the token that made it (or, for a
damaged record, whatever is there). Lives here because it uses boto3.
"""

from __future__ import annotations

from typing import Any

from reconciler.connect.dynamolock import _CONDITION_FAILED, _ERRORS, DynamoBackend, _code
from reconciler.errors import ReconcilerError
from reconciler.planning.override import Override, OverrideDamaged, OverrideExists, parse_override

SUFFIX = "#override"


class DynamoOverrides:
    def __init__(self, backend: DynamoBackend) -> None:
        self.backend = backend

    def where(self, key: str) -> str:
        return f"DynamoDB table {self.backend.table}, LockID {key}{SUFFIX}"

    def create(self, override: Override) -> None:
        item = {
            "LockID": {"S": override.key + SUFFIX},
            "Token": {"S": override.token},
            "Record": {"S": override.model_dump_json()},
        }
        try:
            self.backend.client.put_item(
                TableName=self.backend.table, Item=item, ConditionExpression="attribute_not_exists(LockID)"
            )
            return
        except _ERRORS as exc:
            if _code(exc) != _CONDITION_FAILED:
                self.backend._fail("record the override in", exc)
        existing = self.read(override.key)
        if existing is None:
            raise ReconcilerError(f"the override {self.where(override.key)} keeps changing; try again")
        raise OverrideExists(existing, self.where(override.key))

    def read(self, key: str) -> Override | None:
        try:
            got = self.backend.client.get_item(
                TableName=self.backend.table, Key={"LockID": {"S": key + SUFFIX}}, ConsistentRead=True
            )
        except _ERRORS as exc:
            self.backend._fail("read the override in", exc)
        item = got.get("Item")
        if not item:
            return None
        record = item.get("Record", {}).get("S")
        if not isinstance(record, str):
            raise OverrideDamaged(self.where(key), "no Record text")
        return parse_override(record, key, self.where(key))

    def remove(self, key: str, token: str | None) -> bool:
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "#t = :token",
                "ExpressionAttributeNames": {"#t": "Token"},
                "ExpressionAttributeValues": {":token": {"S": token}},
            }
            if token is not None
            else {"ConditionExpression": "attribute_exists(LockID)"}
        )
        try:
            self.backend.client.delete_item(
                TableName=self.backend.table, Key={"LockID": {"S": key + SUFFIX}}, **condition
            )
        except _ERRORS as exc:
            if _code(exc) == _CONDITION_FAILED:
                return False
            self.backend._fail("remove the override in", exc)
        return True
