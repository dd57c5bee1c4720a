"""history and show on a real conversation (the bot's graph, offline demo model), both databases."""

from __future__ import annotations

import json

from bot.operators.snapshot import show
from bot.operators.timeline import HISTORY_KEYS, history
from tests.operators.conftest import THREAD, cli, say, settings_for


async def test_history_lists_every_step_of_a_conversation_newest_first(demo):
    storage, graph = demo
    await say(graph, "my name is Ada", 1)
    await say(graph, "where is order 1003?", 2)

    steps = await history(graph, THREAD)

    oldest_first = list(reversed(steps))
    assert [s.node for s in oldest_first] == [
        "input", "start", "summarize", "agent",                       # turn 1: answered
        "input", "start", "summarize", "agent", "tools", "summarize", "agent",  # turn 2: a lookup
    ]
    assert [s.step for s in oldest_first] == list(range(-1, len(steps) - 1))
    assert [s.created_at for s in oldest_first] == sorted(s.created_at for s in steps)
    assert [s.messages for s in oldest_first] == [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6]
    assert oldest_first[1].last_message == "user: my name is Ada"
    assert oldest_first[3].last_message == "assistant: Nice to meet you, Ada! How can I help you today?"
    assert oldest_first[7].last_message == "assistant → lookup_order(order_id=1003)"
    assert steps[0].last_message.startswith("assistant: Order 1003:")
    assert all(len(s.last_message) <= 100 for s in steps)
    assert all(s.on_head for s in steps)


async def test_show_at_an_old_checkpoint_is_the_state_the_agent_had_then(demo):
    storage, graph = demo
    after_first = await say(graph, "my name is Ada", 1)
    then = (await graph.aget_state({"configurable": {"thread_id": THREAD}})).values
    await say(graph, "where is order 1003?", 2)
    await say(graph, "please refund order 1001, it broke", 3)  # pauses for approval (1003 is not refundable)

    old = await show(graph, THREAD, after_first)
    now = await show(graph, THREAD)

    assert old["checkpoint_id"] == after_first
    assert [(m["role"], m["content"]) for m in old["messages"]] == [
        (m.type.replace("human", "user").replace("ai", "assistant"), m.content) for m in then["messages"]]
    assert old["customer"] == {"customer_name": "Ada", "customer_email": None, "current_order": None}
    assert old["interrupts"] == [] and old["next"] == []
    assert now["customer"]["current_order"] == "1001"
    assert len(now["messages"]) == 8
    assert now["next"] == ["tools"]
    assert [i["value"]["tool"] for i in now["interrupts"]] == ["refund_order"]


async def test_cli_json_has_exactly_the_documented_keys(demo, database_url, capsys):
    storage, graph = demo
    first = await say(graph, "my name is Ada", 1)
    await say(graph, "where is order 1003?", 2)
    settings = settings_for(database_url)

    code, out = await cli(capsys, settings, "history", THREAD, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 11
    assert all(list(r) == list(HISTORY_KEYS) for r in rows)
    assert list(HISTORY_KEYS) == ["checkpoint_id", "step", "created_at", "node", "messages", "last_message"]
    assert first in [r["checkpoint_id"] for r in rows]

    code, out = await cli(capsys, settings, "threads", "--json")
    assert code == 0
    assert json.loads(out) == [{"thread_id": THREAD, "last_activity": rows[0]["created_at"], "status": "idle",
                                "messages": 6, "checkpoints": 11, "bytes": json.loads(out)[0]["bytes"]}]
    assert json.loads(out)[0]["bytes"] > 1000

    code, out = await cli(capsys, settings, "show", THREAD, "--checkpoint", first, "--json")
    state = json.loads(out)
    assert code == 0
    assert set(state) == {"thread_id", "checkpoint_id", "parent_checkpoint_id", "created_at", "step", "source",
                          "slack_user", "messages", "summary", "customer", "interrupts", "next"}
    assert len(state["messages"]) == 2 and state["slack_user"] == "U1"

    code, out = await cli(capsys, settings, "history", THREAD)
    assert code == 0 and "checkpoint_id" in out.splitlines()[0] and first in out

    code, out = await cli(capsys, settings, "history", "slack:T1:C1:999.0", "--json")
    assert code == 1 and out == ""


async def test_metadata_filter_finds_a_users_threads(demo, database_url, capsys):
    storage, graph = demo
    await say(graph, "my name is Ada", 1, thread_id="slack:T1:C1:100.000001", user="U1")
    await say(graph, "hello", 2, thread_id="slack:T1:C2:200.000001", user="U2")
    await say(graph, "where is order 1003?", 3, thread_id="slack:T1:D9", user="U1")

    found = [c async for c in storage.checkpointer.alist(None, filter={"slack_user": "U1"})]
    assert {c.config["configurable"]["thread_id"] for c in found} == {"slack:T1:C1:100.000001", "slack:T1:D9"}
    assert all(c.metadata["slack_team"] == "T1" and c.metadata["slack_ts"] for c in found)
    every_u1 = [c async for c in storage.checkpointer.alist({"configurable": {"thread_id": "slack:T1:D9"}})]
    assert found and all(c.metadata["slack_user"] == "U1" for c in every_u1)

    code, out = await cli(capsys, settings_for(database_url), "threads", "--user", "U1", "--json")
    assert code == 0
    assert sorted(r["thread_id"] for r in json.loads(out)) == ["slack:T1:C1:100.000001", "slack:T1:D9"]
    code, out = await cli(capsys, settings_for(database_url), "threads", "--user", "U2", "--user", "U3")
    assert "slack:T1:C2:200.000001" in out and "slack:T1:D9" not in out
