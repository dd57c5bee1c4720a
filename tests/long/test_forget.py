"""Forget: a user's or a thread's data is gone from every table (a planted canary is found nowhere)."""

from __future__ import annotations

import json
import os
import time

import pytest

from bot import cli
from bot import messages as say
from bot.operators import forget
from bot.operators.forget import forget_thread, forget_user
from bot.operators.lease import ThreadBusy
from graph.agent import build_graph, human_message
from graph.retention import prune_thread
from graph.shop import Shop
from graph.storage import open_storage
from graph.summary import SummaryConfig, make_summarizer
from tests.long.helpers import files_containing, run_sql, tables_containing, thread
from tests.support.fixtures import database_fixture

CANARY = "CANARY-7f3a9c2e"
USER, OTHER = "U0CANARY1", "U0OTHER22"


database_url = database_fixture("sqlite", "postgres")


async def plant(storage, model, thread_id: str, user: str, secret: str) -> None:
    """A Slack-like thread by ``user`` whose text carries ``secret`` everywhere the bot stores text."""
    summarizer = make_summarizer(model, None, config=SummaryConfig(budget_tokens=150, max_messages=6))
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db), summarizer=summarizer)
    config = thread(thread_id, slack_user=user, slack_team="T1", slack_channel="C1", slack_thread_ts="1.0")
    for text in (f"my name is Ada, my secret is {secret}", f"please open a ticket: {secret} is broken",
                 "where is order 1003?", f"refund order 1001, reason {secret}"):
        await agent.ainvoke({"messages": [human_message(text, name=user)]}, config)
    state = await agent.aget_state(config)
    assert secret in state.values.get("summary", "")  # the summary carries it too
    (interrupt,) = state.interrupts
    now = time.time()
    payload = json.dumps({"user": user, "text": f"hi {secret}", "ts": "1.0"})
    for statement, params in [
        ("INSERT INTO conversations (thread_id, team_id, channel_id, thread_ts, started_by, created_at, "
         "last_activity_at) VALUES (:t, 'T1', 'C1', '1.0', :u, :now, :now)", {}),
        ("INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at) "
         "VALUES (:k, :t, 'message', :p, 'done', :now, :now)", {"k": f"T1:C1:{thread_id}", "p": payload}),
        ("INSERT INTO outbox (outbox_key, thread_id, channel_id, kind, body, created_at) "
         "VALUES (:k, :t, 'C1', 'answer', :s, :now)", {"k": f"out:{thread_id}", "s": f"answer about {secret}"}),
        ("INSERT INTO approvals (interrupt_id, thread_id, tool, args, requester, reason, status, created_at) "
         "VALUES (:i, :t, 'refund_order', :s, :u, :s, 'pending', :now)", {"i": interrupt.id, "s": f'{{"r": "{secret}"}}'}),
        ("INSERT INTO audit_log (at, actor, action, thread_id, tool, args, outcome, detail) "
         "VALUES (:now, :u, 'approval_requested', :t, 'refund_order', :s, 'pending', :s)", {"s": secret}),
    ]:
        await run_sql(storage, statement, {"t": thread_id, "u": user, "now": now, **params})


async def test_forget_user_leaves_no_trace_of_the_canary_in_any_table(storage, model):
    await plant(storage, model, "slack:T1:C1:1.0", USER, CANARY)
    await plant(storage, model, "slack:T1:C1:2.0", OTHER, "OTHER-SECRET-9")
    found = await tables_containing(storage, CANARY)
    assert {"inbox.payload", "outbox.body", "approvals.args", "audit_log.detail", "shop_tickets.body"} <= set(found)
    assert any(t.startswith("checkpoint") for t in found)

    result = await forget_user(storage, USER)

    assert result["threads"] == ["slack:T1:C1:1.0"]
    assert result["checkpoints"] > 0 and result["inbox"] == 1 and result["approvals"] == 1
    assert result["audit_log_redacted"] == 1 and "unhandled_tables" not in result
    assert await tables_containing(storage, CANARY) == []
    # The other user's thread is untouched, and audit rows stay (redacted).
    other = await tables_containing(storage, "OTHER-SECRET-9")
    assert {"inbox.payload", "approvals.args", "audit_log.detail"} <= set(other)
    assert any(t.startswith("checkpoint") for t in other)
    assert await run_sql(storage, "SELECT args, detail FROM audit_log WHERE thread_id = 'slack:T1:C1:1.0'") == [
        ("[redacted]", "[redacted]")]


