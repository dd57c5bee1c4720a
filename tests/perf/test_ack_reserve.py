"""Acks before runs (issue 15): with every run-side connection of the PostgreSQL pool
checked out, a Slack delivery is still stored and answered 200 (PostgreSQL only: on
SQLite the checkpointer writes on connections of its own and our tables have one
writer, so there is no shared pool for runs to exhaust); and on both databases the
claimer starts no run while a delivery is being stored.
"""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
from psycopg_pool import PoolTimeout

from bot.queue.acks import AcksInFlight
from bot.queue.inbox import Inbox
from bot.queue.worker import WorkerPool
from bot.turn import RunResult
from graph.storage import open_storage
from tests.slack.conftest import SECRET, running_bot
from tests.support.queries import add_test_queries
from tests.support.slack_requests import apost_event, event_callback, message_event

pytestmark = pytest.mark.postgres


@pytest.mark.postgres
async def test_an_ack_is_stored_while_runs_hold_every_pool_connection(pg_migrated_url, fake_slack):
    async with running_bot(pg_migrated_url, fake_slack, workers=0, database_pool_size=2) as bot:
        storage = bot.service.agent.storage
        held = [await storage.pool.getconn() for _ in range(storage.pool.max_size)]
        try:
            with pytest.raises(PoolTimeout):  # the run side is exhausted: nothing else gets through
                await storage.db.fetchone("ping", wait=0.2)
            statuses = []
            for n in range(3):  # more deliveries than reserved connections, one after another
                status, _ = await apost_event(bot.events_url, SECRET, event_callback(
                    message_event(f"D{n}", "U1", "where is my order?", f"500.00000{n}", channel_type="im")))
                statuses.append(status)
        finally:
            for conn in held:
                await storage.pool.putconn(conn)
        assert statuses == [200, 200, 200]
        depth, _ = await bot.service.inbox.depth()
        assert depth == 3


@pytest.mark.postgres
async def test_the_ack_pool_seals_what_it_writes_and_sees_test_queries_added_later(pg_migrated_url):
    async with open_storage(pg_migrated_url, pool_size=2, keys=[secrets.token_bytes(32)],
                            ack_connections=1) as storage:
        acks = storage.db.for_acks()
        assert acks is not storage.db and acks.pool is storage.ack_pool
        item_id = await Inbox(acks).enqueue("T1:D1:1.0", "slack:T1:D1:1.0", "message", {"text": "secret"})
        add_test_queries(storage.db)
        stored = await acks.fetchone("inbox_payload_stored", {"item_id": item_id})
        assert "secret" not in stored["stored"]
        assert json.loads((await Inbox(storage.db).get(item_id))["payload"]) == {"text": "secret"}


class Watched(AcksInFlight):
    """The real wait, with a bound long enough that only the acks' end can release it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = asyncio.Event()

    async def settled(self, at_most: float = 0) -> None:
        self.asked.set()
        await super().settled(30)


class Started:
    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def run(self, lease, items, watch=None) -> RunResult:
        self.event.set()
        return RunResult([], [])


async def test_no_run_starts_while_a_delivery_is_being_stored(database_url):
    async with open_storage(database_url, pool_size=2) as storage:
        inbox = Inbox(storage.db)
        inbox.acks = Watched()
        await inbox.enqueue("T1:D1:1.0", "slack:T1:D1:1.0", "message", {"text": "first", "ts": "1.0"})
        runner = Started()
        pool = WorkerPool(inbox, runner, 4)
        try:
            with inbox.acks.storing():
                await pool.start()
                await asyncio.wait_for(inbox.acks.asked.wait(), 10)
                with pytest.raises(asyncio.TimeoutError):  # the claimer waits for the ack ...
                    await asyncio.wait_for(asyncio.shield(runner.event.wait()), 0.3)
            await asyncio.wait_for(runner.event.wait(), 10)  # ... and claims as soon as it ends
        finally:
            await pool.stop(1)
