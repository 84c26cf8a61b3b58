"""The shapes of identifiers in the desired state, and the characters a name may not hold.

One place for the regular expressions that recognise IDs, ARNs, Regions and numbers, so that the
models, name resolution and the planner agree on what an ARN of each kind looks like.
"""

from __future__ import annotations

import re
import unicodedata

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ARN_HEAD = r"^arn:aws[a-z-]*:connect:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):"
INSTANCE_ARN_RE = re.compile(_ARN_HEAD + r"instance/(" + _UUID + r")$")
GROUP_ARN_RE = re.compile(_ARN_HEAD + r"traffic-distribution-group/(" + _UUID + r")$")
PHONE_ARN_RE = re.compile(_ARN_HEAD + r"phone-number/(" + _UUID + r")$")
PHONE_INSTANCE_ARN_RE = re.compile(_ARN_HEAD + r"instance/" + _UUID + r"/phone-number/(" + _UUID + r")$")
QUEUE_ARN_RE = re.compile(_ARN_HEAD + r"instance/" + _UUID + r"/queue/(" + _UUID + r")$")
FLOW_ARN_RE = re.compile(_ARN_HEAD + r"instance/" + _UUID + r"/contact-flow/(" + _UUID + r")$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ENDPOINT_RE = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")  # a URL: scheme, host, optional path

_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Unicode gives control characters no name; these are the ones people type or paste.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x09: "TAB",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}
INVISIBLE = "a control or invisible character: remove it"


def invisible_character(text: str) -> str | None:
    """The first control or invisible character in `text` as `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    if text.isprintable():  # the common case, in C: printable text holds none of them
        return None
    for char in text:
        if unicodedata.category(char) in _INVISIBLE:
            name = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "CONTROL CHARACTER")
            return f"U+{ord(char):04X} ({name})"
    return None
