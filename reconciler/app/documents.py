"""Reading what `plan` wrote, for `reconciler show`: saved plans, and the JSON of plans that failed.

A CI job saves each instance's plan (`plan --out`) or, when planning failed, the failure that
`plan --format json` printed in its place; `show` renders any mix of them. Both carry the plan
format's `format_version`, and an unknown version is refused with the message apply gives
(`Plan.from_json`). Unlike `apply`, showing a plan needs no desired state: nothing is executed.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from reconciler.errors import ReconcilerError
from reconciler.planning.plan import READABLE_VERSIONS, Plan
from reconciler.render.failure import Failure

Document = Plan | Failure


def read_document(path: str) -> Document:
    """The saved plan or failed plan in `path`; a clear ReconcilerError for anything else."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        raw = None  # Plan.from_json says where the JSON breaks
    if not _is_failure(raw):
        return Plan.from_json(text, path)
    assert isinstance(raw, dict)
    if raw.get("format_version") not in READABLE_VERSIONS or type(raw.get("format_version")) is not int:
        return Plan.from_json(text, path)  # refuses the version with apply's own message
    try:
        failure = Failure.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReconcilerError(f"{path}: not a valid failed plan: {where}: {first['msg']}") from None
    if not failure.errors:
        raise ReconcilerError(f"{path}: lists no errors: neither a saved plan nor a plan that failed")
    return failure


def _is_failure(raw: object) -> bool:
    """A failed plan has an `errors` list where a saved plan has its `desired_digest`."""
    return isinstance(raw, dict) and "errors" in raw and "desired_digest" not in raw
