"""ChatOpenAI through the graph against the fake OpenAI server: real HTTP, real tool calls."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessageChunk

from graph.agent import SYSTEM_PROMPT, build_graph, human_message
from graph.model import close_chat_model, make_chat_model
from graph.tools import DEFAULT_TOOLS
from tests.fakes.openai_server import Reply
from tests.graph.scripted import thread

ANSWER = "Order 1003 is still being prepared."


@pytest.mark.parametrize("streaming", [False, True], ids=["ainvoke", "astream-messages"])
async def test_a_tool_call_from_openai_is_run_and_its_result_sent_back(storage, shop, fake_openai, streaming):
    fake_openai.queue(
        Reply(tool_calls=[{"name": "lookup_order", "args": {"order_id": 1003}, "id": "call_lookup"}]),
        Reply(content=ANSWER),
    )
    model = make_chat_model("sk-test", base_url=fake_openai.base_url)
    agent = build_graph(storage.checkpointer, model=model, shop=shop)
    payload = {"messages": [human_message("where is order 1003?")]}

    if streaming:
        chunks = [chunk async for chunk, meta in agent.astream(payload, thread("t"), stream_mode="messages")
                  if isinstance(chunk, AIMessageChunk) and meta["langgraph_node"] == "agent"]
        assert len(chunks) > 2 and "".join(c.text for c in chunks) == ANSWER
    else:
        await agent.ainvoke(payload, thread("t"))

    assert (await agent.aget_state(thread("t"))).values["messages"][-1].content == ANSWER
    asked, answered = fake_openai.requests
    assert [bool(r.get("stream")) for r in (asked, answered)] == [streaming, streaming]
    for request in (asked, answered):
        assert request["messages"][0]["role"] == "system"
        assert request["messages"][0]["content"].startswith(SYSTEM_PROMPT)
    assert {t["function"]["name"] for t in asked["tools"]} == {spec.name for spec in DEFAULT_TOOLS}
    assert answered["messages"][-2]["tool_calls"][0]["id"] == "call_lookup"
    assert answered["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_lookup",
        "content": "Order 1003: Noise-cancelling headphones for Alan Turing (alan@example.com), "
                   "$249.00, status: processing.",
    }


def test_a_model_opened_on_a_new_event_loop_does_not_reuse_the_last_loops_connections(fake_openai):
    # langchain-openai caches one HTTP client per base URL for the process; its kept-alive
    # connections belong to the loop that opened them ("Event loop is closed" on the next loop).
    async def ask() -> str:
        model = make_chat_model("sk-test", base_url=fake_openai.base_url)
        try:
            return (await model.ainvoke("hello")).text
        finally:
            await close_chat_model(model)

    fake_openai.queue(Reply(content="one"), Reply(content="two"))
    assert asyncio.run(ask()) == "one"
    assert asyncio.run(ask()) == "two"
