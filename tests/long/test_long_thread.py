"""A 60-turn thread: the model's context stays bounded and early facts survive through the summary."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from graph.agent import build_graph, human_message
from graph.shop import Shop
from graph.summary import SummaryConfig, make_summarizer
from tests.long.helpers import thread

TURNS = 60


def pairs_intact(messages) -> bool:
    calls = {c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    return calls == results


def say(n: int) -> str:
    if n == 0:
        return "Hi! My name is Ada Lovelace and I need help with my orders."
    if n % 7 == 0:
        return f"where is order {1001 + n % 10}?"  # a tool call and its result
    return f"Question {n}: how long does shipping to Lisbon usually take in winter? Asking for a friend."


async def test_after_60_turns_the_model_still_knows_the_name_and_never_sees_more_than_40_messages(storage, model):
    summarizer = make_summarizer(model, None, config=SummaryConfig(budget_tokens=800, max_messages=40))
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db), summarizer=summarizer)
    for n in range(TURNS):
        await agent.ainvoke({"messages": [human_message(say(n))]}, thread("long"))
    await agent.ainvoke({"messages": [human_message("Sorry, what's my name again?")]}, thread("long"))

    state = await agent.aget_state(thread("long"))
    assert state.values["messages"][-1].content == "Your name is Ada Lovelace."
    last_context = model.seen[-1]
    assert not any("Ada" in str(m.content) for m in last_context if isinstance(m, HumanMessage))
    system = last_context[0]
    assert isinstance(system, SystemMessage) and "Customer name: Ada Lovelace" in system.content
    assert "Summary of the earlier conversation" in system.content

    assert len(model.seen) > TURNS
    assert max(len(context) for context in model.seen) <= 40
    for context in model.seen:
        assert pairs_intact(context), "a tool call was separated from its result"
    assert pairs_intact(state.values["messages"])
    assert len(state.values["messages"]) < 40


async def test_the_order_of_an_early_turn_survives_in_the_summary(storage, model):
    summarizer = make_summarizer(model, None, config=SummaryConfig(budget_tokens=300, max_messages=12))
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db), summarizer=summarizer)
    await agent.ainvoke({"messages": [human_message("where is order 1003?")]}, thread("t"))
    for n in range(1, 15):
        await agent.ainvoke({"messages": [human_message(say(n) if n % 7 else "thanks")]}, thread("t"))
    summary = (await agent.aget_state(thread("t"))).values["summary"]
    assert "1003" in summary
    assert "lookup_order(order_id=1003)" in summary
