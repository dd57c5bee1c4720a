"""Slack events through the real Bolt stack: signed HTTP in, Web API calls out."""

from __future__ import annotations

import asyncio

from tests.slack.conftest import SECRET
from tests.support.slack_requests import apost_event, app_mention_event, event_callback, message_event


def replies(fake_slack, channel="C1", thread_ts=None):
    return [m for m in fake_slack.messages(channel, thread_ts) if m.get("user") == "UBOT" or m.get("bot_id")]


async def test_mention_is_answered_in_its_thread(bot):
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(
        app_mention_event("C1", "U1", "<@UBOT> hello there", "100.000001")))
    assert status == 200
    await bot.idle()
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["thread_ts"] == "100.000001"
    assert "echo: hello there" in posts[0].params["text"]


async def test_mention_delivered_as_mention_and_message_is_answered_once(bot):
    mention = app_mention_event("C1", "U1", "<@UBOT> hi", "100.000002")
    message = message_event("C1", "U1", "<@UBOT> hi", "100.000002")
    results = await asyncio.gather(
        apost_event(bot.events_url, SECRET, event_callback(mention, event_id="Ev1")),
        apost_event(bot.events_url, SECRET, event_callback(message, event_id="Ev2")),
    )
    assert [r[0] for r in results] == [200, 200]
    await bot.idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_reply_in_joined_thread_continues_the_conversation(bot):
    await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> first", "200.000001")))
    await bot.idle()
    await apost_event(bot.events_url, SECRET, event_callback(
        message_event("C1", "U1", "second", "200.000005", thread_ts="200.000001")))
    await bot.idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 2
    last_request = bot.openai.requests[-1]
    texts = [m.get("content") for m in last_request["messages"]]
    assert "first" in texts and "second" in texts


async def test_thread_the_bot_never_joined_is_ignored(bot):
    await apost_event(bot.events_url, SECRET, event_callback(
        message_event("C1", "U1", "chatting", "300.000005", thread_ts="300.000001")))
    await apost_event(bot.events_url, SECRET, event_callback(message_event("C1", "U1", "top level", "300.000009")))
    await bot.idle()
    assert bot.slack.calls_to("chat.postMessage") == []
