"""An operator's hold on a thread: the same lease a worker takes, so the two never overlap."""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator

from bot import messages as say
from bot.queue.inbox import Lease, current_lease
from graph.db import Database

LEASE_SECONDS = 60.0
RETRY_EVERY = 0.25


class ThreadBusy(Exception):
    """A worker is running the thread; the message says so in a sentence."""


def operator_owner(who: str | None = None) -> str:
    return f"operator:{who or getpass.getuser()}@{socket.gethostname()}:{os.getpid()}"


@asynccontextmanager
async def thread_lease(db: Database, thread_id: str, owner: str, *, wait: float = 0.0,
                       seconds: float = LEASE_SECONDS) -> AsyncIterator[Lease]:
    """Hold ``thread_id``'s lease for the block, waiting up to ``wait`` seconds for a worker
    to finish; checkpoint writes inside the block are fenced by it (``bot.queue.fencing``)."""
    deadline = time.monotonic() + wait
    while True:
        now = time.time()
        row = await db.fetchone("operator_lease_take", {
            "thread_id": thread_id, "owner": owner, "now": now, "expires": now + seconds})
        if row is not None:
            break
        if time.monotonic() >= deadline:
            holder = await db.fetchone("operator_lease_holder", {"thread_id": thread_id})
            who = f" ({holder['owner']})" if holder else ""
            raise ThreadBusy(say.OP_THREAD_BUSY.format(thread_id=thread_id, who=who))
        await asyncio.sleep(RETRY_EVERY)
    lease = Lease(thread_id, int(row["fence"]), owner, seconds)
    lease.extend()
    token = current_lease.set(lease)
    try:
        yield lease
    finally:
        current_lease.reset(token)
        await db.execute("lease_release", {"thread_id": thread_id, "fence": lease.fence, "owner": owner})
        lease.deadline = 0.0
