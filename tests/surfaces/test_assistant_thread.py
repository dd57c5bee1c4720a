"""The AI-app thread: suggested prompts on start, a status line while the agent works, a title."""

from __future__ import annotations

from bot import messages as say
from tests.support.slack_requests import app_mention_event, message_event
from tests.surfaces.conftest import CUSTOMER, method_index, send

DM, THREAD = "D1", "1700000100.000100"


def thread_started(channel: str = DM, thread_ts: str = THREAD, user: str = CUSTOMER) -> dict:
    return {"type": "assistant_thread_started", "event_ts": thread_ts,
            "assistant_thread": {"user_id": user, "channel_id": channel, "thread_ts": thread_ts,
                                 "context": {"channel_id": "C9", "team_id": "T1", "enterprise_id": None}}}


def ai_message(text: str, ts: str, thread_ts: str = THREAD) -> dict:
    return message_event(DM, CUSTOMER, text, ts, thread_ts=thread_ts, channel_type="im")


async def test_a_new_ai_thread_gets_a_greeting_and_shop_prompts(bot):
    await send(bot, thread_started())

    (prompts,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert prompts.ok and prompts.params["channel_id"] == DM and prompts.params["thread_ts"] == THREAD
    titles = [p["title"] for p in prompts.params["prompts"]]
    assert 3 <= len(titles) <= 4 and "Where is my order?" in titles and "I want a refund" in titles
    (greeting,) = [m for m in bot.slack.messages(DM, THREAD) if m.get("bot_id")]
    assert greeting["text"] == say.ASSISTANT_GREETING and greeting["thread_ts"] == THREAD


async def test_status_says_what_the_agent_does_before_the_answer_and_is_cleared_after(bot):
    await send(bot, thread_started())
    await send(bot, ai_message("Where is order 1003?", "1700000100.000200"))
    await bot.idle()

    statuses = [c.params["status"] for c in bot.slack.calls_to("assistant.threads.setStatus")]
    assert statuses[0] == say.THINKING
    assert "is looking up order 1003…" in statuses
    assert statuses[-1] == ""
    answer_at = method_index(bot.slack, "chat.postMessage", lambda p: "1003" in (p.get("text") or "")) \
        + method_index(bot.slack, "chat.startStream")
    set_at = method_index(bot.slack, "assistant.threads.setStatus", lambda p: p["status"])
    cleared_at = method_index(bot.slack, "assistant.threads.setStatus", lambda p: p["status"] == "")
    assert answer_at and set_at[0] < min(answer_at) and max(answer_at) < cleared_at[-1]
    assert bot.slack.calls_to("reactions.add") == []  # the assistant status replaces the reaction here
    (title,) = bot.slack.calls_to("assistant.threads.setTitle")
    assert title.params["title"] == "Where is order 1003?" and title.params["thread_ts"] == THREAD


async def test_each_ai_thread_is_its_own_remembered_conversation(bot):
    await send(bot, ai_message("My name is Ada", "1700000100.000200"))
    await bot.idle()
    await send(bot, ai_message("What's my name?", "1700000100.000300"))
    await send(bot, ai_message("What's my name?", "1700000200.000300", thread_ts="1700000200.000100"))
    await bot.idle()

    graph = bot.service.agent.graph
    first = await graph.aget_state({"configurable": {"thread_id": f"slack:T1:{DM}:{THREAD}"}})
    other = await graph.aget_state({"configurable": {"thread_id": f"slack:T1:{DM}:1700000200.000100"}})
    assert "Ada" in first.values["messages"][-1].content
    assert "Ada" not in other.values["messages"][-1].content
    assert len(bot.slack.calls_to("assistant.threads.setTitle")) == 2  # one per new thread, not per message


async def test_channel_threads_keep_the_reaction_and_no_assistant_status(bot):
    await send(bot, app_mention_event("C1", CUSTOMER, "where is order 1003?", "1700000300.000100"))
    await bot.idle()

    assert [c.params["name"] for c in bot.slack.calls_to("reactions.add")] == ["hourglass_flowing_sand"]
    assert len(bot.slack.calls_to("reactions.remove")) == 1
    assert bot.slack.calls_to("assistant.threads.setStatus") == []
    assert bot.slack.calls_to("assistant.threads.setTitle") == []


async def test_a_context_change_is_kept_on_the_greeting_and_never_fails_the_event(bot):
    changed = {**thread_started(), "type": "assistant_thread_context_changed"}
    changed["assistant_thread"] = {**changed["assistant_thread"], "context": {"channel_id": "C7", "team_id": "T1"}}
    await send(bot, changed)  # before any greeting exists: nothing to keep it on, still a 200
    await send(bot, thread_started())
    await send(bot, changed)

    (greeting,) = [m for m in bot.slack.messages(DM, THREAD) if m.get("bot_id")]
    assert greeting["metadata"] == {"event_type": "assistant_thread_context",
                                    "event_payload": {"channel_id": "C7", "team_id": "T1"}}
