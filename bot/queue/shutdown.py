"""Stopping asyncio tasks reliably.

On Python 3.11 a cancellation can be swallowed when it lands inside
``asyncio.wait_for`` just as the awaited thing completes (psycopg_pool waits
for connections that way), and a loop task then goes on as if nothing
happened. So cancel, wait a little, and cancel again, up to a deadline.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks, timeout: float = 5.0) -> set[asyncio.Task]:
    """Cancel ``tasks`` until they end or ``timeout`` passes; returns those still running."""
    pending = {t for t in tasks if not t.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(0.5, max(deadline - loop.time(), 0.01)))
    if pending:
        log.warning("tasks did not stop", extra={"tasks": sorted(t.get_name() for t in pending)})
    return pending
