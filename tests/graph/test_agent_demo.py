"""The agent graph end to end with the offline demo model, on every checkpointer."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from graph.agent import build_graph, human_message
from graph.demo_model import DemoChatModel
from tests.graph.scripted import thread


@pytest.fixture
def agent(storage, shop):
    return build_graph(storage.checkpointer, model=DemoChatModel(), shop=shop)


async def say(agent, text: str, thread_id: str = "t") -> dict:
    return await agent.ainvoke({"messages": [human_message(text)]}, thread(thread_id))


async def decide(agent, result: dict, decision: dict, thread_id: str = "t") -> dict:
    (pending,) = result["__interrupt__"]
    return await agent.ainvoke(Command(resume={pending.id: decision}), thread(thread_id))


async def order(storage, order_id: int) -> str:
    return (await storage.db.fetchone("shop_get_order", {"order_id": order_id}))["status"]


async def refunds(storage, order_id: int) -> int:
    return (await storage.db.fetchone("shop_count_refunds", {"order_id": order_id}))["n"]


def tool_results(result: dict) -> list[str]:
    return [m.content for m in result["messages"] if isinstance(m, ToolMessage)]


async def test_an_order_status_question_is_answered_from_the_shop(agent):
    result = await say(agent, "Where is order 1006?")
    assert result["messages"][-1].content == (
        "Order 1006: Ergonomic mouse for Linus Torvalds (linus@example.com), $59.00, status: shipped."
    )


async def test_a_refund_waits_for_approval_then_refunds_once(agent, storage):
    asked = await say(agent, "Please refund order 1001, it arrived broken")
    (pending,) = asked["__interrupt__"]
    assert pending.value["tool"] == "refund_order" and pending.value["args"]["order_id"] == 1001
    assert (await order(storage, 1001), await refunds(storage, 1001)) == ("delivered", 0)

    done = await decide(agent, asked, {"decision": "approve", "by": "U2"})

    assert "__interrupt__" not in done
    assert done["messages"][-1].content.startswith("Refunded order 1001: $129.00 (refund #")
    assert len(tool_results(done)) == 1
    assert (await order(storage, 1001), await refunds(storage, 1001)) == ("refunded", 1)


async def test_a_rejected_refund_is_reported_to_the_model_and_changes_nothing(agent, storage):
    asked = await say(agent, "refund order 1004 please")

    done = await decide(agent, asked, {"decision": "reject", "by": "U2", "note": "outside the return window"})

    assert tool_results(done) == ["Rejected by U2: outside the return window. The action was not carried out."]
    assert done["messages"][-1].content.startswith("That request was not approved.")
    assert (await order(storage, 1004), await refunds(storage, 1004)) == ("delivered", 0)


async def test_an_approved_cancellation_cancels_a_processing_order(agent, storage):
    asked = await say(agent, "cancel order 1005, I ordered the wrong one")
    assert asked["__interrupt__"][0].value["tool"] == "cancel_order"

    done = await decide(agent, asked, {"decision": "approve", "by": "U2"})

    assert done["messages"][-1].content == "Cancelled order 1005."
    assert await order(storage, 1005) == "cancelled"


async def test_the_agent_remembers_the_customers_name(agent):
    await say(agent, "my name is Ada")
    assert (await say(agent, "what's my name?"))["messages"][-1].content == "Your name is Ada."


async def test_interleaved_threads_keep_their_messages_apart(agent):
    await say(agent, "my name is Ada", "a")
    await say(agent, "my name is Bob", "b")
    ada = await say(agent, "what's my name?", "a")
    bob = await say(agent, "what's my name?", "b")

    assert ada["messages"][-1].content == "Your name is Ada."
    assert bob["messages"][-1].content == "Your name is Bob."
    ada_text = " ".join(m.content for m in ada["messages"])
    bob_text = " ".join(m.content for m in bob["messages"])
    assert "Bob" not in ada_text and "Ada" not in bob_text
    assert len(ada["messages"]) == len(bob["messages"]) == 4
