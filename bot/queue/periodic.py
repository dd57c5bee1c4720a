"""A side task that does one step every ``interval`` seconds until the service stops."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(interval: float, step: Callable[[], Awaitable[object]], stopping: asyncio.Event | None,
                *, failed: str, logger: logging.Logger = log, level: int = logging.WARNING) -> None:
    """Run ``step`` now and then every ``interval`` seconds until ``stopping`` is set (or cancelled).

    A failed step is logged on ``logger`` (``failed`` says what failed) and tried again at the
    next interval. Waiting on ``stopping`` too, not only on cancellation, ends
    the loop even when a cancellation was swallowed (see bot/queue/shutdown.py).
    """
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.log(level, failed, exc_info=True)
        try:
            await asyncio.wait_for(stopping.wait(), interval)
        except asyncio.TimeoutError:
            pass
