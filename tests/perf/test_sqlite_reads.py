"""SQLite reads off the writer's connection (issue 15): a plain read, and a checkpoint
read, go through while a write transaction holds the writer."""

from __future__ import annotations

import asyncio

from langchain_core.messages import HumanMessage

from graph.agent import build_graph
from graph.demo_model import DemoChatModel
from graph.shop import Shop
from graph.storage import open_storage
from tests.support.queries import add_test_queries


async def test_a_read_does_not_wait_for_an_open_write_transaction(tmp_path):
    async with open_storage(f"sqlite:///{tmp_path}/bot.db") as storage:
        db = storage.db
        add_test_queries(db)
        async with db.transaction() as tx:
            await tx.execute("conversation_join", {"thread_id": "t", "team_id": "T1", "channel_id": "C1",
                                                   "thread_ts": "1.0", "user_id": "U1", "now": 1.0})
            # On the writer's connection this would wait for the transaction (it holds the lock).
            depth = await asyncio.wait_for(db.fetchone("inbox_depth"), 30)
            assert int(depth["depth"]) == 0
            assert await asyncio.wait_for(db.fetchone("conversation_get", {"thread_id": "t"}), 30) is None
        assert (await db.fetchone("conversation_get", {"thread_id": "t"}))["channel_id"] == "C1"


async def test_checkpoint_reads_use_their_own_connection_and_see_every_committed_write(tmp_path):
    async with open_storage(f"sqlite:///{tmp_path}/bot.db") as storage:
        saver = storage.checkpointer
        graph = build_graph(saver, model=DemoChatModel(), shop=Shop(storage.db))
        config = {"configurable": {"thread_id": "slack:T1:C1:1.0"}}
        await graph.ainvoke({"messages": [HumanMessage("where is order 1001?", id="m1")]}, config)
        async with saver.lock:  # the writer's lock held: a read on its connection would wait
            state = await asyncio.wait_for(graph.aget_state(config), 30)
        assert [m.id for m in state.values["messages"]][0] == "m1"
        assert len([c async for c in saver.alist(config)]) >= 3
