"""Retention: bounded checkpoints per thread, never the latest, never one a pending approval needs."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, TypedDict

import pytest
from langgraph.channels import DeltaChannel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from bot.operators.retention import RetentionConfig, prune_once, run_retention_forever
from graph.agent import build_graph, human_message
from graph.checkpoint_ids import checkpoint_time
from graph.retention import UsesDeltaChannel, prune_thread
from graph.shop import Shop
from graph.storage import open_storage
from tests.long.helpers import run_sql, thread
from tests.support.fixtures import database_fixture
from tests.support.queries import add_test_queries


async def history(agent, thread_id: str) -> list:
    return [s async for s in agent.aget_state_history(thread(thread_id))]


async def chat(agent, thread_id: str, turns: int) -> None:
    for n in range(turns):
        await agent.ainvoke({"messages": [human_message(f"hello {n}, where is order 100{n % 9 + 1}?")]}, thread(thread_id))


async def test_retention_keeps_the_latest_checkpoints_and_the_thread_goes_on_unchanged(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "a", 6)
    await chat(agent, "small", 1)
    before = await agent.aget_state(thread("a"))
    small_before = len(await history(agent, "small"))

    totals = await prune_once(storage, config=RetentionConfig(keep_checkpoints=6, vacuum=True))

    assert totals["checkpoints"] > 0 and totals["threads"] == 1
    after = await agent.aget_state(thread("a"))
    assert after.values == before.values and after.config == before.config
    assert small_before < 6 and len(await history(agent, "a")) == 6
    assert len(await history(agent, "small")) == small_before  # under the limit: untouched
    await agent.ainvoke({"messages": [human_message("where is order 1004?")]}, thread("a"))
    assert "1004" in (await agent.aget_state(thread("a"))).values["messages"][-1].content


async def test_keep_one_never_removes_the_latest_checkpoint(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "b", 3)
    before = await agent.aget_state(thread("b"))
    latest = before.config["configurable"]["checkpoint_id"]
    await prune_thread(storage, "b", keep=1)
    left = await history(agent, "b")
    assert [s.config["configurable"]["checkpoint_id"] for s in left] == [latest]
    assert left[0].parent_config is None
    assert left[0].values == before.values and len(before.values["messages"]) == 12


async def paused_refund(agent, storage, thread_id: str) -> str:
    """Pause on a refund; record it as a pending approval, as bot/ does. Returns the interrupt id."""
    await agent.ainvoke({"messages": [human_message("refund order 1001 please")]}, thread(thread_id))
    (interrupt,) = (await agent.aget_state(thread(thread_id))).interrupts
    await run_sql(storage, "INSERT INTO approvals (interrupt_id, thread_id, tool, args, status, created_at) "
                           "VALUES (:iid, :tid, 'refund_order', '{}', 'pending', :now)",
                  {"iid": interrupt.id, "tid": thread_id, "now": time.time()})
    return interrupt.id


async def test_retention_keeps_the_checkpoint_a_pending_approval_points_at(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "c", 2)
    interrupt_id = await paused_refund(agent, storage, "c")
    paused_at = (await agent.aget_state(thread("c"))).config
    # The thread moves on (the pause is answered here, but the approvals row still says pending).
    await agent.ainvoke(Command(resume={interrupt_id: {"decision": "reject", "by": "U9"}}), thread("c"))
    await chat(agent, "c", 4)

    await prune_once(storage, config=RetentionConfig(keep_checkpoints=2))

    kept = [s.config["configurable"]["checkpoint_id"] for s in await history(agent, "c")]
    assert len(kept) == 3 and paused_at["configurable"]["checkpoint_id"] in kept
    paused = await storage.checkpointer.aget_tuple(paused_at)
    assert interrupt_id in {i.id for _, channel, value in paused.pending_writes if channel == "__interrupt__"
                            for i in value}
    assert (await agent.aget_state(paused_at)).interrupts[0].id == interrupt_id


async def test_a_pending_approval_that_cannot_be_located_keeps_its_whole_thread(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "d", 3)
    await run_sql(storage, "INSERT INTO approvals (interrupt_id, thread_id, tool, args, status, created_at) "
                           "VALUES ('no-such-interrupt', 'd', 'refund_order', '{}', 'pending', 0)")
    count = len(await history(agent, "d"))
    totals = await prune_once(storage, config=RetentionConfig(keep_checkpoints=1))
    assert totals["skipped"] == 1 and len(await history(agent, "d")) == count


async def test_the_background_loop_prunes_until_stopped(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "e", 3)
    stop = asyncio.Event()
    task = asyncio.create_task(run_retention_forever(storage, None, stop,
                                                     config=RetentionConfig(keep_checkpoints=2, interval_seconds=0.05)))
    for _ in range(100):
        if len(await history(agent, "e")) == 2:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(await history(agent, "e")) == 2


async def test_idle_threads_expire_after_the_ttl_but_busy_ones_do_not(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "old", 1)
    await chat(agent, "waiting", 1)
    await paused_refund(agent, storage, "waiting")
    latest = (await agent.aget_state(thread("old"))).config["configurable"]["checkpoint_id"]
    assert abs(checkpoint_time(latest) - time.time()) < 60

    config = RetentionConfig(keep_checkpoints=0, thread_ttl_days=30)
    assert (await prune_once(storage, config=config))["expired"] == 0  # not idle yet
    totals = await prune_once(storage, config=config, now=time.time() + 31 * 86400)

    assert totals["expired"] == 1
    assert not (await agent.aget_state(thread("old"))).values
    assert (await agent.aget_state(thread("waiting"))).interrupts


# SQLite keeps channel values inside each checkpoint row: it has no blobs to free.
blob_database_url = database_fixture("memory", "postgres")


@pytest.fixture
async def blob_storage(blob_database_url):
    async with open_storage(blob_database_url) as opened:
        add_test_queries(opened.db)
        yield opened


async def blob_count(storage) -> int:
    if isinstance(storage.checkpointer, InMemorySaver):
        return len(storage.checkpointer.blobs)
    return (await run_sql(storage, "SELECT count(*) FROM checkpoint_blobs"))[0][0]


async def test_pruning_frees_the_blobs_only_deleted_checkpoints_used(blob_storage, model):
    storage = blob_storage
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await chat(agent, "blobs", 5)
    before, state = await blob_count(storage), await agent.aget_state(thread("blobs"))

    totals = await prune_once(storage, config=RetentionConfig(keep_checkpoints=2))

    after = await blob_count(storage)
    assert totals["blobs"] > 0 and after == before - totals["blobs"]
    assert (await agent.aget_state(thread("blobs"))).values == state.values  # every blob it needs is there
    await chat(agent, "blobs", 1)


class Counted(TypedDict):
    n: int


def counter_with_a_subgraph(checkpointer, *, persistent: bool = True):
    """A root graph whose one node is a subgraph: one that keeps its own state (namespace "child"),
    or, not ``persistent``, one with a namespace per call ("child:<task id>")."""
    child = StateGraph(Counted)
    child.add_node("inc", lambda state: {"n": state["n"] + 1})
    child.add_edge(START, "inc")
    child.add_edge("inc", END)
    root = StateGraph(Counted)
    root.add_node("child", child.compile(checkpointer=True if persistent else None))
    root.add_edge(START, "child")
    root.add_edge("child", END)
    return root.compile(checkpointer=checkpointer)


async def checkpoints_by_namespace(saver, thread_id: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in [c async for c in saver.alist(thread(thread_id))]:
        ns = item.config["configurable"]["checkpoint_ns"]
        found[ns] = found.get(ns, 0) + 1
    return found


async def test_a_subgraphs_checkpoints_are_pruned_by_the_same_rule_as_the_root_graphs(storage):
    graph = counter_with_a_subgraph(storage.checkpointer)
    for n in range(4):
        await graph.ainvoke({"n": n * 10}, thread("nested"))
    assert await checkpoints_by_namespace(storage.checkpointer, "nested") == {"": 12, "child": 12}

    totals = await prune_once(storage, config=RetentionConfig(keep_checkpoints=3))

    assert totals["checkpoints"] == 18
    assert await checkpoints_by_namespace(storage.checkpointer, "nested") == {"": 3, "child": 3}
    assert (await graph.aget_state(thread("nested"))).values == {"n": 31}
    assert await graph.ainvoke({"n": 100}, thread("nested")) == {"n": 101}


def extend(state: list, writes: list) -> list:
    return state + [item for write in writes for item in write]


class Collected(TypedDict):
    items: Annotated[list, DeltaChannel(extend)]


async def test_a_thread_whose_graph_uses_a_delta_channel_is_not_pruned(storage):
    builder = StateGraph(Collected)
    builder.add_node("collect", lambda state: {"items": ["seen"]})
    builder.add_edge(START, "collect")
    builder.add_edge("collect", END)
    graph = builder.compile(checkpointer=storage.checkpointer)
    for n in range(4):
        await graph.ainvoke({"items": [n]}, thread("delta"))
    kept = await checkpoints_by_namespace(storage.checkpointer, "delta")
    expected = [0, "seen", 1, "seen", 2, "seen", 3, "seen"]
    assert (await graph.aget_state(thread("delta"))).values["items"] == expected

    totals = await prune_once(storage, config=RetentionConfig(keep_checkpoints=2))

    assert totals["skipped"] == 1 and totals["checkpoints"] == 0
    assert await checkpoints_by_namespace(storage.checkpointer, "delta") == kept
    assert (await graph.aget_state(thread("delta"))).values["items"] == expected  # pruned, it would be []
    with pytest.raises(UsesDeltaChannel):
        await prune_thread(storage, "delta", keep=2)


async def test_a_finished_subgraph_calls_checkpoints_go_with_the_root_checkpoint_it_ran_under(storage):
    graph = counter_with_a_subgraph(storage.checkpointer, persistent=False)
    for n in range(4):
        await graph.ainvoke({"n": n * 10}, thread("calls"))
    before = await checkpoints_by_namespace(storage.checkpointer, "calls")
    assert len(before) == 5 and before[""] == 12

    await prune_once(storage, config=RetentionConfig(keep_checkpoints=3))

    after = await checkpoints_by_namespace(storage.checkpointer, "calls")
    # The last call ran under a root checkpoint that is kept; the three before it are gone.
    (last_call,) = set(after) - {""}
    assert after == {"": 3, last_call: before[last_call]}
    assert await graph.ainvoke({"n": 100}, thread("calls")) == {"n": 101}