async def test_forget_thread_erases_one_thread_even_after_retention(storage, model):
    await plant(storage, model, "slack:T1:C1:3.0", USER, CANARY)
    await prune_thread(storage, "slack:T1:C1:3.0", keep=2)
    result = await forget_thread(storage, "slack:T1:C1:3.0")
    assert result["conversations"] == 1 and result["outbox"] == 1
    assert await tables_containing(storage, CANARY) == []
    assert await forget_thread(storage, "slack:T1:C1:3.0") == {**{k: 0 for k in result}}  # idempotent


async def test_a_user_is_found_by_the_name_on_their_messages_when_nothing_else_names_them(storage, model):
    agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
    await agent.ainvoke({"messages": [human_message(f"hello {CANARY}", name=USER)]}, thread("slack:T1:C9:1.0"))
    await agent.ainvoke({"messages": [human_message(f"hi <@{USER}>", name=OTHER)]}, thread("slack:T1:C9:2.0"))
    assert (await forget_user(storage, USER))["threads"] == ["slack:T1:C9:1.0"]
    assert await tables_containing(storage, CANARY) == []


def test_supportbot_forget_on_the_command_line(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'bot.db'}"

    async def setup():
        async with open_storage(url) as storage:
            from tests.long.conftest import RecordingDemoModel

            await plant(storage, RecordingDemoModel(), "slack:T1:C1:4.0", USER, CANARY)

    import asyncio

    asyncio.run(setup())
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["forget", "--user", USER]) == 0
    out = capsys.readouterr().out
    assert "forgot user U0CANARY1: 1 thread(s)" in out and "slack:T1:C1:4.0" in out and "checkpoints:" in out
    # Forgotten already, or never there: nothing found, exit 1.
    assert cli.main(["forget", "--thread", "slack:T1:C1:4.0", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["checkpoints"] == 0
    assert cli.main(["forget", "--thread", "slack:T1:C1:no-such"]) == 1
    assert capsys.readouterr().out == "thread slack:T1:C1:no-such: nothing found to forget\n"
    assert cli.main(["forget", "--user", "U0NOBODY"]) == 1
    assert capsys.readouterr().out == "user U0NOBODY: nothing found to forget\n"

    async def scan():
        async with open_storage(url) as storage:
            return await tables_containing(storage, CANARY)

    assert asyncio.run(scan()) == []
    assert files_containing(str(tmp_path / "bot.db"), CANARY) == []


async def test_forget_refuses_in_a_sentence_while_a_worker_holds_the_thread(storage, model, monkeypatch):
    await plant(storage, model, "slack:T1:C1:5.0", USER, CANARY)
    now = time.time()
    assert await storage.db.fetchone("operator_lease_take", {
        "thread_id": "slack:T1:C1:5.0", "owner": "worker-1", "now": now, "expires": now + 30})
    monkeypatch.setattr(forget, "WAIT_SECONDS", 0.1)
    with pytest.raises(ThreadBusy) as refused:
        await forget_thread(storage, "slack:T1:C1:5.0")
    assert str(refused.value) == say.FORGET_BUSY
    assert (await forget_user(storage, USER))["busy"] == ["slack:T1:C1:5.0"]
    assert "inbox.payload" in await tables_containing(storage, CANARY)  # refused: nothing erased


async def test_forget_user_finds_threads_by_the_name_on_their_messages_under_encryption(database_url, model):
    async with open_storage(database_url, keys=[os.urandom(32)]) as storage:
        agent = build_graph(storage.checkpointer, model=model, shop=Shop(storage.db))
        await agent.ainvoke({"messages": [human_message(f"hello {CANARY}", name=USER)]},
                            thread("slack:T1:C8:1.0"))
        await agent.ainvoke({"messages": [human_message(f"hi <@{USER}>", name=OTHER)]}, thread("slack:T1:C8:2.0"))
        assert (await forget_user(storage, USER))["threads"] == ["slack:T1:C8:1.0"]
        assert (await agent.aget_state(thread("slack:T1:C8:1.0"))).values == {}
