"""Bad input at the door: a clear 4xx, nothing stored, and the app keeps serving."""

from __future__ import annotations

import json
import time

from tests.slack.conftest import SECRET
from tests.support.slack_requests import JSON, apost, apost_event, app_mention_event, event_callback


async def _open_items(bot) -> int:
    row = await bot.service.agent.storage.db.fetchone("inbox_depth")
    return int(row["depth"])


async def test_bad_signature_is_refused(bot):
    status, _ = await apost_event(bot.events_url, "not-the-secret",
                                  event_callback(app_mention_event("C1", "U1", "hi", "400.000001")))
    assert status == 401
    assert await _open_items(bot) == 0


async def test_stale_timestamp_is_refused(bot):
    body = json.dumps(event_callback(app_mention_event("C1", "U1", "hi", "400.000002")))
    status, _ = await apost(bot.events_url, SECRET, body, JSON, timestamp=int(time.time()) - 3600)
    assert status == 401
    assert await _open_items(bot) == 0


async def test_unsigned_request_is_refused(bot):
    body = json.dumps(event_callback(app_mention_event("C1", "U1", "hi", "400.000003")))
    status, _ = await apost(bot.events_url, SECRET, body, JSON,
                            headers_override={"X-Slack-Signature": None, "X-Slack-Request-Timestamp": None})
    assert status == 401


async def test_malformed_body_gets_4xx_and_the_app_keeps_serving(bot):
    status, _ = await apost(bot.events_url, SECRET, "{not json", JSON)
    assert 400 <= status < 500
    status, _ = await apost(bot.events_url, SECRET, json.dumps({"type": "event_callback"}), JSON)
    assert 400 <= status < 500 or status == 200
    status, _ = await apost_event(bot.events_url, SECRET,
                                  event_callback(app_mention_event("C1", "U1", "<@UBOT> still there?", "400.000004")))
    assert status == 200
    await bot.idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_a_40kb_message_is_stored_and_answered(bot):
    text = "<@UBOT> " + ("order help " * 3700)[:40_000]
    status, _ = await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", text, "400.000005")))
    assert status == 200
    await bot.idle(timeout=60)
    assert bot.openai.requests and len(bot.openai.requests[-1]["messages"][-1]["content"]) >= 39_000
    # The fake model echoes it: a 40 KB answer is split within Slack's 12,000-character markdown limit.
    # (The first part is streamed, then completed by chat.update; the rest are posted.)
    replies = [m for m in bot.slack.messages("C1", "400.000005") if m.get("user") == "UBOT"]
    assert len(replies) == 4
    assert all(len(block["text"]) <= 12_000 for m in replies for block in m.get("blocks") or []
               if block["type"] == "markdown")  # the last one also has its feedback buttons


async def test_oversized_message_gets_a_clear_reply_not_silence(database_url, fake_slack, fake_openai):
    from tests.slack.conftest import running_bot

    async with running_bot(database_url, fake_slack, fake_openai, supportbot_max_message_chars=1000) as bot:
        text = "<@UBOT> " + "x" * 5000
        status, _ = await apost_event(bot.events_url, SECRET, event_callback(app_mention_event("C1", "U1", text, "400.000006")))
        assert status == 200
        await bot.idle()
        posts = fake_slack.calls_to("chat.postMessage")
        assert len(posts) == 1 and "5,000 characters" in posts[0].params["text"]
        assert fake_openai.requests == []
