"""JSON read from files people can edit (saved plans, journals): refused cleanly, never half-read.

Python's `json` accepts what no file we write holds (NaN and Infinity) and fails in ways that are
not `JSONDecodeError` (nesting past the recursion limit, integers of thousands of digits). Saved
plans and journals both drive writes to live Connect, so they share one reader whose every failure
is a `BadJson` with a short reason, and the caller names its own file and line.
"""

from __future__ import annotations

import json
from typing import Any


class BadJson(ValueError):
    """Text that is not the strict JSON the reconciler writes; `reason` is short and printable."""

    def __init__(
        self, reason: str, lineno: int | None = None, *, detail: str = "", torn: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail  # the parser's own words, " (Expecting value)", for who wants them
        self.lineno = lineno
        self.torn = torn  # the text ends before the value does: what a write cut short leaves


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def loads(text: str) -> Any:
    """The value of `text`; NaN/Infinity, deep nesting, huge numbers and lone surrogates are `BadJson`."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        torn = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        raise BadJson("invalid JSON", exc.lineno, detail=f" ({exc.msg})", torn=torn) from None
    except RecursionError:
        raise BadJson("JSON nested too deep") from None
    except BadJson:
        raise
    except ValueError:  # an integer of more digits than Python converts
        raise BadJson("a number too long") from None
    if "\\u" in text or not text.isascii():
        _check_surrogates(value)
    return value


def _check_surrogates(value: Any) -> None:
    """Escapes like \\ud800 decode to strings that cannot be written back as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadJson("a lone surrogate (\\ud800-\\udfff) is not text") from None
    except RecursionError:
        raise BadJson("JSON nested too deep") from None
