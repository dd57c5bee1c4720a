"""The periodic half of "a pause always reaches a human": threads no run will revisit get one.

Every run that ends paused posts its pause's row and card (``ApprovalPauses.on_pause``
from bot/turn.py), so table and state agree whenever a run ends well. What is left:
a card Slack refused (retried here, after the back-off recorded on its row), a pause
whose card a dead process never posted, messages held behind an approval that was
decided but whose resume was given up.

The mechanism is the inbox itself, chosen because it is already durable and already
serialises a thread: one query (``approvals_to_reconcile``) lists the candidate threads
that have no open item, and each gets a "reconcile" item. A worker claims it under the
thread's lease like any message, so a repair never races a running turn, and a crash
merely leaves the item to be claimed again. Its run (bot/turn.py) posts missing cards,
resumes interrupts whose approval was decided, and releases held messages when nothing
is paused any more. Several processes sweeping at once queue at most a few no-op items.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

from bot.queue.inbox import Inbox
from bot.queue.periodic import every
from graph.db import Database

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 15.0  # how often to look
SETTLE_SECONDS = 30.0  # younger rows may belong to a run still posting its card
BATCH = 100


class Reconciler:
    def __init__(self, db: Database, inbox: Inbox, wake: Callable[[], None], *, clock=time.time,
                 settle: float = SETTLE_SECONDS) -> None:
        self.db, self.inbox, self.wake, self.clock, self.settle = db, inbox, wake, clock, settle

    async def step(self) -> list[str]:
        """Queue a reconcile item for every thread that needs one; returns those threads."""
        now = self.clock()
        rows = await self.db.fetchall("approvals_to_reconcile",
                                      {"now": now, "settled": now - self.settle, "limit": BATCH})
        threads = [r["thread_id"] for r in rows]
        for thread_id in threads:
            await self.inbox.enqueue(f"reconcile:{thread_id}:{now:.3f}", thread_id, "reconcile", {})
        if threads:
            log.info("reconciling paused threads", extra={"threads": len(threads)})
            self.wake()
        return threads


async def reconcile_loop(reconciler: Reconciler, interval: float = RECONCILE_SECONDS,
                         stopping: asyncio.Event | None = None) -> None:
    await every(interval, reconciler.step, stopping, failed="approval reconcile sweep failed; retrying", logger=log)
