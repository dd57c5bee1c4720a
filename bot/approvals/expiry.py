"""SUPPORTBOT_APPROVAL_TTL: overdue approvals expire, their cards say so, the model is told.

One side task per process (``Service.spawn``); the atomic transition makes
several processes sweeping at once harmless.
"""

from __future__ import annotations

import asyncio
import logging

from bot.approvals.decisions import Approvals
from bot.queue.periodic import every

log = logging.getLogger(__name__)

IDLE_SECONDS = 30.0  # without a TTL, still expire rows created while one was set


def sweep_interval(ttl: float | None) -> float:
    return IDLE_SECONDS if not ttl else max(0.2, min(IDLE_SECONDS, ttl / 4))


async def expire_loop(approvals: Approvals, interval: float, stopping: asyncio.Event | None = None) -> None:
    await every(interval, approvals.expire_due, stopping, failed="approval expiry sweep failed; retrying", logger=log)
