"""replay: today's model re-runs a thread on a scratch copy; the real thread and shop stay untouched."""

from __future__ import annotations

import json

from bot.agent import open_agent
from tests.fakes.openai_server import Reply
from tests.operators.conftest import THREAD, cli, raw, say, settings_for

TICKET = {"name": "create_ticket", "args": {"subject": "Broken", "body": "My headphones broke"}}
REFUND = {"name": "refund_order", "args": {"order_id": 1001, "reason": "broken"}}


async def test_replay_prints_what_todays_model_does_differently_and_leaves_the_thread_alone(
        database_url, fake_openai, capsys):
    settings = settings_for(database_url, fake_openai=fake_openai)
    async with open_agent(settings) as agent:
        start = await say(agent.graph, "first", 1)
        fake_openai.queue(Reply(tool_calls=[TICKET]))
        await say(agent.graph, "please open a ticket", 2)
        head = await say(agent.graph, "refund order 1001 please", 3)
        checkpoints = raw(database_url, "SELECT count(*) FROM checkpoints")
    assert raw(database_url, "SELECT subject FROM shop_tickets") == [("Broken",)]

    # Today's model: tries a ticket again (the shop refuses: replays never write) and then a refund.
    fake_openai.queue(Reply(tool_calls=[TICKET]), Reply("tool said: could not"), Reply(tool_calls=[REFUND]))
    code, out = await cli(capsys, settings, "replay", THREAD, "--from", start, "--json")

    assert code == 0
    result = json.loads(out)
    assert result["recorded"] == [
        "user: please open a ticket",
        'assistant → create_ticket(subject="Broken", body="My headphones broke")',
        "tool create_ticket: Ticket #1 opened: Broken.",
        "assistant: tool said: Ticket #1 opened: Broken.",
        "user: refund order 1001 please",
        "assistant: echo: refund order 1001 please",
    ]
    assert result["replayed"] == [
        "user: please open a ticket",
        'assistant → create_ticket(subject="Broken", body="My headphones broke")',
        "tool create_ticket (error): Error: not carried out: this is a replay, which never changes the shop",
        "assistant: tool said: could not",
        "user: refund order 1001 please",
        'assistant → refund_order(order_id=1001, reason="broken")',
    ]
    assert result["same"] is False and result["head"] == head
    assert [p["tool"] for p in result["paused"]] == ["refund_order"]
    assert result["refused_writes"] == ["shop_insert_ticket"]

    async with open_agent(settings) as agent:
        state = await agent.graph.aget_state({"configurable": {"thread_id": THREAD}})
    assert state.config["configurable"]["checkpoint_id"] == head
    assert raw(database_url, "SELECT count(*) FROM checkpoints") == checkpoints
    assert raw(database_url, "SELECT subject FROM shop_tickets") == [("Broken",)]
    assert raw(database_url, "SELECT count(*) FROM shop_refunds") == [(0,)]
    assert raw(database_url, "SELECT count(*) FROM approvals") == [(0,)]


async def test_replay_of_an_unchanged_model_reports_the_same_and_the_table_says_so(database_url, fake_openai, capsys):
    settings = settings_for(database_url, fake_openai=fake_openai)
    async with open_agent(settings) as agent:
        start = await say(agent.graph, "first", 1)
        await say(agent.graph, "second", 2)

    code, out = await cli(capsys, settings, "replay", THREAD, "--from", start)

    assert code == 0
    assert "  user: second\n  assistant: echo: second\n" in out
    assert out.rstrip().endswith("same as recorded")
    code, out = await cli(capsys, settings, "replay", THREAD, "--from", "1f000000-0000-6000-0000-000000000000")
    assert code == 1
