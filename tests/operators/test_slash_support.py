"""/support through the real Bolt stack: signed slash commands in, ephemeral answers out."""

from __future__ import annotations

from bot import messages as say_text
from tests.operators.conftest import OPERATOR, THREAD
from tests.slack.conftest import SECRET, running_bot
from tests.support.slack_requests import apost_event, apost_form, app_mention_event, event_callback, message_event
from tests.support.slack_requests import slash_command


async def support(bot, user: str, text: str, thread_ts: str | None = "100.000001") -> str:
    """Run `/support text` as ``user`` inside the thread; returns the ephemeral answer."""
    seen = len(bot.slack.ephemerals)
    status, body = await apost_form(bot.events_url, SECRET, slash_command(
        "/support", text, user, "C1", thread_ts=thread_ts))
    assert (status, body) == (200, "")  # acked at once, answered later
    answers = await bot.slack.await_until(lambda: bot.slack.ephemerals[seen:], timeout=10)
    assert answers[0]["user"] == user and answers[0].get("thread_ts") == thread_ts
    return answers[0]["text"]


async def head(bot) -> str:
    state = await bot.service.agent.graph.aget_state({"configurable": {"thread_id": THREAD}})
    return state.config["configurable"]["checkpoint_id"]


async def start_conversation(bot) -> None:
    await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "first", "100.000001")))
    await bot.idle()
    await apost_event(bot.events_url, SECRET, event_callback(
        message_event("C1", "U1", "second", "100.000005", thread_ts="100.000001")))
    await bot.idle()


async def test_support_rewind_by_an_outsider_changes_nothing_and_by_an_operator_forks(
        database_url, fake_slack, fake_openai):
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_operators=OPERATOR) as bot:
        await start_conversation(bot)
        before = await head(bot)
        states = [s async for s in bot.service.agent.graph.aget_state_history(
            {"configurable": {"thread_id": THREAD}})]
        target = next(s.config["configurable"]["checkpoint_id"] for s in states
                      if len(s.values.get("messages", [])) == 2 and not s.next)
        posts = len(fake_slack.calls_to("chat.postMessage"))

        assert await support(bot, "U1", f"rewind {target}") == say_text.NOT_AN_OPERATOR.format(command="rewind")
        assert await support(bot, "U9", "history") == say_text.NOT_AN_OPERATOR.format(command="history")
        assert await head(bot) == before
        assert len(fake_slack.calls_to("chat.postMessage")) == posts

        listing = await support(bot, OPERATOR, "history")
        assert listing.startswith(f"History of {THREAD}, newest first") and target in listing and before in listing

        answer = await support(bot, OPERATOR, f"rewind {target}")
        assert answer.startswith(f"Rewound {THREAD} to `{target}`")
        state = await bot.service.agent.graph.aget_state({"configurable": {"thread_id": THREAD}})
        assert state.parent_config["configurable"]["checkpoint_id"] == target
        assert [m.content for m in state.values["messages"]] == ["first", "echo: first"]
        notice = fake_slack.messages("C1", "100.000001")[-1]["text"]
        assert notice.startswith(f"Rewound by <@{OPERATOR}> to checkpoint `{target}`")

        assert await support(bot, OPERATOR, "") == say_text.USAGE
        named = await support(bot, OPERATOR, f"history {THREAD}", thread_ts=None)
        assert named.startswith(f"History of {THREAD}")
        assert await support(bot, OPERATOR, "history", thread_ts=None) == say_text.NO_THREAD.format(command="history")


async def test_support_forget_erases_only_the_users_own_conversation(database_url, fake_slack, fake_openai):
    async with running_bot(database_url, fake_slack, fake_openai, supportbot_operators=OPERATOR) as bot:
        await start_conversation(bot)  # U1 started it
        assert await support(bot, "U2", "forget") == say_text.NOT_YOUR_THREAD
        assert (await bot.service.agent.graph.aget_state({"configurable": {"thread_id": THREAD}})).values

        assert await support(bot, "U1", "forget") == say_text.FORGOTTEN.format(thread_id=THREAD)
        state = await bot.service.agent.graph.aget_state({"configurable": {"thread_id": THREAD}})
        assert not state.values
        assert await bot.service.agent.storage.db.fetchone("conversation_get", {"thread_id": THREAD}) is None
