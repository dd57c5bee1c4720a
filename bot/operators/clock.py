"""Times operators type and read, and the time inside LangGraph checkpoint ids.

Checkpoint ids are UUIDv6: their leading hex digits are a 100-ns timestamp, so
they sort by time and a time can be turned into a lower bound on ids.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timezone

_GREGORIAN = 0x01B21DD213814000  # 100-ns intervals from 1582-10-15 to 1970-01-01
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class BadTime(ValueError):
    """A --since the operator typed that we cannot read; the message says why."""


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


def parse_since(text: str | None, now: float | None = None) -> float:
    """``30m``, ``24h``, ``7d``, ``2w`` ago, or an ISO date/time (UTC unless it says); None = always."""
    if not text:
        return 0.0
    now = time.time() if now is None else now
    match = _DURATION.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2).lower()]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadTime(f"--since {text!r}: use a duration like 30m, 24h, 7d, or a date like 2025-01-31") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def iso(epoch: float | None) -> str:
    """UTC, to the second: what tables and --json show."""
    if not epoch:
        return ""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_of(created_at: str | None) -> str:
    """A checkpoint's own ISO timestamp, normalised like ``iso``."""
    if not created_at:
        return ""
    try:
        return iso(datetime.fromisoformat(created_at).timestamp())
    except ValueError:
        return created_at
