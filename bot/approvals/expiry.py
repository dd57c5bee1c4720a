"""SUPPORTBOT_APPROVAL_TTL: overdue approvals expire, their cards say so, the model is told.

One side task per process (``Service.spawn``); the atomic transition makes
several processes sweeping at once harmless.
"""

from __future__ import annotations

import asyncio
import logging

from bot.approvals.decisions import Approvals

log = logging.getLogger(__name__)

IDLE_SECONDS = 30.0  # without a TTL, still expire rows created while one was set


def sweep_interval(ttl: float | None) -> float:
    return IDLE_SECONDS if not ttl else max(0.2, min(IDLE_SECONDS, ttl / 4))


async def expire_loop(approvals: Approvals, interval: float, stopping: asyncio.Event | None = None) -> None:
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            await approvals.expire_due()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("approval expiry sweep failed; retrying", exc_info=True)
        try:
            await asyncio.wait_for(stopping.wait(), interval)
        except asyncio.TimeoutError:
            pass
