"""A finished hold gives its thread back even when the renewer's cancellation is lost.

On Python 3.11, psycopg_pool waits for a connection with ``asyncio.wait_for``, which
swallows a cancellation that arrives as the connection is handed over (seen in the
two-process test: a thread whose lease was renewed forever after its last run). The
inbox here is the real one on a real database; only ``renew`` is made to lose its
cancellation every time, so the window is certain.
"""

from __future__ import annotations

import asyncio
import time

from bot.queue.inbox import Inbox
from bot.turn import RunResult
from bot.queue.worker import WorkerPool
from graph.storage import open_storage
from tests.durability.conftest import wait_for
from tests.support.queries import add_test_queries

LEASE = 2.0  # the renewer wakes every LEASE / 3 s


class CancelLosingInbox(Inbox):
    async def renew(self, lease) -> bool:
        try:
            await asyncio.sleep(1.0)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # as if the connection arrived at that moment: go on
        return await super().renew(lease)


class SlowRunner:
    async def run(self, lease, items, watch=None) -> RunResult:
        await asyncio.sleep(0.8)  # past the first renewal, which is still in progress when the run ends
        return RunResult([], [])


async def test_thread_is_released_after_its_run_even_if_the_renewer_missed_its_cancel(database_url):
    async with open_storage(database_url) as storage:
        add_test_queries(storage.db)
        inbox = CancelLosingInbox(storage.db, LEASE)
        await inbox.enqueue("T1:C1:1.000001", "slack:T1:C1:1.000001", "message", {"text": "hi", "ts": "1.000001"})
        pool = WorkerPool(inbox, SlowRunner(), 1)
        await pool.start()
        try:
            async def lease_row():
                return await storage.db.fetchone("lease_check", {"thread_id": "slack:T1:C1:1.000001",
                                                                 "fence": 1, "now": time.time()})

            await wait_for(lambda: pool._runs, 5, "the thread is claimed")
            state = {}

            async def poll() -> None:
                while True:
                    depth, _ = await inbox.depth()
                    state["settled"] = depth == 0 and await lease_row() is None and not pool._runs
                    await asyncio.sleep(0.05)

            poller = asyncio.create_task(poll())
            try:
                await wait_for(lambda: state.get("settled"), 3 * LEASE,
                               "item done, lease given back and the hold over")
            finally:
                poller.cancel()
        finally:
            await pool.stop(1)
