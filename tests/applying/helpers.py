"""What only the applier tests share (the demo's IDs, ports and CLI helpers are in tests/support)."""

from __future__ import annotations
