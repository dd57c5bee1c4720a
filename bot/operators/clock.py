"""Times operators type and read (the time inside checkpoint ids: graph/checkpoint_ids.py)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from bot import messages as say

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class BadTime(ValueError):
    """A --since the operator typed that we cannot read; the message says why."""


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
        raise BadTime(say.OP_BAD_SINCE.format(text=text)) from None
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
