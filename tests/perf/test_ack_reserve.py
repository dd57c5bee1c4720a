"""Acks have database capacity of their own (issue 15): with every run-side connection
of the PostgreSQL pool checked out, a Slack delivery is still stored and answered 200.

PostgreSQL only: on SQLite the checkpointer writes on connections of its own, and our
tables have one writer, so there is no shared pool for runs to exhaust.
"""

from __future__ import annotations

import json
import secrets

import pytest
from psycopg_pool import PoolTimeout

from bot.queue.inbox import Inbox
from graph.storage import open_storage
from tests.slack.conftest import SECRET, running_bot
from tests.support.queries import add_test_queries
from tests.support.slack_requests import apost_event, event_callback, message_event

pytestmark = pytest.mark.postgres


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
