"""The time inside LangGraph checkpoint ids.

Checkpoint ids are UUIDv6: their leading hex digits are a 100-ns timestamp, so
they sort by time and a time can be turned into a lower bound on ids.
"""

from __future__ import annotations

import uuid

_GREGORIAN = 0x01B21DD213814000  # 100-ns intervals from 1582-10-15 to 1970-01-01


def checkpoint_time(checkpoint_id: str | None) -> float | None:
    """Epoch seconds a checkpoint id was made at (None if it is not a UUIDv6)."""
    try:
        value = uuid.UUID(checkpoint_id or "")
    except ValueError:
        return None
    if (value.int >> 76) & 0xF != 6:
        return None
    ticks = ((value.int >> 96) << 28) | (((value.int >> 80) & 0xFFFF) << 12) | ((value.int >> 64) & 0x0FFF)
    return (ticks - _GREGORIAN) / 1e7


def checkpoint_floor(epoch: float) -> str:
    """The smallest checkpoint id made at or after ``epoch`` (ids compare as strings)."""
    ticks = max(0, int(epoch * 1e7) + _GREGORIAN)
    return f"{ticks >> 28:08x}-{(ticks >> 12) & 0xFFFF:04x}-6{ticks & 0xFFF:03x}-0000-000000000000"
