"""Summarisation: where a thread is cut, what the summary keeps, who writes it."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage

from graph.agent import system_message
from graph.demo_model import DemoChatModel
from graph.summary import (
    SummaryConfig,
    TokenCounter,
    choose_cut,
    estimate_tokens,
    extractive_summary,
    make_summarizer,
    safe_cuts,
)


def turn(n: int, *, tool: bool = False) -> list:
    out = [HumanMessage(f"question {n} " + "words " * 20, id=f"h{n}")]
    if tool:
        out += [AIMessage("", id=f"c{n}", tool_calls=[{"name": "lookup_order", "args": {"order_id": 1003},
                                                       "id": f"call{n}", "type": "tool_call"}]),
                ToolMessage("Order 1003: processing", tool_call_id=f"call{n}", name="lookup_order", id=f"t{n}")]
    return out + [AIMessage(f"answer {n} " + "words " * 20, id=f"a{n}")]


def pairs_intact(messages) -> bool:
    calls = {c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    return calls == results


def test_a_cut_is_only_made_at_a_turn_start_with_every_tool_call_answered_on_its_side():
    messages = [m for n in range(6) for m in turn(n, tool=n % 2 == 0)]
    cuts = safe_cuts(messages)
    assert cuts and all(isinstance(messages[i], HumanMessage) for i in cuts)
    for i in cuts:
        assert pairs_intact(messages[:i]) and pairs_intact(messages[i:])


def test_a_tool_call_answered_after_a_later_human_message_is_never_cut_from_its_result():
    # A pause for approval: a new message arrived before the tool result.
    messages = [*turn(0), HumanMessage("refund 1001", id="h1"),
                AIMessage("", id="c1", tool_calls=[{"name": "refund_order", "args": {"order_id": 1001},
                                                     "id": "call1", "type": "tool_call"}]),
                HumanMessage("any news?", id="h2"),
                ToolMessage("Refunded", tool_call_id="call1", name="refund_order", id="t1"),
                AIMessage("done", id="a2")]
    assert 4 not in safe_cuts(messages)  # "any news?" sits between the call and its result
    assert 2 in safe_cuts(messages)


def test_under_budget_nothing_is_folded_and_the_current_turn_never_is():
    config = SummaryConfig(budget_tokens=10_000, max_messages=100)
    messages = [m for n in range(3) for m in turn(n)]
    assert choose_cut(messages, [estimate_tokens(m) for m in messages], config) == 0
    one_huge_turn = [HumanMessage("x" * 100_000, id="h"), AIMessage("y", id="a")]
    assert choose_cut(one_huge_turn, [estimate_tokens(m) for m in one_huge_turn], SummaryConfig(budget_tokens=100)) == 0


def test_over_budget_the_oldest_turns_are_folded_down_to_the_target():
    config = SummaryConfig(budget_tokens=400, max_messages=100, keep_turns=1)
    messages = [m for n in range(10) for m in turn(n, tool=n == 8)]
    tokens = [estimate_tokens(m) for m in messages]
    cut = choose_cut(messages, tokens, config)
    assert cut > 0 and isinstance(messages[cut], HumanMessage)
    assert sum(tokens[cut:]) <= config.target_tokens
    assert pairs_intact(messages[cut:])


def test_the_message_count_alone_triggers_a_fold():
    config = SummaryConfig(budget_tokens=1_000_000, max_messages=10)
    messages = [m for n in range(8) for m in turn(n)]
    cut = choose_cut(messages, [estimate_tokens(m) for m in messages], config)
    assert len(messages) - cut <= config.target_messages


def test_the_estimate_is_a_quarter_of_the_characters_plus_four_per_message():
    assert estimate_tokens(HumanMessage("x" * 400)) == 104
    call = AIMessage("", tool_calls=[{"name": "lookup_order", "args": {"order_id": 1003}, "id": "c", "type": "tool_call"}])
    assert estimate_tokens(call) > 4


async def test_without_a_usable_tokenizer_the_estimate_is_used():
    counter = TokenCounter(GenericFakeChatModel(messages=iter([])), "auto")
    await counter.ready()
    assert counter.method == "estimate"  # GenericFakeChatModel has no tokenizer of its own
    assert TokenCounter(None).method == "estimate"


def test_the_extractive_summary_keeps_name_email_and_orders_and_merges_with_the_previous_one():
    first = extractive_summary("", [
        HumanMessage("Hi, my name is Ada Lovelace, ada@example.com", id="1"),
        HumanMessage("where is order 1003?", id="2"),
        AIMessage("", id="3", tool_calls=[{"name": "lookup_order", "args": {"order_id": 1003}, "id": "k",
                                           "type": "tool_call"}]),
        ToolMessage("Order 1003: processing", tool_call_id="k", name="lookup_order", id="4"),
    ])
    second = extractive_summary(first, [HumanMessage("and order 1005?", id="5")])
    assert "Customer name: Ada Lovelace" in second
    assert "Email: ada@example.com" in second
    assert "Current order: 1005" in second and "1003" in second
    assert "lookup_order(order_id=1003): Order 1003: processing" in second
    # The demo model reads facts back from its system message.
    view = {"messages": [], "summary": second}
    reply = DemoChatModel()._reply([system_message(view), HumanMessage("what's my name?")])
    assert reply.content == "Your name is Ada Lovelace."


def test_the_extractive_summary_stays_within_its_size():
    folded = [HumanMessage(f"request number {n} " + "blah " * 40, id=str(n)) for n in range(200)]
    summary = extractive_summary("Customer name: Bob", folded, max_chars=1000)
    assert len(summary) <= 1000
    assert "request number 199" in summary and "(older requests omitted)" in summary


async def test_a_real_model_writes_the_summary_from_the_folded_turns():
    model = GenericFakeChatModel(messages=iter([AIMessage("Customer name: Ada. Wants order 1003 refunded.")]))
    node = make_summarizer(model, None, config=SummaryConfig(budget_tokens=200, max_messages=100, keep_turns=1,
                                                             tokenizer="estimate"))
    messages = [m for n in range(6) for m in turn(n)]
    update = await node({"messages": messages, "summary": "Earlier: hello"})
    assert update["summary"] == "Customer name: Ada. Wants order 1003 refunded."
    removed = [m.id for m in update["messages"] if isinstance(m, RemoveMessage)]
    assert removed == [m.id for m in messages[: len(removed)]] and 0 < len(removed) < len(messages)


async def test_when_the_model_cannot_summarise_the_extractive_summary_is_used():
    class Broken(GenericFakeChatModel):
        async def ainvoke(self, *args, **kwargs):
            raise RuntimeError("model down")

    node = make_summarizer(Broken(messages=iter([])), None,
                           config=SummaryConfig(budget_tokens=200, max_messages=100, tokenizer="estimate"))
    messages = [HumanMessage("my name is Grace Hopper", id="g"), AIMessage("hi", id="x"),
                *[m for n in range(6) for m in turn(n)]]
    update = await node({"messages": messages})
    assert "Customer name: Grace Hopper" in update["summary"]
    assert update["customer_name"] == "Grace Hopper"


async def test_the_summary_prompt_carries_the_previous_summary_and_the_folded_turns():
    seen = []

    class Recording(GenericFakeChatModel):
        async def ainvoke(self, messages, *args, **kwargs):
            seen.append(messages)
            return AIMessage("merged")

    node = make_summarizer(Recording(messages=iter([])), None,
                           config=SummaryConfig(budget_tokens=200, max_messages=100, tokenizer="estimate"))
    await node({"messages": [m for n in range(6) for m in turn(n, tool=n == 0)], "summary": "OLD-SUMMARY"})
    system, request = seen[0]
    assert isinstance(system, SystemMessage) and "customer's name" in system.content
    assert "OLD-SUMMARY" in request.content and "Customer: question 0" in request.content
    assert "Agent called lookup_order" in request.content
