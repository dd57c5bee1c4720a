"""Long answers are streamed into the thread as the model writes them."""

from __future__ import annotations

from tests.fakes.openai_server import Reply
from tests.slack.conftest import SECRET
from tests.support.slack_requests import apost_event, app_mention_event, event_callback, message_event

LONG = " ".join(f"word{n}" for n in range(150))  # ~1,000 characters, many stream chunks


async def test_answer_is_streamed_into_the_thread_once(bot):
    bot.openai.queue(Reply(content=LONG))
    await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> tell me", "600.000001")))
    await bot.idle()
    assert len(bot.slack.calls_to("chat.startStream")) == 1
    assert len(bot.slack.calls_to("chat.stopStream")) == 1
    assert bot.slack.calls_to("chat.postMessage") == []
    replies = [m for m in bot.slack.messages("C1", "600.000001") if m.get("user") == "UBOT"]
    assert len(replies) == 1
    rows = await bot.service.agent.storage.db.fetchall("outbox_for_thread", {"thread_id": "slack:T1:C1:600.000001"})
    assert [(r["status"], r["slack_ts"]) for r in rows] == [("posted", replies[0]["ts"])]


async def test_dm_top_level_answer_is_posted_whole(bot):
    bot.openai.queue(Reply(content=LONG))
    await apost_event(bot.events_url, SECRET, event_callback(message_event("D1", "U1", "tell me", "610.000001", channel_type="im")))
    await bot.idle()
    assert bot.slack.calls_to("chat.startStream") == []
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_stream_refused_by_slack_falls_back_to_one_post(bot):
    bot.openai.queue(Reply(content=LONG))
    bot.slack.fail_next("chat.startStream", 1, error="not_allowed")
    await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> tell me", "620.000001")))
    await bot.idle()
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and "word149" in posts[0].params["text"]

