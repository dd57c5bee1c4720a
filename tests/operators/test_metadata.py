"""Every checkpoint a Slack run writes carries its Slack context, so metadata filters find a user's threads."""

from __future__ import annotations

import json

from tests.fakes.openai_server import Reply
from tests.operators.conftest import OPERATOR, THREAD, cli, settings_for
from tests.slack.conftest import SECRET, running_bot
from tests.support.slack_requests import apost_event, app_mention_event, event_callback

REFUND = {"name": "refund_order", "args": {"order_id": 1001, "reason": "it broke"}}


async def test_every_checkpoint_of_a_slack_thread_names_its_user_even_across_an_approval(
        database_url, fake_slack, fake_openai, capsys):
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_operators=OPERATOR) as bot:
        fake_openai.queue(Reply(tool_calls=[REFUND]))
        await apost_event(bot.events_url, SECRET, event_callback(
            app_mention_event("C1", "U1", "refund order 1001, it broke", "100.000001")))
        # The queued tool call is for this thread: let it pause before another thread asks the model.
        await bot.idle()
        await apost_event(bot.events_url, SECRET, event_callback(
            app_mention_event("C2", "U2", "hello", "200.000001")))
        await bot.idle()
        graph, saver = bot.service.agent.graph, bot.service.agent.storage.checkpointer
        paused = await graph.aget_state({"configurable": {"thread_id": THREAD}})
        pause, paused_at = paused.interrupts[0], paused.config["configurable"]["checkpoint_id"]
        # The approval's click, as bot/approvals enqueues it: a run with no message of its own.
        await bot.service.inbox.enqueue("resume:1", THREAD, "resume",
                                        {"interrupt_id": pause.id, "value": {"decision": "approve", "by": OPERATOR}})
        bot.service.deps.wake()
        await bot.idle()
        assert (await graph.aget_state({"configurable": {"thread_id": THREAD}})).values["messages"][-1].content \
            .startswith("tool said: Refunded order 1001")

        mine = [c async for c in saver.alist({"configurable": {"thread_id": THREAD}})]
        found = [c async for c in saver.alist(None, filter={"slack_user": "U1"})]

    resumed = [c for c in mine if c.config["configurable"]["checkpoint_id"] > paused_at]
    assert len(resumed) >= 2  # the resume run wrote checkpoints of its own
    for checkpoint in mine:
        assert {k: checkpoint.metadata.get(k) for k in ("slack_team", "slack_channel", "slack_thread_ts",
                                                        "slack_user", "slack_ts")} == {
            "slack_team": "T1", "slack_channel": "C1", "slack_thread_ts": "100.000001",
            "slack_user": "U1", "slack_ts": "100.000001"}
    assert sorted(c.config["configurable"]["checkpoint_id"] for c in found) == \
        sorted(c.config["configurable"]["checkpoint_id"] for c in mine)

    code, out = await cli(capsys, settings_for(database_url), "threads", "--user", "U2", "--json")
    assert [r["thread_id"] for r in json.loads(out)] == ["slack:T1:C2:200.000001"]
