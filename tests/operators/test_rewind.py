"""rewind: the thread continues from the chosen checkpoint; nothing is lost; no worker is raced."""

from __future__ import annotations

import json
import time

import pytest

from bot.slack.bolt_app import slack_client
from bot.operators.lease import ThreadBusy
from bot.operators.rewind import rewind
from bot.operators.session import open_session
from bot.operators.timeline import NotFound, checkpoint_id_of, history, snapshot_at
from bot.slack.outbox import SlackOut
from tests.fakes.openai_server import message_text
from tests.operators.conftest import OPERATOR, THREAD, cli, raw, say, settings_for
from tests.slack.conftest import SECRET, running_bot
from tests.support.slack_requests import apost_event, app_mention_event, event_callback, message_event


def head_of(rows: list[dict]) -> str:
    return rows[0]["checkpoint_id"]


async def test_after_a_rewind_the_model_is_given_the_forked_history(database_url, fake_slack, fake_openai, capsys):
    settings = settings_for(database_url, fake_slack, fake_openai)
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_operators=OPERATOR) as bot:
        await apost_event(bot.events_url, SECRET, event_callback(
            app_mention_event("C1", "U1", "<@UBOT> first", "100.000001")))
        await bot.idle()
        await apost_event(bot.events_url, SECRET, event_callback(
            message_event("C1", "U1", "second", "100.000005", thread_ts="100.000001")))
        await bot.idle()
        _, out = await cli(capsys, settings, "history", THREAD, "--json")
        before = json.loads(out)
        target = next(r["checkpoint_id"] for r in before
                      if r["node"] == "agent" and r["last_message"] == "assistant: echo: first")

        code, out = await cli(capsys, settings, "rewind", THREAD, "--to", target, "--by", "ops", "--json")
        assert code == 0, out
        result = json.loads(out)
        assert result["to"] == target and result["old_head"] == head_of(before)
        assert result["slack_notice"] == "posted"
        notices = [m["text"] for m in fake_slack.messages("C1", "100.000001") if "Rewound" in m["text"]]
        assert notices == [f"Rewound by ops to checkpoint `{target}`. I'll continue this conversation from there; "
                           "what came after it is set aside."]

        await apost_event(bot.events_url, SECRET, event_callback(
            message_event("C1", "U1", "third", "100.000009", thread_ts="100.000001")))
        await bot.idle()

    given = [message_text(m.get("content")) for m in fake_openai.requests[-1]["messages"][1:]]
    assert given == ["first", "echo: first", "third"]
    assert "echo: third" in fake_slack.messages("C1", "100.000001")[-1]["text"]
    _, out = await cli(capsys, settings, "history", THREAD, "--json")
    after = json.loads(out)
    assert {r["checkpoint_id"] for r in before} < {r["checkpoint_id"] for r in after}  # nothing deleted
    async with open_session(settings) as session:
        steps = await history(session.graph, THREAD)
    abandoned = {s.checkpoint_id for s in steps if not s.on_head}
    assert head_of(before) in abandoned and target not in abandoned
    assert next(s for s in steps if s.checkpoint_id == result["new_head"]).node == "rewind"


async def test_rewind_voids_the_abandoned_branchs_approval_and_releases_held_messages(
        demo, database_url, fake_slack):
    storage, graph = demo
    first = await say(graph, "my name is Ada", 1)
    await say(graph, "please refund order 1001, it broke", 2)  # pauses for approval
    pause = (await graph.aget_state({"configurable": {"thread_id": THREAD}})).interrupts[0]
    fake_slack.add_user_message("C1", "100.000050", "Approve refund_order?", user="UBOT")
    now = time.time()
    raw(database_url, "INSERT INTO approvals (interrupt_id, thread_id, tool, args, requester, status, card_channel,"
        " card_ts, created_at) VALUES (?, ?, 'refund_order', '{\"order_id\": 1001}', 'U1', 'pending', 'C1',"
        " '100.000050', ?)", (pause.id, THREAD, now))
    raw(database_url, "INSERT INTO inbox (delivery_key, thread_id, kind, payload, status, created_at, updated_at)"
        " VALUES ('T1:C1:100.000060', ?, 'message', '{}', 'held', ?, ?)", (THREAD, now, now))
    settings = settings_for(database_url, fake_slack)

    result = await rewind(graph, storage.db, THREAD, first, "ops", slack=SlackOut(slack_client(settings), storage.db))

    assert [a["tool"] for a in result.voided] == ["refund_order"] and result.released == 1
    assert raw(database_url, "SELECT status, decided_by FROM approvals") == [("void", "ops")]
    assert raw(database_url, "SELECT status FROM inbox") == [("pending",)]
    assert sorted(r[0] for r in raw(database_url, "SELECT action FROM audit_log")) == ["rewind", "void"]
    card = fake_slack.messages("C1")[0]
    assert card["ts"] == "100.000050" and card["text"].startswith("Void: this conversation was rewound by ops")
    state = await graph.aget_state({"configurable": {"thread_id": THREAD}})
    assert state.interrupts == () and state.next == () and len(state.values["messages"]) == 2
    assert state.parent_config["configurable"]["checkpoint_id"] == first
    assert raw(database_url, "SELECT count(*) FROM shop_refunds") == [(0,)]


async def test_rewind_refuses_while_a_worker_holds_the_thread(demo):
    storage, graph = demo
    first = await say(graph, "my name is Ada", 1)
    head = await say(graph, "where is order 1003?", 2)
    now = time.time()
    taken = await storage.db.fetchone("operator_lease_take", {
        "thread_id": THREAD, "owner": "worker-1", "now": now, "expires": now + 30})
    assert taken is not None

    with pytest.raises(ThreadBusy, match="is running right now"):
        await rewind(graph, storage.db, THREAD, first, "ops", wait=0.3)

    state = await graph.aget_state({"configurable": {"thread_id": THREAD}})
    assert state.config["configurable"]["checkpoint_id"] == head
    assert (await storage.db.fetchone("operator_lease_holder", {"thread_id": THREAD}))["owner"] == "worker-1"


async def test_rewind_to_a_checkpoint_that_does_not_exist_refuses_before_taking_the_lease(demo):
    storage, graph = demo
    head = await say(graph, "my name is Ada", 1)
    now = time.time()
    await storage.db.fetchone("operator_lease_take", {
        "thread_id": THREAD, "owner": "worker-1", "now": now, "expires": now + 30})
    missing = "1f000000-0000-6000-8000-000000000000"

    # A long wait: were the lease asked for first, this would end in ThreadBusy after it.
    started = time.monotonic()
    with pytest.raises(NotFound, match=missing):
        await rewind(graph, storage.db, THREAD, missing, "ops", wait=30)
    assert time.monotonic() - started < 5
    with pytest.raises(NotFound, match=missing):
        await snapshot_at(graph, THREAD, missing)
    assert checkpoint_id_of(await snapshot_at(graph, THREAD, head)) == head
