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


async def test_dm_top_level_messages_form_one_conversation(bot):
    for n, text in enumerate(["hello", "again"]):
        await apost_event(bot.events_url, SECRET, event_callback(
            message_event("D1", "U1", text, f"500.00000{n}", channel_type="im")))
        await bot.idle()
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 2
    assert all(p.params.get("thread_ts") in (None, "") for p in posts)  # top-level, like the user
    texts = [m.get("content") for m in bot.openai.requests[-1]["messages"]]
    assert "hello" in texts and "again" in texts


async def test_dm_threaded_reply_is_answered_in_that_thread(bot):
    await apost_event(bot.events_url, SECRET, event_callback(
        message_event("D1", "U1", "in a thread", "510.000002", thread_ts="510.000001", channel_type="im")))
    await bot.idle()
    assert bot.slack.calls_to("chat.postMessage")[0].params["thread_ts"] == "510.000001"


async def test_edits_deletions_joins_and_bots_are_ignored(bot):
    ignored = [
        message_event("C1", "U1", "<@UBOT> edited", "520.000001", subtype="message_changed"),
        message_event("C1", "U1", "<@UBOT> gone", "520.000002", subtype="message_deleted"),
        message_event("C1", "U1", "<@UBOT> joined", "520.000003", subtype="channel_join"),
        message_event("C1", "U2", "<@UBOT> from a bot", "520.000004", bot_id="B2"),
        message_event("C1", "UBOT", "my own words", "520.000005", thread_ts="520.000001"),
        message_event("D1", "U1", "dm edit", "520.000006", channel_type="im", subtype="message_changed"),
    ]
    for event in ignored:
        status, _ = await apost_event(bot.events_url, SECRET, event_callback(event))
        assert status == 200
    await bot.idle()
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.openai.requests == []


async def test_two_users_in_two_threads_at_once_stay_isolated(bot):
    await asyncio.gather(
        apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> alpha secret", "530.000001"))),
        apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C2", "U2", "<@UBOT> bravo secret", "530.000002"))),
    )
    await bot.idle()
    for request in bot.openai.requests:
        texts = " ".join(str(m.get("content")) for m in request["messages"])
        assert not ("alpha" in texts and "bravo" in texts)
    by_thread = {p.params["thread_ts"]: p.params["text"] for p in bot.slack.calls_to("chat.postMessage")}
    assert "alpha" in by_thread["530.000001"] and "bravo" in by_thread["530.000002"]


async def test_thinking_status_is_shown_and_cleared(bot):
    await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> hi", "540.000001")))
    await bot.idle()
    added = bot.slack.calls_to("reactions.add")
    removed = bot.slack.calls_to("reactions.remove")
    assert len(added) == 1 and len(removed) == 1
    assert added[0].params["timestamp"] == removed[0].params["timestamp"] == "540.000001"


async def test_a_failing_model_gets_one_plain_sentence_and_the_status_cleared(database_url, fake_slack, fake_openai):
    from tests.slack.conftest import running_bot

    fake_openai.fail_next(100, status=400)  # not transient: no retry helps
    async with running_bot(database_url, fake_slack, fake_openai) as bot:
        await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", "<@UBOT> hi", "550.000001")))
        await bot.idle(timeout=30)
        posts = fake_slack.calls_to("chat.postMessage")
        assert len(posts) == 1
        assert "went wrong" in posts[0].params["text"] or "problem on my side" in posts[0].params["text"]
        assert "Error" not in posts[0].params["text"] and "400" not in posts[0].params["text"]
        assert len(fake_slack.calls_to("reactions.remove")) >= 1
