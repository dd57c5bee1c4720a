"""A worker's own idea of its lease never outlasts the database's.

The database dates a renewal from the moment it was asked for (``now`` in the
call) and lets another worker take the thread over once that has run out. When the
answer comes back late (PostgreSQL coming back after a restart, a busy pool), the
worker must count from when it asked too; else two workers run the thread at once
and the answer is posted twice (found by bench/soak.py)."""

from __future__ import annotations

import asyncio
import time

from bot.queue.inbox import Lease
from bot.queue.worker import WorkerPool

SECONDS = 2.0  # renewals every 0.67 s; the worker stops acting 0.4 s before the database expiry


class SlowInbox:
    """Renewals that succeed, but answer ``delay`` seconds after they were sent."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.asked: list[float] = []

    async def renew(self, lease: Lease) -> bool:
        self.asked.append(time.monotonic())
        await asyncio.sleep(self.delay)
        lease.extend()  # what Inbox.renew does on success
        return True


def claimed() -> Lease:
    lease = Lease("slack:T1:C1:1.000001", fence=1, owner="w", seconds=SECONDS)
    lease.extend()
    return lease


async def test_a_late_renewal_counts_from_when_it_was_asked():
    inbox = SlowInbox(delay=0.3)
    lease = claimed()
    work = asyncio.create_task(asyncio.sleep(30))
    renewer = asyncio.create_task(WorkerPool(inbox, None, 1)._renew(lease, work))
    try:
        while not inbox.asked or time.monotonic() < inbox.asked[0] + inbox.delay + 0.05:
            await asyncio.sleep(0.01)
        database_expiry = inbox.asked[0] + SECONDS
        assert lease.valid and not work.done()
        assert lease.deadline <= inbox.asked[0] + SECONDS * 0.8 + 0.01 < database_expiry
    finally:
        renewer.cancel()
        work.cancel()
        await asyncio.gather(renewer, work, return_exceptions=True)


async def test_a_renewal_that_never_answers_stops_the_run_at_the_lease_deadline():
    inbox = SlowInbox(delay=3600)  # the database is gone; the pool waits for a connection
    lease = claimed()
    deadline = lease.deadline
    work = asyncio.create_task(asyncio.sleep(30))
    renewer = asyncio.create_task(WorkerPool(inbox, None, 1)._renew(lease, work))
    try:
        await asyncio.wait({work}, timeout=SECONDS * 2)
        assert work.cancelled(), "the run went on without a lease"
        assert time.monotonic() - deadline < 0.5
    finally:
        renewer.cancel()
        await asyncio.gather(renewer, return_exceptions=True)
