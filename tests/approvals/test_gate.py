"""The graph side of the gate (graph/approval.py) with a scripted model, on SQLite and PostgreSQL."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.types import Command

from graph.agent import build_graph
from graph.shop import Shop
from tests.graph.scripted import ScriptedModel, thread


def calls(*specs) -> AIMessage:
    return AIMessage(content="", tool_calls=[
        {"name": name, "args": args, "id": call_id, "type": "tool_call"} for name, args, call_id in specs])


async def refunds(storage, order_id: int) -> int:
    return (await storage.db.fetchone("shop_count_refunds", {"order_id": order_id}))["n"]


async def test_a_rejection_reaches_the_model_as_a_tool_result_saying_who_and_why(storage):
    model = ScriptedModel(replies=[calls(("refund_order", {"order_id": 1001, "reason": "broken"}, "c1"))])
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await agent.ainvoke({"messages": [HumanMessage("refund 1001")]}, thread("t"))
    (pending,) = (await agent.aget_state(thread("t"))).interrupts
    assert await refunds(storage, 1001) == 0  # nothing happened before the decision

    await agent.ainvoke(Command(resume={pending.id: {"decision": "reject", "by": "U2", "note": "wrong order"}}),
                        thread("t"))

    seen = model.prompts[-1][-1]
    assert isinstance(seen, ToolMessage) and seen.status == "error"
    assert seen.content == "Rejected by U2: wrong order. The action was not carried out."
    assert await refunds(storage, 1001) == 0


async def test_parallel_pauses_are_resumed_each_by_its_own_id_in_any_order(storage):
    model = ScriptedModel(replies=[calls(("refund_order", {"order_id": 1001, "reason": "a"}, "c1"),
                                         ("refund_order", {"order_id": 1002, "reason": "b"}, "c2"))])
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await agent.ainvoke({"messages": [HumanMessage("refund both")]}, thread("p"))
    first, second = (await agent.aget_state(thread("p"))).interrupts
    assert [first.value["args"]["order_id"], second.value["args"]["order_id"]] == [1001, 1002]

    await agent.ainvoke(Command(resume={second.id: {"decision": "approve", "by": "U2"}}), thread("p"))
    state = await agent.aget_state(thread("p"))
    assert [i.id for i in state.interrupts] == [first.id]  # the other still waits, same id
    assert (await refunds(storage, 1002), await refunds(storage, 1001)) == (1, 0)
    assert len(model.prompts) == 1  # the model waits for both results

    await agent.ainvoke(Command(resume={first.id: {"decision": "approve", "by": "U3"}}), thread("p"))
    assert not (await agent.aget_state(thread("p"))).interrupts
    assert (await refunds(storage, 1002), await refunds(storage, 1001)) == (1, 1)
    assert [m.tool_call_id for m in model.prompts[-1] if isinstance(m, ToolMessage)] == ["c1", "c2"]


async def test_approved_edits_are_validated_and_bad_ones_run_nothing(storage):
    model = ScriptedModel(replies=[calls(("refund_order", {"order_id": 1001, "reason": "a"}, "c1"))])
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await agent.ainvoke({"messages": [HumanMessage("refund")]}, thread("e"))
    (pending,) = (await agent.aget_state(thread("e"))).interrupts

    await agent.ainvoke(Command(resume={pending.id: {"decision": "approve", "by": "U2",
                                                     "args": {"order_id": "not a number"}}}), thread("e"))

    result = model.prompts[-1][-1]
    assert isinstance(result, ToolMessage) and result.content.startswith("Error: Invalid arguments for refund_order")
    assert await refunds(storage, 1001) == 0
