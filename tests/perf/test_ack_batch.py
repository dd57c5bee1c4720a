"""The ack's write in batches (issue 15): deliveries arriving together share one statement
and one commit, and each still gets the answer it would get alone (bot/queue/ack_batch.py)."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.queue import ack_batch
from bot.queue.ack_batch import AckBatch, Stored
from bot.queue.inbox import Inbox
from bot.queue.intake import accept, classify
from graph.db import PostgresDatabase
from graph.storage import open_storage
from tests.support.fixtures import database_fixture
from tests.support.queries import add_test_queries
from tests.support.slack_requests import message_event

database_url = database_fixture("sqlite", "postgres")
BOT = "UBOT"


class Counted(AckBatch):
    """The real batch, recording the size of each write it sends."""

    def __init__(self, db, **kw) -> None:
        super().__init__(db, **kw)
        self.sizes: list[int] = []

    async def _store_all(self, batch):
        self.sizes.append(len(batch))
        return await super()._store_all(batch)


def message(ts: str, text: str = "hello", *, thread_ts: str | None = None, channel: str = "C1", user: str = "U1"):
    return classify(message_event(channel, user, text, ts, thread_ts=thread_ts), "T1", BOT)


async def accept_all(inbox: Inbox, *intakes, require_joined=None) -> list[int | None]:
    """All at once, as a burst reaches the app: every accept starts in the same turn of the loop."""
    return await asyncio.gather(*(
        accept(inbox, i, require_joined=not i.joins if require_joined is None else require_joined)
        for i in intakes))


@pytest.fixture
async def opened(database_url):
    async with open_storage(database_url, pool_size=2, ack_connections=2) as storage:
        add_test_queries(storage.db)
        inbox = Inbox(storage.db)
        inbox.batch = Counted(storage.db.for_acks())
        yield storage, inbox


async def stored_rows(storage) -> list[dict]:
    return await storage.db.fetchall("inbox_all")


async def test_a_burst_is_one_write_and_each_delivery_gets_its_own_answer(opened):
    storage, inbox = opened
    mention = message("10.0", f"<@{BOT}> where is my order?")
    results = await accept_all(
        inbox,
        mention,
        message("10.1", "it is 1001", thread_ts="10.0"),  # a reply in the thread joined just now
        message("20.1", "talking among ourselves", thread_ts="20.0"),  # a thread never joined
        classify(message_event("D1", "U2", "hi from a DM", "30.0", channel_type="im"), "T1", BOT),
        message("10.2", "and 1002", thread_ts="10.0"),
    )
    assert inbox.batch.sizes == [5]
    assert results[2] is None  # ignored: nothing stored for the thread never joined
    assert all(isinstance(r, int) for r in results[:2] + results[3:])
    rows = {r["delivery_key"]: r for r in await stored_rows(storage)}
    assert set(rows) == {"T1:C1:10.0", "T1:C1:10.1", "T1:D1:30.0", "T1:C1:10.2"}
    # Arrival order within the thread is the item order, as the run takes them.
    assert rows["T1:C1:10.0"]["item_id"] < rows["T1:C1:10.1"]["item_id"] < rows["T1:C1:10.2"]["item_id"]
    assert await storage.db.fetchone("conversation_get", {"thread_id": "slack:T1:C1:20.0"}) is None
    joined = await storage.db.fetchone("conversation_get", {"thread_id": mention.place.thread_id})
    assert joined["started_by"] == "U1"


async def test_the_same_delivery_twice_in_a_burst_is_stored_once(opened):
    storage, inbox = opened
    first = message("40.0", f"<@{BOT}> refund please")
    # Slack's retry, and the app_mention event of the same message, arrive beside it.
    results = await accept_all(inbox, first, first, message("41.0", f"<@{BOT}> other"), first)
    assert results[0] is not None and results[1:] == [None, results[2], None]
    assert inbox.batch.sizes[0] == 2  # the copies wait for a later write, where they are duplicates
    keys = [r["delivery_key"] for r in await stored_rows(storage)]
    assert sorted(keys) == ["T1:C1:40.0", "T1:C1:41.0"]


async def test_two_mentions_of_one_thread_in_a_burst_join_it_once(opened):
    storage, inbox = opened
    results = await accept_all(inbox, message("50.1", f"<@{BOT}> one", thread_ts="50.0"),
                               message("50.2", f"<@{BOT}> two", thread_ts="50.0", user="U2"))
    assert inbox.batch.sizes == [2] and results[0] < results[1]
    joined = await storage.db.fetchone("conversation_get", {"thread_id": "slack:T1:C1:50.0"})
    assert joined["started_by"] == "U1"


async def test_a_delivery_the_database_refuses_fails_alone(opened, monkeypatch):
    storage, inbox = opened
    good = [message(f"60.{n}", f"<@{BOT}> fine {n}") for n in range(3)]
    bad = message("61.0", f"<@{BOT}> bad")
    real = inbox.batch._store_all

    async def refusing(batch):  # as PostgreSQL refuses a value it cannot store
        if any(row.params["delivery_key"] == bad.key for row in batch):
            raise ValueError("a value the database cannot store")
        return await real(batch)

    monkeypatch.setattr(inbox.batch, "_store_all", refusing)
    results = await asyncio.gather(*(accept(inbox, i, require_joined=False) for i in [good[0], bad, *good[1:]]),
                                   return_exceptions=True)
    assert isinstance(results[1], ValueError)
    assert all(isinstance(r, int) for r in results[:1] + results[2:])
    assert sorted(r["delivery_key"] for r in await stored_rows(storage)) == sorted(g.key for g in good)


@pytest.mark.postgres
async def test_a_nul_character_fails_only_its_own_delivery_on_postgres(pg_migrated_url):
    async with open_storage(pg_migrated_url, pool_size=2, ack_connections=2) as storage:
        add_test_queries(storage.db)
        inbox = Inbox(storage.db)
        inbox.batch = Counted(storage.db.for_acks())
        good = message("70.0", f"<@{BOT}> fine")
        bad = message("70.1", f"<@{BOT}> bad", channel="C\x001")
        results = await asyncio.gather(accept(inbox, good, require_joined=False),
                                       accept(inbox, bad, require_joined=False), return_exceptions=True)
        assert isinstance(results[0], int) and isinstance(results[1], Exception)
        assert inbox.batch.sizes == [2, 1, 1]  # the batch, then row by row
        assert [r["delivery_key"] for r in await storage.db.fetchall("inbox_all")] == [good.key]


@pytest.mark.postgres
async def test_with_the_database_unreachable_every_delivery_in_the_batch_fails_at_once(monkeypatch):
    monkeypatch.setattr(ack_batch, "WAIT", 0.3)
    pool = AsyncConnectionPool("postgresql://postgres@127.0.0.1:1/none", min_size=0, max_size=1, open=False)
    await pool.open(wait=False)
    try:
        batch = Counted(PostgresDatabase(pool))
        params = [{"delivery_key": f"k{n}", "thread_id": "t", "kind": "message", "payload": "{}", "now": 1.0}
                  for n in range(3)]
        results = await asyncio.gather(*(batch.store("insert", p) for p in params), return_exceptions=True)
    finally:
        await pool.close()
    assert all(isinstance(r, PoolTimeout) for r in results), results
    assert batch.sizes == [3]  # not written again row by row: that would only wait three times longer


async def test_while_a_write_is_on_the_wire_the_next_deliveries_gather(opened):
    storage, inbox = opened
    inbox.batch = batch = Counted(storage.db.for_acks(), in_flight=1)
    first = asyncio.ensure_future(accept(inbox, message("80.0", f"<@{BOT}> first"), require_joined=False))
    while not batch.sizes:
        await asyncio.sleep(0)
    rest = [message(f"81.{n}", f"<@{BOT}> next {n}") for n in range(6)]
    results = await asyncio.gather(first, *(accept(inbox, i, require_joined=False) for i in rest))
    assert batch.sizes == [1, 6] and all(results)


async def test_a_sealed_payload_is_sealed_in_the_batch_too(database_url):
    async with open_storage(database_url, pool_size=2, ack_connections=1, keys=[secrets.token_bytes(32)]) as storage:
        add_test_queries(storage.db)
        inbox = Inbox(storage.db)
        item_ids = await accept_all(inbox, message("90.0", f"<@{BOT}> my secret is Walrus-77"),
                                    message("90.1", f"<@{BOT}> and Walrus-78"))
        for item_id in item_ids:
            stored = await storage.db.fetchone("inbox_payload_stored", {"item_id": item_id})
            assert "Walrus" not in stored["stored"]
        texts = [json.loads((await inbox.get(i))["payload"])["text"] for i in item_ids]
    assert texts == ["my secret is Walrus-77", "and Walrus-78"]


async def test_a_caller_that_went_away_costs_the_others_nothing(opened):
    storage, inbox = opened
    gone = asyncio.ensure_future(inbox.batch.store("insert", {
        "delivery_key": "gone", "thread_id": "t", "kind": "message", "payload": "{}", "now": 1.0}))
    await asyncio.sleep(0)
    gone.cancel()
    kept = await inbox.batch.store("insert", {
        "delivery_key": "kept", "thread_id": "t", "kind": "message", "payload": "{}", "now": 1.0})
    assert isinstance(kept, Stored) and kept.item_id and kept.ours
    assert [r["delivery_key"] for r in await stored_rows(storage)] == ["kept"]
